/* src/libfleetward/vuln/feed_sniff.c - which feed a file is, from its first bytes
 *
 * One set of rules for the server (a feed upload without ?kind=) and the CLI (feed import
 * without --kind), so that both always tell a file the same way (docs/PROTOCOL.md "Feed
 * import"). A small state machine over the JSON text: it follows strings, escapes and nesting
 * and looks at object keys only, at depth 1 (the document's keys) and depth 3 (the keys of the
 * first element of a top-level "vulnerabilities" array); a decisive key names the kind.
 */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "fleetward/common.h"
#include "fleetward/feed.h"

#define SNIFF_DEPTH 64

struct sniff {
	int depth;
	int in_str;
	int esc;
	int collecting; /* the string being read is an object key */
	int key_done;
	char key[40];
	size_t klen;
	unsigned char obj[SNIFF_DEPTH + 1]; /* container at each depth is an object */
	int expect_key;
	int in_vulns; /* inside the top-level "vulnerabilities" array */
	int nl_inside;
	const char *kind;
};

static const struct {
	int depth; /* 1: top-level key; 3: key of a "vulnerabilities" element */
	const char *key;
	const char *kind;
} decisive[] = {
	{ 1, "dataType", "cve5" },
	{ 1, "dataVersion", "cve5" },
	{ 1, "cveMetadata", "cve5" },
	{ 1, "containers", "cve5" },
	{ 1, "catalogVersion", "kev" },
	{ 1, "dateReleased", "kev" },
	{ 1, "resultsPerPage", "nvd" },
	{ 1, "startIndex", "nvd" },
	{ 1, "totalResults", "nvd" },
	{ 1, "format", "nvd" },
	{ 3, "cve", "nvd" },
	{ 3, "cveID", "kev" },
};

static void sniff_key(struct sniff *z)
{
	size_t i;

	z->key[z->klen] = '\0';
	if (z->depth == 1)
		z->in_vulns = strcmp(z->key, "vulnerabilities") == 0;
	if (z->depth == 3 && !z->in_vulns)
		return;
	for (i = 0; !z->kind && i < FLW_ARRAY_SIZE(decisive); i++)
		if (decisive[i].depth == z->depth && strcmp(decisive[i].key, z->key) == 0)
			z->kind = decisive[i].kind;
}

static void sniff_string_byte(struct sniff *z, unsigned char c)
{
	if (z->esc) {
		z->esc = 0;
	} else if (c == '\\') {
		z->esc = 1;
		return;
	} else if (c == '"') {
		z->in_str = 0;
		z->key_done = z->collecting;
		return;
	}
	if (z->collecting && z->klen < sizeof(z->key) - 1)
		z->key[z->klen++] = (char)c;
}

/* one byte outside strings; 1 when the first top-level value closed */
static int sniff_byte(struct sniff *z, unsigned char c)
{
	switch (c) {
	case '"':
		z->in_str = 1;
		z->collecting = z->expect_key;
		z->klen = 0;
		break;
	case '{':
	case '[':
		if (z->depth >= SNIFF_DEPTH)
			return 1;
		z->obj[++z->depth] = c == '{';
		z->expect_key = c == '{';
		break;
	case '}':
	case ']':
		if (--z->depth <= 0)
			return 1;
		z->expect_key = 0;
		break;
	case ':':
		if (z->key_done)
			sniff_key(z);
		z->key_done = 0;
		z->expect_key = 0;
		break;
	case ',':
		z->expect_key = z->obj[z->depth];
		break;
	case '\n':
		z->nl_inside = 1;
		break;
	default:
		break;
	}
	return 0;
}

static const char *sniff_json(const unsigned char *b, size_t n)
{
	struct sniff z;
	size_t i;
	int closed = 0;

	memset(&z, 0, sizeof(z));
	for (i = 0; i < n && !closed; i++) {
		if (z.in_str)
			sniff_string_byte(&z, b[i]);
		else
			closed = sniff_byte(&z, b[i]);
		if (z.kind && strcmp(z.kind, "cve5") != 0)
			return z.kind;
	}
	if (!z.kind)
		return NULL;
	/* CVE 5: one record per line when the first record has no line break inside */
	return z.nl_inside ? "cve5" : "cve5-jsonl";
}

const char *flw_feed_sniff(const void *p, size_t n, int complete)
{
	const unsigned char *b = p;
	size_t i = 0;

	(void)complete;
	if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' || b[i] == '\n'))
		i++;
	if (i >= n)
		return NULL;
	if (b[i] == '#' || (n - i >= 4 && strncasecmp((const char *)b + i, "cve,", 4) == 0))
		return "epss";
	if (b[i] != '{')
		return NULL;
	return sniff_json(b + i, n - i);
}
