/* src/libfleetward/server/devtoken.c - device tokens and secret API/enrollment tokens
 *
 * A device token is "<b64url(payload)>.<b64url(mac)>" with payload "v1|<device id>|<expiry>"
 * and mac = HMAC-SHA-512-256(token key, payload). It is checked with the key alone, so a
 * check-in needs no database round trip. The MAC is verified (constant time) before any
 * field of the payload is believed.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fleetward/crypto.h"
#include "fleetward/error.h"
#include "fleetward/protocol.h"
#include "server/server.h"

int flw_devtoken_issue(char *out, size_t out_len, const unsigned char key[FLW_MAC_KEY_BYTES],
                       const char *device_id, time_t expires)
{
	char payload[FLW_DEVTOKEN_PAYLOAD_MAX + 1];
	unsigned char mac[FLW_MAC_BYTES];
	size_t plen;
	size_t need;
	int n;

	if (!flw_id_ok(device_id) || expires <= 0)
		return FLW_EINVAL;
	n = snprintf(payload, sizeof(payload), "v1|%s|%" PRId64, device_id, (int64_t)expires);
	if (n < 0 || (size_t)n >= sizeof(payload))
		return FLW_ELIMIT;
	plen = (size_t)n;
	need = flw_b64url_len(plen) + 1 + flw_b64url_len(FLW_MAC_BYTES) + 1;
	if (need > out_len)
		return FLW_ELIMIT;
	flw_mac(mac, payload, plen, key);
	flw_b64url_encode(out, (const unsigned char *)payload, plen);
	plen = strlen(out);
	out[plen] = '.';
	flw_b64url_encode(out + plen + 1, mac, FLW_MAC_BYTES);
	return 0;
}

/* "v1|<id>|<expiry>" (already authenticated) into its fields */
static int parse_payload(const char *p, size_t len, char id_out[FLW_ID_MAX + 1], time_t *exp)
{
	const char *bar;
	size_t idlen;
	char num[24];
	char *end = NULL;
	long long v;

	if (len < 5 || memcmp(p, "v1|", 3) != 0)
		return FLW_EAUTH;
	p += 3;
	len -= 3;
	bar = memchr(p, '|', len);
	if (!bar)
		return FLW_EAUTH;
	idlen = (size_t)(bar - p);
	if (idlen == 0 || idlen > FLW_ID_MAX)
		return FLW_EAUTH;
	memcpy(id_out, p, idlen);
	id_out[idlen] = '\0';
	if (!flw_id_ok(id_out))
		return FLW_EAUTH;
	len -= idlen + 1;
	if (len == 0 || len >= sizeof(num))
		return FLW_EAUTH;
	memcpy(num, bar + 1, len);
	num[len] = '\0';
	if (num[0] < '0' || num[0] > '9')
		return FLW_EAUTH;
	errno = 0;
	v = strtoll(num, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return FLW_EAUTH;
	*exp = (time_t)v;
	return 0;
}

int flw_devtoken_check(const char *token, size_t len, const unsigned char key[FLW_MAC_KEY_BYTES],
                       time_t now, char id_out[FLW_ID_MAX + 1], time_t *expires_out)
{
	unsigned char payload[FLW_DEVTOKEN_PAYLOAD_MAX + 1];
	unsigned char mac[FLW_MAC_BYTES + 4];
	char id[FLW_ID_MAX + 1];
	const char *dot;
	size_t plen = 0;
	size_t mlen = 0;
	time_t exp = 0;
	int rc = FLW_EAUTH; /* default-deny */

	if (!token || len == 0 || len > FLW_DEVICE_TOKEN_MAX)
		goto out;
	dot = memchr(token, '.', len);
	if (!dot)
		goto out;
	if (flw_b64url_decode(payload, sizeof(payload) - 1, &plen, token, (size_t)(dot - token)) !=
	    0)
		goto out;
	if (flw_b64url_decode(mac, sizeof(mac), &mlen, dot + 1, len - (size_t)(dot - token) - 1) !=
	    0)
		goto out;
	if (mlen != FLW_MAC_BYTES || flw_mac_verify(mac, payload, plen, key) != 0)
		goto out;
	payload[plen] = '\0';
	if (parse_payload((const char *)payload, plen, id, &exp) != 0)
		goto out;
	if (exp <= now) {
		rc = FLW_EEXPIRED;
		goto out;
	}
	memcpy(id_out, id, sizeof(id));
	if (expires_out)
		*expires_out = exp;
	rc = 0; /* the only success point */
out:
	return rc;
}

int flw_secret_token_new(char out[FLW_SECRET_TOKEN_MAX + 1], const char *prefix,
                         unsigned char hash_out[FLW_SHA256_BYTES])
{
	unsigned char raw[32];
	size_t plen = strlen(prefix);
	int rc;

	if (plen + flw_b64url_len(sizeof(raw)) > FLW_SECRET_TOKEN_MAX)
		return FLW_EINVAL;
	flw_random(raw, sizeof(raw));
	memcpy(out, prefix, plen);
	flw_b64url_encode(out + plen, raw, sizeof(raw));
	flw_memzero(raw, sizeof(raw));
	rc = flw_sha256(out, strlen(out), hash_out);
	return rc;
}
