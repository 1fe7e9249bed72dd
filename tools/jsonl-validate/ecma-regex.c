/*
 * ecma-regex: ECMA-262 Pattern (with the "u" flag, no other flag) to
 * PCRE2. A recursive descent over the grammar of ECMA-262 §22.2.1 in its
 * Unicode mode, which has none of the legacy extensions of Annex B:
 * every construct is re-emitted in a form whose PCRE2 meaning does not
 * depend on PCRE2_UCP, its character tables or its newline settings.
 *
 *	.		any code point but \n \r U+2028 U+2029
 *	^ $		start and end of the string only (no "m" flag)
 *	\d \w \b	ASCII digits, ASCII word characters
 *	\s		ECMA WhiteSpace and LineTerminator (Zs, U+FEFF, ...)
 *	\p{...}		ECMA's property names only, mapped to PCRE2's
 *	(?<n>...) \k<n>	numbered groups and \g{N}
 *	[^] []		any code point, nothing
 *
 * Literal code points are written as \x{...}, so nothing in the output
 * can be read by PCRE2 as one of its own constructs.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ecma-regex.h"
#include "utf8.h"

#define MAX_REPEAT	65535	/* the largest {n,m} bound PCRE2 takes */
#define MAX_NESTING	200	/* groups and classes inside each other */
#define ANY_CP		"[\\x{0}-\\x{10FFFF}]"
#define NOTHING		"(?:(?!))"

/* Class contents of \d, \w and \s. */
#define DIGIT_SET	"0-9"
#define WORD_SET	"A-Za-z0-9_"
#define SPACE_SET	"\\x{9}-\\x{D}\\x{20}\\x{A0}\\x{1680}\\x{2000}-\\x{200A}" \
			"\\x{2028}\\x{2029}\\x{202F}\\x{205F}\\x{3000}\\x{FEFF}"

struct group_name {
	const char	*name;
	size_t		 len;
	int		 number;
};

struct ere {
	const char		*s;
	size_t			 n, k;	/* the source, the read position */
	struct buf		*out;
	struct group_name	*names;
	size_t			 nnames;
	int			 ngroups;	/* capturing groups in all */
	int			 opened;	/* capturing groups seen so far */
	int			 depth;
	int			 behind;	/* inside lookbehinds */
	const char		*msg;	/* the first error */
	size_t			 at;
};

static int	 disjunction(struct ere *);

static int
bad(struct ere *e, size_t at, const char *msg)
{
	if (e->msg == NULL) {
		e->msg = msg;
		e->at = at;
	}
	return -1;
}

static int
peek(const struct ere *e, size_t ahead)
{
	return e->k + ahead < e->n ? (unsigned char)e->s[e->k + ahead] : -1;
}

/* The code point at the read position; the source is valid UTF-8. */
static int32_t
take_cp(struct ere *e)
{
	const unsigned char *p = (const unsigned char *)e->s + e->k;
	size_t len = utf8_seqlen(p, e->n - e->k), j;
	int32_t cp;

	if (len == 1) {
		e->k++;
		return p[0];
	}
	cp = p[0] & (0xff >> (len + 1));
	for (j = 1; j < len; j++)
		cp = cp << 6 | (p[j] & 0x3f);
	e->k += len;
	return cp;
}

static int
is_surrogate(int32_t cp)
{
	return cp >= 0xd800 && cp <= 0xdfff;
}

static void
emit_cp(struct buf *b, int32_t cp)
{
	if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') ||
	    (cp >= '0' && cp <= '9'))
		buf_addc(b, cp);
	else
		buf_addf(b, "\\x{%X}", (unsigned)cp);
}

static int
hex_run(struct ere *e, size_t count, int32_t *v)
{
	size_t j;

	*v = 0;
	for (j = 0; j < count; j++) {
		if (hexval(peek(e, j)) < 0)
			return -1;
		*v = *v * 16 + hexval(peek(e, j));
	}
	e->k += count;
	return 0;
}

/* After "\u": HHHH (a surrogate pair as one) or {H...}. */
static int
unicode_escape(struct ere *e, size_t start, int32_t *cp)
{
	int32_t lo;

	if (peek(e, 0) == '{') {
		*cp = 0;
		for (e->k++; hexval(peek(e, 0)) >= 0; e->k++) {
			*cp = *cp * 16 + hexval(peek(e, 0));
			if (*cp > 0x10ffff)
				return bad(e, start, "\\u{...} above 10FFFF");
		}
		if (peek(e, 0) != '}' || e->s[e->k - 1] == '{')
			return bad(e, start, "invalid Unicode escape");
		e->k++;
		return 0;
	}
	if (hex_run(e, 4, cp) == -1)
		return bad(e, start, "invalid Unicode escape");
	if (*cp >= 0xd800 && *cp <= 0xdbff && peek(e, 0) == '\\' &&
	    peek(e, 1) == 'u') {
		size_t save = e->k;

		e->k += 2;
		if (hex_run(e, 4, &lo) == 0 && lo >= 0xdc00 && lo <= 0xdfff)
			*cp = 0x10000 + ((*cp - 0xd800) << 10) + (lo - 0xdc00);
		else
			e->k = save;
	}
	return 0;
}

/*
 * A CharacterEscape, the read position just after its backslash; in a
 * class \b is U+0008 and \- is "-".
 */
static int
char_escape(struct ere *e, int in_class, int32_t *cp)
{
	static const char syntax[] = "^$\\.*+?()[]{}|/";
	size_t start = e->k - 1;
	int c = peek(e, 0);

	if (c < 0)
		return bad(e, start, "\\ at the end of the pattern");
	e->k++;
	switch (c) {
	case 'f': *cp = 0x0c; return 0;
	case 'n': *cp = 0x0a; return 0;
	case 'r': *cp = 0x0d; return 0;
	case 't': *cp = 0x09; return 0;
	case 'v': *cp = 0x0b; return 0;
	case 'c':
		c = peek(e, 0);
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return bad(e, start, "\\c must be followed by a "
			    "letter");
		e->k++;
		*cp = c % 32;
		return 0;
	case '0':
		if (peek(e, 0) >= '0' && peek(e, 0) <= '9')
			return bad(e, start, "octal escapes are not allowed");
		*cp = 0;
		return 0;
	case 'x':
		if (hex_run(e, 2, cp) == -1)
			return bad(e, start, "invalid \\x escape");
		return 0;
	case 'u':
		return unicode_escape(e, start, cp);
	}
	if ((c != '\0' && strchr(syntax, c) != NULL) ||
	    (in_class && c == '-')) {
		*cp = c;
		return 0;
	}
	if (in_class && c == 'b') {
		*cp = 0x08;
		return 0;
	}
	return bad(e, start, "invalid escape");
}

/* General_Category values: ECMA-262's long name, short name, alias. */
static const char *const gc_values[][4] = {
	{ "Letter", "L", NULL, "L" }, { "Cased_Letter", "LC", NULL, "L&" },
	{ "Uppercase_Letter", "Lu", NULL, "Lu" },
	{ "Lowercase_Letter", "Ll", NULL, "Ll" },
	{ "Titlecase_Letter", "Lt", NULL, "Lt" },
	{ "Modifier_Letter", "Lm", NULL, "Lm" },
	{ "Other_Letter", "Lo", NULL, "Lo" },
	{ "Mark", "M", "Combining_Mark", "M" },
	{ "Nonspacing_Mark", "Mn", NULL, "Mn" },
	{ "Spacing_Mark", "Mc", NULL, "Mc" },
	{ "Enclosing_Mark", "Me", NULL, "Me" },
	{ "Number", "N", NULL, "N" }, { "Decimal_Number", "Nd", "digit", "Nd" },
	{ "Letter_Number", "Nl", NULL, "Nl" },
	{ "Other_Number", "No", NULL, "No" },
	{ "Punctuation", "P", "punct", "P" },
	{ "Connector_Punctuation", "Pc", NULL, "Pc" },
	{ "Dash_Punctuation", "Pd", NULL, "Pd" },
	{ "Open_Punctuation", "Ps", NULL, "Ps" },
	{ "Close_Punctuation", "Pe", NULL, "Pe" },
	{ "Initial_Punctuation", "Pi", NULL, "Pi" },
	{ "Final_Punctuation", "Pf", NULL, "Pf" },
	{ "Other_Punctuation", "Po", NULL, "Po" },
	{ "Symbol", "S", NULL, "S" }, { "Math_Symbol", "Sm", NULL, "Sm" },
	{ "Currency_Symbol", "Sc", NULL, "Sc" },
	{ "Modifier_Symbol", "Sk", NULL, "Sk" },
	{ "Other_Symbol", "So", NULL, "So" },
	{ "Separator", "Z", NULL, "Z" },
	{ "Space_Separator", "Zs", NULL, "Zs" },
	{ "Line_Separator", "Zl", NULL, "Zl" },
	{ "Paragraph_Separator", "Zp", NULL, "Zp" },
	{ "Other", "C", NULL, "C" }, { "Control", "Cc", "cntrl", "Cc" },
	{ "Format", "Cf", NULL, "Cf" }, { "Surrogate", "Cs", NULL, "Cs" },
	{ "Private_Use", "Co", NULL, "Co" },
	{ "Unassigned", "Cn", NULL, "Cn" }, { NULL, NULL, NULL, NULL }
};

/* ECMA-262's binary properties: name, alias (PCRE2 knows both). */
static const char *const binary_props[][2] = {
	{ "ASCII", NULL }, { "ASCII_Hex_Digit", "AHex" },
	{ "Alphabetic", "Alpha" }, { "Any", NULL }, { "Assigned", NULL },
	{ "Bidi_Control", "Bidi_C" }, { "Bidi_Mirrored", "Bidi_M" },
	{ "Case_Ignorable", "CI" }, { "Cased", NULL },
	{ "Changes_When_Casefolded", "CWCF" },
	{ "Changes_When_Casemapped", "CWCM" },
	{ "Changes_When_Lowercased", "CWL" },
	{ "Changes_When_NFKC_Casefolded", "CWKCF" },
	{ "Changes_When_Titlecased", "CWT" },
	{ "Changes_When_Uppercased", "CWU" }, { "Dash", NULL },
	{ "Default_Ignorable_Code_Point", "DI" }, { "Deprecated", "Dep" },
	{ "Diacritic", "Dia" }, { "Emoji", NULL },
	{ "Emoji_Component", "EComp" }, { "Emoji_Modifier", "EMod" },
	{ "Emoji_Modifier_Base", "EBase" },
	{ "Emoji_Presentation", "EPres" },
	{ "Extended_Pictographic", "ExtPict" }, { "Extender", "Ext" },
	{ "Grapheme_Base", "Gr_Base" }, { "Grapheme_Extend", "Gr_Ext" },
	{ "Hex_Digit", "Hex" }, { "IDS_Binary_Operator", "IDSB" },
	{ "IDS_Trinary_Operator", "IDST" }, { "ID_Continue", "IDC" },
	{ "ID_Start", "IDS" }, { "Ideographic", "Ideo" },
	{ "Join_Control", "Join_C" }, { "Logical_Order_Exception", "LOE" },
	{ "Lowercase", "Lower" }, { "Math", NULL },
	{ "Noncharacter_Code_Point", "NChar" },
	{ "Pattern_Syntax", "Pat_Syn" }, { "Pattern_White_Space", "Pat_WS" },
	{ "Quotation_Mark", "QMark" }, { "Radical", NULL },
	{ "Regional_Indicator", "RI" }, { "Sentence_Terminal", "STerm" },
	{ "Soft_Dotted", "SD" }, { "Terminal_Punctuation", "Term" },
	{ "Unified_Ideograph", "UIdeo" }, { "Uppercase", "Upper" },
	{ "Variation_Selector", "VS" }, { "White_Space", "space" },
	{ "XID_Continue", "XIDC" }, { "XID_Start", "XIDS" }, { NULL, NULL }
};

static int
same(const char *a, size_t n, const char *w)
{
	return w != NULL && strlen(w) == n && memcmp(a, w, n) == 0;
}

static const char *
gc_value(const char *v, size_t n)
{
	int j;

	for (j = 0; gc_values[j][0] != NULL; j++)
		if (same(v, n, gc_values[j][0]) || same(v, n, gc_values[j][1]) ||
		    same(v, n, gc_values[j][2]))
			return gc_values[j][3];
	return NULL;
}

/*
 * After "\p" or "\P": {Name=Value} or {Name}, as ECMA-262 spells them
 * (case matters, no loose matching), appended to b as PCRE2's \p or \P.
 */
static int
property(struct ere *e, int negated, struct buf *b)
{
	size_t start = e->k - 2, j, nlen;
	const char *name = e->s + e->k + 1, *eq, *val, *p;
	int c;

	if (peek(e, 0) != '{')
		return bad(e, start, "\\p must be followed by {name}");
	for (j = 1; (c = peek(e, j)) != '}'; j++)
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '='))
			return bad(e, start, "invalid property name");
	nlen = j - 1;
	e->k += j + 1;
	eq = memchr(name, '=', nlen);
	if (eq != NULL) {
		size_t klen = (size_t)(eq - name), vlen = nlen - klen - 1;

		val = eq + 1;
		if (vlen == 0 || memchr(val, '=', vlen) != NULL)
			return bad(e, start, "invalid property name");
		if (same(name, klen, "General_Category") ||
		    same(name, klen, "gc")) {
			if ((p = gc_value(val, vlen)) == NULL)
				return bad(e, start, "unknown General_Category "
				    "value");
			buf_addf(b, "\\%c{%s}", negated ? 'P' : 'p', p);
			return 0;
		}
		if (!same(name, klen, "Script") && !same(name, klen, "sc") &&
		    !same(name, klen, "Script_Extensions") &&
		    !same(name, klen, "scx"))
			return bad(e, start, "unknown property name");
		for (j = 0; j < vlen; j++)
			if (val[j] == '=' || (val[j] >= '0' && val[j] <= '9'))
				return bad(e, start, "unknown script");
		buf_addf(b, "\\%c{%s:%.*s}", negated ? 'P' : 'p',
		    same(name, klen, "Script") || same(name, klen, "sc") ?
		    "sc" : "scx", (int)vlen, val);
		return 0;
	}
	if ((p = gc_value(name, nlen)) != NULL) {
		buf_addf(b, "\\%c{%s}", negated ? 'P' : 'p', p);
		return 0;
	}
	for (j = 0; binary_props[j][0] != NULL; j++)
		if (same(name, nlen, binary_props[j][0]) ||
		    same(name, nlen, binary_props[j][1]))
			break;
	if (binary_props[j][0] == NULL)
		return bad(e, start, "unknown property name");
	if (same(binary_props[j][0], strlen(binary_props[j][0]), "Assigned"))
		buf_addf(b, "\\%c{Cn}", negated ? 'p' : 'P');
	else
		buf_addf(b, "\\%c{%s}", negated ? 'P' : 'p',
		    binary_props[j][0]);
	return 0;
}

/* Add lo..hi to a class body, leaving out the surrogates. */
static void
class_range(struct buf *b, int32_t lo, int32_t hi)
{
	if (lo >= 0xd800 && lo <= 0xdfff)
		lo = 0xe000;
	if (hi >= 0xd800 && hi <= 0xdfff)
		hi = 0xd7ff;
	if (lo > hi)
		return;
	buf_addf(b, "\\x{%X}", (unsigned)lo);
	if (hi > lo)
		buf_addf(b, "-\\x{%X}", (unsigned)hi);
}

/*
 * One ClassAtom. A class escape (\d, \p{..}, ...) goes to pos or, when
 * it is a complement PCRE2 could only write with its own tables, to negs
 * as an alternative "|[^...]"; *set is then 1. Otherwise *cp is the
 * code point.
 */
static int
class_atom(struct ere *e, struct buf *pos, struct buf *negs, int32_t *cp,
    int *set)
{
	int c;

	*set = 0;
	if (peek(e, 0) != '\\') {
		*cp = take_cp(e);
		return 0;
	}
	e->k++;
	c = peek(e, 0);
	*set = 1;
	switch (c) {
	case 'd': buf_adds(pos, DIGIT_SET); break;
	case 'w': buf_adds(pos, WORD_SET); break;
	case 's': buf_adds(pos, SPACE_SET); break;
	case 'D': buf_adds(negs, "|[^" DIGIT_SET "]"); break;
	case 'W': buf_adds(negs, "|[^" WORD_SET "]"); break;
	case 'S': buf_adds(negs, "|[^" SPACE_SET "]"); break;
	case 'p':
	case 'P':
		e->k++;
		return property(e, c == 'P', pos);
	default:
		*set = 0;
		return char_escape(e, 1, cp);
	}
	e->k++;
	return 0;
}

/* A CharacterClass, the read position on its "[". */
static int
char_class(struct ere *e)
{
	struct buf pos = BUF_INIT, negs = BUF_INIT;
	size_t start = e->k;
	int32_t lo, hi;
	int negated = 0, lo_set, hi_set, r = -1;

	e->k++;
	if (peek(e, 0) == '^') {
		negated = 1;
		e->k++;
	}
	for (;;) {
		if (peek(e, 0) < 0) {
			bad(e, start, "missing ]");
			goto out;
		}
		if (peek(e, 0) == ']')
			break;
		if (class_atom(e, &pos, &negs, &lo, &lo_set) == -1)
			goto out;
		if (peek(e, 0) == '-' && peek(e, 1) >= 0 && peek(e, 1) != ']') {
			size_t dash = e->k++;

			if (class_atom(e, &pos, &negs, &hi, &hi_set) == -1)
				goto out;
			if (lo_set || hi_set) {
				bad(e, dash, "a class escape cannot bound a "
				    "range");
				goto out;
			}
			if (lo > hi) {
				bad(e, dash, "range out of order in "
				    "character class");
				goto out;
			}
			class_range(&pos, lo, hi);
		} else if (!lo_set)
			class_range(&pos, lo, lo);
	}
	e->k++;
	if (negs.len == 0) {
		if (pos.len == 0)
			buf_adds(e->out, negated ? ANY_CP : NOTHING);
		else {
			buf_adds(e->out, negated ? "[^" : "[");
			buf_add(e->out, pos.p, pos.len);
			buf_addc(e->out, ']');
		}
	} else {
		/* (?:[pos]|[^n1]|...), or what it does not match. */
		buf_adds(e->out, negated ? "(?:(?!" : "(?:");
		if (pos.len > 0) {
			buf_addc(e->out, '[');
			buf_add(e->out, pos.p, pos.len);
			buf_addc(e->out, ']');
			buf_add(e->out, negs.p, negs.len);
		} else
			buf_add(e->out, negs.p + 1, negs.len - 1);
		buf_adds(e->out, negated ? ")" ANY_CP ")" : ")");
	}
	r = 0;
out:
	buf_free(&pos);
	buf_free(&negs);
	return r;
}

static const struct group_name *
find_group(const struct ere *e, const char *name, size_t len)
{
	size_t j;

	for (j = 0; j < e->nnames; j++)
		if (e->names[j].len == len &&
		    memcmp(e->names[j].name, name, len) == 0)
			return &e->names[j];
	return NULL;
}

/* The group name after "<", up to ">": an ASCII identifier. */
static int
group_name(struct ere *e, const char **name, size_t *len)
{
	size_t start = e->k, j;
	int c;

	*name = e->s + e->k;
	for (j = 0; (c = peek(e, j)) != '>'; j++) {
		if (c < 0)
			return bad(e, start, "missing > after a group name");
		if (c >= 0x80 || c == '\\')
			return bad(e, start, "group names other than ASCII "
			    "identifiers are not supported");
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || c == '$' || (j > 0 && c >= '0' && c <= '9')))
			return bad(e, start, "invalid group name");
	}
	if (j == 0)
		return bad(e, start, "invalid group name");
	*len = j;
	e->k += j + 1;
	return 0;
}

/*
 * A backreference to group num. One before its group (outside a
 * lookbehind, which matches right to left) always matches the empty
 * string in ECMA-262: the group is unset, or was reset when the
 * iteration around both began.
 */
static void
backref(struct ere *e, int num)
{
	if (num > e->opened && e->behind == 0)
		buf_adds(e->out, "(?:)");
	else
		buf_addf(e->out, "\\g{%d}", num);
}

/* An AtomEscape, the read position on its backslash (not \b, \B). */
static int
atom_escape(struct ere *e)
{
	size_t start = e->k;
	const struct group_name *g;
	const char *name;
	size_t len;
	int32_t cp;
	long num;
	int c = peek(e, 1);

	e->k++;
	switch (c) {
	case 'd': buf_adds(e->out, "[" DIGIT_SET "]"); break;
	case 'D': buf_adds(e->out, "[^" DIGIT_SET "]"); break;
	case 'w': buf_adds(e->out, "[" WORD_SET "]"); break;
	case 'W': buf_adds(e->out, "[^" WORD_SET "]"); break;
	case 's': buf_adds(e->out, "[" SPACE_SET "]"); break;
	case 'S': buf_adds(e->out, "[^" SPACE_SET "]"); break;
	case 'p':
	case 'P':
		e->k++;
		return property(e, c == 'P', e->out);
	case 'k':
		e->k++;
		if (peek(e, 0) != '<')
			return bad(e, start, "\\k must be followed by <name>");
		e->k++;
		if (group_name(e, &name, &len) == -1)
			return -1;
		if ((g = find_group(e, name, len)) == NULL)
			return bad(e, start, "no group of that name");
		backref(e, g->number);
		return 0;
	default:
		if (c >= '1' && c <= '9') {
			for (num = 0; peek(e, 0) >= '0' && peek(e, 0) <= '9';
			    e->k++)
				if ((num = num * 10 + peek(e, 0) - '0') >
				    e->ngroups)
					num = (long)e->ngroups + 1;
			if (num > e->ngroups)
				return bad(e, start, "backreference to a "
				    "group that does not exist");
			backref(e, (int)num);
			return 0;
		}
		if (char_escape(e, 0, &cp) == -1)
			return -1;
		if (is_surrogate(cp))
			buf_adds(e->out, NOTHING);
		else
			emit_cp(e->out, cp);
		return 0;
	}
	e->k++;
	return 0;
}

/* A group, the read position on its "(", not a lookaround. */
static int
group(struct ere *e)
{
	size_t start = e->k;
	const struct group_name *g;
	const char *name;
	size_t len;

	e->k++;
	if (peek(e, 0) == '?' && peek(e, 1) == ':') {
		e->k += 2;
		buf_adds(e->out, "(?:");
	} else if (peek(e, 0) == '?' && peek(e, 1) == '<') {
		e->k += 2;
		if (group_name(e, &name, &len) == -1)
			return -1;
		g = find_group(e, name, len);
		if (g == NULL || g->number != ++e->opened)
			return bad(e, start, "duplicate group name");
		buf_addc(e->out, '(');
	} else if (peek(e, 0) == '?')
		return bad(e, start, "invalid group");
	else {
		e->opened++;
		buf_addc(e->out, '(');
	}
	if (disjunction(e) == -1)
		return -1;
	if (peek(e, 0) != ')')
		return bad(e, start, "missing )");
	e->k++;
	buf_addc(e->out, ')');
	return 0;
}

/* An optional Quantifier after an atom. */
static int
quantifier(struct ere *e)
{
	size_t start = e->k;
	long lo = 0, hi = -1;
	int c = peek(e, 0);

	if (c == '*' || c == '+' || c == '?') {
		buf_addc(e->out, c);
		e->k++;
	} else if (c == '{') {
		e->k++;
		if (peek(e, 0) < '0' || peek(e, 0) > '9')
			return bad(e, start, "incomplete quantifier");
		for (; peek(e, 0) >= '0' && peek(e, 0) <= '9'; e->k++)
			if ((lo = lo * 10 + peek(e, 0) - '0') > MAX_REPEAT)
				lo = MAX_REPEAT + 1;
		hi = lo;
		if (peek(e, 0) == ',') {
			e->k++;
			hi = -1;
			if (peek(e, 0) >= '0' && peek(e, 0) <= '9')
				for (hi = 0; peek(e, 0) >= '0' &&
				    peek(e, 0) <= '9'; e->k++)
					if ((hi = hi * 10 + peek(e, 0) - '0') >
					    MAX_REPEAT)
						hi = MAX_REPEAT + 1;
		}
		if (peek(e, 0) != '}')
			return bad(e, start, "incomplete quantifier");
		e->k++;
		if (hi >= 0 && lo > hi)
			return bad(e, start, "numbers out of order in {} "
			    "quantifier");
		if (lo > MAX_REPEAT || hi > MAX_REPEAT)
			return bad(e, start, "a repeat count above 65535 is "
			    "not supported");
		if (hi == lo)
			buf_addf(e->out, "{%ld}", lo);
		else if (hi < 0)
			buf_addf(e->out, "{%ld,}", lo);
		else
			buf_addf(e->out, "{%ld,%ld}", lo, hi);
	} else
		return 0;
	if (peek(e, 0) == '?') {
		buf_addc(e->out, '?');
		e->k++;
	}
	return 0;
}

static int
no_quantifier(struct ere *e)
{
	int c = peek(e, 0);

	if (c == '*' || c == '+' || c == '?' || c == '{')
		return bad(e, e->k, "nothing to repeat");
	return 0;
}

static int
term(struct ere *e)
{
	static const char *const looks[] = { "(?=", "(?!", "(?<=", "(?<!",
	    NULL };
	int c = peek(e, 0), j;
	size_t start = e->k;

	if (c == '^' || c == '$') {
		buf_adds(e->out, c == '^' ? "^" : "\\z");
		e->k++;
		return no_quantifier(e);
	}
	if (c == '\\' && (peek(e, 1) == 'b' || peek(e, 1) == 'B')) {
		buf_adds(e->out, peek(e, 1) == 'b' ? "\\b" : "\\B");
		e->k += 2;
		return no_quantifier(e);
	}
	for (j = 0; c == '(' && looks[j] != NULL; j++)
		if (e->n - e->k >= strlen(looks[j]) && memcmp(e->s + e->k,
		    looks[j], strlen(looks[j])) == 0) {
			buf_adds(e->out, looks[j]);
			e->k += strlen(looks[j]);
			e->behind += j >= 2;
			if (disjunction(e) == -1)
				return -1;
			e->behind -= j >= 2;
			if (peek(e, 0) != ')')
				return bad(e, start, "missing )");
			e->k++;
			buf_addc(e->out, ')');
			return no_quantifier(e);
		}
	switch (c) {
	case '.':
		buf_adds(e->out, "[^\\x{A}\\x{D}\\x{2028}\\x{2029}]");
		e->k++;
		break;
	case '(':
		if (group(e) == -1)
			return -1;
		break;
	case '[':
		if (char_class(e) == -1)
			return -1;
		break;
	case '\\':
		if (atom_escape(e) == -1)
			return -1;
		break;
	case '*': case '+': case '?': case '{':
		return bad(e, start, "nothing to repeat");
	case '}': case ']':
		return bad(e, start, c == '}' ? "lone }" : "lone ]");
	default:
		emit_cp(e->out, take_cp(e));
	}
	return quantifier(e);
}

static int
disjunction(struct ere *e)
{
	size_t start = e->k;

	if (++e->depth > MAX_NESTING)
		return bad(e, start, "groups nested too deeply");
	for (;;) {
		while (peek(e, 0) >= 0 && peek(e, 0) != '|' &&
		    peek(e, 0) != ')')
			if (term(e) == -1)
				return -1;
		if (peek(e, 0) != '|')
			break;
		buf_addc(e->out, '|');
		e->k++;
	}
	e->depth--;
	return 0;
}

/*
 * Count the capturing groups and note the names, so that \2 and \k<n>
 * may come before their group. Only what the parse then checks matters.
 */
static void
scan_groups(struct ere *e)
{
	size_t k, j;
	int in_class = 0;

	for (k = 0; k < e->n; k++) {
		if (e->s[k] == '\\') {
			k++;
			continue;
		}
		if (in_class) {
			in_class = e->s[k] != ']';
			continue;
		}
		if (e->s[k] == '[')
			in_class = 1;
		if (e->s[k] != '(')
			continue;
		if (k + 1 < e->n && e->s[k + 1] == '?' && !(k + 2 < e->n &&
		    e->s[k + 2] == '<' && k + 3 < e->n && e->s[k + 3] != '=' &&
		    e->s[k + 3] != '!'))
			continue;
		e->ngroups++;
		if (k + 1 < e->n && e->s[k + 1] == '?') {
			for (j = k + 3; j < e->n && e->s[j] != '>'; j++)
				;
			if (find_group(e, e->s + k + 3, j - k - 3) != NULL)
				continue;
			e->names = xrealloc(e->names, (e->nnames + 1) *
			    sizeof(*e->names));
			e->names[e->nnames++] = (struct group_name){ e->s + k + 3,
			    j - k - 3, e->ngroups };
		}
	}
}

int
ecma_regex_translate(const char *src, size_t n, struct buf *out, char *err,
    size_t errlen, size_t *off)
{
	struct ere e = { .s = src, .n = n, .out = out };
	size_t valid = utf8_valid(src, n);

	if (valid != n) {
		snprintf(err, errlen, "not valid UTF-8");
		*off = valid;
		return -1;
	}
	scan_groups(&e);
	if (disjunction(&e) == 0 && e.k < n)
		bad(&e, e.k, "unmatched )");
	free(e.names);
	if (e.msg != NULL) {
		snprintf(err, errlen, "%s", e.msg);
		*off = e.at;
		return -1;
	}
	return 0;
}
