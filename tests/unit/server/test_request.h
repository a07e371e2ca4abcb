/* tests/unit/server/test_request.h - the request parser tests (test_request.c), run by main */
#ifndef FLW_TEST_REQUEST_H
#define FLW_TEST_REQUEST_H
int flw_test_request(void);
#endif
