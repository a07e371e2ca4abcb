/* fuzz/nvd_feed_fuzzer.c - NVD API 2.0 response import
 *
 * Oracle: every record read is counted exactly once (added, replaced, unchanged or failed)
 * when the import succeeds; every entry in the set has a valid CVE id; importing the same
 * input again changes nothing (re-import by lastModified / score date / catalogue date).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/error.h"
#include "fleetward/feed.h"
#include "vuln/feed_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int check_entry(const struct flw_vuln_entry *e, void *payload)
{
	(void)payload;
	if (!flw_feed__cve_id_ok(e->id))
		abort();
	if ((e->nvd && strcmp(e->nvd->id, e->id) != 0) ||
	    (e->cve5 && strcmp(e->cve5->id, e->id) != 0) ||
	    (e->kev && strcmp(e->kev->id, e->id) != 0))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct flw_vuln_db *db = NULL;
	struct flw_feed_stats a;
	struct flw_feed_stats b;
	struct flw_diag diag;
	int lines = 0;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (flw_vuln_db_new(&db) != 0)
		return 0;
	rc = flw_feed_import_mem(db, FLW_FEED_NVD, lines, data, size, NULL, &a, &diag);
	if (rc == 0 && a.records != a.added + a.replaced + a.unchanged + a.failed)
		abort();
	if (flw_vuln_db_foreach(db, check_entry, NULL) != 0)
		abort();
	rc = flw_feed_import_mem(db, FLW_FEED_NVD, lines, data, size, NULL, &b, &diag);
	if (b.added != 0 || b.replaced != 0)
		abort();
	(void)rc;
	flw_vuln_db_free(db);
	return 0;
}
