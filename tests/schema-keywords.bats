#!/usr/bin/env bats
# jsonl-validate: every JSON Schema 2020-12 keyword and format it supports,
# as tables of schema, instances and the expected verdict. The external
# JSON-Schema-Test-Suite run is tests/conformance/json-schema-test-suite.bats;
# these cases are sluice's own, so a bare clone still tests every keyword.
#
# Table: "S SCHEMA" starts a block; then "+ INSTANCE" must pass (out on
# stdout byte for byte, in order) and "- INSTANCE" must be rejected (in the
# rejects file at its row). One JSON text per line; "#" lines are comments.

load test_helper
bats_require_minimum_version 1.5.0

schema_table() {
	local d=$BATS_TEST_TMPDIR n=0 row=0 line b
	while IFS= read -r line; do
		case $line in
		'S '*)	n=$((n + 1)) row=0 b="$d/$n"
			printf '%s\n' "${line#S }" >"$b.schema.json"
			: >"$b.in"; : >"$b.pass"; : >"$b.want" ;;
		'+ '* | '- '*)
			row=$((row + 1))
			printf '%s\n' "${line#? }" >>"$b.in"
			[ "${line%% *}" = - ] || printf '%s\n' "${line#? }" >>"$b.pass"
			printf '%s %s\n' "${line%% *}" "${line#? }" >>"$b.want" ;;
		'#'* | '') ;;
		*)	fail "bad table line: $line" ;;
		esac
	done
	local bad=0 i
	for ((i = 1; i <= n; i++)); do
		b="$d/$i"
		jsonl-validate -q -s "$b.schema.json" -r "$b.rej" <"$b.in" \
		    >"$b.out" 2>"$b.err" ||
		    { echo "schema $(cat "$b.schema.json"): exit $?: $(cat "$b.err")"; bad=1; continue; }
		# The verdict of each row, from the rejects file.
		awk -v rej=" $(jq -r ._error_row "$b.rej" | tr '\n' ' ')" \
		    '{ print (index(rej, " " NR " ") ? "-" : "+") " " $0 }' \
		    "$b.in" >"$b.got"
		if ! cmp -s "$b.want" "$b.got" || ! cmp -s "$b.pass" "$b.out"; then
			echo "schema $(cat "$b.schema.json"): want, got:"
			diff "$b.want" "$b.got" | sed -n 's/^[<>] /  /p'
			cmp -s "$b.pass" "$b.out" || echo "  passed lines not byte for byte"
			bad=1
		fi
	done
	[ "$n" -gt 0 ] && [ "$bad" = 0 ]
}

@test "type: each JSON type, integers by value, a list of types" {
	schema_table <<'EOF'
S {"type":"integer"}
+ 1
+ -0
+ 1.0
+ 1e2
+ 123456789012345678901234567890
- 1.5
- 1e-2
- "1"
- true
- null
S {"type":"number"}
+ 1
+ -2.5e-3
+ 1e400
- "1"
- [1]
S {"type":"string"}
+ ""
+ "1"
- 1
- null
S {"type":"boolean"}
+ true
+ false
- 0
- "true"
S {"type":"null"}
+ null
- 0
- ""
- false
S {"type":"array"}
+ []
+ [1,"a"]
- {}
- "[]"
S {"type":"object"}
+ {}
+ {"a":[]}
- []
- null
S {"type":["string","null"]}
+ "x"
+ null
- 1
- {}
EOF
}

@test "enum and const: equal by value, 1 is 1.0, false is not 0, key order aside" {
	schema_table <<'EOF'
S {"enum":[1,"a",null,[1,2],{"k":true}]}
+ 1
+ 1.0
+ 10e-1
+ "a"
+ "\u0061"
+ null
+ [1,2]
+ [1.0,2]
+ {"k":true}
- true
- "A"
- [2,1]
- {"k":1}
- {"k":true,"x":1}
S {"const":false}
+ false
- 0
- null
- ""
S {"const":{"a":1,"b":[0]}}
+ {"b":[0],"a":1}
+ {"a":1.0,"b":[0.0]}
- {"a":1}
- {"a":1,"b":[false]}
S {"const":9007199254740993}
+ 9007199254740993
- 9007199254740992
S {"enum":["a","b"],"x-sluice-enum-ci":true}
+ "B"
- "c"
EOF
}

@test "objects: required, properties, additionalProperties, patternProperties" {
	schema_table <<'EOF'
S {"required":["id","name"]}
+ {"id":1,"name":null}
- {"id":1}
- {}
+ []
+ "not an object"
S {"properties":{"id":{"type":"integer"},"tags":{"type":"array"}}}
+ {"id":7,"tags":[],"other":"x"}
+ {}
- {"id":"7"}
- {"tags":{}}
S {"properties":{"a":true},"additionalProperties":false}
+ {"a":1}
+ {}
- {"a":1,"b":2}
S {"properties":{"a":true},"patternProperties":{"^x_":{"type":"string"}},"additionalProperties":{"type":"integer"}}
+ {"a":[],"x_note":"s","n":3}
- {"x_note":1}
- {"n":"3"}
S {"patternProperties":{"[0-9]":{"minimum":10}}}
+ {"a1b":10,"abc":1}
- {"k9":9}
S {"properties":{"a\"b":{"const":1},"\u00e9":{"const":2}}}
+ {"a\"b":1,"é":2}
- {"a\"b":2}
- {"\u00e9":1}
EOF
}

@test "objects: propertyNames, dependentRequired, dependentSchemas, minProperties, maxProperties" {
	schema_table <<'EOF'
S {"propertyNames":{"pattern":"^[a-z_]+$","maxLength":5}}
+ {"a_b":1}
+ {}
- {"A":1}
- {"toolong":1}
S {"dependentRequired":{"card":["billing","cvc"]}}
+ {"card":1,"billing":2,"cvc":3}
+ {"billing":2}
- {"card":1,"billing":2}
S {"dependentSchemas":{"card":{"required":["cvc"],"properties":{"cvc":{"type":"integer"}}}},"dependentRequired":{"iban":["bic"]}}
+ {"card":1,"cvc":3}
+ {"cvc":"x"}
+ []
+ {"iban":1,"bic":2}
- {"card":1}
- {"card":1,"cvc":"x"}
- {"iban":1}
S {"minProperties":1,"maxProperties":2}
+ {"a":1}
+ {"a":1,"b":2}
- {}
- {"a":1,"b":2,"c":3}
+ []
EOF
}

@test "arrays: items, prefixItems, contains with minContains and maxContains" {
	schema_table <<'EOF'
S {"items":{"type":"integer"}}
+ []
+ [1,2,3]
- [1,"2"]
+ {"0":"not an array"}
S {"prefixItems":[{"type":"string"},{"type":"integer"}],"items":false}
+ ["a",1]
+ ["a"]
+ []
- [1,"a"]
- ["a",1,null]
S {"prefixItems":[true],"items":{"type":"boolean"}}
+ [null,true,false]
- [null,1]
S {"items":false}
+ []
- [0]
S {"contains":{"const":"x"}}
+ ["a","x"]
- ["a","b"]
- []
S {"contains":{"type":"integer"},"minContains":2,"maxContains":3}
+ [1,"a",2]
+ [1,2,3]
- [1,"a"]
- [1,2,3,4]
S {"contains":{"type":"integer"},"minContains":0}
+ []
+ ["a"]
EOF
}

@test "arrays: minItems, maxItems, uniqueItems by value" {
	schema_table <<'EOF'
S {"minItems":1,"maxItems":2}
+ [0]
+ [0,0]
- []
- [0,0,0]
+ "ab"
S {"uniqueItems":true}
+ []
+ [1,"1",true,null,[1],{"a":1}]
+ [0,false]
+ [{"a":1,"b":2},{"a":1,"b":3}]
- [1,1.0]
- ["a","\u0061"]
- [[1,2],[1,2]]
- [{"a":1,"b":2},{"b":2,"a":1}]
S {"uniqueItems":false}
+ [1,1]
EOF
}

@test "strings: minLength and maxLength count code points; pattern is unanchored ECMA-262" {
	schema_table <<'EOF'
S {"minLength":2,"maxLength":3}
+ "ab"
+ "abc"
+ "éé"
+ "😀😀"
+ "\ud83d\ude00\u00e9"
- "a"
- "😀"
- "abcd"
+ 12345
S {"pattern":"b+c"}
+ "abbcd"
- "ac"
+ 7
S {"pattern":"^\\p{L}+$"}
+ "Ελληνικά"
+ "abc"
- "ab1"
S {"pattern":"^á"}
+ "ápple"
- "apple"
S {"pattern":"^a$"}
+ "a"
- "a\n"
EOF
}

@test "numbers: minimum, maximum and the exclusive bounds, exact on long digits" {
	schema_table <<'EOF'
S {"minimum":1.5,"maximum":10}
+ 1.5
+ 10
+ 10.0
+ 3
- 1.4999999999999999999
- 10.000000000000000001
- -1e400
+ "11"
S {"exclusiveMinimum":0,"exclusiveMaximum":1}
+ 0.5
+ 1e-300
- 0
- 1
- -0.0
S {"maximum":9007199254740992}
+ 9007199254740992
- 9007199254740993
S {"minimum":-12345678901234567890}
+ -12345678901234567890
- -12345678901234567891
EOF
}

@test "numbers: multipleOf is exact for decimals and safe on huge values" {
	schema_table <<'EOF'
S {"multipleOf":2}
+ 10
+ 4.0
+ 0
+ -6
- 7
- 7.5
S {"multipleOf":0.0001}
+ 0.0075
+ 12.3456
- 0.00751
S {"multipleOf":0.01}
+ 19.99
+ 1e2
- 19.999
S {"type":"integer","multipleOf":0.123456789}
- 1e308
S {"multipleOf":3}
+ 123456789012345678901234567890
- 123456789012345678901234567891
EOF
}

@test "combinators: allOf, anyOf, oneOf, not" {
	schema_table <<'EOF'
S {"allOf":[{"type":"integer"},{"minimum":3}]}
+ 3
- 2
- 3.5
S {"anyOf":[{"type":"string"},{"minimum":10}]}
+ "a"
+ 10
- 9
S {"oneOf":[{"type":"integer"},{"minimum":2}]}
+ 1
+ 2.5
- 3
- 1.5
S {"not":{"type":"null"}}
+ 0
- null
S {"allOf":[true,{}],"anyOf":[false,true],"oneOf":[true,false]}
+ "anything"
S {"anyOf":[false]}
- "anything"
EOF
}

@test "conditionals: if, then, else; then or else alone do nothing" {
	schema_table <<'EOF'
S {"if":{"properties":{"kind":{"const":"card"}},"required":["kind"]},"then":{"required":["number"]},"else":{"required":["iban"]}}
+ {"kind":"card","number":"4111"}
+ {"kind":"bank","iban":"DE00"}
+ {"iban":"DE00"}
- {"kind":"card","iban":"DE00"}
- {"kind":"bank","number":"4111"}
S {"then":false,"else":false}
+ 1
S {"if":true,"then":{"type":"string"}}
+ "a"
- 1
S {"if":false,"else":{"type":"string"}}
+ "a"
- 1
EOF
}

@test "references: local \$ref into \$defs and definitions, escaped pointers, the root, recursion" {
	schema_table <<'EOF'
S {"$defs":{"id":{"type":"integer","minimum":1}},"properties":{"id":{"$ref":"#/$defs/id"}}}
+ {"id":1}
- {"id":0}
- {"id":"1"}
S {"definitions":{"s":{"type":"string"}},"items":{"$ref":"#/definitions/s"}}
+ ["a"]
- [1]
S {"$defs":{"a/b":{"const":1},"c~d":{"const":2},"e%f":{"const":3}},"prefixItems":[{"$ref":"#/$defs/a~1b"},{"$ref":"#/$defs/c~0d"},{"$ref":"#/$defs/e%25f"}]}
+ [1,2,3]
- [2,2,3]
- [1,1,3]
- [1,2,1]
S {"properties":{"child":{"$ref":"#"}},"required":["name"]}
+ {"name":"a","child":{"name":"b","child":{"name":"c"}}}
- {"name":"a","child":{"child":{"name":"c"}}}
S {"$defs":{"t":true,"f":false},"properties":{"ok":{"$ref":"#/$defs/t"},"no":{"$ref":"#/$defs/f"}}}
+ {"ok":1}
- {"no":1}
S {"$defs":{"n":{"type":"integer"}},"$ref":"#/$defs/n","minimum":5}
+ 5
- 4
- 5.5
S {"properties":{"$ref":{"type":"string"}}}
+ {"$ref":"a"}
- {"$ref":1}
EOF
}

@test "boolean schemas and default: true takes all, false nothing, default is never applied" {
	schema_table <<'EOF'
S true
+ 1
+ {"a":null}
S false
- 1
- {}
S {"properties":{"a":true,"b":false}}
+ {"a":1}
- {"b":1}
S {"properties":{"a":{"type":"string","default":5}},"default":"not an object"}
+ {}
+ {"a":"x"}
- {"a":5}
EOF
}

@test "format date-time: RFC 3339, offsets, leap seconds at 23:59:60 UTC only" {
	schema_table <<'EOF'
S {"format":"date-time"}
+ "1963-06-19T08:30:06.283185Z"
+ "1963-06-19T08:30:06Z"
+ "1963-06-19t08:30:06z"
+ "1937-01-01T12:00:27.87+00:20"
+ "1990-12-31T15:59:60-08:00"
+ "1998-12-31T23:59:60Z"
+ 20240101
- "1998-12-31T22:59:60Z"
- "1990-02-31T15:59:59.123-08:00"
- "1990-12-31T15:59:59-24:00"
- "1963-06-19 08:30:06Z"
- "1963-06-19T08:30:06"
- "06/19/1963 08:30:06 PST"
- "2013-350T01:01:01"
- "1963-6-19T08:30:06Z"
- "1963-06-19T08:30:06.Z"
- "1963-06-1\u09eaT00:00:00Z"
EOF
}

@test "format date and time" {
	schema_table <<'EOF'
S {"format":"date"}
+ "2020-02-29"
+ "1963-06-19"
- "2021-02-29"
- "2020-13-01"
- "2020-04-31"
- "2020-1-01"
- "20200101"
- "2020-01-01T00:00:00Z"
- "2020-W01"
S {"format":"time"}
+ "08:30:06Z"
+ "08:30:06.283185z"
+ "08:30:06+02:00"
+ "23:59:60Z"
+ "15:59:60-08:00"
- "08:30:06"
- "22:59:60Z"
- "24:00:00Z"
- "08:30:06+24:00"
- "8:30:06Z"
- "08:30:06 PST"
EOF
}

@test "format email, uuid and duration" {
	schema_table <<'EOF'
S {"format":"email"}
+ "joe.bloggs@example.com"
+ "te~st@example.com"
+ "a+tag@sub.example.org"
- "2962"
- ".test@example.com"
- "test.@example.com"
- "te..st@example.com"
- "@example.com"
- "joe@"
S {"format":"uuid"}
+ "2eb8aa08-aa98-11ea-b4aa-73b441d16380"
+ "2EB8AA08-AA98-11EA-B4AA-73B441D16380"
+ "00000000-0000-0000-0000-000000000000"
- "2eb8aa08aa9811eab4aa73b441d16380"
- "2eb8aa08-aa98-11ea-b4aa-73b441d1638"
- "2eb8aa08-aa98-11ea-b4aa-73b441d16380a"
- "2eb8aa08-aa98-11ea-b4aa-73b441d1638g"
- "{2eb8aa08-aa98-11ea-b4aa-73b441d16380}"
S {"format":"duration"}
+ "P4DT12H30M5S"
+ "P4Y"
+ "PT0S"
+ "P2W"
+ "PT36H"
- "P"
- "PT"
- "PT1D"
- "P1Y2W"
- "P2D1Y"
- "P1.5D"
- "4DT12H30M5S"
EOF
}

@test "format ipv4, ipv6 and uri" {
	schema_table <<'EOF'
S {"format":"ipv4"}
+ "192.168.0.1"
+ "0.0.0.0"
+ "255.255.255.255"
- "256.0.0.1"
- "127.0.0"
- "127.0.0.0.1"
- "087.10.0.1"
- "0x7f.0.0.1"
- "1.2.3.4 "
S {"format":"ipv6"}
+ "::1"
+ "::"
+ "1:2:3:4:5:6:7:8"
+ "fe80::a:b"
+ "::ffff:192.168.0.1"
+ "1:2::7:8"
- ":::"
- "12345::"
- "1:2:3:4:5:6:7:8:9"
- "1::2::3"
- "fe80::a%eth1"
- "::ffff:192.168.0.256"
- "1:2:3:4:5:6:7:8:"
S {"format":"uri"}
+ "http://foo.bar/?baz=qux#quux"
+ "https://example.com:8443/a/b%20c"
+ "urn:isbn:0451450523"
+ "mailto:joe@example.com"
+ "http://[2001:db8::1]/"
- "//foo.bar/?baz=qux#quux"
- "/abc"
- "http:// shouldfail.com"
- "\\\\WINDOWS\\fileshare"
- "http://example.com/a^b"
- ":no-scheme"
EOF
}

# Patterns are ECMA-262 with the "u" flag. Each verdict below is node's
# RegExp(pattern, "u").test(string) (tests/fuzz/ecma-regex-node.js runs
# the same comparison over random patterns).
@test "pattern: \\d \\w \\b are ASCII, \\s is ECMA white space, . stops at line ends" {
	schema_table <<'EOF2'
S {"pattern":"^\\d+$"}
+ "0123456789"
- "٣"
- "１"
- "12٣"
S {"pattern":"^\\w+$"}
+ "a_Z9"
- "é"
- "ſ"
- "\u212a"
S {"pattern":"^\\W$"}
+ "é"
+ "-"
- "_"
S {"pattern":"a\\b"}
+ "a "
+ "aé"
- "ab"
S {"pattern":"é\\B"}
+ "éé"
+ "é "
S {"pattern":"^\\s+$"}
+ " \t\n\r\u000b\f"
+ "\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
- "\u0085"
- "\u200b"
- "\u180e"
S {"pattern":"^\\S$"}
+ "\u0085"
- "\ufeff"
- "\u00a0"
S {"pattern":"^.$"}
+ "a"
+ "😀"
+ "\u0085"
- "\n"
- "\r"
- "\u2028"
- "\u2029"
S {"pattern":"^[^]$"}
+ "\n"
+ "😀"
- ""
S {"pattern":"[]"}
- ""
- "a"
S {"pattern":"^[\\S\\d]+$"}
+ "a1"
- "a "
S {"pattern":"^[^\\S\\n]+$"}
+ " \t\u3000"
- " \n"
- "a"
S {"pattern":"^[^\\D]$"}
+ "5"
- "٣"
EOF2
}

@test "pattern: escapes, properties, named groups and lookbehind mean what they mean in ECMA-262" {
	schema_table <<'EOF2'
S {"pattern":"^\\u00e9\\u{1F600}\\ud83d\\ude00$"}
+ "é😀😀"
- "e😀😀"
S {"pattern":"^\\cJ\\x41\\0$"}
+ "\nA\u0000"
S {"pattern":"^\\p{L}\\p{Lu}\\p{Letter}\\P{L}$"}
+ "aBc1"
- "aBc!d"
S {"pattern":"^\\p{Script=Greek}+\\p{sc=Latn}$"}
+ "αβa"
- "αβ1"
S {"pattern":"^\\p{General_Category=Decimal_Number}\\p{digit}$"}
+ "٣1"
S {"pattern":"^\\p{White_Space}\\p{ASCII}\\p{Any}\\P{Assigned}$"}
+ "\u3000a😀\u0378"
- "\u3000a😀a"
S {"pattern":"^(?<q>[ab])\\k<q>(?:x|y)\\1$"}
+ "aaxa"
+ "bbyb"
- "abxa"
S {"pattern":"(?<=\\$)\\d+(?<!0)$"}
+ "$15"
- "15"
- "$10"
S {"pattern":"^a{2,3}?b*?$"}
+ "aab"
+ "aaa"
- "ab"
S {"pattern":"^[\\b][\\-][a-]$"}
+ "\b-a"
+ "\b--"
S {"pattern":"^[[:a]+$"}
+ "[:a"
- "b"
S {"pattern":"\\2(a)(b)"}
+ "ab"
S {"pattern":"^\\/\\.\\*$"}
+ "/.*"
EOF2
}

@test "pattern: what ECMA-262 refuses, and PCRE-only syntax, is an invalid schema" {
	local p m bad=0 T=$BATS_TEST_TMPDIR
	while IFS=$'\t' read -r p m; do
		printf '{"pattern":%s}\n' "$p" >"$T/s.json"
		run --separate-stderr -65 jsonl-validate -s "$T/s.json" <<<'"a"'
		[ "$stderr" = "jsonl-validate: $T/s.json: invalid schema: /pattern: $m" ] ||
		    { echo "$p: $stderr"; bad=1; }
	done <<'EOF2'
"(?i)a"	invalid pattern at offset 0: invalid group
"\\Aa\\Z"	invalid pattern at offset 0: invalid escape
"a\\z"	invalid pattern at offset 1: invalid escape
"[[:alpha:]]"	invalid pattern at offset 10: lone ]
"a++"	invalid pattern at offset 2: nothing to repeat
"(?>a)"	invalid pattern at offset 0: invalid group
"(?#x)"	invalid pattern at offset 0: invalid group
"(?P<n>a)"	invalid pattern at offset 0: invalid group
"\\h\\R"	invalid pattern at offset 0: invalid escape
"\\e"	invalid pattern at offset 0: invalid escape
"\\_"	invalid pattern at offset 0: invalid escape
"\\Q.\\E"	invalid pattern at offset 0: invalid escape
"\\1"	invalid pattern at offset 0: backreference to a group that does not exist
"\\00"	invalid pattern at offset 0: octal escapes are not allowed
"\\c1"	invalid pattern at offset 0: \c must be followed by a letter
"\\x4"	invalid pattern at offset 0: invalid \x escape
"\\u{110000}"	invalid pattern at offset 0: \u{...} above 10FFFF
"\\k<n>"	invalid pattern at offset 0: no group of that name
"(?<n>a)(?<n>b)"	invalid pattern at offset 7: duplicate group name
"\\p{Greek}"	invalid pattern at offset 0: unknown property name
"\\p{letter}"	invalid pattern at offset 0: unknown property name
"\\p{L&}"	invalid pattern at offset 0: invalid property name
"\\p{Xan}"	invalid pattern at offset 0: unknown property name
"[z-a]"	invalid pattern at offset 2: range out of order in character class
"[a-\\d]"	invalid pattern at offset 2: a class escape cannot bound a range
"a{2,1}"	invalid pattern at offset 1: numbers out of order in {} quantifier
"a{,2}"	invalid pattern at offset 1: incomplete quantifier
"{"	invalid pattern at offset 0: nothing to repeat
"}"	invalid pattern at offset 0: lone }
"(?=a)*"	invalid pattern at offset 5: nothing to repeat
"^*"	invalid pattern at offset 1: nothing to repeat
"(a"	invalid pattern at offset 0: missing )
"a)"	invalid pattern at offset 1: unmatched )
"[a"	invalid pattern at offset 0: missing ]
"(?<=a+)b"	pattern not supported: lookbehind assertion is not fixed length
"a{65536}"	invalid pattern at offset 1: a repeat count above 65535 is not supported
EOF2
	[ "$bad" = 0 ]
}

@test "format email's IPv6 tag ignores case; uri's IPvFuture needs a version and an address" {
	schema_table <<'EOF2'
S {"format":"email"}
+ "joe@[IPv6:::1]"
+ "joe@[ipv6:::1]"
+ "joe@[IPV6:2001:db8::1]"
- "joe@[ipv6:::g]"
+ "joe@[127.0.0.1]"
S {"format":"uri"}
+ "http://[v1.x]/"
+ "http://[vA.a:b!]/"
- "http://[v]/"
- "http://[v.x]/"
- "http://[v1.]/"
- "http://[v1]/"
- "http://[vg.x]/"
EOF2
}

@test "a schema the 2020-12 metaschema refuses is an invalid schema, exit 65, naming where" {
	local s m bad=0 T=$BATS_TEST_TMPDIR
	while IFS=$'\t' read -r s m; do
		printf '%s\n' "$s" >"$T/s.json"
		run --separate-stderr -65 jsonl-validate -s "$T/s.json" <<<'{}'
		[ "$stderr" = "jsonl-validate: $T/s.json: invalid schema: $m" ] ||
		    { echo "$s: $stderr"; bad=1; }
	done <<'EOF2'
{"type":[]}	/type: must be a type name or a non-empty array of distinct type names
{"type":["string","string"]}	/type/1: a type given twice
{"type":["string",1]}	/type/1: must be a type name
{"type":"str"}	/type: unknown type
{"required":["a","a"]}	/required/1: a name given twice
{"required":"a"}	/required: must be an array of strings
{"dependentRequired":{"a":["b","b"]}}	/dependentRequired/a/1: a name given twice
{"title":5}	/title: must be a string
{"description":[]}	/description: must be a string
{"$comment":null}	/$comment: must be a string
{"format":1}	/format: must be a string
{"deprecated":"yes"}	/deprecated: must be a boolean
{"examples":{}}	/examples: must be an array
{"enum":{}}	/enum: must be an array
{"$ref":"#/a b"}	/$ref: must be a URI reference
{"$ref":"1a:b"}	/$ref: must be a URI reference
{"$id":"http://example.com/s#frag"}	/$id: must not have a fragment
{"$anchor":"1a"}	/$anchor: must be a letter or _ then letters, digits, -, . or _
{"$anchor":"a b"}	/$anchor: must be a letter or _ then letters, digits, -, . or _
{"$vocabulary":{"v":true}}	/$vocabulary/v: a vocabulary must be named by a URI
{"minLength":-1}	/minLength: must be a non-negative integer
{"maxItems":1.5}	/maxItems: must be a non-negative integer
{"minContains":"1"}	/minContains: must be a non-negative integer
{"multipleOf":0}	/multipleOf: must be greater than 0
{"multipleOf":-2}	/multipleOf: must be greater than 0
{"maximum":"5"}	/maximum: must be a number
{"uniqueItems":1}	/uniqueItems: must be a boolean
{"allOf":[]}	/allOf: must be a non-empty array of schemas
{"properties":{"a":1}}	/properties/a: a schema must be an object or a boolean, not number
{"contentSchema":"x"}	/contentSchema: a schema must be an object or a boolean, not string
{"$defs":{"a":{"not":{"type":[]}}}}	/$defs/a/not/type: must be a type name or a non-empty array of distinct type names
{"$schema":"http://json-schema.org/draft-07/schema#"}	/$schema: "http://json-schema.org/draft-07/schema#": jsonl-validate implements JSON Schema 2020-12 (https://json-schema.org/draft/2020-12/schema) only
{"$schema":"https://json-schema.org/draft/2019-09/schema"}	/$schema: "https://json-schema.org/draft/2019-09/schema": jsonl-validate implements JSON Schema 2020-12 (https://json-schema.org/draft/2020-12/schema) only
{"$schema":"http://json-schema.org/draft-04/schema#"}	/$schema: "http://json-schema.org/draft-04/schema#": jsonl-validate implements JSON Schema 2020-12 (https://json-schema.org/draft/2020-12/schema) only
{"$schema":"https://example.com/my-dialect"}	/$schema: metaschema: no schema has $id "https://example.com/my-dialect" (schemas are read from --schema-dir or beside the schema file, never from the network)
EOF2
	[ "$bad" = 0 ]
}

@test "what the 2020-12 metaschema allows is accepted: empty enum, repeated enum items, the dialect's \$schema" {
	schema_table <<'EOF2'
S {"enum":[]}
- 1
S {"enum":[1,1,"a"]}
+ 1
- 2
S {"$schema":"https://json-schema.org/draft/2020-12/schema","type":["string","null"],"required":[],"minLength":1.0}
+ "a"
+ null
- ""
S {"$schema":"https://json-schema.org/draft/2020-12/schema#","$id":"https://example.com/s#","$anchor":"_a-1.b","$ref":"#/$defs/x","$defs":{"x":true},"title":"t","deprecated":false,"examples":[1]}
+ 1
S {"$ref":"#/$defs/a%20b","$defs":{"a b":{"type":"integer"}}}
+ 1
- "1"
EOF2
}
