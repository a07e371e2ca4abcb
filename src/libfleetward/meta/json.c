/* meta/json.c - strict JSON parsing and OLPC canonical JSON on top of jansson
 *
 * Parsing: size limit before anything else, then jansson with duplicate keys rejected (it
 * already rejects trailing data, NUL bytes in strings and invalid UTF-8), then a depth check.
 * Canonical form: keys sorted by their bytes, no whitespace, integers only, strings escape only
 * backslash and double quote.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "util/sort.h"

/*
 * jansson 2.14 does not survive a failed allocation while parsing: its lexer ignores the
 * failure when it copies a string (the string silently loses characters and parsing goes on,
 * possibly to a successful result) or reads past its buffer (SIGSEGV, reproduced under ASan).
 * So jansson allocates with flw_malloc_or_abort: running out of memory inside it stops the
 * process (fail-stop) instead of corrupting data, and allocation-failure injection covers our
 * own code around it, not jansson's internals.
 */
__attribute__((constructor)) static void json_alloc_fail_stop(void)
{
	json_set_alloc_funcs(flw_malloc_or_abort, flw_free);
}

static unsigned depth_of(const json_t *v, unsigned limit)
{
	unsigned best = 0;
	unsigned d;
	size_t i;
	const char *k;
	json_t *child;

	if (limit == 0)
		return 1;
	if (json_is_array(v)) {
		for (i = 0; i < json_array_size(v) && best < limit; i++) {
			d = depth_of(json_array_get(v, i), limit - 1);
			best = d > best ? d : best;
		}
		return best + 1;
	}
	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, k, child)
		{
			d = depth_of(child, limit - 1);
			best = d > best ? d : best;
			if (best >= limit)
				break;
		}
		return best + 1;
	}
	return 0;
}

int flw_json_parse(json_t **out, const void *data, size_t len, const struct flw_json_limits *lim,
                   struct flw_diag *diag)
{
	json_error_t err;
	json_t *v;
	unsigned max_depth = lim && lim->max_depth ? lim->max_depth : FLW_JSON_DEFAULT_MAX_DEPTH;

	if (lim && lim->max_bytes && len > lim->max_bytes)
		return flw_diag_set(diag, FLW_ELIMIT, NULL,
		                    "JSON document of %zu bytes exceeds %zu", len, lim->max_bytes);
	v = json_loadb(data, len, JSON_REJECT_DUPLICATES, &err);
	if (!v && json_error_code(&err) == json_error_out_of_memory)
		return flw_diag_set(diag, FLW_ENOMEM, NULL, "out of memory parsing JSON");
	if (!v) {
		int rc = flw_diag_set(diag, FLW_EFORMAT, NULL, "invalid JSON: %s", err.text);

		if (diag) {
			diag->line = err.line > 0 ? (unsigned)err.line : 0;
			diag->column = err.column > 0 ? (unsigned)err.column : 0;
		}
		return rc;
	}
	if (depth_of(v, max_depth + 1) > max_depth) {
		json_decref(v);
		return flw_diag_set(diag, FLW_ELIMIT, NULL, "JSON nested deeper than %u levels",
		                    max_depth);
	}
	*out = v;
	return 0;
}

/* ---- canonical encoder ------------------------------------------------------------------ */

struct key_ref {
	const char *key;
	size_t len;
	json_t *val;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a;
	const struct key_ref *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int canon_string(struct flw_buf *out, const char *s, size_t len)
{
	size_t i;
	size_t start = 0;
	int rc = flw_buf_append(out, "\"", 1);

	for (i = 0; rc == 0 && i < len; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		rc = flw_buf_append(out, s + start, i - start);
		if (rc == 0)
			rc = flw_buf_append(out, s[i] == '"' ? "\\\"" : "\\\\", 2);
		start = i + 1;
	}
	if (rc == 0)
		rc = flw_buf_append(out, s + start, len - start);
	if (rc == 0)
		rc = flw_buf_append(out, "\"", 1);
	return rc;
}

static int canon_value(struct flw_buf *out, const json_t *v, unsigned depth, struct flw_diag *diag);

static int canon_object(struct flw_buf *out, const json_t *v, unsigned depth, struct flw_diag *diag)
{
	struct key_ref *keys = NULL;
	size_t n = json_object_size(v);
	size_t i = 0;
	const char *k;
	json_t *child;
	int rc = FLW_ENOMEM;

	keys = flw_calloc(n ? n : 1, sizeof(*keys));
	if (!keys)
		goto out;
	json_object_foreach((json_t *)v, k, child)
	{
		keys[i].key = k;
		keys[i].len = strlen(k);
		keys[i].val = child;
		i++;
	}
	flw_sort(keys, n, sizeof(*keys), key_cmp);
	rc = flw_buf_append(out, "{", 1);
	for (i = 0; rc == 0 && i < n; i++) {
		if (i > 0)
			rc = flw_buf_append(out, ",", 1);
		if (rc == 0)
			rc = canon_string(out, keys[i].key, keys[i].len);
		if (rc == 0)
			rc = flw_buf_append(out, ":", 1);
		if (rc == 0)
			rc = canon_value(out, keys[i].val, depth + 1, diag);
	}
	if (rc == 0)
		rc = flw_buf_append(out, "}", 1);
out:
	flw_free(keys);
	return rc;
}

static int canon_array(struct flw_buf *out, const json_t *v, unsigned depth, struct flw_diag *diag)
{
	size_t i;
	int rc = flw_buf_append(out, "[", 1);

	for (i = 0; rc == 0 && i < json_array_size(v); i++) {
		if (i > 0)
			rc = flw_buf_append(out, ",", 1);
		if (rc == 0)
			rc = canon_value(out, json_array_get(v, i), depth + 1, diag);
	}
	if (rc == 0)
		rc = flw_buf_append(out, "]", 1);
	return rc;
}

static int canon_value(struct flw_buf *out, const json_t *v, unsigned depth, struct flw_diag *diag)
{
	if (depth > 2 * FLW_JSON_DEFAULT_MAX_DEPTH)
		return flw_diag_set(diag, FLW_ELIMIT, NULL, "JSON nested too deeply to encode");
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return canon_object(out, v, depth, diag);
	case JSON_ARRAY:
		return canon_array(out, v, depth, diag);
	case JSON_STRING:
		return canon_string(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return flw_buf_printf(out, "%" PRId64, (int64_t)json_integer_value(v));
	case JSON_TRUE:
		return flw_buf_append(out, "true", 4);
	case JSON_FALSE:
		return flw_buf_append(out, "false", 5);
	case JSON_NULL:
		return flw_buf_append(out, "null", 4);
	case JSON_REAL:
	default:
		return flw_diag_set(diag, FLW_EFORMAT, NULL,
		                    "canonical JSON allows no floating-point numbers");
	}
}

int flw_json_canonical(struct flw_buf *out, const json_t *v, struct flw_diag *diag)
{
	size_t start = out->len;
	int rc = canon_value(out, v, 0, diag);

	if (rc != 0) {
		out->len = start; /* nothing half-written */
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}

struct dump_ctx {
	struct flw_buf *out;
	int rc;
};

static int dump_cb(const char *p, size_t n, void *payload)
{
	struct dump_ctx *c = payload;

	c->rc = flw_buf_append(c->out, p, n);
	return c->rc == 0 ? 0 : -1;
}

int flw_json_dump(struct flw_buf *out, const json_t *v, int pretty)
{
	size_t flags = JSON_SORT_KEYS | (pretty ? JSON_INDENT(2) : JSON_COMPACT);
	struct dump_ctx c = { out, 0 };
	size_t start = out->len;

	if (json_dump_callback(v, dump_cb, &c, flags) != 0) {
		out->len = start; /* nothing half-written */
		if (out->data)
			out->data[start] = '\0';
		return c.rc != 0 ? c.rc : FLW_ENOMEM;
	}
	return 0;
}

/* ---- typed getters ---------------------------------------------------------------------- */

static int absent(const char *key, int required, struct flw_diag *diag)
{
	if (required)
		flw_diag_set(diag, FLW_ENOTFOUND, key, "field '%s' is missing", key);
	return FLW_ENOTFOUND;
}

int flw_json_get_str(const json_t *obj, const char *key, const char **out, size_t max_len,
                     int required, struct flw_diag *diag)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return absent(key, required, diag);
	if (!json_is_string(v))
		return flw_diag_set(diag, FLW_EFORMAT, key, "field '%s': expected a string", key);
	if (max_len && json_string_length(v) > max_len)
		return flw_diag_set(diag, FLW_ELIMIT, key, "field '%s' is longer than %zu bytes",
		                    key, max_len);
	*out = json_string_value(v);
	return 0;
}

int flw_json_get_int(const json_t *obj, const char *key, int64_t *out, int64_t min, int64_t max,
                     int required, struct flw_diag *diag)
{
	json_t *v = json_object_get(obj, key);
	int64_t i;

	if (!v)
		return absent(key, required, diag);
	if (!json_is_integer(v))
		return flw_diag_set(diag, FLW_EFORMAT, key, "field '%s': expected an integer", key);
	i = (int64_t)json_integer_value(v);
	if (i < min || i > max)
		return flw_diag_set(diag, FLW_EFORMAT, key,
		                    "field '%s': %" PRId64 " is outside %" PRId64 "..%" PRId64, key,
		                    i, min, max);
	*out = i;
	return 0;
}

int flw_json_get_bool(const json_t *obj, const char *key, int *out, int required,
                      struct flw_diag *diag)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return absent(key, required, diag);
	if (!json_is_boolean(v))
		return flw_diag_set(diag, FLW_EFORMAT, key, "field '%s': expected true or false",
		                    key);
	*out = json_is_true(v);
	return 0;
}

int flw_json_get_obj(const json_t *obj, const char *key, json_t **out, int required,
                     struct flw_diag *diag)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return absent(key, required, diag);
	if (!json_is_object(v))
		return flw_diag_set(diag, FLW_EFORMAT, key, "field '%s': expected an object", key);
	*out = v;
	return 0;
}

int flw_json_get_arr(const json_t *obj, const char *key, json_t **out, size_t max_items,
                     int required, struct flw_diag *diag)
{
	json_t *v = json_object_get(obj, key);

	if (!v)
		return absent(key, required, diag);
	if (!json_is_array(v))
		return flw_diag_set(diag, FLW_EFORMAT, key, "field '%s': expected an array", key);
	if (max_items && json_array_size(v) > max_items)
		return flw_diag_set(diag, FLW_ELIMIT, key, "field '%s' has more than %zu items",
		                    key, max_items);
	*out = v;
	return 0;
}

int flw_json_only_keys(const json_t *obj, const char *const *allowed, const char *path,
                       struct flw_diag *diag)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)obj, k, v)
	{
		for (i = 0; allowed[i]; i++)
			if (strcmp(allowed[i], k) == 0)
				break;
		if (!allowed[i])
			return flw_diag_set(diag, FLW_EFORMAT, path && *path ? path : k,
			                    "unknown field '%s'%s%s", k,
			                    path && *path ? " in " : "", path ? path : "");
	}
	return 0;
}
