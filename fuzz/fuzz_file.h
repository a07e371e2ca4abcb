/* fuzz/fuzz_file.h - for fuzz targets whose parser reads a file: a private temporary directory
 * made once per process (under $TMPDIR), the input written to fuzz_in before each run, a spare
 * path fuzz_out for save/load oracles, everything removed at exit. */
#ifndef FLW_FUZZ_FILE_H
#define FLW_FUZZ_FILE_H
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char fuzz_dir[256];
static char fuzz_sub[300];
static char fuzz_in[400];
static char fuzz_out[400];

static void fuzz_file_cleanup(void)
{
	unlink(fuzz_in);
	unlink(fuzz_out);
	if (fuzz_sub[0])
		rmdir(fuzz_sub);
	rmdir(fuzz_dir);
}

/* Once per process: DIR = $TMPDIR/flw-fuzz-<tag>.XXXXXX, the input at DIR[/sub]/<in_name>.
 * Returns 1 on the call that made the directory (for a target's own one-time set-up). */
static int fuzz_file_setup(const char *tag, const char *sub, const char *in_name)
{
	const char *tmp = getenv("TMPDIR");

	if (fuzz_dir[0])
		return 0;
	snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/flw-fuzz-%s.XXXXXX", tmp && *tmp ? tmp : "/tmp",
	         tag);
	if (!mkdtemp(fuzz_dir))
		abort();
	if (sub) {
		snprintf(fuzz_sub, sizeof(fuzz_sub), "%s/%s", fuzz_dir, sub);
		if (mkdir(fuzz_sub, 0700) != 0)
			abort();
	}
	snprintf(fuzz_in, sizeof(fuzz_in), "%s/%s", sub ? fuzz_sub : fuzz_dir, in_name);
	snprintf(fuzz_out, sizeof(fuzz_out), "%s/out", fuzz_dir);
	atexit(fuzz_file_cleanup);
	return 1;
}

static void fuzz_write_input(const uint8_t *data, size_t size)
{
	int fd = open(fuzz_in, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size) || close(fd) != 0)
		abort();
}

#endif /* FLW_FUZZ_FILE_H */
