// Unit tests for listpack entry sizes (persist/compact_blobs_test.cc checks
// them against the bytes ListpackBuilder writes).

#include "node/db/listpack_size.h"

#include <doctest/doctest.h>

#include <climits>
#include <string>

using node::db::ListpackEntrySize;
using node::db::ListpackIntEntrySize;

TEST_SUITE("db/listpack_size") {
  TEST_CASE("integer and string entries take listpack's sizes") {
    CHECK(ListpackIntEntrySize(0) == 2);
    CHECK(ListpackIntEntrySize(127) == 2);
    CHECK(ListpackIntEntrySize(128) == 3);
    CHECK(ListpackIntEntrySize(-4096) == 3);
    CHECK(ListpackIntEntrySize(32767) == 4);
    CHECK(ListpackIntEntrySize(8388607) == 5);
    CHECK(ListpackIntEntrySize(INT32_MAX) == 6);
    CHECK(ListpackIntEntrySize(INT64_MIN) == 10);
    CHECK(ListpackEntrySize("12") == 2);
    CHECK(ListpackEntrySize("012") == 5);  // not canonical: a string
    CHECK(ListpackEntrySize(std::string(63, 'x')) == 65);
    CHECK(ListpackEntrySize(std::string(64, 'x')) == 67);
  }
}
