/* tests/unit/match/match_diff.h - differential tests of the index's version filters */
#ifndef FLW_TEST_MATCH_DIFF_H
#define FLW_TEST_MATCH_DIFF_H

void test_index_filter_differential(void **state);
void test_index_filter_oom(void **state);

#endif
