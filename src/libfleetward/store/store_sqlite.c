/* store/store_sqlite.c - the SQLite backend of the store (the only file that sees sqlite3.h)
 *
 * One connection per struct flw_store (opened per thread, SQLITE_OPEN_NOMUTEX). At open: the
 * file is created with mode 0600 (it holds token hashes), WAL, synchronous=FULL (a COMMIT that
 * returned is durable), foreign_keys=ON, busy timeout 5 s, then the versioned migrations of
 * migrations[] are applied, each together with its PRAGMA user_version bump in one transaction.
 *
 * Invariants:
 *  - every change of more than one row runs inside BEGIN IMMEDIATE ... COMMIT (the write lock is
 *    taken up front, so two writers never deadlock upgrading a read lock); the audit row of a
 *    change is written inside the same transaction;
 *  - statements are prepared once per connection (SQLITE_PREPARE_PERSISTENT) from the stmt_sql[]
 *    table and reset at the end of every call (release()), so no read transaction outlives a
 *    call and a second connection's commits are seen by the next call;
 *  - errors map to FLW_E* in db_error(); IOERR*, FULL, CORRUPT and NOTADB mark the store failed
 *    (flw_store__fatal: fail-stop);
 *  - audit rows cannot be updated or deleted (triggers refuse it; there is no API either);
 *  - SQLite allocates through flw_malloc (sqlite3_config(SQLITE_CONFIG_MALLOC)), so the
 *    allocation-failure tests reach its error paths too.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "fleetward/alloc.h"
#include "fleetward/buf.h"
#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/json.h"
#include "fleetward/protocol.h"
#include "fleetward/store.h"
#include "fleetward/tuf.h"
#include "store/store_impl.h"

#define BUSY_TIMEOUT_MS 5000
#define ATTRS_TEXT_MAX  (64u * 1024u) /* stored inventory attributes as JSON text */

/* State ranks used literally in SQL (partial index, cancel); checked against protocol.h. */
#define SQL_ST_TERMINAL "6"
#define SQL_ST_CANCELED "9"
_Static_assert(FLW_ST_SUCCESS == 6, "SQL_ST_TERMINAL must equal FLW_ST_SUCCESS");
_Static_assert(FLW_ST_CANCELED == 9, "SQL_ST_CANCELED must equal FLW_ST_CANCELED");
_Static_assert(FLW_ED25519_PK_BYTES == FLW_SHA256_BYTES, "32-byte blobs share one binder");

/* ---- schema ---------------------------------------------------------------------------------- */

/* migrations[i] brings the schema from version i to i + 1. Append only; never edit a row. */
static const char *const migrations[] = {
	/* 1: the first schema */
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL,"
	" actor TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL, detail TEXT,"
	" result INTEGER NOT NULL);"
	"CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit rows are immutable'); END;"
	"CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit"
	" BEGIN SELECT RAISE(ABORT, 'audit rows are immutable'); END;"
	"CREATE TABLE api_tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	" role INTEGER NOT NULL, hash BLOB NOT NULL UNIQUE, created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX api_tokens_live_name ON api_tokens (name) WHERE revoked = 0;"
	"CREATE TABLE device_groups (name TEXT PRIMARY KEY, created INTEGER NOT NULL);"
	"CREATE TABLE enroll_tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL,"
	" hash BLOB NOT NULL UNIQUE, uses_left INTEGER NOT NULL, created INTEGER NOT NULL,"
	" expires INTEGER NOT NULL,"
	" grp TEXT REFERENCES device_groups (name) ON DELETE SET NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE UNIQUE INDEX enroll_tokens_live_name ON enroll_tokens (name) WHERE revoked = 0;"
	"CREATE TABLE devices (id TEXT PRIMARY KEY, pubkey BLOB NOT NULL, hwid TEXT NOT NULL,"
	" enrolled INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	" installed TEXT NOT NULL DEFAULT '', installed_version TEXT NOT NULL DEFAULT '',"
	" slot_active TEXT NOT NULL DEFAULT '', trial INTEGER NOT NULL DEFAULT 0,"
	" health TEXT NOT NULL DEFAULT '', last_seq INTEGER NOT NULL DEFAULT 0, attrs TEXT);"
	"CREATE INDEX devices_hwid ON devices (hwid);"
	"CREATE INDEX devices_installed ON devices (installed);"
	"CREATE TABLE group_members ("
	" grp TEXT NOT NULL REFERENCES device_groups (name) ON DELETE CASCADE,"
	" device TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
	" PRIMARY KEY (grp, device)) WITHOUT ROWID;"
	"CREATE INDEX group_members_device ON group_members (device);"
	"CREATE TABLE artifacts (sha256 BLOB PRIMARY KEY, length INTEGER NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE tuf_meta (role TEXT NOT NULL, version INTEGER NOT NULL,"
	" bytes BLOB NOT NULL, created INTEGER NOT NULL, PRIMARY KEY (role, version));"
	"CREATE TABLE releases (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
	" version TEXT NOT NULL, length INTEGER NOT NULL, sha256 BLOB NOT NULL,"
	" security_version INTEGER NOT NULL, targets_version INTEGER NOT NULL,"
	" created INTEGER NOT NULL);"
	"CREATE TABLE release_hwids ("
	" release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, hwid TEXT NOT NULL, PRIMARY KEY (release_id, idx)) WITHOUT ROWID;"
	"CREATE TABLE deployments (id INTEGER PRIMARY KEY,"
	" release_id INTEGER NOT NULL REFERENCES releases (id), created INTEGER NOT NULL,"
	" created_by TEXT NOT NULL, canceled INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE actions ("
	" deployment_id INTEGER NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,"
	" device TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
	" state INTEGER NOT NULL, detail TEXT NOT NULL DEFAULT '', updated INTEGER NOT NULL,"
	" PRIMARY KEY (deployment_id, device)) WITHOUT ROWID;"
	"CREATE INDEX actions_open ON actions (device, deployment_id)"
	" WHERE state < " SQL_ST_TERMINAL ";"
	"CREATE INDEX actions_device ON actions (device);"
	"CREATE TABLE reports ("
	" device TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
	" seq INTEGER NOT NULL, deployment_id INTEGER NOT NULL, state INTEGER NOT NULL,"
	" detail TEXT NOT NULL, at INTEGER NOT NULL, received INTEGER NOT NULL,"
	" PRIMARY KEY (device, seq)) WITHOUT ROWID;",
	/* 2: history bounded per device and deployment (FLW_STORE_HISTORY_MAX) */
	"CREATE INDEX reports_deployment ON reports (device, deployment_id, seq);",
	/* 3: director documents: a per-device counter that only goes up, and the signed document
	 * of each action with its version, expiry and signing key */
	"ALTER TABLE devices ADD COLUMN director_version INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE actions ADD COLUMN director BLOB;"
	"ALTER TABLE actions ADD COLUMN director_version INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE actions ADD COLUMN director_expires INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE actions ADD COLUMN director_keyid TEXT NOT NULL DEFAULT '';",
	/* 4: components per release, from its SBOM, in SBOM order */
	"CREATE TABLE release_components ("
	" release_id INTEGER NOT NULL REFERENCES releases (id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, name TEXT NOT NULL, version TEXT, purl TEXT, cpe TEXT,"
	" vendor TEXT, PRIMARY KEY (release_id, idx)) WITHOUT ROWID;",
	/* 5: inventory fields per device (NULL: not set) and the components a device reports
	 * itself, with the fingerprint of the last stored list */
	"ALTER TABLE devices ADD COLUMN class TEXT;"
	"ALTER TABLE devices ADD COLUMN internet_exposed INTEGER;" /* 1 yes, 0 no */
	"ALTER TABLE devices ADD COLUMN segment TEXT;"
	"ALTER TABLE devices ADD COLUMN owner TEXT;"
	"ALTER TABLE devices ADD COLUMN site TEXT;"
	"ALTER TABLE devices ADD COLUMN support_end TEXT;"
	"ALTER TABLE devices ADD COLUMN components_sha256 BLOB;"
	"CREATE INDEX devices_class ON devices (class);"
	"CREATE INDEX devices_site ON devices (site);"
	"CREATE TABLE device_components ("
	" device TEXT NOT NULL REFERENCES devices (id) ON DELETE CASCADE,"
	" idx INTEGER NOT NULL, name TEXT NOT NULL, version TEXT, purl TEXT, cpe TEXT,"
	" vendor TEXT, PRIMARY KEY (device, idx)) WITHOUT ROWID;",
	/* 6: vulnerability data: the feed files imported (replayed at start-up in id order), the
	 * findings' lifecycles (device x CVE x component, never deleted, no foreign key: history
	 * outlives devices) and the vendor support end per model */
	"CREATE TABLE feed_imports (id INTEGER PRIMARY KEY, kind TEXT NOT NULL,"
	" name TEXT NOT NULL, sha256 BLOB NOT NULL, bytes INTEGER NOT NULL,"
	" imported INTEGER NOT NULL, stats TEXT NOT NULL, UNIQUE (kind, sha256));"
	"CREATE TABLE findings (device TEXT NOT NULL, cve TEXT NOT NULL, component TEXT NOT NULL,"
	" component_version TEXT, state INTEGER NOT NULL, first_seen_ms INTEGER NOT NULL,"
	" opened_ms INTEGER NOT NULL, fixed_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
	" reopen_count INTEGER NOT NULL, accept_reason TEXT NOT NULL,"
	" accept_approver TEXT NOT NULL, accepted_ms INTEGER NOT NULL,"
	" accept_expiry_ms INTEGER NOT NULL, PRIMARY KEY (device, cve, component)) WITHOUT ROWID;"
	"CREATE TABLE models (hwid TEXT PRIMARY KEY, support_end TEXT NOT NULL) WITHOUT ROWID;",
};

/* ---- statements ------------------------------------------------------------------------------ */

enum stmt_id {
	S_BEGIN,
	S_BEGIN_READ,
	S_COMMIT,
	S_ROLLBACK,
	S_SETTING_GET,
	S_SETTING_SET,
	S_AUDIT_ADD,
	S_AUDIT_LIST,
	S_APITOK_ADD,
	S_APITOK_FIND,
	S_APITOK_LIST,
	S_APITOK_REVOKE,
	S_APITOK_COUNT,
	S_ENRTOK_ADD,
	S_ENRTOK_LIST,
	S_ENRTOK_REVOKE,
	S_ENRTOK_FIND,
	S_ENRTOK_USE,
	S_GROUP_EXISTS,
	S_GROUP_ADD,
	S_GROUP_LIST,
	S_GROUP_DEL,
	S_MEMBER_ADD,
	S_MEMBER_DEL,
	S_DEV_KEY,
	S_DEV_ADD,
	S_DEV_GET,
	S_DEV_GROUPS,
	S_DEV_LIST,
	S_DEV_COUNT,
	S_DEV_STATE,
	S_DEV_UPDATE,
	S_DEV_TOUCH,
	S_DEV_SEQ,
	S_DEV_SEQ_SET,
	S_DEV_FITS,
	S_ART_ADD,
	S_ART_GET,
	S_TUF_PUT,
	S_TUF_GET,
	S_REL_ADD,
	S_REL_HWID_ADD,
	S_REL_GET,
	S_REL_HWIDS,
	S_REL_LIST,
	S_DEP_ADD,
	S_GROUP_UNFIT,
	S_ACT_ADD,
	S_ACT_ADD_GROUP,
	S_ACT_SUPERSEDE,
	S_DEP_LIST,
	S_DEP_GET,
	S_DEP_COUNTS,
	S_DEP_DEVICES,
	S_DEP_CANCEL,
	S_DEP_CANCEL_ACTS,
	S_ACT_NEXT,
	S_REPORT_ADD,
	S_ACT_ADVANCE,
	S_REPORT_PRUNE,
	S_HISTORY,
	S_ACT_DIRECTOR,
	S_DIR_BUMP,
	S_DIR_VERSION,
	S_DIR_PUT,
	S_REL_COMP_ADD,
	S_REL_COMP_LIST,
	S_REL_ID,
	S_DEV_INV_SET,
	S_DEV_COMP_SHA,
	S_DEV_COMP_DEL,
	S_DEV_COMP_ADD,
	S_DEV_COMP_SHA_SET,
	S_DEV_COMP_LIST,
	S_FEED_FIND,
	S_FEED_ADD,
	S_FEED_EACH,
	S_FEED_LIST,
	S_FIND_PUT,
	S_FIND_EACH,
	S_FIND_GET,
	S_FIND_SET,
	S_MODEL_SET,
	S_MODEL_DEL,
	S_MODEL_LIST,
	S_LOAD_RELEASES,
	S_LOAD_REL_HWIDS,
	S_LOAD_REL_COMPS,
	S_LOAD_DEVICES,
	S_LOAD_DEV_COMPS,
	S__MAX
};

#define REL_COLS                                                            \
	"r.id, r.name, r.version, r.length, r.sha256, r.security_version, " \
	"r.targets_version, r.created"
#define DEV_FILTER                                                              \
	" WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM group_members m"           \
	" WHERE m.grp = ?1 AND m.device = d.id))"                               \
	" AND (?2 IS NULL OR d.hwid = ?2) AND (?3 IS NULL OR d.installed = ?3)" \
	" AND (?4 IS NULL OR (d.id >= ?4 AND (?5 IS NULL OR d.id < ?5)))"       \
	" AND (?8 IS NULL OR d.class = ?8) AND (?9 IS NULL OR d.site = ?9)"     \
	" AND (?10 IS NULL OR d.internet_exposed = ?10)"
#define DEV_INV_COLS "class, internet_exposed, segment, owner, site, support_end"
#define FEED_COLS    "id, kind, name, sha256, bytes, imported, stats"
#define LIFE_COLS                                                                             \
	"state, first_seen_ms, opened_ms, fixed_ms, updated_ms, reopen_count, accept_reason," \
	" accept_approver, accepted_ms, accept_expiry_ms"
/* the lifecycle's columns set from the parameters ?4..?13 (see life_bind) */
#define LIFE_SET                                                                             \
	"state = ?4, first_seen_ms = ?5, opened_ms = ?6, fixed_ms = ?7, updated_ms = ?8,"    \
	" reopen_count = ?9, accept_reason = ?10, accept_approver = ?11, accepted_ms = ?12," \
	" accept_expiry_ms = ?13"

static const char *const stmt_sql[S__MAX] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_BEGIN_READ] = "BEGIN",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SETTING_GET] = "SELECT value FROM settings WHERE key = ?1",
	[S_SETTING_SET] = "INSERT INTO settings (key, value) VALUES (?1, ?2)"
	                  " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
	[S_AUDIT_ADD] = "INSERT INTO audit (at, actor, action, object, detail, result)"
	                " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_AUDIT_LIST] = "SELECT id, at, actor, action, object, detail, result FROM audit"
	                 " WHERE ?1 = 0 OR id < ?1 ORDER BY id DESC LIMIT ?2",
	[S_APITOK_ADD] = "INSERT INTO api_tokens (name, role, hash, created, expires)"
	                 " VALUES (?1, ?2, ?3, ?4, ?5)",
	[S_APITOK_FIND] = "SELECT id, name, role, hash, created, expires, revoked"
	                  " FROM api_tokens WHERE hash = ?1",
	[S_APITOK_LIST] = "SELECT id, name, role, created, expires, revoked FROM api_tokens"
	                  " ORDER BY id",
	[S_APITOK_REVOKE] = "UPDATE api_tokens SET revoked = 1 WHERE name = ?1 AND revoked = 0",
	[S_APITOK_COUNT] = "SELECT COUNT(*) FROM api_tokens",
	[S_ENRTOK_ADD] = "INSERT INTO enroll_tokens (name, hash, uses_left, created, expires, grp)"
	                 " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_ENRTOK_LIST] = "SELECT id, name, uses_left, created, expires, COALESCE(grp, ''),"
	                  " revoked FROM enroll_tokens ORDER BY id",
	[S_ENRTOK_REVOKE] = "UPDATE enroll_tokens SET revoked = 1 WHERE name = ?1 AND revoked = 0",
	[S_ENRTOK_FIND] = "SELECT id, uses_left, expires, revoked, grp FROM enroll_tokens"
	                  " WHERE hash = ?1",
	[S_ENRTOK_USE] = "UPDATE enroll_tokens SET uses_left = uses_left - 1"
	                 " WHERE id = ?1 AND uses_left > 0",
	[S_GROUP_EXISTS] = "SELECT 1 FROM device_groups WHERE name = ?1",
	[S_GROUP_ADD] = "INSERT INTO device_groups (name, created) VALUES (?1, ?2)",
	[S_GROUP_LIST] = "SELECT g.name, COUNT(m.device) FROM device_groups g"
	                 " LEFT JOIN group_members m ON m.grp = g.name GROUP BY g.name"
	                 " ORDER BY g.name",
	[S_GROUP_DEL] = "DELETE FROM device_groups WHERE name = ?1",
	[S_MEMBER_ADD] = "INSERT INTO group_members (grp, device) VALUES (?1, ?2)"
	                 " ON CONFLICT DO NOTHING",
	[S_MEMBER_DEL] = "DELETE FROM group_members WHERE grp = ?1 AND device = ?2",
	[S_DEV_KEY] = "SELECT pubkey FROM devices WHERE id = ?1",
	[S_DEV_ADD] = "INSERT INTO devices (id, pubkey, hwid, enrolled, last_seen, installed,"
	              " installed_version, slot_active, trial, health, attrs)"
	              " VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	[S_DEV_GET] = "SELECT id, pubkey, hwid, enrolled, last_seen, installed, installed_version,"
	              " slot_active, trial, health, last_seq, attrs, " DEV_INV_COLS
	              " FROM devices WHERE id = ?1",
	[S_DEV_GROUPS] = "SELECT grp FROM group_members WHERE device = ?1 ORDER BY grp",
	[S_DEV_LIST] = "SELECT d.id, d.hwid, d.enrolled, d.last_seen, d.installed,"
	               " d.installed_version, d.slot_active, d.trial, d.health, d.class,"
	               " d.internet_exposed, d.segment, d.owner, d.site, d.support_end"
	               " FROM devices d" DEV_FILTER " ORDER BY d.id LIMIT ?6 OFFSET ?7",
	[S_DEV_COUNT] = "SELECT COUNT(*) FROM devices d" DEV_FILTER,
	[S_DEV_STATE] = "SELECT installed, installed_version, slot_active, trial, health, attrs"
	                " FROM devices WHERE id = ?1",
	[S_DEV_UPDATE] = "UPDATE devices SET installed = COALESCE(?2, installed),"
	                 " installed_version = COALESCE(?3, installed_version),"
	                 " slot_active = COALESCE(?4, slot_active), trial = COALESCE(?5, trial),"
	                 " health = COALESCE(?6, health), attrs = COALESCE(?7, attrs),"
	                 " last_seen = MAX(last_seen, ?8) WHERE id = ?1",
	[S_DEV_TOUCH] = "UPDATE devices SET last_seen = ?2 WHERE id = ?1 AND last_seen < ?2",
	[S_DEV_SEQ] = "SELECT last_seq FROM devices WHERE id = ?1",
	[S_DEV_SEQ_SET] = "UPDATE devices SET last_seq = ?2, last_seen = MAX(last_seen, ?3)"
	                  " WHERE id = ?1",
	[S_DEV_FITS] =
	        "SELECT d.hwid, EXISTS (SELECT 1 FROM release_hwids h"
	        " WHERE h.release_id = ?2 AND h.hwid = d.hwid) FROM devices d WHERE d.id = ?1",
	[S_ART_ADD] = "INSERT INTO artifacts (sha256, length, created) VALUES (?1, ?2, ?3)"
	              " ON CONFLICT (sha256) DO NOTHING",
	[S_ART_GET] = "SELECT length FROM artifacts WHERE sha256 = ?1",
	[S_TUF_PUT] =
	        "INSERT INTO tuf_meta (role, version, bytes, created) VALUES (?1, ?2, ?3, ?4)",
	[S_TUF_GET] = "SELECT version, bytes FROM tuf_meta WHERE role = ?1"
	              " AND (?2 = 0 OR version = ?2) ORDER BY version DESC LIMIT 1",
	[S_REL_ADD] = "INSERT INTO releases (name, version, length, sha256, security_version,"
	              " targets_version, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_REL_HWID_ADD] = "INSERT INTO release_hwids (release_id, idx, hwid) VALUES (?1, ?2, ?3)",
	[S_REL_GET] = "SELECT " REL_COLS " FROM releases r WHERE r.name = ?1",
	[S_REL_HWIDS] = "SELECT hwid FROM release_hwids WHERE release_id = ?1 ORDER BY idx",
	[S_REL_LIST] = "SELECT " REL_COLS " FROM releases r ORDER BY r.id",
	[S_DEP_ADD] =
	        "INSERT INTO deployments (release_id, created, created_by) VALUES (?1, ?2, ?3)",
	[S_GROUP_UNFIT] = "SELECT m.device, d.hwid FROM group_members m"
	                  " JOIN devices d ON d.id = m.device WHERE m.grp = ?1 AND NOT EXISTS"
	                  " (SELECT 1 FROM release_hwids h WHERE h.release_id = ?2"
	                  " AND h.hwid = d.hwid) ORDER BY m.device LIMIT 1",
	[S_ACT_ADD] = "INSERT INTO actions (deployment_id, device, state, detail, updated)"
	              " VALUES (?1, ?2, 0, '', ?3) ON CONFLICT DO NOTHING",
	[S_ACT_ADD_GROUP] = "INSERT INTO actions (deployment_id, device, state, detail, updated)"
	                    " SELECT ?1, m.device, 0, '', ?3 FROM group_members m WHERE m.grp = ?2"
	                    " ON CONFLICT DO NOTHING",
	[S_ACT_SUPERSEDE] = "UPDATE actions SET state = " SQL_ST_CANCELED ", detail = ?2,"
	                    " updated = ?3 WHERE state < " SQL_ST_TERMINAL
	                    " AND deployment_id < ?1 AND device IN"
	                    " (SELECT device FROM actions WHERE deployment_id = ?1)",
	[S_DEP_LIST] = "SELECT d.id, r.name, d.created, d.created_by,"
	               " (SELECT COUNT(*) FROM actions a WHERE a.deployment_id = d.id), d.canceled"
	               " FROM deployments d JOIN releases r ON r.id = d.release_id"
	               " ORDER BY d.id DESC LIMIT ?1",
	[S_DEP_GET] = "SELECT d.id, r.name, d.created, d.created_by, d.canceled"
	              " FROM deployments d JOIN releases r ON r.id = d.release_id WHERE d.id = ?1",
	[S_DEP_COUNTS] = "SELECT state, COUNT(*) FROM actions WHERE deployment_id = ?1"
	                 " GROUP BY state",
	[S_DEP_DEVICES] = "SELECT device, state, detail, updated FROM actions"
	                  " WHERE deployment_id = ?1 ORDER BY device",
	[S_DEP_CANCEL] = "UPDATE deployments SET canceled = 1 WHERE id = ?1",
	[S_DEP_CANCEL_ACTS] = "UPDATE actions SET state = " SQL_ST_CANCELED ", detail = ?2,"
	                      " updated = ?3 WHERE deployment_id = ?1 AND state < " SQL_ST_TERMINAL,
	[S_ACT_NEXT] = "SELECT a.deployment_id, a.state, " REL_COLS " FROM actions a"
	               " JOIN deployments d ON d.id = a.deployment_id"
	               " JOIN releases r ON r.id = d.release_id"
	               " WHERE a.device = ?1 AND a.state < " SQL_ST_TERMINAL
	               " ORDER BY a.deployment_id DESC LIMIT 1",
	[S_REPORT_ADD] = "INSERT INTO reports (device, seq, deployment_id, state, detail, at,"
	                 " received) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_ACT_ADVANCE] = "UPDATE actions SET state = ?3, detail = ?4, updated = ?5"
	                  " WHERE deployment_id = ?1 AND device = ?2"
	                  " AND state < " SQL_ST_TERMINAL " AND state <= ?3",
	[S_REPORT_PRUNE] = "DELETE FROM reports WHERE device = ?1 AND deployment_id = ?2"
	                   " AND seq <= (SELECT seq FROM reports"
	                   " WHERE device = ?1 AND deployment_id = ?2"
	                   " ORDER BY seq DESC LIMIT 1 OFFSET ?3)",
	[S_HISTORY] = "SELECT seq, deployment_id, state, detail, at, received FROM reports"
	              " WHERE device = ?1 ORDER BY seq DESC LIMIT ?2",
	[S_ACT_DIRECTOR] = "SELECT director, director_version, director_expires, director_keyid"
	                   " FROM actions WHERE deployment_id = ?1 AND device = ?2",
	[S_DIR_BUMP] = "UPDATE devices SET director_version = director_version + 1 WHERE id = ?1",
	[S_DIR_VERSION] = "SELECT director_version FROM devices WHERE id = ?1",
	[S_DIR_PUT] = "UPDATE actions SET director = ?3, director_version = ?4,"
	              " director_expires = ?5, director_keyid = ?6"
	              " WHERE deployment_id = ?1 AND device = ?2 AND state < " SQL_ST_TERMINAL
	              " AND director_version < ?4",
	[S_REL_COMP_ADD] = "INSERT INTO release_components (release_id, idx, name, version, purl,"
	                   " cpe, vendor) VALUES ((SELECT id FROM releases WHERE name = ?1), ?2,"
	                   " ?3, ?4, ?5, ?6, ?7)",
	[S_REL_COMP_LIST] = "SELECT c.name, c.version, c.purl, c.cpe, c.vendor"
	                    " FROM release_components c JOIN releases r ON r.id = c.release_id"
	                    " WHERE r.name = ?1 ORDER BY c.idx",
	[S_REL_ID] = "SELECT id FROM releases WHERE name = ?1",
	/* ?2..?7: 1 to change the field, ?8..?13 the new values (NULL clears) */
	[S_DEV_INV_SET] = "UPDATE devices SET class = CASE WHEN ?2 THEN ?8 ELSE class END,"
	                  " internet_exposed = CASE WHEN ?3 THEN ?9 ELSE internet_exposed END,"
	                  " segment = CASE WHEN ?4 THEN ?10 ELSE segment END,"
	                  " owner = CASE WHEN ?5 THEN ?11 ELSE owner END,"
	                  " site = CASE WHEN ?6 THEN ?12 ELSE site END,"
	                  " support_end = CASE WHEN ?7 THEN ?13 ELSE support_end END"
	                  " WHERE id = ?1",
	[S_DEV_COMP_SHA] = "SELECT components_sha256 FROM devices WHERE id = ?1",
	[S_DEV_COMP_DEL] = "DELETE FROM device_components WHERE device = ?1",
	[S_DEV_COMP_ADD] = "INSERT INTO device_components (device, idx, name, version, purl, cpe,"
	                   " vendor) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
	[S_DEV_COMP_SHA_SET] = "UPDATE devices SET components_sha256 = ?2 WHERE id = ?1",
	[S_DEV_COMP_LIST] =
	        "SELECT c.name, c.version, c.purl, c.cpe, c.vendor, 'release' AS source,"
	        " 0 AS k, c.idx AS i FROM devices d JOIN releases r ON r.name = d.installed"
	        " JOIN release_components c ON c.release_id = r.id WHERE d.id = ?1"
	        " UNION ALL SELECT name, version, purl, cpe, vendor, 'device', 1, idx"
	        " FROM device_components WHERE device = ?1 ORDER BY k, i",
	[S_FEED_FIND] = "SELECT id FROM feed_imports WHERE kind = ?1 AND sha256 = ?2",
	[S_FEED_ADD] = "INSERT INTO feed_imports (kind, name, sha256, bytes, imported, stats)"
	               " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[S_FEED_EACH] = "SELECT " FEED_COLS " FROM feed_imports ORDER BY id",
	[S_FEED_LIST] = "SELECT " FEED_COLS " FROM feed_imports ORDER BY id DESC",
	/* ?1..?3 the key, ?4..?13 the lifecycle, ?14 component_version */
	[S_FIND_PUT] = "INSERT INTO findings (device, cve, component, " LIFE_COLS
	               ", component_version) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,"
	               " ?12, ?13, ?14) ON CONFLICT (device, cve, component) DO UPDATE SET"
	               " " LIFE_SET ", component_version = ?14",
	[S_FIND_EACH] = "SELECT device, cve, component, component_version, " LIFE_COLS
	                " FROM findings ORDER BY device, cve, component",
	[S_FIND_GET] = "SELECT " LIFE_COLS " FROM findings"
	               " WHERE device = ?1 AND cve = ?2 AND component = ?3",
	[S_FIND_SET] = "UPDATE findings SET " LIFE_SET " WHERE device = ?1 AND cve = ?2"
	               " AND component = ?3 AND updated_ms = ?14",
	[S_MODEL_SET] = "INSERT INTO models (hwid, support_end) VALUES (?1, ?2)"
	                " ON CONFLICT (hwid) DO UPDATE SET support_end = excluded.support_end",
	[S_MODEL_DEL] = "DELETE FROM models WHERE hwid = ?1",
	/* device counts from the devices_hwid index, joined with the models that have an end */
	[S_MODEL_LIST] = "SELECT hwid, MAX(support_end), SUM(n) FROM"
	                 " (SELECT hwid, NULL AS support_end, COUNT(*) AS n FROM devices"
	                 " GROUP BY hwid UNION ALL SELECT hwid, support_end, 0 FROM models)"
	                 " GROUP BY hwid ORDER BY hwid",
	/* the assessment's load: five scans merged by release id and device id */
	[S_LOAD_RELEASES] = "SELECT id, name, created FROM releases ORDER BY id",
	[S_LOAD_REL_HWIDS] = "SELECT release_id, hwid FROM release_hwids"
	                     " ORDER BY release_id, hwid",
	[S_LOAD_REL_COMPS] = "SELECT release_id, name, version, purl, cpe, vendor"
	                     " FROM release_components ORDER BY release_id, idx",
	[S_LOAD_DEVICES] =
	        "SELECT d.id, d.hwid, d.installed, d.installed_version, d.enrolled, d.last_seen,"
	        " d.class, d.internet_exposed, d.segment, d.owner, d.site, d.support_end,"
	        " m.support_end, CASE WHEN json_valid(d.attrs)"
	        " AND json_type(d.attrs, '$.hardware_cpe') = 'text'"
	        " THEN json_extract(d.attrs, '$.hardware_cpe') END,"
	        " (SELECT a.state FROM actions a WHERE a.device = d.id"
	        " ORDER BY a.deployment_id DESC LIMIT 1),"
	        " (SELECT a.updated FROM actions a WHERE a.device = d.id"
	        " ORDER BY a.deployment_id DESC LIMIT 1)"
	        " FROM devices d LEFT JOIN models m ON m.hwid = d.hwid ORDER BY d.id",
	[S_LOAD_DEV_COMPS] = "SELECT device, name, version, purl, cpe, vendor"
	                     " FROM device_components ORDER BY device, idx",
};

struct sq_store {
	struct flw_store base; /* first: store.c sees only this */
	sqlite3 *db;
	int schema;
	sqlite3_stmt *st[S__MAX];
};

static struct sq_store *sq(struct flw_store *s)
{
	return (struct sq_store *)(void *)s;
}

/* ---- SQLite's allocator: flw_malloc ---------------------------------------------------------- */

/* Each block carries its size in front (xSize needs it), padded to keep the alignment. */
#define MEM_HDR 16

static void *mem_malloc(int n)
{
	unsigned char *p;

	if (n <= 0)
		return NULL;
	p = flw_malloc((size_t)n + MEM_HDR);
	if (!p)
		return NULL;
	memcpy(p, &n, sizeof(n));
	return p + MEM_HDR;
}

static void mem_free(void *p)
{
	if (p)
		flw_free((unsigned char *)p - MEM_HDR);
}

static int mem_size(void *p)
{
	int n = 0;

	if (p)
		memcpy(&n, (unsigned char *)p - MEM_HDR, sizeof(n));
	return n;
}

static void *mem_realloc(void *p, int n)
{
	unsigned char *q;

	if (!p)
		return mem_malloc(n);
	if (n <= 0)
		return NULL;
	q = flw_reallocarray((unsigned char *)p - MEM_HDR, (size_t)n + MEM_HDR, 1);
	if (!q)
		return NULL;
	memcpy(q, &n, sizeof(n));
	return q + MEM_HDR;
}

static int mem_roundup(int n)
{
	return (n + 7) & ~7;
}

static int mem_init(void *payload)
{
	(void)payload;
	return SQLITE_OK;
}

static void mem_shutdown(void *payload)
{
	(void)payload;
}

static void sqlite_setup(void)
{
	static const sqlite3_mem_methods mem = { mem_malloc,  mem_free, mem_realloc,  mem_size,
		                                 mem_roundup, mem_init, mem_shutdown, NULL };

	/* Fails harmlessly (SQLITE_MISUSE) when SQLite was initialised before us: then it keeps
	 * its own allocator. */
	(void)sqlite3_config(SQLITE_CONFIG_MALLOC, &mem);
}

/* ---- errors ---------------------------------------------------------------------------------- */

/* Map a SQLite result code to FLW_E*, with the database's message in diag. */
static int db_error(struct sq_store *q, int src, const char *what, struct flw_diag *diag)
{
	const char *msg = q->db ? sqlite3_errmsg(q->db) : sqlite3_errstr(src);
	int sys = q->db ? sqlite3_system_errno(q->db) : 0;

	if (src == SQLITE_IOERR_NOMEM) /* an IOERR code, but nothing was lost */
		src = SQLITE_NOMEM;
	switch (src & 0xff) {
	case SQLITE_NOMEM:
		return flw_diag_set(diag, FLW_ENOMEM, NULL, "%s: out of memory", what);
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return flw_diag_set(diag, FLW_ESTORE, NULL, "%s: database busy for %d ms: %s", what,
		                    BUSY_TIMEOUT_MS, msg);
	case SQLITE_CONSTRAINT:
		if (src == SQLITE_CONSTRAINT_FOREIGNKEY)
			return flw_diag_set(diag, FLW_ENOTFOUND, NULL,
			                    "%s: refers to an object that does not exist", what);
		return flw_diag_set(diag, FLW_ECONFLICT, NULL, "%s: already exists (%s)", what,
		                    msg);
	case SQLITE_IOERR:
	case SQLITE_FULL:
		flw_store__fatal(&q->base);
		if (sys)
			return flw_diag_errno(diag, sys, NULL, "%s: fatal database I/O error: %s",
			                      what, msg);
		return flw_diag_set(diag, FLW_EIO, NULL, "%s: fatal database I/O error: %s", what,
		                    msg);
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		flw_store__fatal(&q->base);
		return flw_diag_set(diag, FLW_ESTORE, NULL, "%s: database corrupt: %s", what, msg);
	default:
		return flw_diag_set(diag, FLW_ESTORE, NULL, "%s: %s", what, msg);
	}
}

/* ---- statement helpers ----------------------------------------------------------------------- */

/* The cached statement id, reset and unbound. */
static int stmt(struct sq_store *q, enum stmt_id id, sqlite3_stmt **out, struct flw_diag *diag)
{
	int src;

	if (!q->st[id]) {
		src = sqlite3_prepare_v3(q->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
		                         &q->st[id], NULL);
		if (src != SQLITE_OK)
			return db_error(q, src, "preparing a statement", diag);
	} else {
		sqlite3_reset(q->st[id]);
		sqlite3_clear_bindings(q->st[id]);
	}
	*out = q->st[id];
	return 0;
}

/* Reset every statement still running, so that no read transaction outlives a call. */
static void release(struct sq_store *q)
{
	int i;

	for (i = 0; i < S__MAX; i++)
		if (q->st[i] && sqlite3_stmt_busy(q->st[i]))
			sqlite3_reset(q->st[i]);
}

/* Bind parameters ?first.. from a format: t text (NULL binds NULL), i int64_t, h 32-byte blob,
 * B blob (pointer, size_t), n NULL (takes no argument). Returns a SQLite result code. */
static int vbindf(sqlite3_stmt *st, int first, const char *fmt, va_list ap)
{
	int src = SQLITE_OK;
	int i;

	for (i = 0; fmt[i] && src == SQLITE_OK; i++) {
		const void *p;
		size_t n;

		switch (fmt[i]) {
		case 't':
			src = sqlite3_bind_text(st, first + i, va_arg(ap, const char *), -1,
			                        SQLITE_STATIC);
			break;
		case 'i':
			src = sqlite3_bind_int64(st, first + i, va_arg(ap, int64_t));
			break;
		case 'h':
			src = sqlite3_bind_blob(st, first + i, va_arg(ap, const void *),
			                        FLW_SHA256_BYTES, SQLITE_STATIC);
			break;
		case 'B':
			p = va_arg(ap, const void *);
			n = va_arg(ap, size_t);
			src = sqlite3_bind_blob64(st, first + i, p, n, SQLITE_STATIC);
			break;
		default:
			src = sqlite3_bind_null(st, first + i);
			break;
		}
	}
	return src;
}

static int bindf(sqlite3_stmt *st, int first, const char *fmt, ...)
{
	va_list ap;
	int src;

	va_start(ap, fmt);
	src = vbindf(st, first, fmt, ap);
	va_end(ap);
	return src;
}

/* Step once: 1 for a row, 0 when done, else a FLW_E* code. */
static int step(struct sq_store *q, sqlite3_stmt *st, const char *what, struct flw_diag *diag)
{
	int src = sqlite3_step(st);

	if (src == SQLITE_ROW)
		return 1;
	if (src == SQLITE_DONE)
		return 0;
	return db_error(q, src, what, diag);
}

/* Prepare id, bind fmt, step once: 1 row, 0 done, <0 error. */
static int runf(struct sq_store *q, enum stmt_id id, sqlite3_stmt **out, const char *what,
                struct flw_diag *diag, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	va_list ap;
	int rc;
	int src;

	if ((rc = stmt(q, id, &st, diag)) != 0)
		return rc;
	va_start(ap, fmt);
	src = vbindf(st, 1, fmt, ap);
	va_end(ap);
	if (src != SQLITE_OK)
		return db_error(q, src, what, diag);
	if (out)
		*out = st;
	return step(q, st, what, diag);
}

static int tx_begin(struct sq_store *q, enum stmt_id id, struct flw_diag *diag)
{
	return runf(q, id, NULL, "beginning a transaction", diag, "");
}

static void tx_rollback(struct sq_store *q)
{
	release(q);
	if (!sqlite3_get_autocommit(q->db) && q->st[S_ROLLBACK]) {
		sqlite3_reset(q->st[S_ROLLBACK]);
		(void)sqlite3_step(q->st[S_ROLLBACK]);
		sqlite3_reset(q->st[S_ROLLBACK]);
	}
}

/* End the transaction: COMMIT when rc is 0 (returning the commit's result), else ROLLBACK
 * (returning rc). */
static int tx_end(struct sq_store *q, int rc, struct flw_diag *diag)
{
	release(q);
	if (rc == 0 && !sqlite3_get_autocommit(q->db)) {
		rc = runf(q, S_COMMIT, NULL, "committing", diag, "");
		if (rc > 0)
			rc = 0;
	}
	if (rc != 0)
		tx_rollback(q);
	release(q);
	return rc;
}

/* Read call done: 0 stays 0, a row (1) becomes 0. */
static int done(struct sq_store *q, int rc)
{
	release(q);
	return rc > 0 ? 0 : rc;
}

/* Copy text column i into dst[cap] (FLW_ESTORE if the stored value does not fit). */
static int col_text(sqlite3_stmt *st, int i, char *dst, size_t cap, struct flw_diag *diag)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);

	if (!t) {
		dst[0] = '\0';
		return 0;
	}
	if (n >= cap)
		return flw_diag_set(diag, FLW_ESTORE, sqlite3_column_name(st, i),
		                    "stored value of %zu bytes does not fit %zu", n, cap - 1);
	memcpy(dst, t, n);
	dst[n] = '\0';
	return 0;
}

static int col_blob32(sqlite3_stmt *st, int i, unsigned char dst[32], struct flw_diag *diag)
{
	const void *p = sqlite3_column_blob(st, i);

	if (!p || sqlite3_column_bytes(st, i) != 32)
		return flw_diag_set(diag, FLW_ESTORE, sqlite3_column_name(st, i),
		                    "stored value is not 32 bytes");
	memcpy(dst, p, 32);
	return 0;
}

static int audit_write(struct sq_store *q, const struct flw_audit *a, struct flw_diag *diag)
{
	int rc;

	if (!a)
		return 0;
	rc = runf(q, S_AUDIT_ADD, NULL, "writing the audit record", diag, "itttti",
	          (int64_t)time(NULL), a->actor, a->action, a->object, a->detail,
	          (int64_t)a->result);
	return rc > 0 ? 0 : rc;
}

/* End a change: its audit record (if any) goes into the same transaction, then COMMIT when rc
 * is 0 (returning the commit's result), else ROLLBACK (returning rc). */
static int tx_end_audit(struct sq_store *q, int rc, const struct flw_audit *audit,
                        struct flw_diag *diag)
{
	if (rc == 0)
		rc = audit_write(q, audit, diag);
	return tx_end(q, rc, diag);
}

/* End a read transaction that built j: *out gets j when it ends well (rc 0 or a row), else j is
 * released. */
static int tx_end_json(struct sq_store *q, int rc, json_t *j, json_t **out, struct flw_diag *diag)
{
	rc = tx_end(q, rc > 0 ? 0 : rc, diag);
	if (rc != 0) {
		json_decref(j);
		return rc;
	}
	*out = j;
	return 0;
}

/* created/updated time given by the caller, 0 for now */
static int64_t or_now(time_t t)
{
	return t ? (int64_t)t : (int64_t)time(NULL);
}

/* 0 when statement id finds a row for key, FLW_ENOTFOUND ("no <noun> '<key>'") when not. */
static int must_exist(struct sq_store *q, enum stmt_id id, const char *key, const char *field,
                      const char *noun, struct flw_diag *diag)
{
	int rc = runf(q, id, NULL, noun, diag, "t", key);

	if (rc == 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, field, "no %s '%s'", noun, key);
	return rc > 0 ? 0 : rc;
}

/* ---- JSON rows ------------------------------------------------------------------------------- */

enum jkind {
	J_INT,
	J_TEXT,
	J_NTEXT,
	J_HEX,
	J_BOOL,
	J_NBOOL, /* NULL -> null, else a boolean */
	J_STATE,
	J_ROLE
};

struct jcol {
	const char *name;
	enum jkind kind;
};

static json_t *jvalue(sqlite3_stmt *st, int i, enum jkind kind)
{
	char hex[FLW_SHA256_HEX];
	const char *name;

	switch (kind) {
	case J_INT:
		return json_integer(sqlite3_column_int64(st, i));
	case J_BOOL:
		return json_boolean(sqlite3_column_int64(st, i) != 0);
	case J_NBOOL:
		if (sqlite3_column_type(st, i) == SQLITE_NULL)
			return json_null();
		return json_boolean(sqlite3_column_int64(st, i) != 0);
	case J_NTEXT:
	case J_TEXT:
		if (kind == J_NTEXT && sqlite3_column_type(st, i) == SQLITE_NULL)
			return json_null();
		name = (const char *)sqlite3_column_text(st, i);
		return json_stringn(name ? name : "", (size_t)sqlite3_column_bytes(st, i));
	case J_HEX:
		if (sqlite3_column_bytes(st, i) != FLW_SHA256_BYTES)
			return json_null();
		flw_hex_encode(hex, sqlite3_column_blob(st, i), FLW_SHA256_BYTES);
		return json_string(hex);
	case J_STATE:
		name = flw_action_state_to_string((int)sqlite3_column_int64(st, i));
		return name ? json_string(name) : json_null();
	case J_ROLE:
		name = flw_role_to_string((int)sqlite3_column_int64(st, i));
		return name ? json_string(name) : json_null();
	}
	return NULL;
}

static int row_json(sqlite3_stmt *st, const struct jcol *cols, size_t n, json_t **out)
{
	json_t *o = json_object();
	size_t i;

	if (!o)
		return FLW_ENOMEM;
	for (i = 0; i < n; i++) {
		if (json_object_set_new(o, cols[i].name, jvalue(st, (int)i, cols[i].kind)) != 0) {
			json_decref(o);
			return FLW_ENOMEM;
		}
	}
	*out = o;
	return 0;
}

/* Turns the current row of st into a new JSON value (*out). */
typedef int (*row_fn)(struct sq_store *q, sqlite3_stmt *st, const void *payload, json_t **out,
                      struct flw_diag *diag);

/* Step st to the end (first: the result of the step that gave its first row), one value per
 * row, made by fn, into a new array. */
static int rows_collect(struct sq_store *q, sqlite3_stmt *st, int first, row_fn fn,
                        const void *payload, json_t **out, struct flw_diag *diag)
{
	json_t *arr = json_array();
	json_t *o = NULL;
	int rc = first;

	if (!arr)
		return FLW_ENOMEM;
	while (rc == 1) {
		if ((rc = fn(q, st, payload, &o, diag)) != 0)
			break;
		if (json_array_append_new(arr, o) != 0) {
			rc = FLW_ENOMEM;
			break;
		}
		rc = step(q, st, "listing", diag);
	}
	if (rc != 0) {
		json_decref(arr);
		return rc == FLW_ENOMEM ? flw_diag_set(diag, rc, NULL, "out of memory") : rc;
	}
	*out = arr;
	return 0;
}

struct jcols {
	const struct jcol *cols;
	size_t n;
};

static int cols_row(struct sq_store *q, sqlite3_stmt *st, const void *payload, json_t **out,
                    struct flw_diag *diag)
{
	const struct jcols *c = payload;

	(void)q;
	(void)diag;
	return row_json(st, c->cols, c->n, out);
}

/* Column 0 as a string */
static int text_row(struct sq_store *q, sqlite3_stmt *st, const void *payload, json_t **out,
                    struct flw_diag *diag)
{
	(void)q;
	(void)payload;
	(void)diag;
	*out = json_string((const char *)sqlite3_column_text(st, 0));
	return *out ? 0 : FLW_ENOMEM;
}

/* Step st to the end, one object with the columns cols[n] per row into a new array. */
static int rows_json(struct sq_store *q, sqlite3_stmt *st, int first, const struct jcol *cols,
                     size_t n, json_t **out, struct flw_diag *diag)
{
	const struct jcols c = { cols, n };

	return rows_collect(q, st, first, cols_row, &c, out, diag);
}

/* Finish a one-statement listing: the rows of st (first: the result of its first step) into
 * *out, then release the statement. */
static int list_done(struct sq_store *q, sqlite3_stmt *st, int first, const struct jcol *cols,
                     size_t n, json_t **out, struct flw_diag *diag)
{
	if (first >= 0)
		first = rows_json(q, st, first, cols, n, out, diag);
	return done(q, first);
}

/* A whole listing from statement id (no parameters). */
static int list_simple(struct sq_store *q, enum stmt_id id, const struct jcol *cols, size_t n,
                       json_t **out, struct flw_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = runf(q, id, &st, "listing", diag, "");

	return list_done(q, st, rc, cols, n, out, diag);
}

static int jset(json_t *o, const char *key, json_t *v)
{
	return json_object_set_new(o, key, v) == 0 ? 0 : FLW_ENOMEM;
}

/* ---- open, close, migrations ----------------------------------------------------------------- */

static int user_version(struct sq_store *q, int *out, struct flw_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int src = sqlite3_prepare_v2(q->db, "PRAGMA user_version", -1, &st, NULL);

	if (src == SQLITE_OK) {
		src = sqlite3_step(st);
		if (src == SQLITE_ROW) {
			*out = sqlite3_column_int(st, 0);
			src = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	return src == SQLITE_OK ? 0 : db_error(q, src, "reading the schema version", diag);
}

static int exec_sql(struct sq_store *q, const char *sql, const char *what, struct flw_diag *diag)
{
	int src = sqlite3_exec(q->db, sql, NULL, NULL, NULL);

	return src == SQLITE_OK ? 0 : db_error(q, src, what, diag);
}

/* Apply migration v (to schema version v) with its version bump in one transaction. */
static int migrate_one(struct sq_store *q, int v, struct flw_diag *diag)
{
	char bump[48];
	int cur = 0;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = user_version(q, &cur, diag); /* another process may have migrated meanwhile */
	if (rc == 0 && cur < v) {
		snprintf(bump, sizeof(bump), "PRAGMA user_version = %d", v);
		if ((rc = exec_sql(q, migrations[v - 1], "migrating the schema", diag)) == 0)
			rc = exec_sql(q, bump, "setting the schema version", diag);
	}
	return tx_end(q, rc, diag);
}

static int migrate(struct sq_store *q, struct flw_diag *diag)
{
	const int latest = (int)FLW_ARRAY_SIZE(migrations);
	int cur = 0;
	int v;
	int rc;

	if ((rc = user_version(q, &cur, diag)) != 0)
		return rc;
	if (cur > latest)
		return flw_diag_set(diag, FLW_ESTORE, NULL,
		                    "database schema version %d is newer than this program's %d",
		                    cur, latest);
	for (v = cur + 1; v <= latest; v++)
		if ((rc = migrate_one(q, v, diag)) != 0)
			return rc;
	return user_version(q, &q->schema, diag);
}

/* Create the file with mode 0600 before SQLite does (its default is 0644); the WAL and
 * shared-memory files take the database file's mode. */
/*
 * A new database file must not be readable by others, but it may not be opened and closed by
 * us either: closing ANY descriptor of the file drops every POSIX lock this process holds on it,
 * including SQLite's, after which another process can checkpoint and delete the WAL under our
 * open connections and acknowledged writes are lost. So: note whether the file exists, let
 * SQLite create it, and only then chmod it (chmod touches no lock). SQLite gives the -wal and
 * -shm files the database file's mode.
 */
/* A database in a missing directory is an I/O error naming the directory, not SQLite's
 * "unable to open database file". */
static int parent_dir_ok(const char *path, struct flw_diag *diag)
{
	const char *slash = strrchr(path, '/');
	char *dir;
	struct stat st;
	int rc = 0;

	if (!slash || slash == path)
		return 0;
	dir = flw_strndup(path, (size_t)(slash - path));
	if (!dir)
		return flw_diag_set(diag, FLW_ENOMEM, NULL, "out of memory");
	if (stat(dir, &st) != 0)
		rc = flw_diag_errno(diag, errno, dir, "directory '%s' of the database", dir);
	else if (!S_ISDIR(st.st_mode))
		rc = flw_diag_errno(diag, ENOTDIR, dir, "directory '%s' of the database", dir);
	flw_free(dir);
	return rc;
}

static int db_exists(const char *path, int *exists, struct flw_diag *diag)
{
	struct stat st;

	*exists = 1;
	if (strcmp(path, ":memory:") == 0)
		return 0;
	if (lstat(path, &st) == 0)
		return 0;
	if (errno != ENOENT)
		return flw_diag_errno(diag, errno, path, "checking the database '%s'", path);
	*exists = 0;
	return parent_dir_ok(path, diag);
}

static int configure(struct sq_store *q, const char *path, struct flw_diag *diag)
{
	sqlite3_stmt *st = NULL;
	const char *mode;
	int src;
	int rc;

	sqlite3_extended_result_codes(q->db, 1);
	sqlite3_busy_timeout(q->db, BUSY_TIMEOUT_MS);
	src = sqlite3_prepare_v2(q->db, "PRAGMA journal_mode = WAL", -1, &st, NULL);
	if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		mode = (const char *)sqlite3_column_text(st, 0);
		src = SQLITE_OK;
		if (strcmp(path, ":memory:") != 0 && (!mode || strcmp(mode, "wal") != 0))
			src = SQLITE_CANTOPEN;
	}
	sqlite3_finalize(st);
	if (src == SQLITE_CANTOPEN)
		return flw_diag_set(diag, FLW_ESTORE, path, "database '%s' cannot use WAL", path);
	if (src != SQLITE_OK)
		return db_error(q, src, "setting WAL mode", diag);
	rc = exec_sql(q,
	              "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
	              " PRAGMA trusted_schema = OFF;",
	              "configuring the database", diag);
	return rc;
}

static void sq_close(struct flw_store *s)
{
	struct sq_store *q = sq(s);
	int i;

	for (i = 0; i < S__MAX; i++)
		sqlite3_finalize(q->st[i]);
	sqlite3_close(q->db);
	flw_free(q);
}

static const struct flw_store_ops sqlite_ops;

int flw_store__sqlite_open(struct flw_store **out, const char *path, struct flw_diag *diag)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	struct sq_store *q = NULL;
	int existed = 1;
	sqlite3_stmt *st = NULL;
	int src;
	int rc;

	pthread_once(&once, sqlite_setup);
	if ((rc = db_exists(path, &existed, diag)) != 0)
		return rc;
	q = flw_calloc(1, sizeof(*q));
	if (!q)
		return flw_diag_set(diag, FLW_ENOMEM, NULL, "out of memory");
	q->base.ops = &sqlite_ops;
	src = sqlite3_open_v2(path, &q->db,
	                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
	                      NULL);
	if (src != SQLITE_OK) {
		rc = q->db ? db_error(q, src, "opening the database", diag)
		           : flw_diag_set(diag, FLW_ENOMEM, NULL, "out of memory");
		goto out;
	}
	if (!existed && chmod(path, 0600) != 0) {
		rc = flw_diag_errno(diag, errno, path, "restricting the database '%s' to mode 0600",
		                    path);
		goto out;
	}
	if ((rc = configure(q, path, diag)) != 0)
		goto out;
	/* prepared up front so that ending a transaction never needs memory */
	if ((rc = stmt(q, S_BEGIN, &st, diag)) != 0 || (rc = stmt(q, S_COMMIT, &st, diag)) != 0 ||
	    (rc = stmt(q, S_ROLLBACK, &st, diag)) != 0)
		goto out;
	if ((rc = migrate(q, diag)) != 0)
		goto out;
	*out = &q->base;
	q = NULL;
out:
	if (q)
		sq_close(&q->base);
	return rc;
}

static int sq_schema_version(struct flw_store *s)
{
	return sq(s)->schema;
}

/* ---- settings and audit ---------------------------------------------------------------------- */

static int sq_setting_get(struct flw_store *s, const char *key, struct flw_buf *out,
                          struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_SETTING_GET, &st, "reading a setting", diag, "t", key);

	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, key, "no setting '%s'", key);
	else if (rc == 1)
		rc = flw_buf_append(out, sqlite3_column_text(st, 0),
		                    (size_t)sqlite3_column_bytes(st, 0));
	return done(q, rc);
}

static int sq_setting_set(struct flw_store *s, const char *key, const char *value,
                          struct flw_diag *diag)
{
	struct sq_store *q = sq(s);

	return done(q, runf(q, S_SETTING_SET, NULL, "writing a setting", diag, "tt", key, value));
}

static int sq_audit_append(struct flw_store *s, const struct flw_audit *a, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);

	return done(q, audit_write(q, a, diag));
}

static int sq_audit_list(struct flw_store *s, int64_t before_id, unsigned limit, json_t **out,
                         struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "id", J_INT },      { "at", J_INT },      { "actor", J_TEXT },
		{ "action", J_TEXT }, { "object", J_TEXT }, { "detail", J_NTEXT },
		{ "result", J_INT },
	};
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_AUDIT_LIST, &st, "listing the audit log", diag, "ii", before_id,
	              (int64_t)limit);

	return list_done(q, st, rc, cols, FLW_ARRAY_SIZE(cols), out, diag);
}

/* ---- API tokens ------------------------------------------------------------------------------ */

static int sq_api_token_add(struct flw_store *s, const struct flw_api_token *t,
                            const struct flw_audit *audit, int64_t *id_out, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = runf(q, S_APITOK_ADD, NULL, "adding an API token", diag, "tihii", t->name,
	          (int64_t)t->role, t->hash, or_now(t->created), (int64_t)t->expires);
	if (rc == FLW_ECONFLICT)
		flw_diag_set(diag, rc, "name", "API token '%s' exists", t->name);
	if (rc == 0 && id_out)
		*id_out = sqlite3_last_insert_rowid(q->db);
	return tx_end_audit(q, rc, audit, diag);
}

static int sq_api_token_find(struct flw_store *s, const unsigned char hash[FLW_SHA256_BYTES],
                             struct flw_api_token *out, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	struct flw_api_token t;
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_APITOK_FIND, &st, "looking up an API token", diag, "h", hash);

	memset(&t, 0, sizeof(t));
	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, NULL, "unknown API token");
	if (rc == 1) {
		t.id = sqlite3_column_int64(st, 0);
		t.role = (int)sqlite3_column_int64(st, 2);
		t.created = (time_t)sqlite3_column_int64(st, 4);
		t.expires = (time_t)sqlite3_column_int64(st, 5);
		t.revoked = sqlite3_column_int64(st, 6) != 0;
		if ((rc = col_text(st, 1, t.name, sizeof(t.name), diag)) == 0 &&
		    (rc = col_blob32(st, 3, t.hash, diag)) == 0)
			*out = t;
	}
	return done(q, rc);
}

static int sq_api_token_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "id", J_INT },      { "name", J_TEXT },   { "role", J_ROLE },
		{ "created", J_INT }, { "expires", J_INT }, { "revoked", J_BOOL },
	};

	return list_simple(sq(s), S_APITOK_LIST, cols, FLW_ARRAY_SIZE(cols), out, diag);
}

/* One-statement change identified by name, FLW_ENOTFOUND when it changed nothing. */
static int change_by_name(struct sq_store *q, enum stmt_id id, const char *name, const char *what,
                          const struct flw_audit *audit, struct flw_diag *diag)
{
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = runf(q, id, NULL, what, diag, "t", name);
	if (rc == 0 && sqlite3_changes(q->db) == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "name", "no %s '%s'", what, name);
	return tx_end_audit(q, rc, audit, diag);
}

static int sq_api_token_revoke(struct flw_store *s, const char *name, const struct flw_audit *audit,
                               struct flw_diag *diag)
{
	return change_by_name(sq(s), S_APITOK_REVOKE, name, "API token", audit, diag);
}

static int sq_api_token_count(struct flw_store *s, int64_t *out, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_APITOK_COUNT, &st, "counting API tokens", diag, "");

	if (rc == 1)
		*out = sqlite3_column_int64(st, 0);
	return done(q, rc);
}

/* ---- enrollment tokens ----------------------------------------------------------------------- */

static int group_exists(struct sq_store *q, const char *name, struct flw_diag *diag)
{
	return must_exist(q, S_GROUP_EXISTS, name, "group", "group", diag);
}

static int sq_enroll_token_add(struct flw_store *s, const struct flw_enroll_token *t,
                               const struct flw_audit *audit, int64_t *id_out,
                               struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = t->group[0] ? group_exists(q, t->group, diag) : 0;
	if (rc == 0)
		rc = runf(q, S_ENRTOK_ADD, NULL, "adding an enrollment token", diag, "thiiit",
		          t->name, t->hash, (int64_t)t->uses_left, or_now(t->created),
		          (int64_t)t->expires, t->group[0] ? t->group : NULL);
	if (rc == FLW_ECONFLICT)
		flw_diag_set(diag, rc, "name", "enrollment token '%s' exists", t->name);
	if (rc == 0 && id_out)
		*id_out = sqlite3_last_insert_rowid(q->db);
	return tx_end_audit(q, rc, audit, diag);
}

static int sq_enroll_token_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "id", J_INT },       { "name", J_TEXT },   { "uses_left", J_INT },
		{ "created", J_INT },  { "expires", J_INT }, { "group", J_TEXT },
		{ "revoked", J_BOOL },
	};

	return list_simple(sq(s), S_ENRTOK_LIST, cols, FLW_ARRAY_SIZE(cols), out, diag);
}

static int sq_enroll_token_revoke(struct flw_store *s, const char *name,
                                  const struct flw_audit *audit, struct flw_diag *diag)
{
	return change_by_name(sq(s), S_ENRTOK_REVOKE, name, "enrollment token", audit, diag);
}

/* ---- devices --------------------------------------------------------------------------------- */

/* Check the enrollment token and consume one use; *group_out gets its group ("" for none). */
static int token_consume(struct sq_store *q, const unsigned char hash[FLW_SHA256_BYTES], time_t now,
                         char group_out[FLW_ID_MAX + 1], struct flw_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int64_t id;
	int64_t uses;
	int64_t expires;
	int rc = runf(q, S_ENRTOK_FIND, &st, "looking up the enrollment token", diag, "h", hash);

	if (rc < 0)
		return rc;
	if (rc == 0 || sqlite3_column_int64(st, 3) != 0)
		return flw_diag_set(diag, FLW_EAUTH, "enrollment_token",
		                    "unknown or revoked enrollment token");
	id = sqlite3_column_int64(st, 0);
	uses = sqlite3_column_int64(st, 1);
	expires = sqlite3_column_int64(st, 2);
	if ((rc = col_text(st, 4, group_out, FLW_ID_MAX + 1, diag)) != 0)
		return rc;
	if (expires != 0 && (int64_t)now >= expires)
		return flw_diag_set(diag, FLW_EEXPIRED, "enrollment_token",
		                    "enrollment token expired");
	if (uses == 0)
		return flw_diag_set(diag, FLW_EAUTH, "enrollment_token",
		                    "enrollment token used up");
	if (uses < 0)
		return 0;
	rc = runf(q, S_ENRTOK_USE, NULL, "consuming the enrollment token", diag, "i", id);
	return rc > 0 ? 0 : rc;
}

/* Dump attrs (sorted, compact) into b; *out NULL when attrs is NULL. */
static int attrs_text(const json_t *attrs, struct flw_buf *b, const char **out,
                      struct flw_diag *diag)
{
	int rc;

	*out = NULL;
	if (!attrs)
		return 0;
	rc = flw_json_dump(b, attrs, 0);
	if (rc != 0)
		return flw_diag_set(diag, rc, "attributes", "attributes too large to store");
	*out = flw_buf_cstr(b);
	return 0;
}

static int device_insert(struct sq_store *q, const struct flw_device *d, time_t now,
                         const char *group, struct flw_diag *diag)
{
	struct flw_buf b;
	const char *attrs = NULL;
	char slot[2] = { d->slot_active, 0 };
	int rc;

	flw_buf_init(&b, ATTRS_TEXT_MAX);
	rc = attrs_text(d->attrs, &b, &attrs, diag);
	if (rc == 0)
		rc = runf(q, S_DEV_ADD, NULL, "adding the device", diag, "thtitttitt", d->id,
		          d->pubkey, d->hwid, (int64_t)now, d->installed, d->installed_version,
		          slot, (int64_t)(d->trial != 0), d->health, attrs);
	if (rc == 0 && group[0])
		rc = runf(q, S_MEMBER_ADD, NULL, "joining the token's group", diag, "tt", group,
		          d->id);
	flw_buf_free(&b);
	return rc > 0 ? 0 : rc;
}

static int sq_device_enroll(struct flw_store *s, const struct flw_device *d,
                            const unsigned char token_hash[FLW_SHA256_BYTES], time_t now,
                            const struct flw_audit *audit, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	unsigned char key[FLW_ED25519_PK_BYTES];
	char group[FLW_ID_MAX + 1] = "";
	sqlite3_stmt *st = NULL;
	int exists;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = exists = runf(q, S_DEV_KEY, &st, "looking up the device", diag, "t", d->id);
	if (exists == 1 && (rc = col_blob32(st, 0, key, diag)) == 0 &&
	    flw_ct_memcmp(key, d->pubkey, sizeof(key)) == 0) {
		tx_rollback(q); /* same id, same key: enrolled already, nothing to change */
		return 0;
	}
	if (rc >= 0)
		rc = token_consume(q, token_hash, now, group, diag);
	if (rc == 0 && exists == 1)
		rc = flw_diag_set(diag, FLW_ECONFLICT, "device_id",
		                  "device '%s' is enrolled with another key", d->id);
	if (rc == 0)
		rc = device_insert(q, d, now, group, diag);
	return tx_end_audit(q, rc, audit, diag);
}

static int device_groups(struct sq_store *q, const char *id, json_t **out, struct flw_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_DEV_GROUPS, &st, "listing the device's groups", diag, "t", id);

	return rc < 0 ? rc : rows_collect(q, st, rc, text_row, NULL, out, diag);
}

/* Fill inv from the DEV_INV_COLS of st starting at column off */
static int inventory_row(sqlite3_stmt *st, int off, struct flw_inventory *inv,
                         struct flw_diag *diag)
{
	int rc;

	memset(inv, 0, sizeof(*inv));
	if (sqlite3_column_type(st, off + 1) != SQLITE_NULL)
		inv->internet_exposed =
		        sqlite3_column_int64(st, off + 1) != 0 ? FLW_EXPOSED_YES : FLW_EXPOSED_NO;
	if ((rc = col_text(st, off, inv->class_name, sizeof(inv->class_name), diag)) != 0 ||
	    (rc = col_text(st, off + 2, inv->segment, sizeof(inv->segment), diag)) != 0 ||
	    (rc = col_text(st, off + 3, inv->owner, sizeof(inv->owner), diag)) != 0 ||
	    (rc = col_text(st, off + 4, inv->site, sizeof(inv->site), diag)) != 0)
		return rc;
	return col_text(st, off + 5, inv->support_end, sizeof(inv->support_end), diag);
}

/* Fill d from an S_DEV_GET row (attrs and groups left NULL). */
static int device_row(sqlite3_stmt *st, struct flw_device *d, struct flw_diag *diag)
{
	const unsigned char *slot = sqlite3_column_text(st, 7);
	int rc;

	if ((rc = col_text(st, 0, d->id, sizeof(d->id), diag)) != 0 ||
	    (rc = col_blob32(st, 1, d->pubkey, diag)) != 0 ||
	    (rc = col_text(st, 2, d->hwid, sizeof(d->hwid), diag)) != 0 ||
	    (rc = col_text(st, 5, d->installed, sizeof(d->installed), diag)) != 0 ||
	    (rc = col_text(st, 6, d->installed_version, sizeof(d->installed_version), diag)) != 0 ||
	    (rc = col_text(st, 9, d->health, sizeof(d->health), diag)) != 0)
		return rc;
	d->enrolled = (time_t)sqlite3_column_int64(st, 3);
	d->last_seen = (time_t)sqlite3_column_int64(st, 4);
	d->slot_active = slot && (slot[0] == 'A' || slot[0] == 'B') ? (char)slot[0] : 0;
	d->trial = sqlite3_column_int64(st, 8) != 0;
	d->last_seq = sqlite3_column_int64(st, 10);
	return inventory_row(st, 12, &d->inv, diag);
}

static int sq_device_get(struct flw_store *s, const char *id, struct flw_device *out,
                         struct flw_diag *diag)
{
	static const struct flw_json_limits lim = { ATTRS_TEXT_MAX, 4 };
	struct sq_store *q = sq(s);
	struct flw_device d;
	sqlite3_stmt *st = NULL;
	int rc;

	memset(&d, 0, sizeof(d));
	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = runf(q, S_DEV_GET, &st, "reading the device", diag, "t", id);
	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "device_id", "no device '%s'", id);
	if (rc == 1)
		rc = device_row(st, &d, diag);
	if (rc == 0 && sqlite3_column_type(st, 11) != SQLITE_NULL)
		rc = flw_json_parse(&d.attrs, sqlite3_column_text(st, 11),
		                    (size_t)sqlite3_column_bytes(st, 11), &lim, diag);
	if (rc == 0)
		rc = device_groups(q, id, &d.groups, diag);
	rc = tx_end(q, rc > 0 ? 0 : rc, diag);
	if (rc != 0) {
		flw_device_clear(&d);
		return rc;
	}
	*out = d;
	return 0;
}

/* Run S_DEV_LIST or S_DEV_COUNT with the filter: ?1..?5 (group, hwid, installed, the id range
 * [prefix, end); end NULL for none), ?6 ?7 limit and offset, ?8..?10 class, site, exposure.
 * 1 row, 0 none, <0 error. */
static int filter_run(struct sq_store *q, enum stmt_id id, const struct flw_device_filter *f,
                      const char *end, sqlite3_stmt **out, const char *what, struct flw_diag *diag)
{
	const char *prefix = f->id_prefix && f->id_prefix[0] ? f->id_prefix : NULL;
	sqlite3_stmt *st = NULL;
	int src;
	int rc;

	if ((rc = stmt(q, id, &st, diag)) != 0)
		return rc;
	src = bindf(st, 1, "ttttt", f->group, f->hwid, f->installed, prefix, prefix ? end : NULL);
	if (src == SQLITE_OK)
		src = bindf(st, 8, "tt", f->class_name, f->site);
	if (src == SQLITE_OK && f->internet_exposed != FLW_EXPOSED_UNKNOWN)
		src = sqlite3_bind_int64(st, 10, f->internet_exposed == FLW_EXPOSED_YES);
	if (src == SQLITE_OK && id == S_DEV_LIST)
		src = bindf(st, 6, "ii", (int64_t)f->limit, (int64_t)f->offset);
	if (src != SQLITE_OK)
		return db_error(q, src, what, diag);
	*out = st;
	return step(q, st, what, diag);
}

static int sq_device_list(struct flw_store *s, const struct flw_device_filter *f, json_t **out,
                          int64_t *total_out, struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "id", J_TEXT },
		{ "hwid", J_TEXT },
		{ "enrolled", J_INT },
		{ "last_seen", J_INT },
		{ "installed", J_TEXT },
		{ "installed_version", J_TEXT },
		{ "slot_active", J_TEXT },
		{ "trial", J_BOOL },
		{ "health", J_TEXT },
		{ "class", J_NTEXT },
		{ "internet_exposed", J_NBOOL },
		{ "segment", J_NTEXT },
		{ "owner", J_NTEXT },
		{ "site", J_NTEXT },
		{ "support_end", J_NTEXT },
	};
	struct sq_store *q = sq(s);
	char end[FLW_ID_MAX + 1] = "";
	const char *hi = NULL;
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int64_t total = 0;
	int rc;

	if (f->id_prefix && flw_store__prefix_end(f->id_prefix, end))
		hi = end; /* a byte range, not LIKE: '_' and '%' are plain bytes */
	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = filter_run(q, S_DEV_LIST, f, hi, &st, "listing devices", diag);
	if (rc >= 0)
		rc = rows_json(q, st, rc, cols, FLW_ARRAY_SIZE(cols), &arr, diag);
	if (rc == 0 && total_out &&
	    (rc = filter_run(q, S_DEV_COUNT, f, hi, &st, "counting devices", diag)) == 1)
		total = sqlite3_column_int64(st, 0);
	rc = tx_end_json(q, rc, arr, out, diag);
	if (rc == 0 && total_out)
		*total_out = total;
	return rc;
}

/* Compare stored text column i with a reported value (NULL or "" = not reported). */
static int differs(sqlite3_stmt *st, int i, const char *v)
{
	const char *cur = (const char *)sqlite3_column_text(st, i);

	return v && v[0] && strcmp(cur ? cur : "", v) != 0;
}

/* UPDATE with NULL for every value the check-in did not report (COALESCE keeps those). */
static int checkin_write(struct sq_store *q, const struct flw_checkin *c, const char *attrs,
                         struct flw_diag *diag)
{
	char slot[2] = { c->slot_active, 0 };
	sqlite3_stmt *st = NULL;
	int src;
	int rc;

	if ((rc = stmt(q, S_DEV_UPDATE, &st, diag)) != 0)
		return rc;
	src = bindf(st, 1, "tttt", c->device_id,
	            c->installed && c->installed[0] ? c->installed : NULL,
	            c->installed_version && c->installed_version[0] ? c->installed_version : NULL,
	            c->slot_active ? slot : NULL);
	if (src == SQLITE_OK && c->slot_active) /* trial goes with the slot */
		src = sqlite3_bind_int64(st, 5, c->trial != 0);
	if (src == SQLITE_OK)
		src = bindf(st, 6, "tti", c->health && c->health[0] ? c->health : NULL, attrs,
		            (int64_t)c->now);
	if (src != SQLITE_OK)
		return db_error(q, src, "updating the device", diag);
	rc = step(q, st, "updating the device", diag);
	return rc > 0 ? 0 : rc;
}

/* Fingerprint of a component list: every field length-prefixed, absent ones marked */
static int components_sha256(const struct flw_checkin *c, unsigned char out[FLW_SHA256_BYTES])
{
	struct flw_sha256 *h = NULL;
	size_t i;
	int k;
	int rc;

	if ((rc = flw_sha256_new(&h)) != 0)
		return rc;
	for (i = 0; i < c->n_components && rc == 0; i++) {
		const struct flw_sbom_component *p = &c->components[i];
		const char *f[5] = { p->name, p->version, p->purl, p->cpe, p->vendor };

		for (k = 0; k < 5 && rc == 0; k++) {
			uint64_t n = f[k] ? (uint64_t)strlen(f[k]) + 1 : 0;

			rc = flw_sha256_update(h, &n, sizeof(n));
			if (rc == 0 && f[k])
				rc = flw_sha256_update(h, f[k], (size_t)n - 1);
		}
	}
	if (rc == 0)
		rc = flw_sha256_final(h, out);
	flw_sha256_free(h);
	return rc;
}

/* Replace the device's own components when their fingerprint changed (inside a transaction) */
static int components_write(struct sq_store *q, const struct flw_checkin *c, struct flw_diag *diag)
{
	const char *what = "storing the device's components";
	unsigned char fp[FLW_SHA256_BYTES];
	sqlite3_stmt *st = NULL;
	size_t i;
	int rc;

	if ((rc = components_sha256(c, fp)) != 0)
		return flw_diag_set(diag, rc, "components", "fingerprinting the components");
	rc = runf(q, S_DEV_COMP_SHA, &st, what, diag, "t", c->device_id);
	if (rc == 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, "device_id", "no device '%s'",
		                    c->device_id);
	if (rc < 0)
		return rc;
	if (sqlite3_column_bytes(st, 0) == FLW_SHA256_BYTES &&
	    memcmp(sqlite3_column_blob(st, 0), fp, FLW_SHA256_BYTES) == 0)
		return 0; /* unchanged: nothing to write */
	release(q);
	rc = runf(q, S_DEV_COMP_DEL, NULL, what, diag, "t", c->device_id);
	for (i = 0; i < c->n_components && rc == 0; i++) {
		const struct flw_sbom_component *p = &c->components[i];

		rc = runf(q, S_DEV_COMP_ADD, NULL, what, diag, "tittttt", c->device_id, (int64_t)i,
		          p->name, p->version, p->purl, p->cpe, p->vendor);
	}
	if (rc == 0)
		rc = runf(q, S_DEV_COMP_SHA_SET, NULL, what, diag, "th", c->device_id, fp);
	return rc > 0 ? 0 : rc;
}

static int sq_device_checkin(struct flw_store *s, const struct flw_checkin *c,
                             struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	const char *attrs = NULL;
	const char *cur_attrs;
	char slot[2] = { c->slot_active, 0 };
	sqlite3_stmt *st = NULL;
	struct flw_buf b;
	int change = 0;
	int in_tx = 0;
	int rc;

	flw_buf_init(&b, ATTRS_TEXT_MAX);
	if ((rc = attrs_text(c->attrs, &b, &attrs, diag)) != 0)
		goto out;
	if (c->has_components && (rc = tx_begin(q, S_BEGIN, diag)) < 0)
		goto out;
	in_tx = c->has_components;
	rc = runf(q, S_DEV_STATE, &st, "reading the device", diag, "t", c->device_id);
	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "device_id", "no device '%s'", c->device_id);
	if (rc < 0)
		goto out;
	/* compare first: a check-in that changes nothing writes nothing */
	cur_attrs = (const char *)sqlite3_column_text(st, 5);
	change = differs(st, 0, c->installed) || differs(st, 1, c->installed_version) ||
	         differs(st, 2, slot) || differs(st, 4, c->health) ||
	         (c->slot_active && (sqlite3_column_int64(st, 3) != 0) != (c->trial != 0)) ||
	         (attrs && (!cur_attrs || strcmp(cur_attrs, attrs) != 0));
	rc = 0;
	release(q);
	if (change)
		rc = checkin_write(q, c, attrs, diag);
	if (rc == 0 && c->has_components)
		rc = components_write(q, c, diag);
out:
	if (in_tx)
		rc = tx_end(q, rc, diag);
	flw_buf_free(&b);
	return done(q, rc);
}

static int sq_device_touch(struct flw_store *s, const char *const *ids, const time_t *times,
                           size_t n, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	size_t i;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	for (i = 0; i < n && rc >= 0; i++)
		rc = runf(q, S_DEV_TOUCH, NULL, "recording last-seen times", diag, "ti", ids[i],
		          (int64_t)times[i]);
	return tx_end(q, rc > 0 ? 0 : rc, diag);
}

/* ---- groups ---------------------------------------------------------------------------------- */

static int sq_group_add(struct flw_store *s, const char *name, const struct flw_audit *audit,
                        struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = runf(q, S_GROUP_ADD, NULL, "adding a group", diag, "ti", name, (int64_t)time(NULL));
	if (rc == FLW_ECONFLICT)
		flw_diag_set(diag, rc, "name", "group '%s' exists", name);
	return tx_end_audit(q, rc, audit, diag);
}

static int sq_group_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	static const struct jcol cols[] = { { "name", J_TEXT }, { "devices", J_INT } };

	return list_simple(sq(s), S_GROUP_LIST, cols, FLW_ARRAY_SIZE(cols), out, diag);
}

static int device_exists(struct sq_store *q, const char *id, struct flw_diag *diag)
{
	return must_exist(q, S_DEV_KEY, id, "devices", "device", diag);
}

static int sq_group_set_members(struct flw_store *s, const char *group, const char *const *devices,
                                size_t n, int add, const struct flw_audit *audit,
                                struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	size_t i;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = group_exists(q, group, diag);
	for (i = 0; i < n && rc == 0; i++) {
		if ((rc = device_exists(q, devices[i], diag)) != 0)
			break;
		rc = runf(q, add ? S_MEMBER_ADD : S_MEMBER_DEL, NULL, "changing group members",
		          diag, "tt", group, devices[i]);
	}
	return tx_end_audit(q, rc, audit, diag);
}

static int sq_group_delete(struct flw_store *s, const char *name, const struct flw_audit *audit,
                           struct flw_diag *diag)
{
	return change_by_name(sq(s), S_GROUP_DEL, name, "group", audit, diag);
}

/* ---- artifacts, TUF metadata, releases ------------------------------------------------------- */

static int sq_artifact_add(struct flw_store *s, const unsigned char sha256[FLW_SHA256_BYTES],
                           uint64_t length, const struct flw_audit *audit, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = runf(q, S_ART_ADD, NULL, "recording an artifact", diag, "hii", sha256, (int64_t)length,
	          (int64_t)time(NULL));
	if (rc == 0 && sqlite3_changes(q->db) == 0) {
		/* known already: idempotent if the length agrees, and nothing to audit */
		rc = runf(q, S_ART_GET, &st, "reading an artifact", diag, "h", sha256);
		if (rc == 1 && (uint64_t)sqlite3_column_int64(st, 0) != length)
			rc = flw_diag_set(diag, FLW_ECONFLICT, "length",
			                  "artifact stored with another length");
		return tx_end(q, rc > 0 ? 0 : rc, diag);
	}
	return tx_end_audit(q, rc, audit, diag);
}

static int sq_artifact_get(struct flw_store *s, const unsigned char sha256[FLW_SHA256_BYTES],
                           uint64_t *length_out, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_ART_GET, &st, "reading an artifact", diag, "h", sha256);

	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "sha256", "no such artifact");
	if (rc == 1 && length_out)
		*length_out = (uint64_t)sqlite3_column_int64(st, 0);
	return done(q, rc);
}

static int tuf_insert(struct sq_store *q, int role, int64_t version, const void *bytes, size_t len,
                      struct flw_diag *diag)
{
	const char *name = flw_store__role_name(role);
	int rc = runf(q, S_TUF_PUT, NULL, "storing metadata", diag, "tiBi", name, version, bytes,
	              len, (int64_t)time(NULL));

	if (rc == FLW_ECONFLICT)
		flw_diag_set(diag, rc, name, "%s version %lld exists (metadata is immutable)", name,
		             (long long)version);
	return rc;
}

static int sq_tuf_put(struct flw_store *s, int role, int64_t version, const void *bytes, size_t len,
                      struct flw_diag *diag)
{
	struct sq_store *q = sq(s);

	return done(q, tuf_insert(q, role, version, bytes, len, diag));
}

static int sq_tuf_get(struct flw_store *s, int role, int64_t version, struct flw_buf *out,
                      int64_t *version_out, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	const char *name = flw_store__role_name(role);
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_TUF_GET, &st, "reading metadata", diag, "ti", name, version);

	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, name, "no %s metadata", name);
	if (rc == 1) {
		rc = flw_buf_append(out, sqlite3_column_blob(st, 1),
		                    (size_t)sqlite3_column_bytes(st, 1));
		if (rc == 0 && version_out)
			*version_out = sqlite3_column_int64(st, 0);
	}
	return done(q, rc);
}

static int release_insert(struct sq_store *q, const struct flw_release *r, int64_t targets_version,
                          struct flw_diag *diag)
{
	const struct flw_tuf_target *t = &r->target;
	sqlite3_stmt *st = NULL;
	int64_t id;
	unsigned i;
	int rc = runf(q, S_REL_GET, &st, "looking up a release", diag, "t", t->name);

	if (rc == 1) {
		/* the same target again is fine; another one under the same name is not */
		if (sqlite3_column_bytes(st, 4) == FLW_SHA256_BYTES &&
		    memcmp(sqlite3_column_blob(st, 4), t->sha256, FLW_SHA256_BYTES) == 0 &&
		    (uint64_t)sqlite3_column_int64(st, 3) == t->length)
			return 0;
		return flw_diag_set(diag, FLW_ECONFLICT, "name",
		                    "release '%s' exists with other content", t->name);
	}
	if (rc == 0)
		rc = runf(q, S_REL_ADD, NULL, "adding a release", diag, "ttihiii", t->name,
		          t->version, (int64_t)t->length, t->sha256, (int64_t)t->security_version,
		          targets_version, or_now(r->created));
	id = sqlite3_last_insert_rowid(q->db);
	for (i = 0; i < t->n_hwids && rc == 0; i++)
		rc = runf(q, S_REL_HWID_ADD, NULL, "adding a release", diag, "iit", id, (int64_t)i,
		          t->hwids[i]);
	return rc;
}

/* A release's components. A release published again with the same content keeps the list it
 * has. */
static int components_insert(struct sq_store *q, const struct flw_release_components *rc_,
                             struct flw_diag *diag)
{
	const char *what = "storing the release's components";
	size_t i;
	int rc = runf(q, S_REL_ID, NULL, what, diag, "t", rc_->release);

	if (rc == 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, "release", "no release '%s'",
		                    rc_->release);
	if (rc > 0)
		rc = runf(q, S_REL_COMP_LIST, NULL, what, diag, "t", rc_->release);
	if (rc != 0)
		return rc > 0 ? 0 : rc;
	for (i = 0; i < rc_->n && rc == 0; i++) {
		const struct flw_sbom_component *c = &rc_->c[i];

		rc = runf(q, S_REL_COMP_ADD, NULL, what, diag, "tittttt", rc_->release, (int64_t)i,
		          c->name, c->version, c->purl, c->cpe, c->vendor);
	}
	return rc > 0 ? 0 : rc;
}

static int sq_tuf_publish(struct flw_store *s, const struct flw_tuf_publish *p,
                          const struct flw_audit *audit, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	size_t i;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	if ((rc = tuf_insert(q, FLW_TUF_TARGETS, p->targets_version, p->targets, p->targets_len,
	                     diag)) == 0 &&
	    (rc = tuf_insert(q, FLW_TUF_SNAPSHOT, p->snapshot_version, p->snapshot, p->snapshot_len,
	                     diag)) == 0)
		rc = tuf_insert(q, FLW_TUF_TIMESTAMP, p->timestamp_version, p->timestamp,
		                p->timestamp_len, diag);
	for (i = 0; i < p->n_added && rc == 0; i++)
		rc = release_insert(q, &p->added[i], p->targets_version, diag);
	for (i = 0; i < p->n_components && rc == 0; i++)
		rc = components_insert(q, &p->components[i], diag);
	return tx_end_audit(q, rc, audit, diag);
}

/* Fill r from 8 columns (REL_COLS) of st starting at off, then its hardware ids. */
static int release_row(struct sq_store *q, sqlite3_stmt *st, int off, struct flw_release *r,
                       struct flw_diag *diag)
{
	struct flw_tuf_target *t = &r->target;
	sqlite3_stmt *h = NULL;
	int rc;

	memset(r, 0, sizeof(*r));
	r->id = sqlite3_column_int64(st, off);
	t->length = (uint64_t)sqlite3_column_int64(st, off + 3);
	t->security_version = (uint64_t)sqlite3_column_int64(st, off + 5);
	r->targets_version = sqlite3_column_int64(st, off + 6);
	r->created = (time_t)sqlite3_column_int64(st, off + 7);
	if ((rc = col_text(st, off + 1, t->name, sizeof(t->name), diag)) != 0 ||
	    (rc = col_text(st, off + 2, t->version, sizeof(t->version), diag)) != 0 ||
	    (rc = col_blob32(st, off + 4, t->sha256, diag)) != 0)
		return rc;
	rc = runf(q, S_REL_HWIDS, &h, "reading hardware ids", diag, "i", r->id);
	while (rc == 1 && t->n_hwids < FLW_TUF_MAX_HWIDS) {
		rc = col_text(h, 0, t->hwids[t->n_hwids], sizeof(t->hwids[0]), diag);
		if (rc == 0) {
			t->n_hwids++;
			rc = step(q, h, "reading hardware ids", diag);
		}
	}
	return rc > 0 ? 0 : rc;
}

/* Run id with key and fill r from the release columns (REL_COLS) at off of its row: 1 found,
 * 0 none, <0 error. *st_out (optional) keeps the row for its other columns. */
static int release_at(struct sq_store *q, enum stmt_id id, const char *key, int off,
                      struct flw_release *r, sqlite3_stmt **st_out, const char *what,
                      struct flw_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = runf(q, id, &st, what, diag, "t", key);

	if (rc == 1 && (rc = release_row(q, st, off, r, diag)) == 0)
		rc = 1;
	if (st_out)
		*st_out = st;
	return rc;
}

static int sq_release_get(struct flw_store *s, const char *name, struct flw_release *out,
                          struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	struct flw_release r;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = release_at(q, S_REL_GET, name, 0, &r, NULL, "reading a release", diag);
	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "release", "no release '%s'", name);
	rc = tx_end(q, rc > 0 ? 0 : rc, diag);
	if (rc == 0)
		*out = r;
	return rc;
}

static int hwids_json(const struct flw_tuf_target *t, json_t **out)
{
	json_t *arr = json_array();
	unsigned i;

	if (!arr)
		return FLW_ENOMEM;
	for (i = 0; i < t->n_hwids; i++) {
		if (json_array_append_new(arr, json_string(t->hwids[i])) != 0) {
			json_decref(arr);
			return FLW_ENOMEM;
		}
	}
	*out = arr;
	return 0;
}

static int release_json(const struct flw_release *r, json_t **out)
{
	const struct flw_tuf_target *t = &r->target;
	char hex[FLW_SHA256_HEX];
	json_t *o = json_object();
	json_t *hw = NULL;
	int rc = o ? 0 : FLW_ENOMEM;

	flw_hex_encode(hex, t->sha256, sizeof(t->sha256));
	if (rc == 0 && (rc = hwids_json(t, &hw)) == 0 && (rc = jset(o, "hardware_ids", hw)) == 0 &&
	    (rc = jset(o, "id", json_integer(r->id))) == 0 &&
	    (rc = jset(o, "name", json_string(t->name))) == 0 &&
	    (rc = jset(o, "version", json_string(t->version))) == 0 &&
	    (rc = jset(o, "length", json_integer((json_int_t)t->length))) == 0 &&
	    (rc = jset(o, "sha256", json_string(hex))) == 0 &&
	    (rc = jset(o, "security_version", json_integer((json_int_t)t->security_version))) ==
	            0 &&
	    (rc = jset(o, "targets_version", json_integer(r->targets_version))) == 0)
		rc = jset(o, "created", json_integer((json_int_t)r->created));
	if (rc != 0) {
		json_decref(o);
		return FLW_ENOMEM;
	}
	*out = o;
	return 0;
}

/* A release row (REL_COLS from column 0) as JSON */
static int release_item(struct sq_store *q, sqlite3_stmt *st, const void *payload, json_t **out,
                        struct flw_diag *diag)
{
	struct flw_release r;
	int rc = release_row(q, st, 0, &r, diag);

	(void)payload;
	return rc != 0 ? rc : release_json(&r, out);
}

static int sq_release_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = runf(q, S_REL_LIST, &st, "listing releases", diag, "");
	if (rc >= 0)
		rc = rows_collect(q, st, rc, release_item, NULL, &arr, diag);
	return tx_end_json(q, rc, arr, out, diag);
}

/* ---- deployments ----------------------------------------------------------------------------- */

/* Device exists and the release lists its hardware id. */
static int device_fits(struct sq_store *q, const char *id, int64_t release_id, const char *rel,
                       struct flw_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_DEV_FITS, &st, "checking a device", diag, "ti", id, release_id);

	if (rc == 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, "devices", "no device '%s'", id);
	if (rc == 1 && sqlite3_column_int64(st, 1) == 0)
		return flw_diag_set(diag, FLW_EINCOMPAT, "devices",
		                    "device '%s' (hardware '%s') is not listed by release '%s'", id,
		                    (const char *)sqlite3_column_text(st, 0), rel);
	return rc > 0 ? 0 : rc;
}

static int group_fits(struct sq_store *q, const char *group, int64_t release_id, const char *rel,
                      struct flw_diag *diag)
{
	sqlite3_stmt *st = NULL;
	int rc = group_exists(q, group, diag);

	if (rc == 0)
		rc = runf(q, S_GROUP_UNFIT, &st, "checking a group", diag, "ti", group, release_id);
	if (rc == 1)
		return flw_diag_set(diag, FLW_EINCOMPAT, "group",
		                    "device '%s' (hardware '%s') in group '%s' is not listed by "
		                    "release '%s'",
		                    (const char *)sqlite3_column_text(st, 0),
		                    (const char *)sqlite3_column_text(st, 1), group, rel);
	return rc;
}

/* Check everything, then add the deployment and its actions, then supersede older actions. */
static int deployment_insert(struct sq_store *q, const char *release, const char *const *devices,
                             size_t n, const char *group, time_t now, const char *by,
                             int64_t *id_out, struct flw_diag *diag)
{
	char detail[64];
	sqlite3_stmt *st = NULL;
	int64_t rel;
	int64_t id;
	size_t i;
	int rc = runf(q, S_REL_GET, &st, "looking up the release", diag, "t", release);

	if (rc == 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, "release", "no release '%s'", release);
	if (rc < 0)
		return rc;
	rel = sqlite3_column_int64(st, 0);
	for (i = 0, rc = 0; i < n && rc == 0; i++)
		rc = device_fits(q, devices[i], rel, release, diag);
	if (rc == 0 && group)
		rc = group_fits(q, group, rel, release, diag);
	if (rc == 0)
		rc = runf(q, S_DEP_ADD, NULL, "adding the deployment", diag, "iit", rel,
		          (int64_t)now, by);
	if (rc != 0)
		return rc;
	id = sqlite3_last_insert_rowid(q->db);
	for (i = 0; i < n && rc == 0; i++)
		rc = runf(q, S_ACT_ADD, NULL, "adding an action", diag, "iti", id, devices[i],
		          (int64_t)now);
	if (rc == 0 && group)
		rc = runf(q, S_ACT_ADD_GROUP, NULL, "adding actions", diag, "iti", id, group,
		          (int64_t)now);
	snprintf(detail, sizeof(detail), "superseded by deployment %lld", (long long)id);
	if (rc == 0)
		rc = runf(q, S_ACT_SUPERSEDE, NULL, "superseding older actions", diag, "iti", id,
		          detail, (int64_t)now);
	if (rc == 0)
		*id_out = id;
	return rc;
}

static int sq_deployment_create(struct flw_store *s, const char *release,
                                const char *const *devices, size_t n, const char *group, time_t now,
                                const struct flw_audit *audit, int64_t *id_out,
                                struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	int64_t id = 0;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = deployment_insert(q, release, devices, n, group, now, audit ? audit->actor : "system",
	                       &id, diag);
	rc = tx_end_audit(q, rc, audit, diag);
	if (rc == 0 && id_out)
		*id_out = id;
	return rc;
}

/* Set counts {state: n} (every state) and done (canceled or nothing left to do) on o. */
static int deployment_counts(struct sq_store *q, json_t *o, int64_t id, int canceled,
                             struct flw_diag *diag)
{
	sqlite3_stmt *st = NULL;
	json_t *counts = json_object();
	int64_t open = 0;
	int i;
	int rc;

	/* o owns counts from here on (jset steals the reference even when it fails) */
	if ((rc = jset(o, "counts", counts)) != 0)
		return rc;
	for (i = 0; i < _FLW_ST_MAX && rc == 0; i++)
		rc = jset(counts, flw_action_state_to_string(i), json_integer(0));
	if (rc == 0)
		rc = runf(q, S_DEP_COUNTS, &st, "counting actions", diag, "i", id);
	while (rc == 1) {
		int state = (int)sqlite3_column_int64(st, 0);
		int64_t cnt = sqlite3_column_int64(st, 1);

		rc = 0;
		if (state >= 0 && state < _FLW_ST_MAX)
			rc = jset(counts, flw_action_state_to_string(state), json_integer(cnt));
		if (!flw_action_state_terminal(state))
			open += cnt;
		if (rc == 0)
			rc = step(q, st, "counting actions", diag);
	}
	if (rc == 0)
		rc = jset(o, "done", json_boolean(canceled || open == 0));
	return rc;
}

/* Replace the internal "canceled" field of o by counts and done. */
static int deployment_finish(struct sq_store *q, json_t *o, struct flw_diag *diag)
{
	int64_t id = json_integer_value(json_object_get(o, "id"));
	int canceled = json_is_true(json_object_get(o, "canceled"));

	json_object_del(o, "canceled");
	return deployment_counts(q, o, id, canceled, diag);
}

static int sq_deployment_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "id", J_INT },          { "release", J_TEXT }, { "created", J_INT },
		{ "created_by", J_TEXT }, { "devices", J_INT },  { "canceled", J_BOOL },
	};
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	size_t i;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = runf(q, S_DEP_LIST, &st, "listing deployments", diag, "i",
	          (int64_t)FLW_STORE_LIST_MAX);
	if (rc >= 0)
		rc = rows_json(q, st, rc, cols, FLW_ARRAY_SIZE(cols), &arr, diag);
	for (i = 0; rc == 0 && i < json_array_size(arr); i++)
		rc = deployment_finish(q, json_array_get(arr, i), diag);
	return tx_end_json(q, rc, arr, out, diag);
}

static int sq_deployment_get(struct flw_store *s, int64_t id, json_t **out, struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "id", J_INT },          { "release", J_TEXT },  { "created", J_INT },
		{ "created_by", J_TEXT }, { "canceled", J_BOOL },
	};
	static const struct jcol dev_cols[] = {
		{ "device", J_TEXT },
		{ "state", J_STATE },
		{ "detail", J_TEXT },
		{ "updated", J_INT },
	};
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	json_t *o = NULL;
	json_t *devs = NULL;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = runf(q, S_DEP_GET, &st, "reading the deployment", diag, "i", id);
	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "id", "no deployment %lld", (long long)id);
	if (rc == 1)
		rc = row_json(st, cols, FLW_ARRAY_SIZE(cols), &o);
	if (rc == 0)
		rc = deployment_finish(q, o, diag);
	if (rc == 0)
		rc = runf(q, S_DEP_DEVICES, &st, "listing the deployment's devices", diag, "i", id);
	if (rc >= 0)
		rc = rows_json(q, st, rc, dev_cols, FLW_ARRAY_SIZE(dev_cols), &devs, diag);
	if (rc == 0)
		rc = jset(o, "devices", devs);
	return tx_end_json(q, rc, o, out, diag);
}

static int sq_deployment_cancel(struct flw_store *s, int64_t id, const struct flw_audit *audit,
                                struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = runf(q, S_DEP_CANCEL, NULL, "canceling the deployment", diag, "i", id);
	if (rc == 0 && sqlite3_changes(q->db) == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "id", "no deployment %lld", (long long)id);
	if (rc == 0)
		rc = runf(q, S_DEP_CANCEL_ACTS, NULL, "canceling the deployment", diag, "iti", id,
		          "canceled by operator", (int64_t)time(NULL));
	return tx_end_audit(q, rc, audit, diag);
}

/* Inside a read transaction: the device's current action into out. 0, FLW_ENOTFOUND naming
 * the device, or another FLW_E*. */
static int action_row(struct sq_store *q, const char *device_id, struct flw_action *out,
                      struct flw_diag *diag)
{
	struct flw_release r;
	sqlite3_stmt *st = NULL;
	int rc;

	rc = release_at(q, S_ACT_NEXT, device_id, 2, &r, &st, "looking up the device's action",
	                diag);
	if (rc == 0)
		return flw_diag_set(diag, FLW_ENOTFOUND, "device_id", "nothing to do for '%s'",
		                    device_id);
	if (rc != 1)
		return rc;
	out->deployment_id = sqlite3_column_int64(st, 0);
	out->state = (int)sqlite3_column_int64(st, 1);
	out->target = r.target;
	return 0;
}

static int sq_action_next(struct flw_store *s, const char *device_id, struct flw_action *out,
                          struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = action_row(q, device_id, out, diag);
	return tx_end(q, rc, diag);
}

/* Record report r and advance its action. With prune set, the history of the report's device and
 * deployment then keeps only its newest FLW_STORE_HISTORY_MAX rows. */
static int report_add(struct sq_store *q, const char *device_id, const struct flw_report *r,
                      time_t now, int prune, struct flw_diag *diag)
{
	int rc = runf(q, S_REPORT_ADD, NULL, "recording a report", diag, "tiiitii", device_id,
	              r->seq, r->deployment_id, (int64_t)r->state, r->detail, (int64_t)r->at,
	              (int64_t)now);

	/* a lower rank or a terminal action is left alone by the WHERE clause */
	if (rc == 0 && r->deployment_id)
		rc = runf(q, S_ACT_ADVANCE, NULL, "updating the action", diag, "ititi",
		          r->deployment_id, device_id, (int64_t)r->state, r->detail, (int64_t)now);
	if (rc == 0 && prune)
		rc = runf(q, S_REPORT_PRUNE, NULL, "bounding the history", diag, "tii", device_id,
		          r->deployment_id, (int64_t)FLW_STORE_HISTORY_MAX);
	return rc;
}

/* Does report i (being recorded) end a run of recorded reports for one deployment? Pruning
 * once a run is enough: rows are only added, in the same transaction. */
static int run_ends(const struct flw_report *r, size_t n, size_t i)
{
	return i + 1 == n || r[i + 1].deployment_id != r[i].deployment_id ||
	       r[i + 1].seq <= r[i].seq; /* the next one is a duplicate, skipped */
}

static int sq_reports_apply(struct flw_store *s, const char *device_id, const struct flw_report *r,
                            size_t n, time_t now, int64_t *acked_seq_out, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int64_t last;
	int64_t seen;
	size_t i;
	int rc;

	if ((rc = tx_begin(q, n ? S_BEGIN : S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = runf(q, S_DEV_SEQ, &st, "reading the device", diag, "t", device_id);
	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "device_id", "no device '%s'", device_id);
	if (rc < 0)
		return tx_end(q, rc, diag);
	seen = last = sqlite3_column_int64(st, 0);
	for (i = 0, rc = 0; i < n && rc == 0; i++) {
		if (r[i].seq <= last)
			continue; /* a duplicate: already durable */
		rc = report_add(q, device_id, &r[i], now, run_ends(r, n, i), diag);
		last = r[i].seq;
	}
	if (rc == 0 && last != seen)
		rc = runf(q, S_DEV_SEQ_SET, NULL, "updating the device", diag, "tii", device_id,
		          last, (int64_t)now);
	rc = tx_end(q, rc, diag);
	if (rc == 0 && acked_seq_out)
		*acked_seq_out = last;
	return rc;
}

static int sq_device_history(struct flw_store *s, const char *device_id, unsigned limit,
                             json_t **out, struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "seq", J_INT },     { "deployment", J_INT }, { "state", J_STATE },
		{ "detail", J_TEXT }, { "at", J_INT },         { "received", J_INT },
	};
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_HISTORY, &st, "reading the device's history", diag, "ti", device_id,
	              (int64_t)limit);

	return list_done(q, st, rc, cols, FLW_ARRAY_SIZE(cols), out, diag);
}

/* The stored director document of the current row of S_ACT_DIRECTOR (doc empty when none) */
static int director_row(sqlite3_stmt *st, struct flw_buf *doc, struct flw_director_doc *meta,
                        struct flw_diag *diag)
{
	const void *p = sqlite3_column_blob(st, 0);
	size_t n = (size_t)sqlite3_column_bytes(st, 0);
	int rc;

	memset(meta, 0, sizeof(*meta));
	if (!p || n == 0)
		return 0;
	if ((rc = col_text(st, 3, meta->keyid, sizeof(meta->keyid), diag)) != 0)
		return rc;
	if (flw_buf_append(doc, p, n) != 0)
		return flw_diag_set(diag, FLW_ESTORE, "director",
		                    "stored director document of %zu bytes does not fit", n);
	meta->version = sqlite3_column_int64(st, 1);
	meta->expires = (time_t)sqlite3_column_int64(st, 2);
	return 0;
}

static int sq_action_director(struct flw_store *s, const char *device_id, struct flw_action *out,
                              struct flw_buf *doc, struct flw_director_doc *meta,
                              struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = action_row(q, device_id, out, diag);
	if (rc == 0) {
		rc = runf(q, S_ACT_DIRECTOR, &st, "reading the director document", diag, "it",
		          out->deployment_id, device_id);
		if (rc == 0)
			rc = flw_diag_set(diag, FLW_ESTORE, "director", "the action vanished");
	}
	if (rc == 1)
		rc = director_row(st, doc, meta, diag);
	return tx_end(q, rc, diag);
}

static int sq_director_next_version(struct flw_store *s, const char *device_id,
                                    int64_t *version_out, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int64_t v = 0;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = runf(q, S_DIR_BUMP, NULL, "counting director documents", diag, "t", device_id);
	if (rc == 0 && sqlite3_changes(q->db) == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "device_id", "no device '%s'", device_id);
	if (rc == 0)
		rc = runf(q, S_DIR_VERSION, &st, "counting director documents", diag, "t",
		          device_id);
	if (rc == 1) {
		v = sqlite3_column_int64(st, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = flw_diag_set(diag, FLW_ESTORE, "device_id", "the device vanished");
	}
	rc = tx_end(q, rc, diag);
	if (rc == 0)
		*version_out = v;
	return rc;
}

static int sq_release_components(struct flw_store *s, const char *name, json_t **out,
                                 struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "name", J_TEXT }, { "version", J_NTEXT }, { "purl", J_NTEXT },
		{ "cpe", J_NTEXT }, { "vendor", J_NTEXT },
	};
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = runf(q, S_REL_ID, NULL, "reading a release", diag, "t", name);
	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "release", "no release '%s'", name);
	if (rc > 0 &&
	    (rc = runf(q, S_REL_COMP_LIST, &st, "listing components", diag, "t", name)) >= 0)
		rc = rows_json(q, st, rc, cols, FLW_ARRAY_SIZE(cols), &arr, diag);
	return tx_end_json(q, rc, arr, out, diag);
}

static int sq_director_put(struct flw_store *s, const char *device_id, int64_t deployment_id,
                           const void *doc, size_t len, const struct flw_director_doc *meta,
                           struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	int rc;

	rc = runf(q, S_DIR_PUT, NULL, "storing the director document", diag, "itBiit",
	          deployment_id, device_id, doc, len, meta->version, (int64_t)meta->expires,
	          meta->keyid);
	if (rc == 0 && sqlite3_changes(q->db) == 0)
		rc = flw_diag_set(diag, FLW_ECONFLICT, "director",
		                  "the action is finished or holds a newer director document");
	return done(q, rc);
}

/* ---- inventory and device components -------------------------------------------------------- */

static int sq_device_inventory_set(struct flw_store *s, const char *device_id,
                                   const struct flw_inventory_patch *p,
                                   const struct flw_audit *audit, struct flw_diag *diag)
{
	const struct flw_inventory *v = &p->v;
	const char *what = "changing the device's inventory";
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	unsigned f = p->fields;
	int src;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	if ((rc = stmt(q, S_DEV_INV_SET, &st, diag)) != 0)
		goto out;
	src = bindf(st, 1, "tiiiiii", device_id, (int64_t) !!(f & FLW_INV_F_CLASS),
	            (int64_t) !!(f & FLW_INV_F_EXPOSED), (int64_t) !!(f & FLW_INV_F_SEGMENT),
	            (int64_t) !!(f & FLW_INV_F_OWNER), (int64_t) !!(f & FLW_INV_F_SITE),
	            (int64_t) !!(f & FLW_INV_F_SUPPORT_END));
	if (src == SQLITE_OK)
		src = bindf(st, 8, "t", v->class_name[0] ? v->class_name : NULL);
	if (src == SQLITE_OK && v->internet_exposed != FLW_EXPOSED_UNKNOWN)
		src = sqlite3_bind_int64(st, 9, v->internet_exposed == FLW_EXPOSED_YES);
	if (src == SQLITE_OK)
		src = bindf(st, 10, "tttt", v->segment[0] ? v->segment : NULL,
		            v->owner[0] ? v->owner : NULL, v->site[0] ? v->site : NULL,
		            v->support_end[0] ? v->support_end : NULL);
	if (src != SQLITE_OK) {
		rc = db_error(q, src, what, diag);
		goto out;
	}
	rc = step(q, st, what, diag);
	if (rc == 0 && sqlite3_changes(q->db) == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "device_id", "no device '%s'", device_id);
out:
	return tx_end_audit(q, rc > 0 ? 0 : rc, audit, diag);
}

static int sq_device_components(struct flw_store *s, const char *device_id, json_t **out,
                                struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "name", J_TEXT }, { "version", J_NTEXT }, { "purl", J_NTEXT },
		{ "cpe", J_NTEXT }, { "vendor", J_NTEXT },  { "source", J_TEXT },
	};
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	json_t *arr = NULL;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = must_exist(q, S_DEV_SEQ, device_id, "device_id", "device", diag);
	if (rc == 0 &&
	    (rc = runf(q, S_DEV_COMP_LIST, &st, "listing components", diag, "t", device_id)) >= 0)
		rc = rows_json(q, st, rc, cols, FLW_ARRAY_SIZE(cols), &arr, diag);
	return tx_end_json(q, rc, arr, out, diag);
}

/* ---- vulnerability data: feed imports -------------------------------------------------------- */

static int sq_feed_add(struct flw_store *s, const struct flw_feed_import *f,
                       const struct flw_audit *audit, int64_t *id_out, int *existed_out,
                       struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int64_t id = 0;
	int existed;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = existed = runf(q, S_FEED_FIND, &st, "looking up the feed import", diag, "th", f->kind,
	                    f->sha256);
	if (existed == 1) {
		id = sqlite3_column_int64(st, 0);
		rc = tx_end(q, 0, diag); /* the same file again: nothing to write or audit */
	} else if (rc == 0) {
		rc = runf(q, S_FEED_ADD, NULL, "recording the feed import", diag, "tthiit", f->kind,
		          f->name, f->sha256, (int64_t)f->bytes, or_now(f->imported), f->stats);
		id = sqlite3_last_insert_rowid(q->db);
		rc = tx_end_audit(q, rc, audit, diag);
	} else {
		rc = tx_end(q, rc, diag);
	}
	if (rc != 0)
		return rc;
	if (id_out)
		*id_out = id;
	if (existed_out)
		*existed_out = existed == 1;
	return 0;
}

/* Fill f from a FEED_COLS row */
static int feed_row(sqlite3_stmt *st, struct flw_feed_import *f, struct flw_diag *diag)
{
	int rc;

	memset(f, 0, sizeof(*f));
	f->id = sqlite3_column_int64(st, 0);
	f->bytes = (uint64_t)sqlite3_column_int64(st, 4);
	f->imported = (time_t)sqlite3_column_int64(st, 5);
	if ((rc = col_text(st, 1, f->kind, sizeof(f->kind), diag)) != 0 ||
	    (rc = col_text(st, 2, f->name, sizeof(f->name), diag)) != 0 ||
	    (rc = col_blob32(st, 3, f->sha256, diag)) != 0)
		return rc;
	return col_text(st, 6, f->stats, sizeof(f->stats), diag);
}

/* Every import row into a new array (*out, *n_out), in one read transaction */
static int feed_rows(struct sq_store *q, struct flw_feed_import **out, size_t *n_out,
                     struct flw_diag *diag)
{
	struct flw_feed_import *v = NULL;
	struct flw_feed_import *grown;
	sqlite3_stmt *st = NULL;
	size_t n = 0;
	size_t cap = 0;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = runf(q, S_FEED_EACH, &st, "reading the feed imports", diag, "");
	while (rc == 1) {
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			grown = flw_reallocarray(v, cap, sizeof(*v));
			if (!grown) {
				rc = flw_diag_set(diag, FLW_ENOMEM, NULL, "out of memory");
				break;
			}
			v = grown;
		}
		if ((rc = feed_row(st, &v[n], diag)) != 0)
			break;
		n++;
		rc = step(q, st, "reading the feed imports", diag);
	}
	rc = tx_end(q, rc, diag);
	if (rc != 0) {
		flw_free(v);
		return rc;
	}
	*out = v;
	*n_out = n;
	return 0;
}

/* The rows are read first and the transaction ended: replaying an import (fn) may take long
 * and may use the store. */
static int sq_feed_each(struct flw_store *s, flw_store_feed_fn fn, void *ctx, struct flw_diag *diag)
{
	struct flw_feed_import *v = NULL;
	size_t n = 0;
	size_t i;
	int rc = feed_rows(sq(s), &v, &n, diag);

	for (i = 0; i < n && rc == 0; i++)
		rc = fn(&v[i], ctx);
	flw_free(v);
	return rc;
}

/* A FEED_COLS row as JSON; stats as an object (null when none or not JSON) */
static int feed_item(struct sq_store *q, sqlite3_stmt *st, const void *payload, json_t **out,
                     struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "id", J_INT },     { "kind", J_TEXT }, { "name", J_TEXT },
		{ "sha256", J_HEX }, { "bytes", J_INT }, { "imported", J_INT },
	};
	static const struct flw_json_limits lim = { FLW_FEED_STATS_MAX, 8 };
	json_t *o = NULL;
	json_t *stats = NULL;
	int rc;

	(void)q;
	(void)payload;
	(void)diag;
	if ((rc = row_json(st, cols, FLW_ARRAY_SIZE(cols), &o)) != 0)
		return rc;
	if (sqlite3_column_bytes(st, 6) > 0 &&
	    flw_json_parse(&stats, sqlite3_column_text(st, 6), (size_t)sqlite3_column_bytes(st, 6),
	                   &lim, NULL) != 0)
		stats = NULL; /* display data: a bad one is shown as unknown */
	if ((rc = jset(o, "stats", stats ? stats : json_null())) != 0) {
		json_decref(o);
		return rc;
	}
	*out = o;
	return 0;
}

static int sq_feed_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_FEED_LIST, &st, "listing the feed imports", diag, "");

	if (rc >= 0)
		rc = rows_collect(q, st, rc, feed_item, NULL, out, diag);
	return done(q, rc);
}

/* ---- vulnerability data: findings ------------------------------------------------------------ */

/* Bind the key (?1..?3) and the lifecycle (?4..?13) */
static int life_bind(sqlite3_stmt *st, const char *device_id, const char *cve_id,
                     const char *component, const struct flw_finding_life *l)
{
	int src = bindf(st, 1, "ttt", device_id, cve_id, component);

	if (src == SQLITE_OK)
		src = bindf(st, 4, "iiiiiittii", (int64_t)l->state, l->first_seen_ms, l->opened_ms,
		            l->fixed_ms, l->updated_ms, (int64_t)l->reopen_count, l->accept_reason,
		            l->accept_approver, l->accepted_ms, l->accept_expiry_ms);
	return src;
}

/* Fill l from the LIFE_COLS of st starting at column off */
static int life_row(sqlite3_stmt *st, int off, struct flw_finding_life *l, struct flw_diag *diag)
{
	int64_t state = sqlite3_column_int64(st, off);
	int64_t reopen = sqlite3_column_int64(st, off + 5);
	int rc;

	memset(l, 0, sizeof(*l));
	if (state < 0 || state >= _FLW_FINDING_STATE_MAX || reopen < 0 || reopen > UINT32_MAX)
		return flw_diag_set(diag, FLW_ESTORE, "state", "stored finding state is invalid");
	l->state = (enum flw_finding_state)state;
	l->first_seen_ms = sqlite3_column_int64(st, off + 1);
	l->opened_ms = sqlite3_column_int64(st, off + 2);
	l->fixed_ms = sqlite3_column_int64(st, off + 3);
	l->updated_ms = sqlite3_column_int64(st, off + 4);
	l->reopen_count = (unsigned)reopen;
	l->accepted_ms = sqlite3_column_int64(st, off + 8);
	l->accept_expiry_ms = sqlite3_column_int64(st, off + 9);
	if ((rc = col_text(st, off + 6, l->accept_reason, sizeof(l->accept_reason), diag)) != 0)
		return rc;
	return col_text(st, off + 7, l->accept_approver, sizeof(l->accept_approver), diag);
}

/* One transaction, one prepared upsert: reset, bind, step per finding. */
static int sq_findings_put(struct flw_store *s, const struct flw_store_finding *f, size_t n,
                           struct flw_diag *diag)
{
	const char *what = "storing findings";
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	size_t i;
	int src = SQLITE_OK;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	rc = stmt(q, S_FIND_PUT, &st, diag);
	for (i = 0; i < n && rc == 0; i++) {
		sqlite3_reset(st);
		src = life_bind(st, f[i].device_id, f[i].cve_id, f[i].component, &f[i].life);
		if (src == SQLITE_OK)
			src = bindf(st, 14, "t", f[i].component_version);
		rc = src == SQLITE_OK ? step(q, st, what, diag) : db_error(q, src, what, diag);
	}
	return tx_end(q, rc, diag);
}

static int sq_findings_each(struct flw_store *s, flw_store_finding_fn fn, void *ctx,
                            struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	struct flw_store_finding f;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		return rc;
	rc = runf(q, S_FIND_EACH, &st, "reading findings", diag, "");
	while (rc == 1) {
		f.device_id = (const char *)sqlite3_column_text(st, 0);
		f.cve_id = (const char *)sqlite3_column_text(st, 1);
		f.component = (const char *)sqlite3_column_text(st, 2);
		f.component_version = (const char *)sqlite3_column_text(st, 3);
		if (!f.device_id || !f.cve_id || !f.component) {
			rc = flw_diag_set(diag, FLW_ENOMEM, NULL,
			                  "reading findings: out of memory");
			break;
		}
		if ((rc = life_row(st, 4, &f.life, diag)) != 0 || (rc = fn(&f, ctx)) != 0)
			break;
		rc = step(q, st, "reading findings", diag);
	}
	return tx_end(q, rc, diag);
}

static int sq_finding_get(struct flw_store *s, const char *device_id, const char *cve_id,
                          const char *component, struct flw_finding_life *out,
                          struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	struct flw_finding_life l;
	sqlite3_stmt *st = NULL;
	int rc = runf(q, S_FIND_GET, &st, "reading a finding", diag, "ttt", device_id, cve_id,
	              component);

	if (rc == 0)
		rc = flw_diag_set(diag, FLW_ENOTFOUND, "cve_id", "no finding %s on '%s' in '%s'",
		                  cve_id, device_id, component);
	if (rc == 1 && (rc = life_row(st, 0, &l, diag)) == 0)
		*out = l;
	return done(q, rc);
}

static int sq_finding_set_life(struct flw_store *s, const char *device_id, const char *cve_id,
                               const char *component, const struct flw_finding_life *life,
                               int64_t expect_updated_ms, const struct flw_audit *audit,
                               struct flw_diag *diag)
{
	const char *what = "changing a finding";
	struct sq_store *q = sq(s);
	sqlite3_stmt *st = NULL;
	int src;
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	if ((rc = stmt(q, S_FIND_SET, &st, diag)) != 0)
		return tx_end(q, rc, diag);
	src = life_bind(st, device_id, cve_id, component, life);
	if (src == SQLITE_OK)
		src = bindf(st, 14, "i", expect_updated_ms);
	rc = src == SQLITE_OK ? step(q, st, what, diag) : db_error(q, src, what, diag);
	if (rc == 0 && sqlite3_changes(q->db) == 0) {
		/* absent, or changed since the caller read it */
		rc = runf(q, S_FIND_GET, NULL, what, diag, "ttt", device_id, cve_id, component);
		if (rc == 0)
			rc = flw_diag_set(diag, FLW_ENOTFOUND, "cve_id",
			                  "no finding %s on '%s' in '%s'", cve_id, device_id,
			                  component);
		else if (rc == 1)
			rc = flw_diag_set(diag, FLW_ECONFLICT, "updated_ms",
			                  "finding %s on '%s' changed meanwhile", cve_id,
			                  device_id);
	}
	return tx_end_audit(q, rc, audit, diag);
}

/* ---- vulnerability data: models -------------------------------------------------------------- */

static int sq_model_support_set(struct flw_store *s, const char *hwid, const char *support_end,
                                const struct flw_audit *audit, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	int rc;

	if ((rc = tx_begin(q, S_BEGIN, diag)) < 0)
		return rc;
	if (support_end[0])
		rc = runf(q, S_MODEL_SET, NULL, "setting the model's support end", diag, "tt", hwid,
		          support_end);
	else
		rc = runf(q, S_MODEL_DEL, NULL, "clearing the model's support end", diag, "t",
		          hwid);
	return tx_end_audit(q, rc, audit, diag);
}

static int sq_model_list(struct flw_store *s, json_t **out, struct flw_diag *diag)
{
	static const struct jcol cols[] = {
		{ "hwid", J_TEXT },
		{ "support_end", J_NTEXT },
		{ "devices", J_INT },
	};

	return list_simple(sq(s), S_MODEL_LIST, cols, FLW_ARRAY_SIZE(cols), out, diag);
}

/* ---- vulnerability data: the assessment's load --------------------------------------------------
 *
 * One read transaction, five statements stepped side by side: releases by id merged with their
 * hardware ids (sorted) and components (SBOM order), both ordered by release id; devices by id
 * (inventory, model support end, hardware CPE and newest action state come with the row)
 * merged with device_components ordered by device. No query per release or device. */

#define COMP_FIELDS 5 /* name, version, purl, cpe, vendor */
/* the text of the largest component list a release or device can hold */
#define COMP_TEXT_MAX                                                                              \
	(FLW_SBOM_MAX_COMPONENTS * (FLW_SBOM_NAME_MAX + FLW_SBOM_VERSION_MAX + FLW_SBOM_PURL_MAX + \
	                            FLW_SBOM_CPE_MAX + FLW_SBOM_VENDOR_MAX + COMP_FIELDS))
#define NO_TEXT SIZE_MAX

/* The components of one release or device, copied out of a cursor's rows: the strings go to
 * text, their offsets to off (NO_TEXT for NULL) while text may still move; comp_seal() then
 * points c[] into text. Reused from one release/device to the next. */
struct comp_list {
	struct flw_sbom_component *c;
	size_t (*off)[COMP_FIELDS];
	size_t n;
	size_t cap;
	struct flw_buf text;
};

static void comp_init(struct comp_list *l)
{
	memset(l, 0, sizeof(*l));
	flw_buf_init(&l->text, COMP_TEXT_MAX);
}

static void comp_done(struct comp_list *l)
{
	flw_free(l->c);
	flw_free(l->off);
	flw_buf_free(&l->text);
}

static int comp_grow(struct comp_list *l)
{
	size_t cap = l->cap ? l->cap * 2 : 64;
	struct flw_sbom_component *c;
	size_t(*off)[COMP_FIELDS];

	c = flw_reallocarray(l->c, cap, sizeof(*c));
	if (!c)
		return FLW_ENOMEM;
	l->c = c;
	off = flw_reallocarray(l->off, cap, sizeof(*off));
	if (!off)
		return FLW_ENOMEM;
	l->off = off;
	l->cap = cap;
	return 0;
}

/* Append the component in columns first.. first + 4 of st */
static int comp_add(struct comp_list *l, sqlite3_stmt *st, int first, struct flw_diag *diag)
{
	int rc = l->n < l->cap ? 0 : comp_grow(l);
	int k;

	if (l->n >= FLW_SBOM_MAX_COMPONENTS)
		rc = FLW_ELIMIT;

	for (k = 0; k < COMP_FIELDS && rc == 0; k++) {
		const unsigned char *t = sqlite3_column_text(st, first + k);

		l->off[l->n][k] = t ? l->text.len : NO_TEXT;
		if (t)
			rc = flw_buf_append(&l->text, t,
			                    (size_t)sqlite3_column_bytes(st, first + k) + 1);
		else if (sqlite3_column_type(st, first + k) != SQLITE_NULL)
			rc = FLW_ENOMEM;
	}
	if (rc == 0 && l->off[l->n][0] == NO_TEXT)
		rc = FLW_ESTORE; /* name is NOT NULL */
	if (rc != 0)
		return flw_diag_set(diag, rc, "components", "loading components: %s",
		                    flw_strerror(rc));
	l->n++;
	return 0;
}

static void comp_seal(struct comp_list *l)
{
	const char *base = (const char *)l->text.data;
	size_t i;
	int k;

	for (i = 0; i < l->n; i++) {
		const char **fields[COMP_FIELDS] = { &l->c[i].name, &l->c[i].version, &l->c[i].purl,
			                             &l->c[i].cpe, &l->c[i].vendor };

		for (k = 0; k < COMP_FIELDS; k++)
			*fields[k] = l->off[i][k] == NO_TEXT ? NULL : base + l->off[i][k];
	}
}

static void comp_reset(struct comp_list *l)
{
	l->n = 0;
	flw_buf_reset(&l->text);
}

/* A statement stepped alongside another, for a merge by key: row 1 while on a row. */
struct cursor {
	sqlite3_stmt *st;
	int row;
};

static int cursor_open(struct sq_store *q, enum stmt_id id, struct cursor *c, struct flw_diag *diag)
{
	int rc = runf(q, id, &c->st, "loading the assessment's data", diag, "");

	c->row = rc > 0;
	return rc < 0 ? rc : 0;
}

static int cursor_next(struct sq_store *q, struct cursor *c, struct flw_diag *diag)
{
	int rc = step(q, c->st, "loading the assessment's data", diag);

	c->row = rc > 0;
	return rc < 0 ? rc : 0;
}

/* Gather the components of release id (cursor rows: release_id, 5 component columns) */
static int release_comps(struct sq_store *q, struct cursor *c, int64_t id, struct comp_list *l,
                         struct flw_diag *diag)
{
	int rc = 0;

	comp_reset(l);
	while (rc == 0 && c->row && sqlite3_column_int64(c->st, 0) <= id) {
		if (sqlite3_column_int64(c->st, 0) == id && (rc = comp_add(l, c->st, 1, diag)) != 0)
			break;
		rc = cursor_next(q, c, diag);
	}
	if (rc == 0)
		comp_seal(l);
	return rc;
}

/* Release id's hardware ids, sorted, distinct, joined by ',' into b */
static int release_line(struct sq_store *q, struct cursor *c, int64_t id, struct flw_buf *b,
                        struct flw_diag *diag)
{
	size_t last = 0; /* offset of the last hwid written */
	int rc = 0;

	flw_buf_reset(b);
	while (rc == 0 && c->row && sqlite3_column_int64(c->st, 0) <= id) {
		const char *hw = (const char *)sqlite3_column_text(c->st, 1);

		if (sqlite3_column_int64(c->st, 0) == id && hw &&
		    (b->len == 0 || strcmp(flw_buf_cstr(b) + last, hw) != 0)) {
			last = b->len ? b->len + 1 : 0;
			if (b->len && (rc = flw_buf_puts(b, ",")) != 0)
				break;
			if ((rc = flw_buf_puts(b, hw)) != 0)
				break;
		}
		rc = cursor_next(q, c, diag);
	}
	if (rc == FLW_ENOMEM || rc == FLW_ELIMIT)
		return flw_diag_set(diag, rc, "hardware_ids", "loading hardware ids: %s",
		                    flw_strerror(rc));
	return rc;
}

static int load_releases(struct sq_store *q, flw_store_assess_release_fn fn, void *ctx,
                         struct comp_list *l, struct flw_diag *diag)
{
	struct cursor rel = { NULL, 0 };
	struct cursor hw = { NULL, 0 };
	struct cursor comp = { NULL, 0 };
	struct flw_store_assess_release r;
	struct flw_buf line;
	int rc;

	flw_buf_init(&line, FLW_TUF_MAX_HWIDS * (FLW_TUF_HWID_MAX + 1));
	if ((rc = cursor_open(q, S_LOAD_RELEASES, &rel, diag)) != 0 ||
	    (rc = cursor_open(q, S_LOAD_REL_HWIDS, &hw, diag)) != 0 ||
	    (rc = cursor_open(q, S_LOAD_REL_COMPS, &comp, diag)) != 0)
		goto out;
	while (rc == 0 && rel.row) {
		int64_t id = sqlite3_column_int64(rel.st, 0);

		if ((rc = release_line(q, &hw, id, &line, diag)) != 0 ||
		    (rc = release_comps(q, &comp, id, l, diag)) != 0)
			break;
		r.name = (const char *)sqlite3_column_text(rel.st, 1);
		r.created = (time_t)sqlite3_column_int64(rel.st, 2);
		r.product_line = flw_buf_cstr(&line);
		r.c = l->c;
		r.n = l->n;
		if (!r.name) {
			rc = flw_diag_set(diag, FLW_ENOMEM, NULL,
			                  "loading releases: out of memory");
			break;
		}
		if ((rc = fn(&r, ctx)) != 0)
			break;
		rc = cursor_next(q, &rel, diag);
	}
out:
	flw_buf_free(&line);
	return rc;
}

/* Gather the components device id reported (cursor rows: device, 5 component columns) */
static int device_comps(struct sq_store *q, struct cursor *c, const char *id, struct comp_list *l,
                        struct flw_diag *diag)
{
	int rc = 0;
	int cmp;

	comp_reset(l);
	while (rc == 0 && c->row) {
		const char *dev = (const char *)sqlite3_column_text(c->st, 0);

		if (!dev)
			return flw_diag_set(diag, FLW_ENOMEM, NULL,
			                    "loading devices: out of memory");
		cmp = strcmp(dev, id); /* BINARY collation: byte order, as ORDER BY */
		if (cmp > 0)
			break;
		if (cmp == 0 && (rc = comp_add(l, c->st, 1, diag)) != 0)
			break;
		rc = cursor_next(q, c, diag);
	}
	if (rc == 0)
		comp_seal(l);
	return rc;
}

/* Fill d (and inv, support_end) from an S_LOAD_DEVICES row; strings borrowed from st */
static int load_device_row(sqlite3_stmt *st, struct flw_store_assess_device *d,
                           struct flw_inventory *inv, char support_end[FLW_INV_DATE_MAX + 1],
                           struct flw_diag *diag)
{
	int rc;

	memset(d, 0, sizeof(*d));
	d->id = (const char *)sqlite3_column_text(st, 0);
	d->hwid = (const char *)sqlite3_column_text(st, 1);
	d->installed = (const char *)sqlite3_column_text(st, 2);
	d->installed_version = (const char *)sqlite3_column_text(st, 3);
	if (!d->id || !d->hwid || !d->installed || !d->installed_version)
		return flw_diag_set(diag, FLW_ENOMEM, NULL, "loading devices: out of memory");
	d->enrolled = (time_t)sqlite3_column_int64(st, 4);
	d->last_seen = (time_t)sqlite3_column_int64(st, 5);
	if ((rc = inventory_row(st, 6, inv, diag)) != 0 ||
	    (rc = col_text(st, 12, support_end, FLW_INV_DATE_MAX + 1, diag)) != 0)
		return rc;
	d->inv = inv;
	d->model_support_end = support_end;
	d->hardware_cpe = (const char *)sqlite3_column_text(st, 13);
	if (!d->hardware_cpe && sqlite3_column_type(st, 13) != SQLITE_NULL)
		return flw_diag_set(diag, FLW_ENOMEM, NULL, "loading devices: out of memory");
	d->last_action_state =
	        sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 : (int)sqlite3_column_int64(st, 14);
	d->last_action_updated = (time_t)sqlite3_column_int64(st, 15); /* NULL reads as 0 */
	return 0;
}

static int load_devices(struct sq_store *q, flw_store_assess_device_fn fn, void *ctx,
                        struct comp_list *l, struct flw_diag *diag)
{
	struct cursor dev = { NULL, 0 };
	struct cursor comp = { NULL, 0 };
	struct flw_store_assess_device d;
	struct flw_inventory inv;
	char support_end[FLW_INV_DATE_MAX + 1];
	int rc;

	if ((rc = cursor_open(q, S_LOAD_DEVICES, &dev, diag)) != 0 ||
	    (rc = cursor_open(q, S_LOAD_DEV_COMPS, &comp, diag)) != 0)
		return rc;
	while (rc == 0 && dev.row) {
		if ((rc = load_device_row(dev.st, &d, &inv, support_end, diag)) != 0 ||
		    (rc = device_comps(q, &comp, d.id, l, diag)) != 0)
			break;
		d.extra = l->c;
		d.n_extra = l->n;
		if ((rc = fn(&d, ctx)) != 0)
			break;
		rc = cursor_next(q, &dev, diag);
	}
	return rc;
}

static int sq_assess_load(struct flw_store *s, flw_store_assess_release_fn rfn,
                          flw_store_assess_device_fn dfn, void *ctx, struct flw_diag *diag)
{
	struct sq_store *q = sq(s);
	struct comp_list l;
	int rc;

	comp_init(&l);
	if ((rc = tx_begin(q, S_BEGIN_READ, diag)) < 0)
		goto out;
	rc = rfn ? load_releases(q, rfn, ctx, &l, diag) : 0;
	if (rc == 0 && dfn)
		rc = load_devices(q, dfn, ctx, &l, diag);
	rc = tx_end(q, rc, diag);
out:
	comp_done(&l);
	return rc;
}

static const struct flw_store_ops sqlite_ops = {
	.version = FLW_STORE_OPS_VERSION,
	.name = "sqlite",
	.close = sq_close,
	.schema_version = sq_schema_version,
	.setting_get = sq_setting_get,
	.setting_set = sq_setting_set,
	.audit_append = sq_audit_append,
	.audit_list = sq_audit_list,
	.api_token_add = sq_api_token_add,
	.api_token_find = sq_api_token_find,
	.api_token_list = sq_api_token_list,
	.api_token_revoke = sq_api_token_revoke,
	.api_token_count = sq_api_token_count,
	.enroll_token_add = sq_enroll_token_add,
	.enroll_token_list = sq_enroll_token_list,
	.enroll_token_revoke = sq_enroll_token_revoke,
	.device_enroll = sq_device_enroll,
	.device_get = sq_device_get,
	.device_list = sq_device_list,
	.device_checkin = sq_device_checkin,
	.device_touch = sq_device_touch,
	.group_add = sq_group_add,
	.group_list = sq_group_list,
	.group_set_members = sq_group_set_members,
	.group_delete = sq_group_delete,
	.artifact_add = sq_artifact_add,
	.artifact_get = sq_artifact_get,
	.tuf_put = sq_tuf_put,
	.tuf_get = sq_tuf_get,
	.tuf_publish = sq_tuf_publish,
	.release_get = sq_release_get,
	.release_list = sq_release_list,
	.deployment_create = sq_deployment_create,
	.deployment_list = sq_deployment_list,
	.deployment_get = sq_deployment_get,
	.deployment_cancel = sq_deployment_cancel,
	.action_next = sq_action_next,
	.reports_apply = sq_reports_apply,
	.device_history = sq_device_history,
	.action_director = sq_action_director,
	.director_next_version = sq_director_next_version,
	.director_put = sq_director_put,
	.release_components = sq_release_components,
	.device_inventory_set = sq_device_inventory_set,
	.device_components = sq_device_components,
	.feed_add = sq_feed_add,
	.feed_each = sq_feed_each,
	.feed_list = sq_feed_list,
	.findings_put = sq_findings_put,
	.findings_each = sq_findings_each,
	.finding_get = sq_finding_get,
	.finding_set_life = sq_finding_set_life,
	.model_support_set = sq_model_support_set,
	.model_list = sq_model_list,
	.assess_load = sq_assess_load,
};
