/* src/libfleetward/server/repo.c - the TUF image repository, server side
 *
 * Root and targets are signed offline by the operator and uploaded; the server checks them
 * (default-deny: nothing is stored before every check passed), then signs snapshot and
 * timestamp with its online keys. Stored metadata is immutable; versions only go up; a
 * publication (targets + snapshot + timestamp + release rows) is one store transaction.
 * Callers serialise calls that publish (one repository writer at a time).
 */
#include <inttypes.h>
#include <string.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/json.h"
#include "fleetward/sbom.h"
#include "fleetward/store.h"
#include "fleetward/tuf.h"
#include "server/server.h"

/* Newest stored metadata of role: bytes, version and its "signed" (parsed, our own data). */
struct stored_meta {
	struct flw_buf bytes;
	int64_t version;
	time_t expires;
	json_t *signed_obj;
};

static void stored_meta_done(struct stored_meta *m)
{
	flw_buf_free(&m->bytes);
	json_decref(m->signed_obj);
	memset(m, 0, sizeof(*m));
}

size_t flw_repo_role_max_bytes(int role)
{
	switch (role) {
	case FLW_TUF_ROOT:
		return FLW_TUF_ROOT_MAX_BYTES;
	case FLW_TUF_TIMESTAMP:
		return FLW_TUF_TIMESTAMP_MAX_BYTES;
	case FLW_TUF_SNAPSHOT:
		return FLW_TUF_SNAPSHOT_MAX_BYTES;
	default:
		return FLW_TUF_TARGETS_MAX_BYTES;
	}
}

/* FLW_ENOTFOUND when the role has no metadata yet (m is then empty but initialised). */
static int stored_meta_load(struct flw_store *s, int role, struct stored_meta *m,
                            struct flw_diag *diag)
{
	struct flw_json_limits lim = { flw_repo_role_max_bytes(role), FLW_TUF_MAX_DEPTH };
	json_t *doc = NULL;
	json_t *sig = NULL;
	int rc;

	memset(m, 0, sizeof(*m));
	flw_buf_init(&m->bytes, flw_repo_role_max_bytes(role));
	rc = flw_store_tuf_get(s, role, 0, &m->bytes, &m->version, diag);
	if (rc != 0)
		goto out;
	rc = flw_json_parse(&doc, m->bytes.data, m->bytes.len, &lim, diag);
	if (rc != 0)
		goto out;
	rc = flw_json_get_obj(doc, "signed", &sig, 1, diag);
	if (rc != 0)
		goto out;
	rc = flw_tuf_signed_header(sig, &m->version, &m->expires, diag);
	if (rc != 0)
		goto out;
	m->signed_obj = json_incref(sig);
out:
	json_decref(doc);
	return rc;
}

int flw_repo_expires(struct flw_store *s, int role, time_t *expires_out, int64_t *version_out,
                     struct flw_diag *diag)
{
	struct stored_meta m;
	int rc;

	*expires_out = 0;
	if (version_out)
		*version_out = 0;
	rc = stored_meta_load(s, role, &m, diag);
	if (rc == FLW_ENOTFOUND)
		rc = 0;
	else if (rc == 0) {
		*expires_out = m.expires;
		if (version_out)
			*version_out = m.version;
	}
	stored_meta_done(&m);
	return rc;
}

time_t flw_repo_snapshot_lifetime(const struct flw_repo *repo)
{
	return repo->snapshot_lifetime > 0 ? repo->snapshot_lifetime : FLW_TUF_SNAPSHOT_LIFETIME;
}

time_t flw_repo_timestamp_lifetime(const struct flw_repo *repo)
{
	return repo->timestamp_lifetime > 0 ? repo->timestamp_lifetime : FLW_TUF_TIMESTAMP_LIFETIME;
}

/* Current online key of `which` (enum flw_online_key) */
static struct flw_signer *repo_key(const struct flw_repo *repo, int which)
{
	if (repo->dd)
		return flw_datadir_key(repo->dd, which);
	if (which == FLW_ONLINE_SNAPSHOT)
		return repo->snapshot_key;
	return which == FLW_ONLINE_TIMESTAMP ? repo->timestamp_key : repo->director_key;
}

static struct flw_signer *repo_pending(const struct flw_repo *repo, int which)
{
	return repo->dd ? repo->dd->pending[which] : NULL;
}

/* Keys of root role `which` (snapshot, timestamp, or the director field) */
static int online_role(const struct flw_tuf_root *r, int which, struct flw_tuf_role_keys *out)
{
	if (which == FLW_ONLINE_DIRECTOR)
		return flw_tuf_root_director(r, out);
	return flw_tuf_root_role(
	        r, which == FLW_ONLINE_SNAPSHOT ? FLW_TUF_SNAPSHOT : FLW_TUF_TIMESTAMP, out);
}

/* 1 if the role lists signer sg's key */
static int lists_signer(const struct flw_tuf_role_keys *rk, const struct flw_signer *sg)
{
	size_t i;

	for (i = 0; sg && i < rk->n_keys; i++)
		if (strcmp(rk->keys[i].keyid, flw_signer_key(sg)->keyid) == 0)
			return 1;
	return 0;
}

/* The role must list the server's current or pending key, with threshold 1 (the server signs
 * alone). */
static int role_lists_online_key(const struct flw_repo *repo, const struct flw_tuf_root *r,
                                 int which, struct flw_diag *diag)
{
	const char *name = flw_online_key_name(which);
	struct flw_signer *cur = repo_key(repo, which);
	struct flw_signer *pend = repo_pending(repo, which);
	struct flw_tuf_role_keys rk;

	if (!cur)
		return flw_diag_set(diag, FLW_ESTATE, "", "the server has no %s key", name);
	if (online_role(r, which, &rk) != 0)
		return flw_diag_set(diag, FLW_EFORMAT,
		                    which == FLW_ONLINE_DIRECTOR ? "signed." FLW_TUF_DIRECTOR_FIELD
		                                                 : "signed.roles",
		                    "root has no '%s' %s", name,
		                    which == FLW_ONLINE_DIRECTOR ? "keys (field "
		                                                   "\"" FLW_TUF_DIRECTOR_FIELD "\")"
		                                                 : "role");
	if (rk.threshold == 1 && (lists_signer(&rk, cur) || lists_signer(&rk, pend)))
		return 0;
	if (pend)
		return flw_diag_set(
		        diag, FLW_EINCOMPAT,
		        which == FLW_ONLINE_DIRECTOR ? "signed." FLW_TUF_DIRECTOR_FIELD
		                                     : "signed.roles",
		        "root's '%s' keys must include the server's online key %.16s... or "
		        "its pending key %.16s..., with threshold 1 (see GET "
		        "/api/v1/tuf/online-keys)",
		        name, flw_signer_key(cur)->keyid, flw_signer_key(pend)->keyid);
	return flw_diag_set(diag, FLW_EINCOMPAT,
	                    which == FLW_ONLINE_DIRECTOR ? "signed." FLW_TUF_DIRECTOR_FIELD
	                                                 : "signed.roles",
	                    "root's '%s' keys must include the server's online key %s with "
	                    "threshold 1 (see GET /api/v1/tuf/online-keys)",
	                    name, flw_signer_key(cur)->keyid);
}

static int force_resign(const struct flw_repo *repo, struct flw_store *s, time_t now,
                        struct flw_diag *diag);

/* Switch to each pending key that root r lists; re-sign when snapshot/timestamp changed. */
static int adopt_listed(const struct flw_repo *repo, struct flw_store *s,
                        const struct flw_tuf_root *r, time_t now, int *switched_out,
                        struct flw_diag *diag)
{
	struct flw_tuf_role_keys rk;
	int switched = 0;
	int rc = 0;
	int i;

	for (i = 0; i < _FLW_ONLINE_MAX && repo->dd; i++) {
		struct flw_signer *pend = repo_pending(repo, i);

		if (!pend || online_role(r, i, &rk) != 0 || !lists_signer(&rk, pend))
			continue;
		rc = flw_datadir_promote(repo->dd, i, diag);
		if (rc != 0)
			goto out;
		switched |= 1 << i;
	}
	if (switched & ((1 << FLW_ONLINE_SNAPSHOT) | (1 << FLW_ONLINE_TIMESTAMP)))
		rc = force_resign(repo, s, now, diag);
out:
	if (switched_out)
		*switched_out = switched;
	return rc;
}

int flw_repo_put_root(const struct flw_repo *repo, struct flw_store *s, const void *doc, size_t len,
                      time_t now, int64_t *version_out, struct flw_diag *diag)
{
	struct flw_tuf_root *nr = NULL;
	struct flw_tuf_root *cr = NULL;
	struct stored_meta cur;
	int64_t want = 1;
	int64_t ver;
	int rc;

	memset(&cur, 0, sizeof(cur));
	rc = flw_tuf_root_parse(&nr, doc, len, diag);
	if (rc != 0)
		goto out;
	rc = stored_meta_load(s, FLW_TUF_ROOT, &cur, diag);
	if (rc == 0) {
		want = cur.version + 1;
		rc = flw_tuf_root_parse(&cr, cur.bytes.data, cur.bytes.len, diag);
		if (rc != 0)
			goto out;
	} else if (rc != FLW_ENOTFOUND)
		goto out;
	ver = flw_tuf_root_version(nr);
	if (ver != want) {
		rc = flw_diag_set(diag, FLW_ECONFLICT, "signed.version",
		                  "root version %" PRId64 " refused: the next root must be version "
		                  "%" PRId64,
		                  ver, want);
		goto out;
	}
	/* v N+1: a threshold of v N's root keys, then of its own */
	if (cr && (rc = flw_tuf_verify(cr, FLW_TUF_ROOT, doc, len, NULL, diag)) != 0) {
		if (rc == FLW_ESIG) {
			char msg[FLW_DIAG_MSG_MAX];

			memcpy(msg, diag ? diag->msg : "", diag ? sizeof(msg) : 1);
			rc = flw_diag_set(
			        diag, FLW_ESIG, "signatures",
			        "not signed by a threshold of the current root's (v%" PRId64
			        ") root keys: %s",
			        cur.version, msg);
		}
		goto out;
	}
	rc = flw_tuf_verify(nr, FLW_TUF_ROOT, doc, len, NULL, diag);
	if (rc != 0)
		goto out;
	if (flw_tuf_root_expires(nr) <= now) {
		rc = flw_diag_set(diag, FLW_EEXPIRED, "signed.expires", "root has expired");
		goto out;
	}
	if ((rc = role_lists_online_key(repo, nr, FLW_ONLINE_SNAPSHOT, diag)) != 0 ||
	    (rc = role_lists_online_key(repo, nr, FLW_ONLINE_TIMESTAMP, diag)) != 0 ||
	    (rc = role_lists_online_key(repo, nr, FLW_ONLINE_DIRECTOR, diag)) != 0)
		goto out;
	rc = flw_store_tuf_put(s, FLW_TUF_ROOT, ver, doc, len, diag);
	if (rc != 0)
		goto out;
	*version_out = ver;
	/* stored: a failure from here on is finished by the scheduler (flw_repo_adopt_pending) */
	rc = adopt_listed(repo, s, nr, now, NULL, diag);
out:
	flw_tuf_root_free(nr);
	flw_tuf_root_free(cr);
	stored_meta_done(&cur);
	return rc;
}

int flw_repo_adopt_pending(const struct flw_repo *repo, struct flw_store *s, time_t now,
                           int *switched_out, struct flw_diag *diag)
{
	struct flw_tuf_root *r = NULL;
	struct stored_meta cur;
	int rc = 0;
	int i;

	if (switched_out)
		*switched_out = 0;
	memset(&cur, 0, sizeof(cur));
	for (i = 0; i < _FLW_ONLINE_MAX && !repo_pending(repo, i); i++)
		;
	if (i == _FLW_ONLINE_MAX)
		goto out; /* nothing pending */
	rc = stored_meta_load(s, FLW_TUF_ROOT, &cur, diag);
	if (rc == FLW_ENOTFOUND) {
		rc = 0;
		goto out;
	}
	if (rc == 0)
		rc = flw_tuf_root_parse(&r, cur.bytes.data, cur.bytes.len, diag);
	if (rc == 0)
		rc = adopt_listed(repo, s, r, now, switched_out, diag);
out:
	flw_tuf_root_free(r);
	stored_meta_done(&cur);
	return rc;
}

/* Name the signing keyids the root does not list for targets, to make FLW_ESIG clearer. */
static void name_unknown_keys(const struct flw_tuf_root *root, const json_t *env,
                              struct flw_diag *diag)
{
	struct flw_tuf_role_keys rk;
	struct flw_buf b;
	json_t *sigs = json_object_get(env, "signatures");
	json_t *v;
	size_t i;
	size_t j;

	if (!diag || !json_is_array(sigs) || flw_tuf_root_role(root, FLW_TUF_TARGETS, &rk) != 0)
		return;
	flw_buf_init(&b, sizeof(diag->msg) - 1);
	json_array_foreach(sigs, i, v)
	{
		const char *kid = json_string_value(json_object_get(v, "keyid"));
		int known = 0;

		if (!kid)
			continue;
		for (j = 0; j < rk.n_keys; j++)
			known |= strcmp(rk.keys[j].keyid, kid) == 0;
		if (!known && flw_buf_printf(&b, "%s%.16s…", b.len ? ", " : "", kid) != 0)
			break;
	}
	if (b.len > 0) {
		char msg[FLW_DIAG_MSG_MAX];

		memcpy(msg, diag->msg, sizeof(msg));
		flw_diag_set(diag, FLW_ESIG, "signatures",
		             "%s; signed by keys the root does not list for targets: %s", msg,
		             flw_buf_cstr(&b));
	}
	flw_buf_free(&b);
}

static int target_same(const struct flw_tuf_target *a, const struct flw_tuf_target *b)
{
	unsigned i;

	if (a->length != b->length || memcmp(a->sha256, b->sha256, FLW_SHA256_BYTES) != 0 ||
	    strcmp(a->version, b->version) != 0 || a->n_hwids != b->n_hwids ||
	    a->security_version != b->security_version ||
	    strcmp(a->source_commit, b->source_commit) != 0 ||
	    strcmp(a->builder, b->builder) != 0 || strcmp(a->build_time, b->build_time) != 0)
		return 0;
	for (i = 0; i < a->n_hwids && i < FLW_TUF_MAX_HWIDS; i++) {
		if (strcmp(a->hwids[i], b->hwids[i]) != 0)
			return 0;
	}
	return 1;
}

struct publish_ctx {
	const struct flw_repo *repo;
	struct flw_store *s;
	time_t now;
	struct flw_tuf_root *root;
	struct stored_meta cur_targets;
	json_t *env;
	json_t *signed_obj;
	int64_t version;
	struct flw_release *added;
	size_t n_added;
	json_t *added_names;
	struct flw_sbom **sboms; /* per added target, NULL when it references none */
	struct flw_release_components *components;
	size_t n_components;
	struct flw_buf snapshot;
	struct flw_buf timestamp;
	int64_t snapshot_version;
	int64_t timestamp_version;
};

/* Steps 1-4: parse, signatures, version, expiry. */
static int check_envelope(struct publish_ctx *c, const void *doc, size_t len, struct flw_diag *diag)
{
	struct flw_json_limits lim = { FLW_TUF_TARGETS_MAX_BYTES, FLW_TUF_MAX_DEPTH };
	struct stored_meta root;
	json_t *tmp = NULL;
	time_t expires = 0;
	int rc;

	memset(&root, 0, sizeof(root));
	rc = flw_json_parse(&c->env, doc, len, &lim, diag);
	if (rc == 0 &&
	    (!json_is_object(c->env) || !json_is_object(json_object_get(c->env, "signed")) ||
	     !json_is_array(json_object_get(c->env, "signatures"))))
		rc = flw_diag_set(diag, FLW_EFORMAT, "", "not a TUF envelope {signed, signatures}");
	if (rc != 0)
		goto out;
	rc = stored_meta_load(c->s, FLW_TUF_ROOT, &root, diag);
	if (rc == FLW_ENOTFOUND)
		rc = flw_diag_set(diag, FLW_ESTATE, "",
		                  "the repository has no root yet: run "
		                  "'fleetward repo init' first");
	if (rc != 0)
		goto out;
	rc = flw_tuf_root_parse(&c->root, root.bytes.data, root.bytes.len, diag);
	if (rc != 0)
		goto out;
	rc = flw_tuf_verify(c->root, FLW_TUF_TARGETS, doc, len, &c->signed_obj, diag);
	if (rc == FLW_ESIG)
		name_unknown_keys(c->root, c->env, diag);
	if (rc != 0)
		goto out;
	rc = flw_tuf_signed_header(c->signed_obj, &c->version, &expires, diag);
	if (rc != 0)
		goto out;
	rc = stored_meta_load(c->s, FLW_TUF_TARGETS, &c->cur_targets, diag);
	if (rc == FLW_ENOTFOUND)
		rc = 0;
	if (rc != 0)
		goto out;
	if (c->version != c->cur_targets.version + 1) {
		rc = flw_diag_set(diag, FLW_ECONFLICT, "signed.version",
		                  "targets version %" PRId64 " refused: the current version is "
		                  "%" PRId64 ", so the next must be %" PRId64,
		                  c->version, c->cur_targets.version, c->cur_targets.version + 1);
		goto out;
	}
	if (expires <= c->now)
		rc = flw_diag_set(diag, FLW_EEXPIRED, "signed.expires",
		                  "targets metadata has already expired");
out:
	json_decref(tmp);
	stored_meta_done(&root);
	return rc;
}

/* Step 5 and 6: artifacts for new or changed targets, then hardware ids. */
static int check_targets(struct publish_ctx *c, struct flw_diag *diag)
{
	json_t *targets = json_object_get(c->signed_obj, "targets");
	struct flw_tuf_target old;
	const char *name;
	json_t *v;
	size_t n;
	size_t i;
	int rc = 0;

	if (!json_is_object(targets))
		return flw_diag_set(diag, FLW_EFORMAT, "signed.targets", "expected an object");
	n = json_object_size(targets);
	c->added = flw_calloc(n ? n : 1, sizeof(*c->added));
	c->added_names = json_array();
	if (!c->added || !c->added_names)
		return FLW_ENOMEM;
	json_object_foreach(targets, name, v)
	{
		struct flw_release *r = &c->added[c->n_added];
		uint64_t have = 0;

		rc = flw_tuf_targets_get(c->signed_obj, name, &r->target, diag);
		if (rc != 0)
			return rc == FLW_ENOTFOUND ? FLW_EFORMAT : rc;
		if (c->cur_targets.signed_obj &&
		    flw_tuf_targets_get(c->cur_targets.signed_obj, name, &old, NULL) == 0 &&
		    target_same(&old, &r->target))
			continue;
		rc = flw_store_artifact_get(c->s, r->target.sha256, &have, diag);
		if (rc == FLW_ENOTFOUND || (rc == 0 && have != r->target.length)) {
			char hex[FLW_SHA256_HEX];

			flw_hex_encode(hex, r->target.sha256, FLW_SHA256_BYTES);
			return flw_diag_set(diag, FLW_EHASH, name,
			                    "target '%s': no uploaded artifact with sha256 %s and "
			                    "length %" PRIu64 " (upload the image first)",
			                    name, hex, r->target.length);
		}
		if (rc != 0)
			return rc;
		r->targets_version = c->version;
		r->created = c->now;
		c->n_added++;
		if (json_array_append_new(c->added_names, json_string(name)) != 0)
			return FLW_ENOMEM;
	}
	for (i = 0; i < c->n_added; i++) {
		if (c->added[i].target.n_hwids == 0)
			return flw_diag_set(diag, FLW_EFORMAT, c->added[i].target.name,
			                    "target '%s': custom.hardware_ids is missing or empty",
			                    c->added[i].target.name);
	}
	return rc;
}

/* The SBOM a target references in custom.sbom {sha256, length}: it must be an uploaded
 * artifact of exactly that hash and length, and parse as a CycloneDX SBOM. *out stays NULL
 * for a target without custom.sbom. */
static int load_sbom(struct publish_ctx *c, const char *name, struct flw_sbom **out,
                     struct flw_diag *diag)
{
	const json_t *entry = json_object_get(json_object_get(c->signed_obj, "targets"), name);
	const json_t *ref = json_object_get(json_object_get(entry, "custom"), "sbom");
	unsigned char want[FLW_SHA256_BYTES];
	unsigned char got[FLW_SHA256_BYTES];
	char lower[FLW_SHA256_HEX];
	const char *hex = NULL;
	int64_t length = 0;
	uint64_t have = 0;
	struct flw_buf b;
	char *path = NULL;
	int rc;

	*out = NULL;
	if (!ref)
		return 0;
	flw_buf_init(&b, FLW_SBOM_MAX_BYTES);
	if (!json_is_object(ref) ||
	    flw_json_get_str(ref, "sha256", &hex, FLW_SHA256_HEX - 1, 1, diag) != 0 ||
	    flw_hex_decode(want, sizeof(want), hex) != 0 ||
	    flw_json_get_int(ref, "length", &length, 0, (int64_t)FLW_SBOM_MAX_BYTES, 1, diag) !=
	            0) {
		rc = flw_diag_set(diag, FLW_EFORMAT, name,
		                  "target '%s': custom.sbom must be {\"sha256\": 64 hex, "
		                  "\"length\": 0..%zu}",
		                  name, FLW_SBOM_MAX_BYTES);
		goto out;
	}
	rc = flw_store_artifact_get(c->s, want, &have, diag);
	if (rc == FLW_ENOTFOUND || (rc == 0 && have != (uint64_t)length)) {
		rc = flw_diag_set(diag, FLW_EHASH, name,
		                  "target '%s': its SBOM (sha256 %s, length %" PRId64 ") was not "
		                  "uploaded (upload it with the image: fleetward release upload)",
		                  name, hex, length);
		goto out;
	}
	if (rc != 0)
		goto out;
	flw_hex_encode(lower, want, sizeof(want));
	path = flw_fs_join(c->repo->artifacts_dir, lower);
	if (!path) {
		rc = FLW_ENOMEM;
		goto out;
	}
	if ((rc = flw_fs_read_all(path, &b, diag)) != 0)
		goto out;
	if ((rc = flw_sha256(b.data, b.len, got)) != 0)
		goto out;
	if (b.len != (size_t)length || memcmp(got, want, sizeof(got)) != 0) {
		rc = flw_diag_set(diag, FLW_EHASH, name,
		                  "target '%s': the stored SBOM does not match its sha256/length",
		                  name);
		goto out;
	}
	rc = flw_sbom_parse(out, b.data, b.len, diag);
	if (rc != 0) {
		char msg[FLW_DIAG_MSG_MAX];

		memcpy(msg, diag->msg, sizeof(msg));
		rc = flw_diag_set(diag, rc, name, "target '%s': SBOM refused: %s", name, msg);
	}
out:
	flw_free(path);
	flw_buf_free(&b);
	return rc;
}

/* Step 7: the SBOMs of the added targets, into c->components. */
static int check_sboms(struct publish_ctx *c, struct flw_diag *diag)
{
	size_t i;
	int rc;

	c->sboms = flw_calloc(c->n_added ? c->n_added : 1, sizeof(*c->sboms));
	c->components = flw_calloc(c->n_added ? c->n_added : 1, sizeof(*c->components));
	if (!c->sboms || !c->components)
		return FLW_ENOMEM;
	for (i = 0; i < c->n_added; i++) {
		const char *name = c->added[i].target.name;

		if ((rc = load_sbom(c, name, &c->sboms[i], diag)) != 0)
			return rc;
		if (c->sboms[i]) {
			struct flw_release_components *rc_ = &c->components[c->n_components++];

			rc_->release = name;
			rc_->c = c->sboms[i]->c;
			rc_->n = c->sboms[i]->n;
		}
	}
	return 0;
}

static int sign_into(struct flw_buf *out, json_t *signed_obj, struct flw_signer *sg,
                     struct flw_diag *diag)
{
	struct flw_signer *const signers[1] = { sg };
	int rc;

	if (!signed_obj)
		return FLW_ENOMEM;
	rc = flw_tuf_sign(out, signed_obj, signers, 1, diag);
	json_decref(signed_obj);
	return rc;
}

/* New snapshot over targets bytes and a new timestamp over it, with the next versions. */
static int sign_online(const struct flw_repo *repo, struct flw_store *s, time_t now,
                       const void *targets, size_t targets_len, int64_t targets_version,
                       struct publish_ctx *c, struct flw_diag *diag)
{
	json_t *obj = NULL;
	time_t exp;
	int rc;

	rc = flw_repo_expires(s, FLW_TUF_SNAPSHOT, &exp, &c->snapshot_version, diag);
	if (rc == 0)
		rc = flw_repo_expires(s, FLW_TUF_TIMESTAMP, &exp, &c->timestamp_version, diag);
	if (rc != 0)
		return rc;
	c->snapshot_version++;
	c->timestamp_version++;
	rc = flw_tuf_make_snapshot(&obj, c->snapshot_version,
	                           now + flw_repo_snapshot_lifetime(repo), targets_version, targets,
	                           targets_len);
	if (rc != 0)
		return rc;
	rc = sign_into(&c->snapshot, obj, repo_key(repo, FLW_ONLINE_SNAPSHOT), diag);
	if (rc != 0)
		return rc;
	obj = NULL;
	rc = flw_tuf_make_timestamp(&obj, c->timestamp_version,
	                            now + flw_repo_timestamp_lifetime(repo), c->snapshot_version,
	                            c->snapshot.data, c->snapshot.len);
	if (rc != 0)
		return rc;
	return sign_into(&c->timestamp, obj, repo_key(repo, FLW_ONLINE_TIMESTAMP), diag);
}

static void publish_ctx_done(struct publish_ctx *c)
{
	size_t i;

	for (i = 0; c->sboms && i < c->n_added; i++)
		flw_sbom_free(c->sboms[i]);
	flw_free(c->sboms);
	flw_free(c->components);
	flw_tuf_root_free(c->root);
	stored_meta_done(&c->cur_targets);
	json_decref(c->env);
	json_decref(c->signed_obj);
	json_decref(c->added_names);
	flw_free(c->added);
	flw_buf_free(&c->snapshot);
	flw_buf_free(&c->timestamp);
}

int flw_repo_publish_targets(const struct flw_repo *repo, struct flw_store *s, const void *doc,
                             size_t len, time_t now, const struct flw_audit *audit,
                             int64_t *version_out, json_t **added_out, struct flw_diag *diag)
{
	struct flw_tuf_publish p;
	struct publish_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	c.repo = repo;
	c.s = s;
	c.now = now;
	flw_buf_init(&c.snapshot, FLW_TUF_SNAPSHOT_MAX_BYTES);
	flw_buf_init(&c.timestamp, FLW_TUF_TIMESTAMP_MAX_BYTES);
	rc = check_envelope(&c, doc, len, diag);
	if (rc != 0)
		goto out;
	rc = check_targets(&c, diag);
	if (rc == 0)
		rc = check_sboms(&c, diag);
	if (rc != 0)
		goto out;
	rc = sign_online(repo, s, now, doc, len, c.version, &c, diag);
	if (rc != 0)
		goto out;
	memset(&p, 0, sizeof(p));
	p.targets = doc;
	p.targets_len = len;
	p.targets_version = c.version;
	p.snapshot = c.snapshot.data;
	p.snapshot_len = c.snapshot.len;
	p.snapshot_version = c.snapshot_version;
	p.timestamp = c.timestamp.data;
	p.timestamp_len = c.timestamp.len;
	p.timestamp_version = c.timestamp_version;
	p.added = c.added;
	p.n_added = c.n_added;
	p.components = c.components;
	p.n_components = c.n_components;
	rc = flw_store_tuf_publish(s, &p, audit, diag);
	if (rc != 0)
		goto out;
	*version_out = c.version;
	*added_out = c.added_names;
	c.added_names = NULL;
out:
	publish_ctx_done(&c);
	return rc;
}

static int resign_snapshot(const struct flw_repo *repo, struct flw_store *s, time_t now,
                           struct publish_ctx *c, struct flw_diag *diag)
{
	struct stored_meta t;
	json_t *obj = NULL;
	time_t exp;
	int rc;

	rc = stored_meta_load(s, FLW_TUF_TARGETS, &t, diag);
	if (rc != 0)
		goto out;
	rc = flw_repo_expires(s, FLW_TUF_SNAPSHOT, &exp, &c->snapshot_version, diag);
	if (rc != 0)
		goto out;
	c->snapshot_version++;
	rc = flw_tuf_make_snapshot(&obj, c->snapshot_version,
	                           now + flw_repo_snapshot_lifetime(repo), t.version, t.bytes.data,
	                           t.bytes.len);
	if (rc != 0)
		goto out;
	rc = sign_into(&c->snapshot, obj, repo_key(repo, FLW_ONLINE_SNAPSHOT), diag);
	if (rc != 0)
		goto out;
	rc = flw_store_tuf_put(s, FLW_TUF_SNAPSHOT, c->snapshot_version, c->snapshot.data,
	                       c->snapshot.len, diag);
out:
	stored_meta_done(&t);
	return rc;
}

static int resign_timestamp(const struct flw_repo *repo, struct flw_store *s, time_t now,
                            struct publish_ctx *c, time_t *ts_expires, struct flw_diag *diag)
{
	struct stored_meta snap;
	json_t *obj = NULL;
	time_t exp;
	int rc;

	rc = stored_meta_load(s, FLW_TUF_SNAPSHOT, &snap, diag);
	if (rc != 0)
		goto out;
	rc = flw_repo_expires(s, FLW_TUF_TIMESTAMP, &exp, &c->timestamp_version, diag);
	if (rc != 0)
		goto out;
	c->timestamp_version++;
	rc = flw_tuf_make_timestamp(&obj, c->timestamp_version,
	                            now + flw_repo_timestamp_lifetime(repo), snap.version,
	                            snap.bytes.data, snap.bytes.len);
	if (rc != 0)
		goto out;
	rc = sign_into(&c->timestamp, obj, repo_key(repo, FLW_ONLINE_TIMESTAMP), diag);
	if (rc != 0)
		goto out;
	rc = flw_store_tuf_put(s, FLW_TUF_TIMESTAMP, c->timestamp_version, c->timestamp.data,
	                       c->timestamp.len, diag);
	if (rc == 0)
		*ts_expires = now + flw_repo_timestamp_lifetime(repo);
out:
	stored_meta_done(&snap);
	return rc;
}

/* force: re-sign both now (after a key switch); else each once under half its life is left */
static int refresh(const struct flw_repo *repo, struct flw_store *s, time_t now, int force,
                   time_t *ts_expires_out, int *resigned_out, struct flw_diag *diag)
{
	struct publish_ctx c;
	time_t snap_exp = 0;
	time_t ts_exp = 0;
	int resigned = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	flw_buf_init(&c.snapshot, FLW_TUF_SNAPSHOT_MAX_BYTES);
	flw_buf_init(&c.timestamp, FLW_TUF_TIMESTAMP_MAX_BYTES);
	*ts_expires_out = 0;
	rc = flw_repo_expires(s, FLW_TUF_SNAPSHOT, &snap_exp, NULL, diag);
	if (rc == 0)
		rc = flw_repo_expires(s, FLW_TUF_TIMESTAMP, &ts_exp, NULL, diag);
	if (rc != 0 || snap_exp == 0)
		goto out; /* nothing published yet */
	*ts_expires_out = ts_exp;
	if (force || snap_exp - now < flw_repo_snapshot_lifetime(repo) / 2) {
		rc = resign_snapshot(repo, s, now, &c, diag);
		if (rc != 0)
			goto out;
		resigned |= 1;
	}
	if (resigned || ts_exp - now < flw_repo_timestamp_lifetime(repo) / 2) {
		rc = resign_timestamp(repo, s, now, &c, ts_expires_out, diag);
		if (rc != 0)
			goto out;
		resigned |= 2;
	}
out:
	if (resigned_out)
		*resigned_out = resigned;
	publish_ctx_done(&c);
	return rc;
}

static int force_resign(const struct flw_repo *repo, struct flw_store *s, time_t now,
                        struct flw_diag *diag)
{
	time_t ts_exp = 0;

	return refresh(repo, s, now, 1, &ts_exp, NULL, diag);
}

int flw_repo_refresh(const struct flw_repo *repo, struct flw_store *s, time_t now,
                     time_t *ts_expires_out, int *resigned_out, struct flw_diag *diag)
{
	return refresh(repo, s, now, 0, ts_expires_out, resigned_out, diag);
}
