/* fuzz/feed_fuzz.h - the oracle shared by the four feed fuzz targets (included once per target)
 *
 * Every record read is counted exactly once (added, replaced, unchanged or failed) when the
 * import succeeds; every entry in the set has a valid CVE id matching its records; importing the
 * same input again changes nothing (re-import by lastModified / score date / catalogue date).
 */
#ifndef FLW_FEED_FUZZ_H
#define FLW_FEED_FUZZ_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/error.h"
#include "fleetward/feed.h"
#include "vuln/feed_private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int feed_fuzz_check_entry(const struct flw_vuln_entry *e, void *payload)
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

static int feed_fuzz_one(int kind, int lines, const uint8_t *data, size_t size)
{
	struct flw_vuln_db *db = NULL;
	struct flw_feed_stats a;
	struct flw_feed_stats b;
	struct flw_diag diag;
	int rc;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (flw_vuln_db_new(&db) != 0)
		return 0;
	rc = flw_feed_import_mem(db, kind, lines, data, size, NULL, &a, &diag);
	if (rc == 0 && a.records != a.added + a.replaced + a.unchanged + a.failed)
		abort();
	if (flw_vuln_db_foreach(db, feed_fuzz_check_entry, NULL) != 0)
		abort();
	rc = flw_feed_import_mem(db, kind, lines, data, size, NULL, &b, &diag);
	(void)rc; /* the second import may fail like the first; it must still add nothing */
	if (b.added != 0 || b.replaced != 0)
		abort();
	flw_vuln_db_free(db);
	return 0;
}

#endif /* FLW_FEED_FUZZ_H */
