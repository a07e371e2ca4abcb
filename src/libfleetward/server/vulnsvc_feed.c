/* server/vulnsvc_feed.c - feed uploads, kind sniffing, imports and their replay
 *
 * An upload is written to DATA/feeds/tmp/upload.XXXXXX as it arrives, hashed on the way, and
 * its first FLW_FEED_SNIFF_BYTES are kept to tell its kind when none was given (a body
 * whose kind cannot be told stops being written at once, but is still counted so that an
 * oversize body is refused as such). The import renames it to DATA/feeds/<sha256> (fsync of
 * file and directory first), imports it into the record set and records it in the store.
 *
 * Changed CVE ids: before the import, the time of the imported feed's record of every CVE
 * (NVD lastModified, CVE 5 dateUpdated, KEV catalogue date, EPSS score date) is noted; a
 * record is only ever replaced by a newer one (feed.h), so afterwards the ids whose time
 * changed or that are new are exactly those added or replaced. Those of NVD and CVE 5 are
 * re-matched; KEV and EPSS only feed the risk, which every run recomputes.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "server/vulnsvc_impl.h"
#include "util/sort.h"

typedef int (*import_fn)(struct flw_vuln_db *db, const char *path, const struct flw_feed_opts *opts,
                         struct flw_feed_stats *stats, struct flw_diag *diag);

struct kind {
	const char *name;
	enum flw_feed_kind feed;
	import_fn fn;
	uint64_t max;
};

static const struct kind kinds[] = {
	{ "nvd", FLW_FEED_NVD, flw_feed_import_nvd, FLW_FEED_NVD_MAX_FILE_BYTES },
	{ "cve5", FLW_FEED_CVE5, flw_feed_import_cve5, FLW_FEED_CVE5_MAX_FILE_BYTES },
	{ "cve5-jsonl", FLW_FEED_CVE5, flw_feed_import_cve5_jsonl, FLW_FEED_CVE5_MAX_FILE_BYTES },
	{ "kev", FLW_FEED_KEV, flw_feed_import_kev, FLW_FEED_KEV_MAX_FILE_BYTES },
	{ "epss", FLW_FEED_EPSS, flw_feed_import_epss, FLW_FEED_EPSS_MAX_FILE_BYTES },
};

static const struct kind *kind_find(const char *name)
{
	size_t i;

	for (i = 0; name && i < FLW_ARRAY_SIZE(kinds); i++)
		if (strcmp(kinds[i].name, name) == 0)
			return &kinds[i];
	return NULL;
}

int flw_vulnsvc_kind_ok(const char *kind)
{
	return kind_find(kind) != NULL;
}

/* ---- uploads ----------------------------------------------------------------------------- */

struct flw_vulnsvc_upload {
	char kind[16]; /* "" until given or sniffed */
	char name[FLW_VULNSVC_NAME_MAX + 1];
	int fd;
	char *tmp;
	struct flw_sha256 *h;
	uint64_t len;
	uint64_t max;
	unsigned char head[FLW_FEED_SNIFF_BYTES];
	size_t head_len;
	int refused; /* kind could not be told: nothing more is written */
	int digested;
	unsigned char sha[FLW_SHA256_BYTES];
};

static int name_ok(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

int flw_vulnsvc_upload_new(struct flw_vulnsvc *v, const char *kind, const char *name,
                           struct flw_vulnsvc_upload **out, struct flw_diag *diag)
{
	struct flw_vulnsvc_upload *u;
	int rc = FLW_ENOMEM;

	if (!v || !out)
		return FLW_EINVAL;
	if (kind && *kind && !kind_find(kind))
		return flw_diag_set(diag, FLW_EFORMAT, "kind",
		                    "unknown feed kind '%.40s': nvd, cve5, cve5-jsonl, kev or epss",
		                    kind);
	if (name && strlen(name) > FLW_VULNSVC_NAME_MAX)
		return flw_diag_set(diag, FLW_ELIMIT, "name", "name: at most %d bytes",
		                    FLW_VULNSVC_NAME_MAX);
	if (name && !name_ok(name))
		return flw_diag_set(diag, FLW_EFORMAT, "name", "name: no control characters");
	u = flw_calloc(1, sizeof(*u));
	if (!u)
		return FLW_ENOMEM;
	u->fd = -1;
	u->max = v->feed_max;
	snprintf(u->kind, sizeof(u->kind), "%s", kind ? kind : "");
	snprintf(u->name, sizeof(u->name), "%s", name && *name ? name : "upload");
	u->tmp = flw_asprintf("%s/upload.XXXXXX", v->tmp_dir);
	if (!u->tmp || flw_sha256_new(&u->h) != 0)
		goto out;
	u->fd = mkostemp(u->tmp, O_CLOEXEC);
	if (u->fd < 0) {
		rc = flw_diag_errno(diag, errno, NULL, "creating an upload file");
		flw_free(u->tmp);
		u->tmp = NULL;
		goto out;
	}
	(void)fchmod(u->fd, 0600);
	*out = u;
	return 0;
out:
	flw_vulnsvc_upload_free(u);
	return rc;
}

static void upload_drop_file(struct flw_vulnsvc_upload *u)
{
	if (u->fd >= 0)
		close(u->fd);
	u->fd = -1;
	if (u->tmp) {
		(void)unlink(u->tmp);
		flw_free(u->tmp);
		u->tmp = NULL;
	}
}

void flw_vulnsvc_upload_free(struct flw_vulnsvc_upload *u)
{
	if (!u)
		return;
	upload_drop_file(u);
	flw_sha256_free(u->h);
	flw_free(u);
}

int flw_vulnsvc_upload_write(struct flw_vulnsvc_upload *u, const void *p, size_t n,
                             struct flw_diag *diag)
{
	size_t take;

	if (n > u->max - u->len)
		return flw_diag_set(diag, FLW_ELIMIT, NULL,
		                    "feed larger than %llu bytes (--feed-max-bytes)",
		                    (unsigned long long)u->max);
	u->len += n;
	if (u->refused)
		return 0;
	take = sizeof(u->head) - u->head_len;
	if (take > n)
		take = n;
	memcpy(u->head + u->head_len, p, take);
	u->head_len += take;
	if (!u->kind[0] && u->head_len == sizeof(u->head)) {
		const char *k = flw_feed_sniff(u->head, u->head_len, 0);

		if (!k) {
			u->refused = 1; /* told at the end (a 413 first, if it comes to that) */
			upload_drop_file(u);
			return 0;
		}
		snprintf(u->kind, sizeof(u->kind), "%s", k);
	}
	if (flw_fs_write_full(u->fd, p, n) != 0)
		return flw_diag_errno(diag, errno, NULL, "writing the upload file");
	if (flw_sha256_update(u->h, p, n) != 0)
		return FLW_ECRYPTO;
	return 0;
}

int flw_vulnsvc_upload_digest(struct flw_vulnsvc_upload *u, char hex[65], uint64_t *len_out)
{
	int rc = 0;

	if (!u->digested && !u->refused && (rc = flw_sha256_final(u->h, u->sha)) == 0)
		u->digested = 1;
	if (rc == 0)
		flw_hex_encode(hex, u->sha, FLW_SHA256_BYTES);
	if (len_out)
		*len_out = u->len;
	return rc;
}

/* kind told, size within the kind's cap, file synced and hashed */
static int upload_finish(struct flw_vulnsvc_upload *u, const struct kind **k_out,
                         struct flw_diag *diag)
{
	const struct kind *k;
	char hex[65];
	int rc;

	if (u->refused || (!u->kind[0] && u->len > 0 &&
	                   !flw_feed_sniff(u->head, u->head_len, u->head_len == u->len)))
		return flw_diag_set(diag, FLW_EFORMAT, "kind",
		                    "cannot tell the feed's kind from its first bytes: give "
		                    "?kind=nvd|cve5|cve5-jsonl|kev|epss");
	if (u->len == 0 || u->fd < 0)
		return flw_diag_set(diag, FLW_EFORMAT, NULL, "empty upload: send the feed file");
	if (!u->kind[0])
		snprintf(u->kind, sizeof(u->kind), "%s",
		         flw_feed_sniff(u->head, u->head_len, u->head_len == u->len));
	k = kind_find(u->kind);
	if (!k)
		return flw_diag_set(diag, FLW_EFORMAT, "kind", "unknown feed kind");
	if (u->len > k->max)
		return flw_diag_set(diag, FLW_ELIMIT, NULL, "a %s feed is at most %llu bytes",
		                    k->name, (unsigned long long)k->max);
	if (fsync(u->fd) != 0)
		return flw_diag_errno(diag, errno, NULL, "syncing the upload file");
	if ((rc = flw_vulnsvc_upload_digest(u, hex, NULL)) != 0)
		return rc;
	*k_out = k;
	return 0;
}

/* ---- change detection -------------------------------------------------------------------- */

struct snap_e {
	char id[FLW_CVE_ID_MAX + 1];
	int64_t t;
};

struct snap {
	struct snap_e *e;
	size_t n;
	size_t cap;
	enum flw_feed_kind feed;
	int rc;
};

#define NO_RECORD INT64_MIN

static int64_t feed_time(const struct flw_vuln_entry *e, enum flw_feed_kind feed)
{
	switch (feed) {
	case FLW_FEED_NVD:
		return e->nvd ? e->nvd->last_modified_ms : NO_RECORD;
	case FLW_FEED_CVE5:
		return e->cve5 ? e->cve5->last_modified_ms : NO_RECORD;
	case FLW_FEED_KEV:
		return e->kev ? e->kev->catalog_released_ms : NO_RECORD;
	case FLW_FEED_EPSS:
		return e->epss.present ? e->epss.score_date_ms : NO_RECORD;
	default:
		return NO_RECORD;
	}
}

static int snap_add(const struct flw_vuln_entry *e, void *payload)
{
	struct snap *s = payload;
	int64_t t = feed_time(e, s->feed);

	if (t == NO_RECORD)
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		void *ne = flw_reallocarray(s->e, cap, sizeof(*s->e));

		if (!ne)
			return FLW_ENOMEM;
		s->e = ne;
		s->cap = cap;
	}
	memcpy(s->e[s->n].id, e->id, sizeof(s->e[s->n].id));
	s->e[s->n].id[FLW_CVE_ID_MAX] = '\0';
	s->e[s->n].t = t;
	s->n++;
	return 0;
}

static int snap_cmp(const void *a, const void *b)
{
	return strcmp(((const struct snap_e *)a)->id, ((const struct snap_e *)b)->id);
}

struct diff {
	const struct snap *before;
	struct snap changed; /* t unused */
};

static int diff_visit(const struct flw_vuln_entry *e, void *payload)
{
	struct diff *d = payload;
	int64_t t = feed_time(e, d->before->feed);
	struct snap_e key;
	const struct snap_e *old;

	if (t == NO_RECORD)
		return 0;
	memcpy(key.id, e->id, sizeof(key.id));
	key.id[FLW_CVE_ID_MAX] = '\0';
	old = d->before->n ? bsearch(&key, d->before->e, d->before->n, sizeof(key), snap_cmp)
	                   : NULL;
	if (old && old->t == t)
		return 0;
	return snap_add(e, &d->changed);
}

/* ---- import ------------------------------------------------------------------------------ */

struct errs {
	json_t *list;
	size_t total;
};

static void on_error(const struct flw_feed_error *e, void *payload)
{
	struct errs *c = payload;
	json_t *o;

	c->total++;
	if (!c->list || json_array_size(c->list) >= FLW_VULNSVC_ERRORS_MAX)
		return;
	o = json_pack("{s:o,s:I,s:o,s:s,s:b}", "id", vs_str(e->id && e->id[0] ? e->id : NULL),
	              "index", (json_int_t)e->index, "path",
	              vs_str(e->diag && e->diag->path[0] ? e->diag->path : NULL), "reason",
	              e->diag && e->diag->msg[0] ? e->diag->msg : "malformed record", "record_kept",
	              e->record_kept);
	if (o)
		json_array_append_new(c->list, o);
}

struct import_res {
	int rc; /* of the feed import: 0, or the file-level error */
	struct flw_diag fdiag;
	struct flw_feed_stats st;
	struct errs errs;
	struct snap changed; /* ids added or replaced */
};

static void import_res_clear(struct import_res *r)
{
	json_decref(r->errs.list);
	flw_free(r->changed.e);
}

/* Import path as kind k into the record set (the index is rebuilt afterwards). A server-side
 * failure (not a file-level error of the feed) is returned; file-level errors are in r->rc. */
static int import_into_db(struct flw_vulnsvc *v, const struct kind *k, const char *path,
                          struct import_res *r, struct flw_diag *diag)
{
	struct flw_feed_opts opts = FLW_FEED_OPTS_INIT;
	struct snap before;
	struct diff d;
	int rc;

	memset(&before, 0, sizeof(before));
	before.feed = k->feed;
	r->changed.feed = k->feed;
	r->errs.list = json_array();
	if (!r->errs.list)
		return FLW_ENOMEM;
	rc = flw_vuln_db_foreach(v->db, snap_add, &before);
	if (rc != 0) {
		flw_free(before.e);
		return rc;
	}
	flw_sort(before.e, before.n, sizeof(*before.e), snap_cmp);
	opts.on_error = on_error;
	opts.payload = &r->errs;
	flw_vuln_index_free(v->index); /* borrowed from the records about to change */
	v->index = NULL;
	r->rc = k->fn(v->db, path, &opts, &r->st, &r->fdiag);
	d.before = &before;
	memset(&d.changed, 0, sizeof(d.changed));
	d.changed.feed = k->feed;
	rc = flw_vuln_db_foreach(v->db, diff_visit, &d);
	r->changed = d.changed;
	flw_free(before.e);
	if (rc == 0)
		rc = vs_ensure_index(v, diag);
	if (rc == 0 && r->rc != 0 && r->rc != FLW_EFORMAT && r->rc != FLW_ELIMIT) {
		rc = r->rc; /* our file could not be read, memory: not the feed's fault */
		*diag = r->fdiag;
	}
	if (rc != 0)
		v->stale = 1; /* the record set moved without a run: start over next time */
	return rc;
}

static const struct flw_feed_import *find_import(const struct flw_vulnsvc *v, const char *kind,
                                                 const unsigned char sha[FLW_SHA256_BYTES])
{
	size_t i;

	for (i = 0; i < v->n_imp; i++)
		if (strcmp(v->imp[i].kind, kind) == 0 &&
		    memcmp(v->imp[i].sha256, sha, FLW_SHA256_BYTES) == 0)
			return &v->imp[i];
	return NULL;
}

static int sha_in_use(const struct flw_vulnsvc *v, const unsigned char sha[FLW_SHA256_BYTES])
{
	size_t i;

	for (i = 0; i < v->n_imp; i++)
		if (memcmp(v->imp[i].sha256, sha, FLW_SHA256_BYTES) == 0)
			return 1;
	return 0;
}

static json_t *error_json(int rc, const struct flw_diag *d)
{
	if (rc == 0)
		return json_null();
	return json_pack("{s:s,s:o,s:s}", "code", flw_error_name(rc), "path",
	                 vs_str(d->path[0] ? d->path : NULL), "reason",
	                 d->msg[0] ? d->msg : flw_strerror(rc));
}

static json_t *stats_json(const struct flw_feed_stats *st)
{
	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "records", (json_int_t)st->records, "added",
	                 (json_int_t)st->added, "replaced", (json_int_t)st->replaced, "unchanged",
	                 (json_int_t)st->unchanged, "failed", (json_int_t)st->failed, "refused",
	                 (json_int_t)st->refused);
}

/* the import row's stats text: the counts, whether complete, the file-level error */
static int stats_text(const struct import_res *r, char out[FLW_FEED_STATS_MAX + 1])
{
	struct flw_diag d = r->fdiag;
	struct flw_buf b;
	json_t *o = stats_json(&r->st);
	int rc = FLW_ENOMEM;

	d.msg[160] = '\0'; /* room for escaping within FLW_FEED_STATS_MAX */
	d.path[80] = '\0';
	flw_buf_init(&b, FLW_FEED_STATS_MAX);
	if (o && json_object_set_new(o, "changed", json_integer((json_int_t)r->changed.n)) == 0 &&
	    json_object_set_new(o, "errors_total", json_integer((json_int_t)r->errs.total)) == 0 &&
	    json_object_set_new(o, "complete", json_boolean(r->rc == 0)) == 0 &&
	    json_object_set_new(o, "error", error_json(r->rc, &d)) == 0)
		rc = flw_json_dump(&b, o, 0);
	if (rc == FLW_ELIMIT) {
		json_object_set_new(o, "error", json_pack("{s:s}", "code", flw_error_name(r->rc)));
		rc = flw_json_dump(&b, o, 0);
	}
	if (rc == 0)
		snprintf(out, FLW_FEED_STATS_MAX + 1, "%s", flw_buf_cstr(&b));
	flw_buf_free(&b);
	json_decref(o);
	return rc;
}

static int imports_append(struct flw_vulnsvc *v, const struct flw_feed_import *f)
{
	if (v->n_imp == v->cap_imp) {
		size_t cap = v->cap_imp ? v->cap_imp * 2 : 16;
		void *p = flw_reallocarray(v->imp, cap, sizeof(*v->imp));

		if (!p)
			return FLW_ENOMEM;
		v->imp = p;
		v->cap_imp = cap;
	}
	v->imp[v->n_imp++] = *f;
	return 0;
}

static json_t *answer(const struct flw_vulnsvc *v, const struct flw_feed_import *row, int dup,
                      const struct import_res *r)
{
	json_t *imp = vs_import_json(row);
	json_t *stored = json_object_get(imp, "stats");
	struct flw_feed_stats zero;
	json_t *o;

	memset(&zero, 0, sizeof(zero));
	o = json_pack("{s:o,s:b,s:o,s:o,s:o,s:o,s:I,s:I,s:o}", "import", imp, "duplicate", dup,
	              "complete",
	              dup ? json_boolean(!json_is_false(json_object_get(stored, "complete")))
	                  : json_boolean(r->rc == 0),
	              "error",
	              dup ? json_incref(json_object_get(stored, "error")
	                                        ? json_object_get(stored, "error")
	                                        : json_null())
	                  : error_json(r->rc, &r->fdiag),
	              "stats", stats_json(dup ? &zero : &r->st), "errors",
	              dup ? json_array() : json_incref(r->errs.list), "errors_total",
	              (json_int_t)(dup ? 0 : r->errs.total), "changed",
	              (json_int_t)(dup ? 0 : r->changed.n), "assessment",
	              v->cur_json ? json_deep_copy(v->cur_json) : json_null());
	return o;
}

/* the CVE ids to re-match: those whose NVD or CVE 5 record changed */
static int changed_ids(const struct import_res *r, const char ***out, size_t *n_out)
{
	const char **ids;
	size_t i;

	*out = NULL;
	*n_out = 0;
	if ((r->changed.feed != FLW_FEED_NVD && r->changed.feed != FLW_FEED_CVE5) ||
	    r->changed.n == 0)
		return 0;
	ids = flw_calloc(r->changed.n, sizeof(*ids));
	if (!ids)
		return FLW_ENOMEM;
	for (i = 0; i < r->changed.n; i++)
		ids[i] = r->changed.e[i].id;
	*out = ids;
	*n_out = r->changed.n;
	return 0;
}

static int record_import(struct flw_vulnsvc *v, struct flw_store *s, struct flw_vulnsvc_upload *u,
                         const struct kind *k, const struct import_res *r,
                         const struct flw_audit *audit, int64_t now_ms, struct flw_feed_import *row,
                         int *audited, struct flw_diag *diag)
{
	struct flw_audit a = *audit;
	struct flw_buf detail;
	json_t *dj;
	int existed = 0;
	int rc;

	memset(row, 0, sizeof(*row));
	snprintf(row->kind, sizeof(row->kind), "%s", k->name);
	snprintf(row->name, sizeof(row->name), "%s", u->name);
	memcpy(row->sha256, u->sha, FLW_SHA256_BYTES);
	row->bytes = u->len;
	row->imported = (time_t)(now_ms / 1000);
	if ((rc = stats_text(r, row->stats)) != 0)
		return rc;
	dj = json_pack("{s:s,s:s,s:I,s:I,s:b}", "kind", k->name, "name", u->name, "bytes",
	               (json_int_t)u->len, "records", (json_int_t)r->st.records, "complete",
	               r->rc == 0);
	flw_buf_init(&detail, FLW_AUDIT_DETAIL_MAX);
	if (!dj || flw_json_dump(&detail, dj, 0) != 0)
		flw_buf_reset(&detail);
	json_decref(dj);
	a.detail = detail.len ? flw_buf_cstr(&detail) : NULL;
	rc = flw_store_feed_add(s, row, &a, &row->id, &existed, diag);
	flw_buf_free(&detail);
	if (rc != 0)
		return rc;
	*audited = !existed;
	return imports_append(v, row);
}

/* fl: the fleet loaded before the lock was taken (consumed) */
static int do_import(struct flw_vulnsvc *v, struct flw_store *s, struct flw_vulnsvc_upload *u,
                     const struct kind *k, struct vs_fleet *fl, const struct flw_audit *audit,
                     int64_t now_ms, json_t **out, int *audited, struct flw_diag *diag)
{
	const struct flw_feed_import *dup = find_import(v, k->name, u->sha);
	struct flw_feed_import row;
	struct import_res r;
	const char **ids = NULL;
	size_t n_ids = 0;
	char hex[65];
	char *path = NULL;
	int rc;

	memset(&r, 0, sizeof(r));
	if (dup) {
		row = *dup;
		rc = 0;
		if (v->stale) { /* a run is owed: make it now */
			rc = vs_reassess(v, s, fl, NULL, 0, now_ms, diag);
			fl = NULL;
		}
		goto answer;
	}
	flw_hex_encode(hex, u->sha, FLW_SHA256_BYTES);
	path = flw_fs_join(v->feeds_dir, hex);
	if (!path) {
		rc = FLW_ENOMEM;
		goto out;
	}
	if (rename(u->tmp, path) != 0) {
		rc = flw_diag_errno(diag, errno, NULL, "storing the feed file");
		goto out;
	}
	flw_free(u->tmp);
	u->tmp = NULL;
	if ((rc = flw_fs_fsync_dir(v->feeds_dir, diag)) != 0 ||
	    (rc = import_into_db(v, k, path, &r, diag)) != 0)
		goto out;
	if (r.rc != 0 && r.st.records == 0) {
		/* nothing imported: refused, nothing recorded */
		if (!sha_in_use(v, u->sha))
			(void)unlink(path);
		*diag = r.fdiag;
		rc = r.rc;
		goto out;
	}
	rc = record_import(v, s, u, k, &r, audit, now_ms, &row, audited, diag);
	if (rc == 0) {
		vs_count_feeds(v);
		rc = changed_ids(&r, &ids, &n_ids);
	}
	if (rc == 0) {
		rc = vs_reassess(v, s, fl, ids, n_ids, now_ms, diag);
		fl = NULL;
	}
	if (rc != 0)
		v->stale =
		        1; /* the records changed but no run took them in: start over next time */
answer:
	if (rc == 0 && !v->cur_json)
		rc = vs_assessment_json(v);
	if (rc == 0) {
		*out = answer(v, &row, dup != NULL, &r);
		rc = *out ? 0 : FLW_ENOMEM;
	}
out:
	vs_fleet_free(fl);
	flw_free(ids);
	flw_free(path);
	import_res_clear(&r);
	return rc;
}

int flw_vulnsvc_import(struct flw_vulnsvc *v, struct flw_store *s, struct flw_vulnsvc_upload *u,
                       const struct flw_audit *audit, int64_t now_ms, json_t **out,
                       int *audited_out, struct flw_diag *diag)
{
	const struct kind *k = NULL;
	struct vs_fleet *fl = NULL;
	int audited = 0;
	int rc;

	if (!v || !s || !u || !audit || !out)
		return FLW_EINVAL;
	rc = upload_finish(u, &k, diag);
	if (rc == 0)
		rc = vs_fleet_load(s, &fl, diag); /* the store's read, outside the lock */
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&v->lock);
	rc = do_import(v, s, u, k, fl, audit, vs_now(v, now_ms), out, &audited, diag);
	pthread_mutex_unlock(&v->lock);
	if (audited_out)
		*audited_out = audited;
	return rc;
}

/* ---- replay and listing ------------------------------------------------------------------ */

static int collect_import(const struct flw_feed_import *f, void *ctx)
{
	return imports_append(ctx, f);
}

int vs_replay(struct flw_vulnsvc *v, struct flw_store *s, struct flw_vulnsvc_open_info *info,
              struct flw_diag *diag)
{
	size_t i;
	int rc;

	rc = flw_store_feed_each(s, collect_import, v, diag);
	for (i = 0; rc == 0 && i < v->n_imp; i++) {
		const struct kind *k = kind_find(v->imp[i].kind);
		struct flw_feed_stats st;
		struct flw_diag d;
		struct stat sb;
		char hex[65];
		char *path;
		int irc;

		flw_hex_encode(hex, v->imp[i].sha256, FLW_SHA256_BYTES);
		path = flw_fs_join(v->feeds_dir, hex);
		if (!path)
			return FLW_ENOMEM;
		info->feeds++;
		if (stat(path, &sb) != 0 || !k) {
			if (info->feeds_missing++ == 0)
				info->first_missing_id = v->imp[i].id;
			flw_free(path);
			continue;
		}
		memset(&st, 0, sizeof(st));
		flw_diag_clear(&d);
		irc = k->fn(v->db, path, NULL, &st, &d);
		flw_free(path);
		if (irc == FLW_ENOMEM)
			return flw_diag_set(diag, FLW_ENOMEM, NULL,
			                    "out of memory replaying feeds");
		info->feeds_failed += irc != 0;
	}
	return rc;
}

static int count_visit(const struct flw_vuln_entry *e, void *payload)
{
	struct flw_vulnsvc *v = payload;

	v->n_kev += e->kev != NULL || (e->nvd && e->nvd->kev_added_ms > 0);
	v->n_epss += e->epss.present != 0;
	return 0;
}

void vs_count_feeds(struct flw_vulnsvc *v)
{
	v->n_kev = 0;
	v->n_epss = 0;
	(void)flw_vuln_db_foreach(v->db, count_visit, v);
}

int flw_vulnsvc_feeds(struct flw_vulnsvc *v, struct flw_store *s, json_t **out,
                      struct flw_diag *diag)
{
	json_t *items = NULL;
	int rc;

	if (!v || !s || !out)
		return FLW_EINVAL;
	rc = flw_store_feed_list(s, &items, diag);
	if (rc != 0)
		return rc;
	pthread_mutex_lock(&v->lock);
	*out = json_pack("{s:O,s:I,s:I,s:I,s:I}", "items", items, "total",
	                 (json_int_t)json_array_size(items), "cves",
	                 (json_int_t)flw_vuln_db_count(v->db), "kev", (json_int_t)v->n_kev, "epss",
	                 (json_int_t)v->n_epss);
	pthread_mutex_unlock(&v->lock);
	json_decref(items);
	return *out ? 0 : FLW_ENOMEM;
}
