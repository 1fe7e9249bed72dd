#!/usr/bin/env bats
# jsonl-validate: schemas made of several resources and files ($id,
# $anchor, $ref to other files, --schema-dir, $dynamicRef), the
# annotation keywords (unevaluatedProperties, unevaluatedItems), dialects
# of one's own, and _error_schema_path.

load test_helper
bats_require_minimum_version 1.5.0

setup() {
	T=$BATS_TEST_TMPDIR
}

# put FILE TEXT: write TEXT (one line) to $T/FILE, making its directory.
put() {
	mkdir -p "$(dirname "$T/$1")"
	printf '%s\n' "$2" >"$T/$1"
}

# rejected: the _error_row, _error_message, _error_path and
# _error_schema_path of each reject in $T/rej, tab-separated.
rejected() {
	jq -r '[._error_row, ._error_message, ._error_path,
	    ._error_schema_path] | @tsv' "$T/rej"
}

@test "a \$ref to a file beside the schema, by JSON pointer and by anchor" {
	put s.json '{"properties":{"id":{"$ref":"defs.json#/$defs/id"},"kind":{"$ref":"defs.json#kind"}}}'
	put defs.json '{"$defs":{"id":{"type":"integer","minimum":1},"kind":{"$anchor":"kind","enum":["a","b"]}}}'
	printf '%s\n' '{"id":1,"kind":"a"}' '{"id":0}' '{"kind":"c"}' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"id":1,"kind":"a"}'
	run rejected
	assert_output "$(printf '2\tmust be >= 1\t/id\t/properties/id/$ref/minimum\n3\t"c" is not one of the allowed values\t/kind\t/properties/kind/$ref/enum')"
}

@test "a file name with a space is reached through its percent-encoded reference" {
	put s.json '{"$ref":"my%20defs.json#/$defs/n"}'
	put 'my defs.json' '{"$defs":{"n":{"type":"number"}}}'
	printf '%s\n' '1' '"x"' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	assert_output '1'
	run rejected
	assert_output "$(printf '2\texpected number, got string\t\t/$ref/type')"
}

@test "an \$id inside a schema is the base of the references and anchors inside it" {
	put s.json '{"$id":"https://example.com/root.json","$defs":{"a":{"$id":"nested/a.json","$defs":{"b":{"$anchor":"b","type":"string"}},"$ref":"#b"}},"$ref":"nested/a.json"}'
	printf '%s\n' '"x"' '1' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	assert_output '"x"'
	run rejected
	assert_output "$(printf '2\texpected string, got number\t\t/$ref/$ref/type')"
}

@test "an \$id inside const or enum is data: it names no schema" {
	put s.json '{"$defs":{"c":{"const":{"$id":"https://example.com/x.json","type":"string"}}},"$ref":"https://example.com/x.json"}'
	run --separate-stderr jsonl-validate -s "$T/s.json" <<<'1'
	[ "$status" -eq 65 ]
	[ "$stderr" = "jsonl-validate: $T/s.json: invalid schema: /\$ref: \$ref \"https://example.com/x.json\": no schema has \$id \"https://example.com/x.json\" (schemas are read from --schema-dir or beside the schema file, never from the network)" ]
}

@test "--schema-dir finds schemas by \$id below it; URI=DIR names the files without one; both repeatable" {
	put s.json '{"$id":"https://app.example/s.json","properties":{"who":{"$ref":"https://example.com/person.json"},"where":{"$ref":"https://schemas.example/geo/address.json"}}}'
	put lib/deep/person.json '{"$id":"https://example.com/person.json","required":["name"]}'
	put geo/geo/address.json '{"properties":{"zip":{"pattern":"^[0-9]{5}$"}}}'
	printf '%s\n' '{"who":{"name":"a"},"where":{"zip":"12345"}}' \
	    '{"who":{}}' '{"where":{"zip":"1"}}' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" --schema-dir "$T/lib" \
	    --schema-dir "https://schemas.example/=$T/geo" -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"who":{"name":"a"},"where":{"zip":"12345"}}'
	run rejected
	assert_output "$(printf '2\tmissing required property "name"\t/who\t/properties/who/$ref/required\n3\tdoes not match pattern ^[0-9]{5}$\t/where/zip\t/properties/where/$ref/properties/zip/pattern')"
	# Without the directories nothing names them.
	run --separate-stderr jsonl-validate -q -s "$T/s.json" "$T/in"
	[ "$status" -eq 65 ]
	[[ "$stderr" == *'no schema has $id "https://example.com/person.json"'* ]]
}

@test "relative references resolve as RFC 3986 says: dot segments, a base in a folder" {
	put s.json '{"$id":"https://example.com/a/b/c.json","$ref":"../d/./e.json"}'
	put dir/e.json '{"$id":"https://example.com/a/d/e.json","maximum":3}'
	printf '%s\n' 3 4 >"$T/in"
	run jsonl-validate -q -s "$T/s.json" --schema-dir "$T/dir" -r "$T/rej" "$T/in"
	assert_success
	assert_output 3
	run rejected
	assert_output "$(printf '2\tmust be <= 3\t\t/$ref/maximum')"
}

@test "two schema files with one \$id: the first by name is used, the other named in a warning" {
	put s.json '{"$ref":"https://example.com/t.json"}'
	put dir/a.json '{"$id":"https://example.com/t.json","type":"string"}'
	put dir/b.json '{"$id":"https://example.com/t.json","type":"number"}'
	run --separate-stderr jsonl-validate -s "$T/s.json" --schema-dir "$T/dir" <<<'"x"'
	assert_success
	assert_output '"x"'
	[[ "$stderr" == *"warning: two schemas have \$id \"https://example.com/t.json\" ($T/dir/a.json and $T/dir/b.json) (ignored)"* ]]
}

@test "\$dynamicRef: a list schema's items take the type an extension gives them" {
	put dir/list.json '{"$id":"https://example.com/list","type":"array","items":{"$dynamicRef":"#item"},"$defs":{"any":{"$dynamicAnchor":"item"}}}'
	put strings.json '{"$id":"https://example.com/strings","$ref":"list","$defs":{"s":{"$dynamicAnchor":"item","type":"string"}}}'
	printf '%s\n' '["a","b"]' '["a",1]' '{}' >"$T/in"
	run jsonl-validate -q -s "$T/strings.json" --schema-dir "$T/dir" -r "$T/rej" "$T/in"
	assert_success
	assert_output '["a","b"]'
	run rejected
	assert_output "$(printf '2\texpected string, got number\t/1\t/$ref/items/$dynamicRef/type\n3\texpected array, got object\t\t/$ref/type')"
	# The list alone takes any item.
	run jsonl-validate -q -s "$T/dir/list.json" <<<'["a",1]'
	assert_success
}

@test "a \$dynamicRef loop that consumes no input is found when compiled: the record is rejected at once" {
	put s.json '{"$dynamicAnchor":"a","anyOf":[{"$dynamicRef":"#a"},{"$dynamicRef":"#a"}]}'
	run timeout 10 jsonl-validate -q -s "$T/s.json" -r "$T/rej" <<<'1'
	assert_success
	assert_output ''
	run jq -r ._error_message "$T/rej"
	assert_output 'schema recursion deeper than 2048 ($ref loop)'
}

@test "unevaluatedProperties sees through allOf, \$ref, if/then and the anyOf branches that pass" {
	put s.json '{"$defs":{"r":{"properties":{"r":true}}},"$ref":"#/$defs/r","allOf":[{"properties":{"a":true}}],"anyOf":[{"properties":{"b":{"type":"string"}}},{"properties":{"c":true}}],"if":{"properties":{"t":{"const":1}},"required":["t"]},"then":{"properties":{"u":true}},"unevaluatedProperties":false}'
	printf '%s\n' '{"a":1,"c":1,"r":1}' '{"t":1,"u":1}' '{"a":1,"b":2,"c":1}' \
	    '{"t":2,"u":1}' '{"a":1,"z":{}}' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	assert_output "$(printf '%s\n' '{"a":1,"c":1,"r":1}' '{"t":1,"u":1}')"
	run rejected
	assert_output "$(printf '3\tproperty "b" is not allowed (unevaluated)\t\t/unevaluatedProperties\n4\tproperty "t" is not allowed (unevaluated)\t\t/unevaluatedProperties\n5\tproperty "z" is not allowed (unevaluated)\t\t/unevaluatedProperties')"
}

@test "unevaluatedProperties with a schema checks each member nothing else evaluated" {
	put s.json '{"properties":{"id":{"type":"integer"}},"unevaluatedProperties":{"type":"string"}}'
	printf '%s\n' '{"id":1,"x":"a","y":"b"}' '{"id":1,"x":2}' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"id":1,"x":"a","y":"b"}'
	run rejected
	assert_output "$(printf '2\texpected string, got number\t/x\t/unevaluatedProperties/type')"
}

@test "unevaluatedItems after prefixItems and contains" {
	put s.json '{"prefixItems":[{"type":"integer"}],"contains":{"type":"string"},"unevaluatedItems":false}'
	printf '%s\n' '[1,"a","b"]' '[1,"a",true]' '[1]' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" -r "$T/rej" "$T/in"
	assert_success
	assert_output '[1,"a","b"]'
	run rejected
	assert_output "$(printf '2\titem 2 is not allowed (unevaluated)\t\t/unevaluatedItems\n3\tno item matches contains\t\t/contains')"
}

@test "a dialect of one's own: the vocabularies its metaschema leaves out lose their keywords" {
	put meta.json '{"$id":"https://example.com/meta","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/core":true,"https://json-schema.org/draft/2020-12/vocab/applicator":true}}'
	put s.json '{"$schema":"https://example.com/meta","properties":{"n":{"minimum":10},"x":false}}'
	printf '%s\n' '{"n":1}' '{"x":1}' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" --schema-dir "$T" -r "$T/rej" "$T/in"
	assert_success
	assert_output '{"n":1}'
	run rejected
	assert_output "$(printf '2\tno value is allowed here\t/x\t/properties/x')"
}

@test "a keyword two vocabularies share stays while the metaschema keeps one of them" {
	put meta.json '{"$id":"https://example.com/meta","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/core":true,"https://json-schema.org/draft/2020-12/vocab/format-assertion":true}}'
	put s.json '{"$schema":"https://example.com/meta","format":"date","type":"string"}'
	printf '%s\n' '"2024-01-31"' '"2024-02-31"' '7' >"$T/in"
	run jsonl-validate -q -s "$T/s.json" --schema-dir "$T" -r "$T/rej" "$T/in"
	assert_success
	assert_output "$(printf '%s\n' '"2024-01-31"' '7')"
	run rejected
	assert_output "$(printf '2\tnot a valid date\t\t/format')"
}

@test "a metaschema that requires a vocabulary jsonl-validate does not know makes the schema invalid" {
	put meta.json '{"$id":"https://example.com/meta","$vocabulary":{"https://json-schema.org/draft/2020-12/vocab/core":true,"https://example.com/vocab/units":true}}'
	put s.json '{"$schema":"https://example.com/meta"}'
	run --separate-stderr jsonl-validate -s "$T/s.json" --schema-dir "$T" <<<'1'
	[ "$status" -eq 65 ]
	[ "$stderr" = "jsonl-validate: $T/s.json: invalid schema: /\$schema: the metaschema requires the vocabulary https://example.com/vocab/units, which jsonl-validate does not implement" ]
}

@test "--no-format: format is an annotation, as the specification's default" {
	put s.json '{"format":"date"}'
	run jsonl-validate -q -s "$T/s.json" --no-format <<<'"2024-13-01"'
	assert_success
	assert_output '"2024-13-01"'
	run jsonl-validate -q -s "$T/s.json" <<<'"2024-13-01"'
	[ "$status" -eq 65 ]
}

@test "the 2020-12 metaschema itself, from python3-jsonschema: jsonl-validate checks schemas" {
	python3 "$ROOT/tests/gen/metaschemas.py" "$T/meta"
	printf '%s\n' '{"type":"string"}' '{"type":"strin"}' \
	    '{"properties":{"a":{"minLength":-1}}}' '{"$defs":{"x":{"items":[true]}}}' \
	    '{"unevaluatedProperties":false,"allOf":[{"$ref":"#"}]}' >"$T/in"
	run jsonl-validate -q -s "$T/meta/schema.json" --schema-dir "$T/meta" \
	    -r "$T/rej" "$T/in"
	assert_success
	assert_output "$(printf '%s\n' '{"type":"string"}' '{"unevaluatedProperties":false,"allOf":[{"$ref":"#"}]}')"
	run jq -r '[._error_row, ._error_path] | @tsv' "$T/rej"
	assert_output "$(printf '2\t/type\n3\t/properties/a/minLength\n4\t/$defs/x/items')"
}

@test "--schema-dir without -s is a usage error" {
	run jsonl-validate --schema-dir "$T" --require . </dev/null
	[ "$status" -eq 64 ]
}

@test "references resolve as the examples of RFC 3986 section 5.4 say, normal and abnormal" {
	mkdir "$T/dir"
	python3 - "$T" <<'PY'
import json, sys
t = sys.argv[1]
base = "http://a/b/c/d;p?q"
cases = [("g:h", "g:h"), ("g", "http://a/b/c/g"), ("./g", "http://a/b/c/g"),
    ("g/", "http://a/b/c/g/"), ("/g", "http://a/g"), ("//g", "http://g"),
    ("?y", "http://a/b/c/d;p?y"), ("g?y", "http://a/b/c/g?y"),
    (";x", "http://a/b/c/;x"), ("g;x", "http://a/b/c/g;x"),
    (".", "http://a/b/c/"), ("./", "http://a/b/c/"), ("..", "http://a/b/"),
    ("../", "http://a/b/"), ("../g", "http://a/b/g"), ("../..", "http://a/"),
    ("../../", "http://a/"), ("../../g", "http://a/g"),
    ("../../../g", "http://a/g"), ("../../../../g", "http://a/g"),
    ("/./g", "http://a/g"), ("/../g", "http://a/g"), ("g.", "http://a/b/c/g."),
    (".g", "http://a/b/c/.g"), ("g..", "http://a/b/c/g.."),
    ("..g", "http://a/b/c/..g"), ("./../g", "http://a/b/g"),
    ("./g/.", "http://a/b/c/g/"), ("g/./h", "http://a/b/c/g/h"),
    ("g/../h", "http://a/b/c/h"), ("g;x=1/./y", "http://a/b/c/g;x=1/y"),
    ("g;x=1/../y", "http://a/b/c/y"), ("g?y/./x", "http://a/b/c/g?y/./x"),
    ("g?y/../x", "http://a/b/c/g?y/../x")]
targets = sorted({u for _, u in cases})
for n, u in enumerate(targets):
    json.dump({"$id": u, "const": n}, open("%s/dir/t%d.json" % (t, n), "w"))
props = {"p%d" % i: {"$ref": r} for i, (r, _) in enumerate(cases)}
json.dump({"$id": base, "properties": props}, open(t + "/s.json", "w"))
with open(t + "/in", "w") as f:
    f.write(json.dumps({"p%d" % i: targets.index(u)
                        for i, (_, u) in enumerate(cases)}) + "\n")
    for i, (_, u) in enumerate(cases):
        f.write(json.dumps({"p%d" % i: -1}) + "\n")
PY
	run jsonl-validate -q -s "$T/s.json" --schema-dir "$T/dir" -r "$T/rej" "$T/in"
	assert_success
	assert_output "$(head -n 1 "$T/in")"
	run jq -s 'length' "$T/rej"
	assert_output 34
}

@test "a reference to a device or a FIFO is refused, not read for ever" {
	mkfifo "$T/fifo.json"
	put s.json '{"properties":{"a":{"$ref":"fifo.json"},"b":{"$ref":"file:///dev/zero"}}}'
	run --separate-stderr timeout 10 jsonl-validate -s "$T/s.json" <<<'{}'
	[ "$status" -eq 65 ]
	[ "$stderr" = "jsonl-validate: $T/s.json: invalid schema: /properties/a/\$ref: \$ref \"fifo.json\": $T/fifo.json: not a regular file" ]
}
