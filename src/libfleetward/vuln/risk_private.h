/* vuln/risk_private.h - helpers shared by risk.c, policy.c and mttp.c (library-private) */
#ifndef FLW_VULN_RISK_PRIVATE_H
#define FLW_VULN_RISK_PRIVATE_H
#include <stddef.h>
#include <stdint.h>

#include "fleetward/common.h"
#include "fleetward/risk.h"

/* "YYYY-MM-DD" (UTC) of a time in ms since the epoch; "(invalid date)" outside 0..9999 */
void flw_risk__date(int64_t ms, char out[16]);
/* Append a reason to list[0..max) (silently full); text is truncated to fit. */
void flw_risk__reason(struct flw_risk_reason *list, size_t max, size_t *n,
                      enum flw_risk_reason_code code, const char *fmt, ...) FLW_PRINTF(5, 6);

#endif
