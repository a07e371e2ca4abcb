/* fuzz/agent_response_fuzzer.c - the agent's parsing of server answers.
 *
 * The parsers are static functions of the agent (no separate module), so this target
 * #includes src/agent/poll.c and src/agent/enroll.c and links the rest of the agent
 * (fuzz/agent_response.cmake). The first input byte picks the answer, the rest is its body:
 *   even: check-in answer. checkin() parses it inline after its HTTP request; the same three
 *         steps run here (strict JSON with the agent's limits, poll_after/acked_seq bounds) and
 *         then the real get_update() + parse_update() and flw_agent_state_ack().
 *   odd:  enroll/auth answer: the real take_token(), which also saves state_dir/token.
 *         Oracle: load_token() reads back exactly the token and expiry that were taken
 *         (a token the agent cannot reload would strand the device).
 */
#include "poll.c"
#include "enroll.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[256];
static struct agent_config cfg;
static struct flw_agent_state st;

static void cleanup(void)
{
	char *p = flw_fs_join(dir, "token");

	if (p)
		unlink(p);
	flw_free(p);
	rmdir(dir);
}

static void quiet(int level, const char *msg, void *payload)
{
	(void)level;
	(void)msg;
	(void)payload;
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	if (dir[0])
		return;
	snprintf(dir, sizeof(dir), "%s/flw-fuzz-aresp.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir))
		abort();
	cfg.state_dir = dir;
	flw_set_log_fn(quiet, NULL);
	atexit(cleanup);
}

/* relative, and no component is "", "." or ".." */
static int path_inside(const char *p)
{
	const char *c = p;

	for (;;) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (c[n] == '\0')
			return 1;
		c += n + 1;
	}
}

static void checkin_answer(const uint8_t *data, size_t size)
{
	const struct flw_json_limits lim = { AGENT_RESP_MAX, 8 };
	struct agent_update u;
	struct flw_diag d = { 0 };
	json_t *ans = NULL;
	json_t *upd = NULL;
	int64_t poll_after = 0;
	int64_t acked = 0;
	char *tpath = NULL;
	size_t i;

	if (flw_json_parse(&ans, data, size, &lim, &d) != 0 ||
	    flw_json_get_int(ans, "poll_after", &poll_after, 1, 7 * 86400, 1, &d) != 0 ||
	    flw_json_get_int(ans, "acked_seq", &acked, 0, INT64_MAX, 1, &d) != 0 ||
	    get_update(ans, &upd, &d) != 0 || (upd && parse_update(upd, &u, &d) != 0))
		goto out;
	flw_agent_state_init(&st);
	for (i = 0; i < 5; i++)
		flw_agent_state_enqueue(&st, 1, FLW_ST_DOWNLOADING, "x", 1);
	(void)flw_agent_state_ack(&st, acked);
	if (st.next_seq < 1 || (st.n_queue && st.queue[st.n_queue - 1].seq >= st.next_seq))
		abort();
	if (!upd)
		goto out;
	/* the name is not checked here: flw_tuf_client_target() refuses a bad one before use */
	if (u.deployment < 1 || u.t.length > (uint64_t)INT64_MAX)
		abort();
	tpath = flw_tuf_target_path(&u.t);
	if (tpath && !path_inside(tpath))
		abort(); /* the download URL path must stay inside /tuf/targets/ */
out:
	flw_free(tpath);
	json_decref(ans);
}

static void token_answer(const uint8_t *data, size_t size)
{
	struct agent a;
	struct agent b;
	struct agent_resp r;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	a.cfg = &cfg;
	b.cfg = &cfg;
	agent_resp_init(&r, AGENT_RESP_MAX);
	if (flw_buf_append(&r.body, data, size) != 0)
		goto out;
	r.status = 200;
	if (take_token(&a, &r) != 0)
		goto out;
	if (load_token(&b) != 0 || strcmp(a.token, b.token) != 0 ||
	    a.token_expires != b.token_expires)
		abort(); /* the saved token file does not reload to what was taken */
out:
	agent_resp_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	setup();
	if (size < 1)
		return 0;
	if (data[0] % 2 == 0)
		checkin_answer(data + 1, size - 1);
	else
		token_answer(data + 1, size - 1);
	return 0;
}
