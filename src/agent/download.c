/* src/agent/download.c - check a directed update against TUF, then fetch and verify it
 *
 * The check-in's `update` is not trusted: agent_verify_target() refreshes the TUF metadata
 * from <server>/tuf/metadata/ (root chain, timestamp, snapshot, targets; flw_tuf_client), then
 * checks the update's signed director document against the refreshed root's director keys and
 * the verified image targets (device/director_check.h: device binding, replay, freeze, the
 * same length and sha256, this hardware id, one target, security version not below the
 * device's anti-rollback floor). Only the image repository's entry goes on from there.
 *
 * agent_download() fetches the verified target into state_dir/staging/<sha256>.part. A partial
 * file from an interrupted run is continued with an HTTP Range request; the body is bounded by
 * the signed length (more is "endless data"). The whole staged file is then hashed (large
 * reads, flw_sha256_file) and compared BEFORE anything is written to a slot.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fleetward/alloc.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/fs.h"
#include "fleetward/log.h"
#include "fleetward/tuf.h"
#include "agent.h"
#include "device/director_check.h"

static int fetch_meta(void *payload, const char *name, size_t max_len, struct flw_buf *out,
                      struct flw_diag *diag)
{
	struct agent *a = payload;
	struct agent_resp r;
	char *url = NULL;
	int rc = FLW_ENOMEM;

	agent_resp_init(&r, max_len);
	if (!flw_fs_name_ok(name, FLW_TUF_TARGET_NAME_MAX)) {
		rc = flw_diag_set(diag, FLW_EINVAL, name, "bad metadata name");
		goto out;
	}
	url = flw_asprintf("%s/tuf/metadata/%s", a->cfg->server, name);
	if (!url)
		goto out;
	rc = agent_http_request(a->http, "GET", url, NULL, NULL, 0, &r, diag);
	if (rc != 0)
		goto out;
	if (r.status == 404 || r.status == 403) {
		rc = FLW_ENOTFOUND;
		goto out;
	}
	if (r.status != 200) {
		rc = flw_diag_set(diag, FLW_ENET, name, "%s: HTTP %ld", url, r.status);
		goto out;
	}
	rc = flw_buf_append(out, r.body.data, r.body.len);
out:
	flw_free(url);
	agent_resp_free(&r);
	return rc;
}

static int image_lookup(void *payload, const char *name, struct flw_tuf_target *out,
                        struct flw_diag *diag)
{
	return flw_tuf_client_target(payload, name, out, diag);
}

/* The image repository's current trusted root: tuf/root.json after the refresh. */
static int load_root(struct agent *a, struct flw_tuf_root **out, struct flw_diag *d)
{
	struct flw_buf b;
	char *path = flw_fs_join(a->tuf_dir, "root.json");
	int rc = FLW_ENOMEM;

	flw_buf_init(&b, FLW_TUF_ROOT_MAX_BYTES);
	if (path && (rc = flw_fs_read_all(path, &b, d)) == 0)
		rc = flw_tuf_root_parse(out, b.data, b.len, d);
	flw_buf_free(&b);
	flw_free(path);
	return rc;
}

/* The trusted director document (empty when none yet) */
static int load_director(struct agent *a, struct flw_buf *out, struct flw_diag *d)
{
	int rc;

	flw_buf_init(out, AGENT_DIRECTOR_MAX);
	rc = flw_fs_read_all(a->director_path, out, d);
	if (rc == FLW_ENOTFOUND) {
		flw_diag_clear(d);
		rc = 0;
	}
	return rc;
}

int agent_director_finished(struct agent *a, const struct agent_update *u)
{
	struct flw_buf trusted;
	struct flw_diag d = { 0 };
	int64_t tv = 0;
	int64_t v = 0;
	int fin = 0;

	if (!flw_agent_state_is_done(a->st, u->deployment) || u->director.len == 0)
		return 0;
	if (load_director(a, &trusted, &d) != 0)
		goto out;
	if (trusted.len == u->director.len &&
	    memcmp(trusted.data, u->director.data, trusted.len) == 0) {
		fin = 1;
		goto out;
	}
	/* A re-signed copy (a higher version) of a finished instruction is nothing to do; an
	 * older or unreadable one goes through the full check, which names the replay. */
	if (trusted.len && flw_director_doc_version(trusted.data, trusted.len, &tv, &d) == 0 &&
	    flw_director_doc_version(u->director.data, u->director.len, &v, &d) == 0 && v > tv)
		fin = 1;
out:
	flw_buf_free(&trusted);
	return fin;
}

int agent_verify_target(struct agent *a, const struct agent_update *u,
                        struct agent_update *verified)
{
	const struct flw_tuf_fetcher f = { FLW_TUF_FETCHER_VERSION, fetch_meta, a };
	struct flw_tuf_client *c = NULL;
	struct flw_tuf_root *root = NULL;
	struct flw_director_in in;
	struct flw_director_out out;
	struct flw_buf trusted;
	struct flw_diag d = { 0 };
	char m[FLW_DIAG_MSG_MAX + 128];
	const char *step = "opening the trusted metadata";
	time_t now = time(NULL); /* fixed for the refresh and the director check */
	int rc;

	flw_buf_init(&trusted, AGENT_DIRECTOR_MAX);
	rc = flw_tuf_client_open(&c, a->tuf_dir, &f, &d);
	if (rc == 0) {
		step = "refreshing TUF metadata";
		rc = flw_tuf_client_refresh(c, now, &d);
	}
	if (rc == 0) {
		step = "reading the trusted root and director metadata";
		rc = load_root(a, &root, &d);
		if (rc == 0)
			rc = load_director(a, &trusted, &d);
	}
	if (rc == 0) {
		step = "checking the director metadata against the signed image targets";
		memset(&in, 0, sizeof(in));
		in.root = root;
		in.device_id = a->cfg->device_id;
		in.hwid = a->cfg->hardware_id;
		in.trusted = trusted.data;
		in.trusted_len = trusted.len;
		in.now = now;
		in.floor = a->st->security_floor;
		in.image_target = image_lookup;
		in.payload = c;
		rc = flw_director_check(&in, u->director.data, u->director.len, &out, &d);
	}
	if (rc == 0 && !out.same_as_trusted) {
		step = "saving the trusted director metadata";
		rc = flw_fs_write_atomic(a->director_path, u->director.data, u->director.len, 0600,
		                         &d);
	}
	if (rc == 0) {
		memset(verified, 0, sizeof(*verified));
		verified->deployment = out.deployment;
		verified->t = out.target;
		if (out.deployment != u->deployment || strcmp(out.target.name, u->t.name) != 0)
			log_warn("the check-in's plain fields (deployment %lld, '%s') differ from "
			         "the "
			         "signed director metadata (deployment %lld, '%s'); following the "
			         "director",
			         (long long)u->deployment, u->t.name, (long long)out.deployment,
			         out.target.name);
		log_info("director metadata version %lld for '%s' verified (deployment %lld)",
		         (long long)out.version, out.target.name, (long long)out.deployment);
	}
	if (rc != 0) {
		snprintf(a->last_error, sizeof(a->last_error), "%s: %s: %s", step,
		         flw_error_name(rc), flw_diag_format(&d, m, sizeof(m)));
	}
	flw_buf_free(&trusted);
	flw_tuf_root_free(root);
	flw_tuf_client_free(c);
	return rc;
}

/* Remove staged files other than keep (a basename, may be NULL). */
void agent_staging_clean(struct agent *a, const char *keep)
{
	DIR *dir = opendir(a->staging_dir);
	struct dirent *e;

	if (!dir)
		return;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.' || (keep && strcmp(e->d_name, keep) == 0))
			continue;
		if (unlinkat(dirfd(dir), e->d_name, 0) == 0)
			log_debug("removed stale staging file '%s'", e->d_name);
	}
	closedir(dir);
}

static int fetch(struct agent *a, const struct flw_tuf_target *t, const char *url, int fd,
                 struct flw_diag *d)
{
	struct stat sb;
	uint64_t have;
	uint64_t got = 0;
	long status = 0;
	int rc;

	if (fstat(fd, &sb) != 0)
		return flw_diag_errno(d, errno, NULL, "stat of staging file");
	have = (uint64_t)sb.st_size;
	if (have > t->length) {
		if (ftruncate(fd, 0) != 0)
			return flw_diag_errno(d, errno, NULL, "truncating staging file");
		have = 0;
	}
	if (have == t->length)
		return 0;
	if (have > 0)
		log_notice("resuming download of '%s' at byte %llu of %llu", t->name,
		           (unsigned long long)have, (unsigned long long)t->length);
	if (lseek(fd, (off_t)have, SEEK_SET) < 0)
		return flw_diag_errno(d, errno, NULL, "seek in staging file");
	rc = agent_http_download(a->http, url, fd, have, t->length - have, &got, &status, d);
	if (rc == 0 && have > 0 && status == 200) {
		/* The server ignored Range and sent the whole file: start again at 0. */
		log_info("server ignored the Range request; downloading from the start");
		if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) < 0)
			return flw_diag_errno(d, errno, NULL, "truncating staging file");
		have = 0;
		rc = agent_http_download(a->http, url, fd, 0, t->length, &got, &status, d);
	}
	if (rc != 0 && status == 416 && ftruncate(fd, 0) != 0)
		log_warn("cannot reset the staging file after HTTP 416, ignoring");
	if (rc != 0)
		return rc;
	if (have + got < t->length)
		return flw_diag_set(
		        d, FLW_ENET, NULL, "truncated download of '%s': got %llu of %llu bytes",
		        t->name, (unsigned long long)(have + got), (unsigned long long)t->length);
	return 0;
}

static int verify_staged(const char *path, const struct flw_tuf_target *t, struct flw_diag *d)
{
	unsigned char got[FLW_SHA256_BYTES];
	uint64_t len = 0;
	int rc;

	rc = flw_sha256_file(path, UINT64_MAX, got, &len, d);
	if (rc != 0)
		return rc;
	if (len != t->length)
		return flw_diag_set(d, FLW_EHASH, t->name,
		                    "arbitrary installation: downloaded %llu bytes, signed length "
		                    "is %llu",
		                    (unsigned long long)len, (unsigned long long)t->length);
	if (flw_ct_memcmp(got, t->sha256, FLW_SHA256_BYTES) != 0)
		return flw_diag_set(d, FLW_EHASH, t->name,
		                    "arbitrary installation: sha256 of the download does not match "
		                    "the signed metadata (tampered or corrupted image)");
	return 0;
}

int agent_download(struct agent *a, const struct agent_update *u, char **staged_out)
{
	char hex[FLW_SHA256_HEX];
	char name[FLW_SHA256_HEX + 8];
	struct flw_diag d = { 0 };
	char m[FLW_DIAG_MSG_MAX + 128];
	char *tpath = NULL;
	char *url = NULL;
	char *path = NULL;
	int fd = -1;
	int tries;
	int resumed;
	int rc = FLW_ENOMEM;

	flw_hex_encode(hex, u->t.sha256, FLW_SHA256_BYTES);
	snprintf(name, sizeof(name), "%s.part", hex);
	agent_staging_clean(a, name);
	tpath = flw_tuf_target_path(&u->t);
	path = flw_fs_join(a->staging_dir, name);
	if (!tpath || !path)
		goto out;
	url = flw_asprintf("%s/tuf/targets/%s", a->cfg->server, tpath);
	if (!url)
		goto out;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = flw_diag_errno(&d, errno, path, "opening staging file");
		goto out;
	}
	for (tries = 0; tries < 2; tries++) {
		struct stat sb;

		/* a partial file left by an earlier attempt may hold bytes an attacker (or a
		 * broken mirror) sent then: when the whole does not verify, start once from 0 */
		resumed = fstat(fd, &sb) == 0 && sb.st_size > 0;
		rc = fetch(a, &u->t, url, fd, &d);
		if (rc == 0 && fsync(fd) != 0)
			rc = flw_diag_errno(&d, errno, path, "fsync of staging file");
		if (rc == 0)
			rc = verify_staged(path, &u->t, &d);
		if (rc != FLW_EHASH || !resumed || tries > 0)
			break;
		log_warn("the resumed download of '%s' does not verify; downloading it again "
		         "from the start",
		         u->t.name);
		if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) < 0) {
			rc = flw_diag_errno(&d, errno, path, "truncating staging file");
			break;
		}
	}
	close(fd);
	fd = -1;
	if (rc == FLW_EHASH || rc == FLW_ELIMIT)
		(void)unlink(path); /* never resume from bytes that failed verification */
	if (rc != 0)
		goto out;
	*staged_out = path;
	path = NULL;
out:
	if (rc != 0)
		snprintf(a->last_error, sizeof(a->last_error), "%s: %s", flw_error_name(rc),
		         flw_diag_format(&d, m, sizeof(m)));
	if (fd >= 0)
		close(fd);
	flw_free(path);
	flw_free(url);
	flw_free(tpath);
	return rc;
}
