/*
 * standalone_driver.c - replay a fuzz corpus without libFuzzer.
 *
 * Usage: <target>_fuzzer DIR|FILE...  Every regular file is fed to LLVMFuzzerTestOneInput once.
 * Exits 0 when all inputs ran (a crash ends the process, which CTest reports).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	long len;
	int rc = -1;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	data = malloc((size_t)len + 1);
	if (!data || fread(data, 1, (size_t)len, f) != (size_t)len)
		goto out;
	LLVMFuzzerTestOneInput(data, (size_t)len);
	rc = 0;
out:
	free(data);
	fclose(f);
	return rc;
}

static int run_path(const char *path, unsigned *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char sub[4096];

	if (stat(path, &st) != 0)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return run_file(path);
	}
	d = opendir(path);
	if (!d)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		if (run_path(sub, count) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int i;

	for (i = 1; i < argc; i++) {
		if (run_path(argv[i], &count) != 0) {
			fprintf(stderr, "cannot replay '%s'\n", argv[i]);
			return 1;
		}
	}
	/* an empty input is always worth one run */
	LLVMFuzzerTestOneInput((const uint8_t *)"", 0);
	printf("replayed %u inputs\n", count);
	return 0;
}
