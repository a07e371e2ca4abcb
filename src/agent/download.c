/* src/agent/download.c - check a directed update against TUF, then fetch and verify it
 *
 * The check-in's `update` is not trusted: agent_verify_target() refreshes the TUF metadata
 * from <server>/tuf/metadata/ (root chain, timestamp, snapshot, targets; flw_tuf_client) and
 * requires that the verified targets list the same name with the same length and sha256,
 * for this device's hardware id, with a security version not below the installed one.
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

static int cross_check(struct agent *a, const struct agent_update *u,
                       const struct flw_tuf_target *t, struct flw_diag *d)
{
	const struct flw_agent_image *cur;

	if (t->length != u->t.length)
		return flw_diag_set(
		        d, FLW_EHASH, t->name,
		        "the director's length %llu differs from the signed length %llu",
		        (unsigned long long)u->t.length, (unsigned long long)t->length);
	if (flw_ct_memcmp(t->sha256, u->t.sha256, FLW_SHA256_BYTES) != 0)
		return flw_diag_set(d, FLW_EHASH, t->name,
		                    "the director's sha256 differs from the signed sha256");
	if (!flw_tuf_target_fits(t, a->cfg->hardware_id))
		return flw_diag_set(d, FLW_EINCOMPAT, t->name,
		                    "target is not signed for hardware id '%s'",
		                    a->cfg->hardware_id);
	cur = flw_agent_state_slot(a->st, agent_booted_slot(a));
	if (t->security_version < cur->security_version)
		return flw_diag_set(d, FLW_EROLLBACK, t->name,
		                    "security version %llu is below the installed %llu",
		                    (unsigned long long)t->security_version,
		                    (unsigned long long)cur->security_version);
	return 0;
}

int agent_verify_target(struct agent *a, const struct agent_update *u,
                        struct flw_tuf_target *trusted)
{
	const struct flw_tuf_fetcher f = { FLW_TUF_FETCHER_VERSION, fetch_meta, a };
	struct flw_tuf_client *c = NULL;
	struct flw_diag d = { 0 };
	char m[FLW_DIAG_MSG_MAX + 128];
	const char *step = "opening the trusted metadata";
	int rc;

	rc = flw_tuf_client_open(&c, a->tuf_dir, &f, &d);
	if (rc == 0) {
		step = "refreshing TUF metadata";
		rc = flw_tuf_client_refresh(c, time(NULL), &d);
	}
	if (rc == 0) {
		step = "looking up the target in signed targets";
		rc = flw_tuf_client_target(c, u->t.name, trusted, &d);
	}
	if (rc == 0) {
		step = "checking the directed update against signed metadata";
		rc = cross_check(a, u, trusted, &d);
	}
	if (rc != 0) {
		snprintf(a->last_error, sizeof(a->last_error), "%s: %s: %s", step,
		         flw_error_name(rc), flw_diag_format(&d, m, sizeof(m)));
	}
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
		                    "downloaded %llu bytes, signed length is %llu",
		                    (unsigned long long)len, (unsigned long long)t->length);
	if (flw_ct_memcmp(got, t->sha256, FLW_SHA256_BYTES) != 0)
		return flw_diag_set(d, FLW_EHASH, t->name,
		                    "sha256 of the download does not match the signed metadata "
		                    "(tampered or corrupted image)");
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
	rc = fetch(a, &u->t, url, fd, &d);
	if (rc == 0 && fsync(fd) != 0)
		rc = flw_diag_errno(&d, errno, path, "fsync of staging file");
	close(fd);
	fd = -1;
	if (rc == 0)
		rc = verify_staged(path, &u->t, &d);
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
