/* vuln/feed.c - the vulnerability record set and what the four feed importers share
 *
 * The set is an open-addressing hash table of entries keyed by CVE id. A record enters it
 * only complete and only when newer than the copy it replaces (flw_feed__put_*), so the set is
 * consistent after every record, whatever happens to the rest of the input.
 *
 * Input is streamed: flw_feed__stream() reads a file (size-capped) or memory in chunks and
 * pushes them into a splitter that cuts records out without building the whole document:
 * feed_split for the elements of one top-level JSON array (NVD, KEV), feed_lines for JSON
 * lines and CSV. Each record then goes through flw_json_parse() with per-record limits, so a
 * malformed record (bad syntax, duplicate keys, wrong types) costs only that record.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "vuln/feed_private.h"
#include "util/sort.h"

const struct flw_json_limits flw_feed__json_limits = {
	.max_bytes = FLW_FEED_MAX_RECORD_BYTES,
	.max_depth = FLW_FEED_MAX_DEPTH,
};

/* ---- names -------------------------------------------------------------------------------- */

static const char *const kind_names[] = { "nvd", "cve5", "kev", "epss" };
static const char *const status_names[] = {
	"Received", "Awaiting Analysis", "Undergoing Analysis", "Analyzed", "Modified",
	"Deferred", "Rejected",          "PUBLISHED",
};
static const char *const cvss_version_names[] = { "2.0", "3.0", "3.1", "4.0" };
static const char *const severity_names[] = { "NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL" };

const char *flw_feed_kind_to_string(int kind)
{
	return kind >= 0 && kind < _FLW_FEED_MAX ? kind_names[kind] : NULL;
}

const char *flw_vuln_status_to_string(int status)
{
	return status >= 0 && status < _FLW_VULN_STATUS_MAX ? status_names[status] : NULL;
}

int flw_vuln_status_from_string(const char *s)
{
	size_t i;

	for (i = 0; s && i < FLW_ARRAY_SIZE(status_names); i++)
		if (strcasecmp(s, status_names[i]) == 0)
			return (int)i;
	return _FLW_VULN_STATUS_INVALID;
}

const char *flw_cvss_version_to_string(int v)
{
	return v >= 0 && v < _FLW_CVSS_VERSION_MAX ? cvss_version_names[v] : NULL;
}

const char *flw_cvss_severity_to_string(int s)
{
	return s >= 0 && s < _FLW_CVSS_SEVERITY_MAX ? severity_names[s] : NULL;
}

int flw_feed_have_matcher(void)
{
	return FEED_HAVE_MATCH;
}

/* ---- the set ------------------------------------------------------------------------------ */

struct flw_vuln_db {
	struct flw_vuln_entry **slots; /* cap slots, power of two */
	size_t cap;
	size_t count;
};

#define DB_INITIAL_CAP 1024

static uint64_t id_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	while (*s) {
		h ^= (unsigned char)*s++;
		h *= 1099511628211ull;
	}
	return h;
}

int flw_vuln_db_new(struct flw_vuln_db **out)
{
	struct flw_vuln_db *db;

	if (!out)
		return FLW_EINVAL;
	db = flw_calloc(1, sizeof(*db));
	if (!db)
		return FLW_ENOMEM;
	db->slots = flw_calloc(DB_INITIAL_CAP, sizeof(*db->slots));
	if (!db->slots) {
		flw_free(db);
		return FLW_ENOMEM;
	}
	db->cap = DB_INITIAL_CAP;
	*out = db;
	return 0;
}

void flw_feed__record_free(struct flw_vuln_record *rec)
{
	size_t i;

	if (!rec)
		return;
	flw_free(rec->description);
	for (i = 0; i < rec->n_cvss; i++) {
		flw_free(rec->cvss[i].vector);
		flw_free(rec->cvss[i].source);
	}
	flw_free(rec->cvss);
	for (i = 0; i < rec->n_cwes; i++)
		flw_free(rec->cwes[i]);
	flw_free(rec->cwes);
#if FEED_HAVE_MATCH
	flw_vuln_config_free(rec->config);
	flw_vuln_affected_free(rec->affected);
#endif
	json_decref(rec->config_json);
	json_decref(rec->affected_json);
	flw_free(rec->affected_from);
	flw_free(rec);
}

void flw_feed__kev_free(struct flw_vuln_kev *kev)
{
	size_t i;

	if (!kev)
		return;
	flw_free(kev->vendor_project);
	flw_free(kev->product);
	flw_free(kev->name);
	for (i = 0; i < kev->n_cwes; i++)
		flw_free(kev->cwes[i]);
	flw_free(kev->cwes);
	flw_free(kev);
}

void flw_vuln_db_free(struct flw_vuln_db *db)
{
	size_t i;
	struct flw_vuln_entry *e;

	if (!db)
		return;
	for (i = 0; i < db->cap; i++) {
		e = db->slots[i];
		if (!e)
			continue;
		flw_feed__record_free(e->nvd);
		flw_feed__record_free(e->cve5);
		flw_feed__kev_free(e->kev);
		flw_free(e);
	}
	flw_free(db->slots);
	flw_free(db);
}

static size_t find_slot(struct flw_vuln_entry *const *slots, size_t cap, const char *id)
{
	size_t i = (size_t)id_hash(id) & (cap - 1);

	while (slots[i] && strcmp(slots[i]->id, id) != 0)
		i = (i + 1) & (cap - 1);
	return i;
}

const struct flw_vuln_entry *flw_vuln_db_get(const struct flw_vuln_db *db, const char *cve_id)
{
	if (!db || !cve_id)
		return NULL;
	return db->slots[find_slot(db->slots, db->cap, cve_id)];
}

size_t flw_vuln_db_count(const struct flw_vuln_db *db)
{
	return db ? db->count : 0;
}

int flw_vuln_db_foreach(const struct flw_vuln_db *db, flw_vuln_db_visit_fn fn, void *payload)
{
	size_t i;
	int rc;

	if (!db || !fn)
		return FLW_EINVAL;
	for (i = 0; i < db->cap; i++) {
		if (!db->slots[i])
			continue;
		rc = fn(db->slots[i], payload);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int db_grow(struct flw_vuln_db *db)
{
	size_t cap = db->cap * 2;
	struct flw_vuln_entry **slots = flw_calloc(cap, sizeof(*slots));
	size_t i;

	if (!slots)
		return FLW_ENOMEM;
	for (i = 0; i < db->cap; i++)
		if (db->slots[i])
			slots[find_slot(slots, cap, db->slots[i]->id)] = db->slots[i];
	flw_free(db->slots);
	db->slots = slots;
	db->cap = cap;
	return 0;
}

/* The entry for id, created when missing. */
static int db_entry(struct flw_vuln_db *db, const char *id, struct flw_vuln_entry **out,
                    struct flw_diag *diag)
{
	size_t i = find_slot(db->slots, db->cap, id);
	struct flw_vuln_entry *e;

	if (db->slots[i]) {
		*out = db->slots[i];
		return 0;
	}
	if (db->count >= FLW_VULN_DB_MAX_ENTRIES)
		return flw_diag_set(diag, FLW_ELIMIT, id, "more than %zu CVE ids",
		                    (size_t)FLW_VULN_DB_MAX_ENTRIES);
	if ((db->count + 1) * 10 > db->cap * 7) {
		if (db_grow(db) != 0)
			return FLW_ENOMEM;
		i = find_slot(db->slots, db->cap, id);
	}
	e = flw_calloc(1, sizeof(*e));
	if (!e)
		return FLW_ENOMEM;
	memcpy(e->id, id, strlen(id) + 1);
	db->slots[i] = e;
	db->count++;
	*out = e;
	return 0;
}

static void count_put(struct feed_ctx *ctx, enum feed_put put)
{
	if (put == FEED_PUT_ADDED)
		ctx->stats->added++;
	else if (put == FEED_PUT_REPLACED)
		ctx->stats->replaced++;
	else
		ctx->stats->unchanged++;
}

int flw_feed__put_record(struct feed_ctx *ctx, struct flw_vuln_record *rec)
{
	struct flw_vuln_entry *e = NULL;
	struct flw_vuln_record **slot;
	enum feed_put put = FEED_PUT_ADDED;
	int rc = db_entry(ctx->db, rec->id, &e, NULL);

	if (rc != 0) {
		flw_feed__record_free(rec);
		return rc;
	}
	slot = rec->source == FLW_VULN_SOURCE_NVD ? &e->nvd : &e->cve5;
	if (*slot && rec->last_modified_ms <= (*slot)->last_modified_ms) {
		flw_feed__record_free(rec);
		put = FEED_PUT_UNCHANGED;
	} else {
		if (*slot)
			put = FEED_PUT_REPLACED;
		flw_feed__record_free(*slot);
		*slot = rec;
	}
	count_put(ctx, put);
	return 0;
}

int flw_feed__put_kev(struct feed_ctx *ctx, struct flw_vuln_kev *kev)
{
	struct flw_vuln_entry *e = NULL;
	enum feed_put put = FEED_PUT_ADDED;
	int rc = db_entry(ctx->db, kev->id, &e, NULL);

	if (rc != 0) {
		flw_feed__kev_free(kev);
		return rc;
	}
	if (e->kev && kev->catalog_released_ms <= e->kev->catalog_released_ms) {
		flw_feed__kev_free(kev);
		put = FEED_PUT_UNCHANGED;
	} else {
		if (e->kev)
			put = FEED_PUT_REPLACED;
		flw_feed__kev_free(e->kev);
		e->kev = kev;
	}
	count_put(ctx, put);
	return 0;
}

int flw_feed__put_epss(struct feed_ctx *ctx, const char *id, const struct flw_vuln_epss *epss)
{
	struct flw_vuln_entry *e = NULL;
	enum feed_put put = FEED_PUT_ADDED;
	int rc = db_entry(ctx->db, id, &e, NULL);

	if (rc != 0)
		return rc;
	if (e->epss.present && epss->score_date_ms <= e->epss.score_date_ms) {
		put = FEED_PUT_UNCHANGED;
	} else {
		if (e->epss.present)
			put = FEED_PUT_REPLACED;
		e->epss = *epss;
		e->epss.present = 1;
	}
	count_put(ctx, put);
	return 0;
}

/* ---- CVSS preference ----------------------------------------------------------------------- */

struct cvss_pref {
	int origin; /* -1: any */
	int version;
};

/* VULNDATA 9.3: NVD v3.1 -> (NVD v3.0) -> CNA v4.0 -> CNA/ADP v3.x -> any v4.0 -> v2 */
static const struct cvss_pref cvss_prefs[] = {
	{ FLW_VULN_ORIGIN_NVD, FLW_CVSS_V31 },      { FLW_VULN_ORIGIN_NVD, FLW_CVSS_V30 },
	{ FLW_VULN_ORIGIN_CNA, FLW_CVSS_V40 },      { FLW_VULN_ORIGIN_CNA, FLW_CVSS_V31 },
	{ FLW_VULN_ORIGIN_CNA, FLW_CVSS_V30 },      { FLW_VULN_ORIGIN_CISA_ADP, FLW_CVSS_V31 },
	{ FLW_VULN_ORIGIN_CISA_ADP, FLW_CVSS_V30 }, { FLW_VULN_ORIGIN_ADP, FLW_CVSS_V31 },
	{ FLW_VULN_ORIGIN_ADP, FLW_CVSS_V30 },      { -1, FLW_CVSS_V40 },
	{ FLW_VULN_ORIGIN_NVD, FLW_CVSS_V2 },       { -1, FLW_CVSS_V2 },
};

static const struct flw_vuln_cvss *cvss_find(const struct flw_vuln_record *r,
                                             const struct cvss_pref *p)
{
	size_t i;

	for (i = 0; r && i < r->n_cvss; i++)
		if ((p->origin < 0 || (int)r->cvss[i].origin == p->origin) &&
		    (int)r->cvss[i].version == p->version)
			return &r->cvss[i];
	return NULL;
}

const struct flw_vuln_cvss *flw_vuln_entry_cvss(const struct flw_vuln_entry *e)
{
	const struct flw_vuln_cvss *c = NULL;
	size_t i;

	for (i = 0; e && !c && i < FLW_ARRAY_SIZE(cvss_prefs); i++) {
		c = cvss_find(e->nvd, &cvss_prefs[i]);
		if (!c)
			c = cvss_find(e->cve5, &cvss_prefs[i]);
	}
	return c;
}

const struct flw_vuln_record *flw_vuln_entry_record(const struct flw_vuln_entry *e)
{
	if (!e)
		return NULL;
	return e->nvd ? e->nvd : e->cve5;
}

/* ---- reporting and progress -------------------------------------------------------------- */

void flw_feed__progress(struct feed_ctx *ctx, int done)
{
	struct flw_feed_progress p;

	if (!ctx->opts || !ctx->opts->on_progress)
		return;
	p.kind = ctx->kind;
	p.file = ctx->file;
	p.bytes_done = ctx->bytes_done;
	p.bytes_total = ctx->bytes_total;
	p.stats = ctx->stats;
	p.done = done;
	ctx->opts->on_progress(&p, ctx->opts->payload);
}

static void progress_tick(struct feed_ctx *ctx)
{
	size_t every = ctx->opts && ctx->opts->progress_every ? ctx->opts->progress_every : 1000;

	if (ctx->n_records < ctx->next_progress)
		return;
	ctx->next_progress = ctx->n_records + every;
	flw_feed__progress(ctx, 0);
}

int flw_feed__record_seen(struct feed_ctx *ctx, struct flw_diag *diag)
{
	if (ctx->n_records >= FLW_FEED_MAX_RECORDS)
		return flw_diag_set(diag, FLW_ELIMIT, ctx->file,
		                    "more than %zu records in one file",
		                    (size_t)FLW_FEED_MAX_RECORDS);
	ctx->n_records++;
	ctx->stats->records++;
	progress_tick(ctx);
	return 0;
}

static void report(struct feed_ctx *ctx, const char *id, size_t index, const struct flw_diag *diag,
                   int kept)
{
	struct flw_feed_error e;

	if (!ctx->opts || !ctx->opts->on_error)
		return;
	e.kind = ctx->kind;
	e.file = ctx->file;
	e.id = id ? id : "";
	e.index = index;
	e.diag = diag;
	e.record_kept = kept;
	ctx->opts->on_error(&e, ctx->opts->payload);
}

void flw_feed__report(struct feed_ctx *ctx, const char *id, size_t index,
                      const struct flw_diag *diag)
{
	ctx->stats->failed++;
	report(ctx, id, index, diag, 0);
}

void flw_feed__report_kept(struct feed_ctx *ctx, const char *id, size_t index,
                           const struct flw_diag *diag)
{
	ctx->stats->refused++;
	report(ctx, id, index, diag, 1);
}

void flw_feed__path_prefix(struct flw_diag *diag, const char *prefix)
{
	char field[FLW_DIAG_PATH_MAX];
	int n;

	if (!diag)
		return;
	memcpy(field, diag->path, sizeof(field));
	field[sizeof(field) - 1] = '\0';
	n = snprintf(diag->path, sizeof(diag->path), "%s%s%s", prefix, field[0] ? "." : "", field);
	if (n < 0)
		diag->path[0] = '\0';
}

static int is_ws(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

void flw_feed__guess_id(const unsigned char *p, size_t n, const char *key,
                        char out[FLW_CVE_ID_MAX + 1])
{
	size_t klen = strlen(key);
	size_t i;
	size_t j;
	size_t k;

	out[0] = '\0';
	for (i = 0; i + klen + 2 < n; i++) {
		if (p[i] != '"' || memcmp(p + i + 1, key, klen) != 0 || p[i + 1 + klen] != '"')
			continue;
		j = i + klen + 2;
		while (j < n && is_ws(p[j]))
			j++;
		if (j >= n || p[j] != ':')
			continue;
		j++;
		while (j < n && is_ws(p[j]))
			j++;
		if (j >= n || p[j] != '"')
			continue;
		j++;
		for (k = 0; k < FLW_CVE_ID_MAX && j + k < n && p[j + k] != '"' &&
		            (is_digit(p[j + k]) || p[j + k] == '-' ||
		             (p[j + k] >= 'A' && p[j + k] <= 'Z'));
		     k++)
			out[k] = (char)p[j + k];
		out[k] = '\0';
		if (flw_feed__cve_id_ok(out))
			return;
		out[0] = '\0';
	}
}

/* ---- streaming input --------------------------------------------------------------------- */

static int stream_fd(struct feed_ctx *ctx, int fd, uint64_t max_bytes, feed_push_fn push,
                     void *sink, struct flw_diag *diag)
{
	unsigned char *buf = flw_malloc(FEED_CHUNK);
	ssize_t got;
	int rc = FLW_ENOMEM;

	if (!buf)
		goto out;
	for (;;) {
		got = read(fd, buf, FEED_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc = flw_diag_errno(diag, errno, ctx->file, "reading");
			goto out;
		}
		if (got == 0)
			break;
		ctx->bytes_done += (uint64_t)got;
		if (ctx->bytes_done > max_bytes) {
			rc = flw_diag_set(diag, FLW_ELIMIT, ctx->file,
			                  "file is larger than %llu bytes",
			                  (unsigned long long)max_bytes);
			goto out;
		}
		rc = push(sink, buf, (size_t)got, diag);
		if (rc != 0)
			goto out;
	}
	rc = 0;
out:
	flw_free(buf);
	return rc;
}

static int stream_path(struct feed_ctx *ctx, const char *path, uint64_t max_bytes,
                       feed_push_fn push, void *sink, struct flw_diag *diag)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	int rc;

	if (fd < 0 && errno == ENOENT)
		return flw_diag_set(diag, FLW_ENOTFOUND, path, "no such file");
	if (fd < 0)
		return flw_diag_errno(diag, errno, path, "opening");
	if (fstat(fd, &st) != 0) {
		rc = flw_diag_errno(diag, errno, path, "stat");
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = flw_diag_set(diag, FLW_EINVAL, path, "is a directory");
		goto out;
	}
	if (S_ISREG(st.st_mode)) {
		ctx->bytes_total = (uint64_t)st.st_size;
		if (ctx->bytes_total > max_bytes) {
			rc = flw_diag_set(diag, FLW_ELIMIT, path, "file is larger than %llu bytes",
			                  (unsigned long long)max_bytes);
			goto out;
		}
	}
	rc = stream_fd(ctx, fd, max_bytes, push, sink, diag);
out:
	close(fd);
	return rc;
}

int flw_feed__stream(struct feed_ctx *ctx, const char *path, const void *mem, size_t mem_len,
                     uint64_t max_bytes, feed_push_fn push, feed_finish_fn finish, void *sink,
                     struct flw_diag *diag)
{
	const unsigned char *p = mem;
	size_t n;
	size_t off;
	int rc = 0;

	ctx->bytes_done = 0;
	ctx->bytes_total = 0;
	ctx->n_records = 0;
	ctx->next_progress = 0;
	if (path) {
		rc = stream_path(ctx, path, max_bytes, push, sink, diag);
	} else if ((uint64_t)mem_len > max_bytes) {
		rc = flw_diag_set(diag, FLW_ELIMIT, ctx->file, "input is larger than %llu bytes",
		                  (unsigned long long)max_bytes);
	} else {
		ctx->bytes_total = mem_len;
		for (off = 0; rc == 0 && off < mem_len; off += n) {
			n = mem_len - off < FEED_CHUNK ? mem_len - off : FEED_CHUNK;
			ctx->bytes_done += n;
			rc = push(sink, p + off, n, diag);
		}
	}
	if (rc == 0 && finish)
		rc = finish(sink, diag);
	if (finish)
		flw_feed__progress(ctx, 1); /* else the caller finishes and reports */
	return rc;
}

/* ---- splitting one top-level array out of a JSON object ---------------------------------- */

enum {
	SP_START,
	SP_TOP,
	SP_ARRAY,
	SP_END
};

#define SPLIT_KEY_MAX   64
#define SPLIT_DEPTH_MAX (1u << 20) /* each record is depth-checked again by flw_json_parse */

void flw_feed__split_init(struct feed_split *s, struct feed_ctx *ctx, const char *array_key,
                          feed_elem_fn on_elem, feed_env_fn on_array_start, void *payload)
{
	memset(s, 0, sizeof(*s));
	s->ctx = ctx;
	s->array_key = array_key;
	s->on_elem = on_elem;
	s->on_array_start = on_array_start;
	s->payload = payload;
	s->state = SP_START;
	flw_buf_init(&s->key, SPLIT_KEY_MAX);
	flw_buf_init(&s->env, FLW_FEED_MAX_ENVELOPE_BYTES);
	flw_buf_init(&s->rec, FLW_FEED_MAX_RECORD_BYTES);
}

void flw_feed__split_done(struct feed_split *s)
{
	flw_buf_free(&s->key);
	flw_buf_free(&s->env);
	flw_buf_free(&s->rec);
}

static int env_add(struct feed_split *s, const void *p, size_t n, struct flw_diag *diag)
{
	int rc = flw_buf_append(&s->env, p, n);

	if (rc == FLW_ELIMIT)
		return flw_diag_set(diag, rc, s->ctx->file, "JSON outside '%s' exceeds %zu bytes",
		                    s->array_key, (size_t)FLW_FEED_MAX_ENVELOPE_BYTES);
	return rc;
}

static int parse_env(struct feed_split *s, const char *tail, json_t **out, struct flw_diag *diag)
{
	struct flw_json_limits lim = { FLW_FEED_MAX_ENVELOPE_BYTES + 16, FLW_FEED_MAX_DEPTH };
	size_t len = s->env.len;
	int rc = env_add(s, tail, strlen(tail), diag);

	if (rc == 0)
		rc = flw_json_parse(out, s->env.data, s->env.len, &lim, diag);
	s->env.len = len;
	if (rc != 0 && diag && diag->path[0] == '\0')
		snprintf(diag->path, sizeof(diag->path), "%s", s->ctx->file);
	return rc;
}

/* The array starts: replace it by null in the envelope and show the keys read so far. */
static int split_array_start(struct feed_split *s, struct flw_diag *diag)
{
	json_t *env = NULL;
	int rc;

	s->arrays_seen++;
	s->key_is_array = 0;
	s->state = SP_ARRAY;
	s->depth = 2;
	rc = env_add(s, "null", 4, diag);
	if (rc != 0 || !s->on_array_start)
		return rc;
	rc = parse_env(s, "}", &env, diag);
	if (rc == 0)
		rc = s->on_array_start(s->payload, env, diag);
	json_decref(env);
	return rc;
}

static int split_emit(struct feed_split *s, struct flw_diag *diag)
{
	struct flw_diag d;
	char id[FLW_CVE_ID_MAX + 1];
	int rc = 0;

	if (s->rec.len == 0)
		return flw_diag_set(diag, FLW_EFORMAT, s->ctx->file, "empty element %zu in '%s'",
		                    s->index, s->array_key);
	if (s->skipping) {
		flw_feed__guess_id(s->rec.data, s->rec.len,
		                   s->ctx->kind == FLW_FEED_KEV ? "cveID" : "id", id);
		flw_diag_clear(&d);
		flw_diag_set(&d, FLW_ELIMIT, NULL, "record larger than %zu bytes",
		             (size_t)FLW_FEED_MAX_RECORD_BYTES);
		rc = flw_feed__record_seen(s->ctx, diag);
		if (rc == 0)
			flw_feed__report(s->ctx, id, s->index, &d);
	} else {
		rc = s->on_elem(s->payload, s->rec.data, s->rec.len, s->index);
	}
	s->index++;
	s->skipping = 0;
	flw_buf_reset(&s->rec);
	return rc;
}

static int rec_add(struct feed_split *s, const unsigned char *p, size_t n)
{
	int rc;

	if (s->skipping || n == 0)
		return 0;
	rc = flw_buf_append(&s->rec, p, n);
	if (rc == FLW_ELIMIT) {
		s->skipping = 1;
		rc = 0;
	}
	return rc;
}

/* one byte outside any string, at the top object level or deeper (not in the array) */
static int split_top_byte(struct feed_split *s, unsigned char c, struct flw_diag *diag)
{
	if (is_ws(c))
		return env_add(s, &c, 1, diag);
	if (s->key_is_array && c == '[' && s->depth == 1)
		return split_array_start(s, diag);
	s->key_is_array = s->key_done && c == ':' && s->depth == 1 &&
	                  s->key.len == strlen(s->array_key) &&
	                  memcmp(s->key.data, s->array_key, s->key.len) == 0;
	s->key_done = 0;
	if (c == '"') {
		s->in_str = 1;
		s->key_open = s->depth == 1;
		flw_buf_reset(&s->key);
	} else if (c == '{' || c == '[') {
		if (++s->depth > SPLIT_DEPTH_MAX)
			return flw_diag_set(diag, FLW_ELIMIT, s->ctx->file, "JSON nested too deep");
	} else if (c == '}' || c == ']') {
		if (--s->depth == 0)
			s->state = SP_END;
	}
	return env_add(s, &c, 1, diag);
}

/* string bytes in the envelope; a depth-1 string may be a key */
static int split_top_str(struct feed_split *s, unsigned char c, struct flw_diag *diag)
{
	int closing = 0;

	if (s->esc)
		s->esc = 0;
	else if (c == '\\')
		s->esc = 1;
	else if (c == '"')
		closing = 1;
	if (closing) {
		s->in_str = 0;
		s->key_done = s->key_open;
		s->key_open = 0;
	} else if (s->key_open && flw_buf_append(&s->key, &c, 1) != 0) {
		s->key_open = 0; /* too long to be the key we look for */
	}
	return env_add(s, &c, 1, diag);
}

/* bytes [i, n) inside the array; returns how many were consumed (all, or up to the ']') */
static int split_array(struct feed_split *s, const unsigned char *p, size_t n, size_t *used,
                       struct flw_diag *diag)
{
	size_t i;
	size_t start = 0;
	unsigned char c;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		c = p[i];
		if (s->in_str) {
			if (s->esc)
				s->esc = 0;
			else if (c == '\\')
				s->esc = 1;
			else if (c == '"')
				s->in_str = 0;
			continue;
		}
		if (c == '"') {
			s->in_str = 1;
		} else if (c == '{' || c == '[') {
			if (++s->depth > SPLIT_DEPTH_MAX)
				rc = flw_diag_set(diag, FLW_ELIMIT, s->ctx->file,
				                  "nested too deep");
		} else if ((c == '}' || c == ']') && s->depth > 2) {
			s->depth--;
		} else if (c == '}') {
			rc = flw_diag_set(diag, FLW_EFORMAT, s->ctx->file, "unbalanced '}' in '%s'",
			                  s->array_key);
		} else if (s->depth == 2 && (c == ',' || c == ']')) {
			rc = rec_add(s, p + start, i - start);
			start = i + 1;
			if (rc == 0 && (c == ',' || s->rec.len > 0 || s->index > 0))
				rc = split_emit(s, diag);
			if (c == ']') {
				s->depth = 1;
				s->state = SP_TOP;
				*used = i + 1;
				return rc;
			}
		} else if (s->depth == 2 && is_ws(c) && s->rec.len == 0 && start == i) {
			start = i + 1; /* leading white space */
		}
	}
	if (rc == 0)
		rc = rec_add(s, p + start, i - start);
	*used = n;
	return rc;
}

int flw_feed__split_push(void *sink, const unsigned char *p, size_t n, struct flw_diag *diag)
{
	struct feed_split *s = sink;
	size_t i = 0;
	size_t used;
	int rc = 0;

	while (rc == 0 && i < n) {
		switch (s->state) {
		case SP_START:
			if (p[i] == '{') {
				s->state = SP_TOP;
				s->depth = 1;
				rc = env_add(s, "{", 1, diag);
			} else if (!is_ws(p[i])) {
				rc = flw_diag_set(diag, FLW_EFORMAT, s->ctx->file,
				                  "expected a JSON object");
			}
			i++;
			break;
		case SP_TOP:
			rc = s->in_str ? split_top_str(s, p[i], diag)
			               : split_top_byte(s, p[i], diag);
			i++;
			break;
		case SP_ARRAY:
			rc = split_array(s, p + i, n - i, &used, diag);
			i += used;
			break;
		default:
			if (!is_ws(p[i]))
				rc = flw_diag_set(diag, FLW_EFORMAT, s->ctx->file,
				                  "data after the JSON object");
			i++;
			break;
		}
	}
	return rc;
}

int flw_feed__split_finish(struct feed_split *s, json_t **env_out, struct flw_diag *diag)
{
	char id[FLW_CVE_ID_MAX + 1];

	if (s->state == SP_ARRAY) {
		flw_feed__guess_id(s->rec.data, s->rec.len,
		                   s->ctx->kind == FLW_FEED_KEV ? "cveID" : "id", id);
		return flw_diag_set(diag, FLW_EFORMAT, s->ctx->file,
		                    "truncated inside '%s' (record %zu%s%s)", s->array_key,
		                    s->index, id[0] ? ", " : "", id);
	}
	if (s->state != SP_END)
		return flw_diag_set(diag, FLW_EFORMAT, s->ctx->file, "truncated JSON");
	if (s->arrays_seen != 1)
		return flw_diag_set(diag, FLW_EFORMAT, s->array_key, "no '%s' array", s->array_key);
	return parse_env(s, "", env_out, diag);
}

/* ---- lines ------------------------------------------------------------------------------- */

void flw_feed__lines_init(struct feed_lines *l, struct feed_ctx *ctx, size_t max,
                          feed_line_fn on_line, void *payload)
{
	memset(l, 0, sizeof(*l));
	l->ctx = ctx;
	l->max = max;
	l->on_line = on_line;
	l->payload = payload;
	flw_buf_init(&l->line, max);
}

void flw_feed__lines_done(struct feed_lines *l)
{
	flw_buf_free(&l->line);
}

static int line_end(struct feed_lines *l, struct flw_diag *diag)
{
	struct flw_diag d;
	char id[FLW_CVE_ID_MAX + 1];
	size_t n = l->line.len;
	int rc;

	l->lineno++;
	if (l->skipping) {
		l->skipping = 0;
		flw_feed__guess_id(l->line.data, l->line.len, "cveId", id);
		flw_buf_reset(&l->line);
		rc = flw_feed__record_seen(l->ctx, diag);
		if (rc != 0)
			return rc;
		flw_diag_set(&d, FLW_ELIMIT, NULL, "line longer than %zu bytes", l->max);
		flw_feed__report(l->ctx, id, l->lineno, &d);
		return 0;
	}
	if (n > 0 && l->line.data[n - 1] == '\r')
		n--;
	rc = l->on_line(l->payload, n ? (const char *)l->line.data : "", n, l->lineno);
	flw_buf_reset(&l->line);
	return rc;
}

static int line_add(struct feed_lines *l, const unsigned char *p, size_t n)
{
	int rc;

	if (l->skipping || n == 0)
		return 0;
	rc = flw_buf_append(&l->line, p, n);
	if (rc == FLW_ELIMIT) {
		l->skipping = 1;
		rc = 0;
	}
	return rc;
}

int flw_feed__lines_push(void *sink, const unsigned char *p, size_t n, struct flw_diag *diag)
{
	struct feed_lines *l = sink;
	const unsigned char *nl;
	size_t k;
	int rc = 0;

	while (rc == 0 && n > 0) {
		nl = memchr(p, '\n', n);
		k = nl ? (size_t)(nl - p) : n;
		rc = line_add(l, p, k);
		if (rc == 0 && nl)
			rc = line_end(l, diag);
		k += nl ? 1 : 0;
		p += k;
		n -= k;
	}
	return rc;
}

int flw_feed__lines_finish(void *sink, struct flw_diag *diag)
{
	struct feed_lines *l = sink;

	if (l->line.len == 0 && !l->skipping)
		return 0;
	return line_end(l, diag); /* last line without a newline */
}

/* ---- field helpers ------------------------------------------------------------------------ */

int flw_feed__cve_id_ok(const char *s)
{
	size_t i;
	size_t n;

	if (strncmp(s, "CVE-", 4) != 0)
		return 0;
	for (i = 4; i < 8; i++)
		if (!is_digit((unsigned char)s[i]))
			return 0;
	if (s[8] != '-')
		return 0;
	for (n = 0; is_digit((unsigned char)s[9 + n]); n++)
		;
	return n >= 4 && n <= 19 && s[9 + n] == '\0';
}

int flw_feed__get_id(const json_t *obj, const char *key, char out[FLW_CVE_ID_MAX + 1],
                     struct flw_diag *diag)
{
	const char *s = NULL;
	int rc = flw_json_get_str(obj, key, &s, FLW_CVE_ID_MAX, 1, diag);

	if (rc != 0)
		return rc;
	if (!flw_feed__cve_id_ok(s))
		return flw_diag_set(diag, FLW_EFORMAT, key, "'%s' is not a CVE id", s);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe;
	unsigned doy;
	unsigned doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

/* n digits at s into *v; 0 if they are not all digits */
static int num(const char *s, size_t n, unsigned *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!is_digit((unsigned char)s[i]))
			return 0;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 1;
}

static int time_zone(const char *s, int64_t *off_ms)
{
	unsigned hh;
	unsigned mm;
	int sign;

	*off_ms = 0;
	if (*s == '\0' || (s[0] == 'Z' && s[1] == '\0'))
		return 0;
	if (*s != '+' && *s != '-')
		return FLW_EFORMAT;
	sign = *s == '-' ? -1 : 1;
	if (!num(s + 1, 2, &hh) || hh > 23)
		return FLW_EFORMAT;
	s += 3;
	if (*s == ':')
		s++;
	if (!num(s, 2, &mm) || mm > 59 || s[2] != '\0')
		return FLW_EFORMAT;
	*off_ms = sign * (int64_t)(hh * 60 + mm) * 60000;
	return 0;
}

static const unsigned char mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

int flw_feed__time_parse(const char *s, int64_t *out)
{
	unsigned y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
	int64_t off = 0;
	size_t i;
	size_t nd;

	if (!num(s, 4, &y) || s[4] != '-' || !num(s + 5, 2, &mo) || s[7] != '-' ||
	    !num(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    (mo == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0))))
		return FLW_EFORMAT;
	s += 10;
	if (*s == 'T') {
		if (!num(s + 1, 2, &h) || s[3] != ':' || !num(s + 4, 2, &mi) || h > 23 || mi > 59)
			return FLW_EFORMAT;
		s += 6;
		if (*s == ':' && (!num(s + 1, 2, &sec) || sec > 60))
			return FLW_EFORMAT;
		s += *s == ':' ? 3 : 0;
		if (*s == '.') {
			for (i = 1; i <= 9 && is_digit((unsigned char)s[i]); i++)
				if (i <= 3)
					ms = ms * 10 + (unsigned)(s[i] - '0');
			if (i == 1 || is_digit((unsigned char)s[i]))
				return FLW_EFORMAT;
			for (nd = i - 1; nd < 3; nd++)
				ms *= 10;
			s += i;
		}
	}
	if (time_zone(s, &off) != 0)
		return FLW_EFORMAT;
	*out = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) * 1000 + ms) - off;
	return 0;
}

int flw_feed__get_time(const json_t *obj, const char *key, int required, int64_t *out,
                       struct flw_diag *diag)
{
	const char *s = NULL;
	int rc = flw_json_get_str(obj, key, &s, 64, required, diag);

	if (rc == FLW_ENOTFOUND && !required) {
		*out = 0;
		return 0;
	}
	if (rc != 0)
		return rc;
	if (flw_feed__time_parse(s, out) != 0)
		return flw_diag_set(diag, FLW_EFORMAT, key, "'%s' is not an ISO 8601 date", s);
	return 0;
}

int flw_feed__get_strdup(const json_t *obj, const char *key, size_t max, int required, char **out,
                         struct flw_diag *diag)
{
	const char *s = NULL;
	int rc = flw_json_get_str(obj, key, &s, max, required, diag);

	*out = NULL;
	if (rc == FLW_ENOTFOUND && !required)
		return 0;
	if (rc != 0)
		return rc;
	*out = flw_strdup(s);
	return *out ? 0 : FLW_ENOMEM;
}

int flw_feed__english(const json_t *arr, const char *path, char **out, struct flw_diag *diag)
{
	const json_t *d;
	const char *lang = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (!json_is_array(arr))
		return flw_diag_set(diag, FLW_EFORMAT, path, "expected an array");
	json_array_foreach(arr, i, d)
	{
		if (!json_is_object(d))
			return flw_diag_set(diag, FLW_EFORMAT, path, "expected objects");
		rc = flw_json_get_str(d, "lang", &lang, 16, 1, diag);
		if (rc != 0)
			return rc;
		if (strcasecmp(lang, "en") != 0 && strncasecmp(lang, "en-", 3) != 0)
			continue;
		rc = flw_feed__get_strdup(d, "value", FLW_FEED_MAX_TEXT, 1, out, diag);
		if (rc != 0 && diag)
			snprintf(diag->path, sizeof(diag->path), "%s[%zu].value", path, i);
		return rc;
	}
	return 0;
}

int flw_feed__add_cwe(char ***cwes, size_t *n, const char *cwe, struct flw_diag *diag)
{
	char **v;
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcmp((*cwes)[i], cwe) == 0)
			return 0;
	if (*n >= FLW_FEED_MAX_ITEMS)
		return flw_diag_set(diag, FLW_ELIMIT, "cwes", "more than %zu CWEs",
		                    (size_t)FLW_FEED_MAX_ITEMS);
	v = flw_reallocarray(*cwes, *n + 1, sizeof(*v));
	if (!v)
		return FLW_ENOMEM;
	*cwes = v;
	v[*n] = flw_strdup(cwe);
	if (!v[*n])
		return FLW_ENOMEM;
	(*n)++;
	return 0;
}

static int severity_from(const char *s)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(severity_names); i++)
		if (strcasecmp(s, severity_names[i]) == 0)
			return (int)i;
	return _FLW_CVSS_SEVERITY_INVALID;
}

/* FIRST's ranges: v2 has no NONE/CRITICAL */
static enum flw_cvss_severity severity_of(enum flw_cvss_version v, unsigned s10)
{
	if (v == FLW_CVSS_V2)
		return s10 < 40   ? FLW_CVSS_SEVERITY_LOW
		       : s10 < 70 ? FLW_CVSS_SEVERITY_MEDIUM
		                  : FLW_CVSS_SEVERITY_HIGH;
	if (s10 == 0)
		return FLW_CVSS_SEVERITY_NONE;
	if (s10 < 40)
		return FLW_CVSS_SEVERITY_LOW;
	if (s10 < 70)
		return FLW_CVSS_SEVERITY_MEDIUM;
	return s10 < 90 ? FLW_CVSS_SEVERITY_HIGH : FLW_CVSS_SEVERITY_CRITICAL;
}

static int cvss_version_from(const char *s)
{
	size_t i;

	for (i = 0; i < FLW_ARRAY_SIZE(cvss_version_names); i++)
		if (strcmp(s, cvss_version_names[i]) == 0)
			return (int)i;
	return _FLW_CVSS_VERSION_INVALID;
}

static int cvss_fill(struct flw_vuln_cvss *c, const json_t *data, const json_t *sev_obj,
                     struct flw_diag *diag)
{
	const char *s = NULL;
	json_t *score = json_object_get(data, "baseScore");
	double v;
	int rc;

	rc = flw_json_get_str(data, "version", &s, 8, 1, diag);
	if (rc != 0)
		return rc;
	if ((rc = cvss_version_from(s)) < 0)
		return flw_diag_set(diag, FLW_EFORMAT, "version", "unknown CVSS version '%s'", s);
	c->version = (enum flw_cvss_version)rc;
	if (!json_is_number(score) || (v = json_number_value(score)) < 0 || v > 10)
		return flw_diag_set(diag, FLW_EFORMAT, "baseScore", "expected a number 0..10");
	c->score10 = (unsigned)(v * 10 + 0.5);
	s = NULL;
	rc = flw_json_get_str(sev_obj, "baseSeverity", &s, 16, 0, diag);
	if (rc != 0 && rc != FLW_ENOTFOUND)
		return rc;
	if (s && (rc = severity_from(s)) < 0)
		return flw_diag_set(diag, FLW_EFORMAT, "baseSeverity", "unknown severity '%s'", s);
	c->severity = s ? (enum flw_cvss_severity)rc : severity_of(c->version, c->score10);
	return flw_feed__get_strdup(data, "vectorString", FLW_FEED_MAX_STR, 1, &c->vector, diag);
}

int flw_feed__add_cvss(struct flw_vuln_record *rec, const json_t *data, const json_t *sev_obj,
                       enum flw_vuln_origin origin, int primary, const char *source,
                       const char *path, struct flw_diag *diag)
{
	struct flw_vuln_cvss *v;
	struct flw_vuln_cvss *c;
	int rc;

	if (!json_is_object(data))
		return flw_diag_set(diag, FLW_EFORMAT, path, "expected an object");
	if (rec->n_cvss >= FLW_FEED_MAX_ITEMS)
		return flw_diag_set(diag, FLW_ELIMIT, path, "too many metrics");
	v = flw_reallocarray(rec->cvss, rec->n_cvss + 1, sizeof(*v));
	if (!v)
		return FLW_ENOMEM;
	rec->cvss = v;
	c = &v[rec->n_cvss];
	memset(c, 0, sizeof(*c));
	rec->n_cvss++; /* freed with the record from here on */
	c->origin = origin;
	c->primary = primary;
	c->source = flw_strndup(source ? source : "", FLW_FEED_MAX_STR);
	if (!c->source)
		return FLW_ENOMEM;
	rc = cvss_fill(c, data, sev_obj ? sev_obj : data, diag);
	if (rc != 0 && rc != FLW_ENOMEM)
		flw_feed__path_prefix(diag, path);
	return rc;
}

static int ssvc_value(const char *v, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v, names[i]) == 0)
			return (int)i;
	return -1;
}

static const char *const ssvc_expl[] = { "none", "poc", "active" };
static const char *const ssvc_auto[] = { "no", "yes" };
static const char *const ssvc_tech[] = { "partial", "total" };

/* one {"<decision point>": "<value>"} */
static int ssvc_option(struct flw_vuln_ssvc *ssvc, const char *k, const json_t *val, unsigned *seen,
                       const char *path, struct flw_diag *diag)
{
	const char *v = json_string_value(val);
	int x = -1;

	if (!v)
		return flw_diag_set(diag, FLW_EFORMAT, path, "SSVC '%s': expected a string", k);
	if (strcasecmp(k, "exploitation") == 0) {
		x = ssvc_value(v, ssvc_expl, FLW_ARRAY_SIZE(ssvc_expl));
		ssvc->exploitation = (enum flw_ssvc_exploitation)(x < 0 ? 0 : x);
		*seen |= 1;
	} else if (strcasecmp(k, "automatable") == 0) {
		x = ssvc_value(v, ssvc_auto, FLW_ARRAY_SIZE(ssvc_auto));
		ssvc->automatable = x;
		*seen |= 2;
	} else if (strcasecmp(k, "technicalImpact") == 0 ||
	           strcasecmp(k, "technical impact") == 0) {
		x = ssvc_value(v, ssvc_tech, FLW_ARRAY_SIZE(ssvc_tech));
		ssvc->technical_total = x;
		*seen |= 4;
	} else {
		return 0; /* another decision point: ignored */
	}
	if (x < 0)
		return flw_diag_set(diag, FLW_EFORMAT, path, "SSVC '%s': unknown value '%s'", k, v);
	return 0;
}

int flw_feed__ssvc_options(struct flw_vuln_ssvc *ssvc, const json_t *options, const char *path,
                           struct flw_diag *diag)
{
	struct flw_vuln_ssvc s = { 0 };
	const json_t *o;
	const char *k;
	json_t *v;
	unsigned seen = 0;
	size_t i;
	int rc;

	if (!json_is_array(options) || json_array_size(options) > 64)
		return flw_diag_set(diag, FLW_EFORMAT, path, "SSVC options: expected an array");
	json_array_foreach(options, i, o)
	{
		if (!json_is_object(o))
			return flw_diag_set(diag, FLW_EFORMAT, path,
			                    "SSVC options: expected objects");
		json_object_foreach((json_t *)o, k, v)
		{
			rc = ssvc_option(&s, k, v, &seen, path, diag);
			if (rc != 0)
				return rc;
		}
	}
	if (seen != 7)
		return flw_diag_set(diag, FLW_EFORMAT, path,
		                    "SSVC needs Exploitation, Automatable and Technical Impact");
	s.present = 1;
	s.timestamp_ms = ssvc->timestamp_ms;
	*ssvc = s;
	return 0;
}

static int matcher_one(struct feed_ctx *ctx, struct flw_vuln_record *rec, int *rc_out,
                       const char *what, size_t index, int rc, struct flw_diag *d)
{
	*rc_out = rc;
	if (rc == 0 || rc == FLW_ENOMEM)
		return rc;
	flw_feed__path_prefix(d, what);
	flw_feed__report_kept(ctx, rec->id, index, d);
	return 0;
}

#if FEED_HAVE_MATCH
/* Field path of cpes[c] of affected entry i: under its container for CVE 5, in the
 * flattened list for NVD. */
static void cpes_path(const struct flw_vuln_record *rec, size_t i, unsigned c, char *out, size_t n)
{
	size_t first = i;
	unsigned from;

	if (!rec->affected_from || i >= json_array_size(rec->affected_json)) {
		snprintf(out, n, "affected[%zu].cpes[%u]", i, c);
		return;
	}
	from = rec->affected_from[i];
	while (first > 0 && rec->affected_from[first - 1] == from)
		first--;
	if (from == 0)
		snprintf(out, n, "containers.cna.affected[%zu].cpes[%u]", i - first, c);
	else
		snprintf(out, n, "containers.adp[%u].affected[%zu].cpes[%u]", from - 1, i - first,
		         c);
}

/* Each cpes entry the matcher skipped: reported, the record keeps its parsed form. */
static void report_skipped(struct feed_ctx *ctx, const struct flw_vuln_record *rec, size_t index)
{
	const struct flw_vuln_affected_skip *sk;
	struct flw_diag d;
	char path[FLW_DIAG_PATH_MAX];
	size_t n;
	size_t i;

	sk = flw_vuln_affected_skipped(rec->affected, &n);
	for (i = 0; i < n; i++) {
		cpes_path(rec, sk[i].product, sk[i].cpe, path, sizeof(path));
		flw_diag_clear(&d);
		flw_diag_set(&d, sk[i].code, path,
		             "'%.160s': %s; this entry is skipped, the product's other names "
		             "still match",
		             sk[i].text, sk[i].reason);
		flw_feed__report_kept(ctx, rec->id, index, &d);
	}
}
#endif

int flw_feed__parse_matcher(struct feed_ctx *ctx, struct flw_vuln_record *rec, size_t index)
{
	struct flw_diag d;
	int rc = 0;

	flw_diag_clear(&d);
#if FEED_HAVE_MATCH
	if (rec->config_json) {
		rc = flw_vuln_config_parse(&rec->config, rec->config_json, &d);
		rc = matcher_one(ctx, rec, &rec->config_rc, "configurations", index, rc, &d);
	}
	if (rc == 0 && rec->affected_json) {
		flw_diag_clear(&d);
		rc = flw_vuln_affected_parse(&rec->affected, rec->affected_json, &d);
		rc = matcher_one(ctx, rec, &rec->affected_rc, "affected", index, rc, &d);
		if (rc == 0 && rec->affected)
			report_skipped(ctx, rec, index);
	}
#else
	(void)ctx;
	(void)rec;
	(void)index;
	(void)matcher_one;
#endif
	return rc;
}

/* ---- entry points ---------------------------------------------------------------------- */

static int run(struct flw_vuln_db *db, int kind, int lines, const char *path, const void *mem,
               size_t len, const struct flw_feed_opts *opts, struct flw_feed_stats *stats,
               struct flw_diag *diag)
{
	struct flw_feed_stats local = { 0 };
	struct feed_ctx ctx;

	if (!db || (!path && !mem && len) || kind < 0 || kind >= _FLW_FEED_MAX ||
	    (opts && opts->version != FLW_FEED_OPTS_VERSION))
		return flw_diag_set(diag, FLW_EINVAL, NULL, "invalid argument");
	memset(&ctx, 0, sizeof(ctx));
	ctx.db = db;
	ctx.opts = opts;
	ctx.stats = stats ? stats : &local;
	ctx.kind = (enum flw_feed_kind)kind;
	ctx.file = path ? path : "<memory>";
	switch (kind) {
	case FLW_FEED_NVD:
		return flw_feed__nvd_run(&ctx, path, mem, len, diag);
	case FLW_FEED_CVE5:
		return flw_feed__cve5_run(&ctx, path, mem, len, lines, diag);
	case FLW_FEED_KEV:
		return flw_feed__kev_run(&ctx, path, mem, len, diag);
	default:
		return flw_feed__epss_run(&ctx, path, mem, len, diag);
	}
}

int flw_feed_import_nvd(struct flw_vuln_db *db, const char *path, const struct flw_feed_opts *opts,
                        struct flw_feed_stats *stats, struct flw_diag *diag)
{
	if (!path)
		return flw_diag_set(diag, FLW_EINVAL, NULL, "no path");
	return run(db, FLW_FEED_NVD, 0, path, NULL, 0, opts, stats, diag);
}

int flw_feed_import_cve5(struct flw_vuln_db *db, const char *path, const struct flw_feed_opts *opts,
                         struct flw_feed_stats *stats, struct flw_diag *diag)
{
	if (!path)
		return flw_diag_set(diag, FLW_EINVAL, NULL, "no path");
	return run(db, FLW_FEED_CVE5, 0, path, NULL, 0, opts, stats, diag);
}

int flw_feed_import_cve5_jsonl(struct flw_vuln_db *db, const char *path,
                               const struct flw_feed_opts *opts, struct flw_feed_stats *stats,
                               struct flw_diag *diag)
{
	if (!path)
		return flw_diag_set(diag, FLW_EINVAL, NULL, "no path");
	return run(db, FLW_FEED_CVE5, 1, path, NULL, 0, opts, stats, diag);
}

int flw_feed_import_kev(struct flw_vuln_db *db, const char *path, const struct flw_feed_opts *opts,
                        struct flw_feed_stats *stats, struct flw_diag *diag)
{
	if (!path)
		return flw_diag_set(diag, FLW_EINVAL, NULL, "no path");
	return run(db, FLW_FEED_KEV, 0, path, NULL, 0, opts, stats, diag);
}

int flw_feed_import_epss(struct flw_vuln_db *db, const char *path, const struct flw_feed_opts *opts,
                         struct flw_feed_stats *stats, struct flw_diag *diag)
{
	if (!path)
		return flw_diag_set(diag, FLW_EINVAL, NULL, "no path");
	return run(db, FLW_FEED_EPSS, 0, path, NULL, 0, opts, stats, diag);
}

int flw_feed_import_mem(struct flw_vuln_db *db, int kind, int cve5_lines, const void *data,
                        size_t len, const struct flw_feed_opts *opts, struct flw_feed_stats *stats,
                        struct flw_diag *diag)
{
	static const unsigned char empty[1];

	return run(db, kind, cve5_lines, NULL, data ? data : empty, len, opts, stats, diag);
}

/* ---- NVD directory ------------------------------------------------------------------------ */

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_json_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".json") == 0;
}

static int list_json(const char *dir, char ***names_out, size_t *n_out, struct flw_diag *diag)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	char **v;
	size_t n = 0;
	int rc = 0;

	if (!d && errno == ENOENT)
		return flw_diag_set(diag, FLW_ENOTFOUND, dir, "no such directory");
	if (!d)
		return flw_diag_errno(diag, errno, dir, "opening directory");
	while (rc == 0 && (de = readdir(d)) != NULL) {
		if (!is_json_name(de->d_name))
			continue;
		if (n >= FLW_FEED_MAX_DIR_FILES) {
			rc = flw_diag_set(diag, FLW_ELIMIT, dir, "more than %zu files",
			                  (size_t)FLW_FEED_MAX_DIR_FILES);
			break;
		}
		v = flw_reallocarray(names, n + 1, sizeof(*v));
		if (!v || !(v[n] = flw_strdup(de->d_name))) {
			names = v ? v : names;
			rc = FLW_ENOMEM;
			break;
		}
		names = v;
		n++;
	}
	closedir(d);
	flw_sort(names, n, sizeof(*names), name_cmp);
	*names_out = names;
	*n_out = n;
	return rc;
}

int flw_feed_import_nvd_dir(struct flw_vuln_db *db, const char *dir,
                            const struct flw_feed_opts *opts, struct flw_feed_stats *stats,
                            struct flw_diag *diag)
{
	struct flw_feed_stats local = { 0 };
	struct stat st;
	char **names = NULL;
	char *path;
	size_t n = 0;
	size_t i;
	int rc;

	if (!dir || !db)
		return flw_diag_set(diag, FLW_EINVAL, NULL, "invalid argument");
	if (!stats)
		stats = &local;
	rc = list_json(dir, &names, &n, diag);
	for (i = 0; rc == 0 && i < n; i++) {
		path = flw_fs_join(dir, names[i]);
		if (!path) {
			rc = FLW_ENOMEM;
			break;
		}
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			rc = run(db, FLW_FEED_NVD, 0, path, NULL, 0, opts, stats, diag);
			stats->files++;
		}
		flw_free(path);
	}
	for (i = 0; i < n; i++)
		flw_free(names[i]);
	flw_free(names);
	return rc;
}

int flw_feed__import_record(struct feed_ctx *ctx, const unsigned char *p, size_t n, size_t index,
                            flw_feed_build_fn build, const char *id_key)
{
	struct flw_vuln_record *rec = NULL;
	struct flw_diag d;
	json_t *doc = NULL;
	char id[FLW_CVE_ID_MAX + 1];
	int rc = flw_feed__record_seen(ctx, NULL);

	if (rc != 0)
		return rc;
	flw_diag_clear(&d);
	rc = flw_json_parse(&doc, p, n, &flw_feed__json_limits, &d);
	if (rc == 0)
		rc = build(doc, &rec, &d);
	json_decref(doc);
	if (rc == 0)
		rc = flw_feed__parse_matcher(ctx, rec, index);
	if (rc == 0)
		return flw_feed__put_record(ctx, rec);
	flw_feed__record_free(rec);
	if (rc == FLW_ENOMEM)
		return rc;
	flw_feed__guess_id(p, n, id_key, id);
	flw_feed__report(ctx, id, index, &d);
	return 0;
}
