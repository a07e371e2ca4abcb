/* tests/unit/store/store_fixture.h - one store on a real SQLite file in a temporary directory,
 * shared by the store test files (cmocka setup/teardown) */
#ifndef FLW_TEST_STORE_FIXTURE_H
#define FLW_TEST_STORE_FIXTURE_H

struct flw_store;

struct fx {
	char *dir;
	char *path;
	struct flw_store *s;
};

/* *state = a new struct fx with an open store; teardown closes it and removes the directory */
int store_fx_setup(void **state);
int store_fx_teardown(void **state);

#endif /* FLW_TEST_STORE_FIXTURE_H */
