/* meta/protocol.c - string forms of the enums in protocol.h (tables, walked both ways) */
#include <string.h>

#include "fleetward/protocol.h"

static const char *const state_names[_FLW_ST_MAX] = {
	[FLW_ST_PENDING] = "pending",         [FLW_ST_DOWNLOADING] = "downloading",
	[FLW_ST_DOWNLOADED] = "downloaded",   [FLW_ST_INSTALLING] = "installing",
	[FLW_ST_INSTALLED] = "installed",     [FLW_ST_BOOTED] = "booted",
	[FLW_ST_SUCCESS] = "success",         [FLW_ST_FAILURE] = "failure",
	[FLW_ST_ROLLED_BACK] = "rolled_back", [FLW_ST_CANCELED] = "canceled",
};

static const char *const role_names[_FLW_ROLE_MAX] = {
	[FLW_ROLE_VIEWER] = "viewer",
	[FLW_ROLE_OPERATOR] = "operator",
	[FLW_ROLE_ADMIN] = "admin",
};

static int lookup(const char *const *names, int n, const char *s)
{
	int i;

	if (!s)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return -1;
}

const char *flw_action_state_to_string(int st)
{
	return st >= 0 && st < _FLW_ST_MAX ? state_names[st] : NULL;
}

int flw_action_state_from_string(const char *s)
{
	return lookup(state_names, _FLW_ST_MAX, s);
}

int flw_action_state_terminal(int st)
{
	return st >= FLW_ST_SUCCESS && st < _FLW_ST_MAX;
}

const char *flw_role_to_string(int role)
{
	return role >= 0 && role < _FLW_ROLE_MAX ? role_names[role] : NULL;
}

int flw_role_from_string(const char *s)
{
	return lookup(role_names, _FLW_ROLE_MAX, s);
}

int flw_id_ok(const char *s)
{
	size_t i;

	if (!s || !s[0] || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; s[i]; i++) {
		char c = s[i];

		if (i >= FLW_ID_MAX)
			return 0;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':' || c == '-'))
			return 0;
	}
	return 1;
}
