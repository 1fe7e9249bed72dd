/* LOCAL STUB, never committed: plain .key paths and // only. */
#include <stdlib.h>
#include <string.h>
#include "jqx.h"
struct jqx { char keys[4][64]; int n; struct buf s; };
struct jqx *jqx_compile(const char *expr, char *err, size_t errlen) {
	struct jqx *q = calloc(1, sizeof(*q)); const char *p = expr;
	while (*p) { while (*p == ' ') p++; if (*p != '.') { strncpy(err, "stub: unsupported", errlen); free(q); return NULL; }
		p++; size_t n = strcspn(p, " /"); memcpy(q->keys[q->n], p, n); q->keys[q->n][n] = 0; q->n++; p += n;
		while (*p == 0x20) { p++; } if (*p == 0x2f) p += 2; }
	return q; }
int jqx_eval(struct jqx *q, const struct js_doc *d, struct jqx_val *v, char *err, size_t errlen) {
	(void)err; (void)errlen; int i, k = -1;
	for (i = 0; i < q->n; i++) { k = js_get(d, 0, q->keys[i], strlen(q->keys[i])); if (k >= 0 && d->v[k].type != JS_NULL && d->v[k].type != JS_FALSE) break; }
	static const char nul[] = "null";
	if (k < 0) { v->type = JS_NULL; v->text = nul; v->len = 4; return JQX_OK; }
	v->type = d->v[k].type; v->text = js_text(d, k); v->len = d->v[k].len;
	if (v->type == JS_STRING) { buf_reset(&q->s); js_str(d, k, &q->s); v->str = q->s.p; v->slen = q->s.len; }
	return JQX_OK; }
int jqx_is_fast(const struct jqx *q) { (void)q; return 1; }
int jqx_truthy(const struct jqx_val *v) { return v->type != JS_NULL && v->type != JS_FALSE; }
void jqx_free(struct jqx *q) { free(q); }
