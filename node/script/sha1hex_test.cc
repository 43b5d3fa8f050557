// node/script/sha1hex_test.cc -- unit tests of Sha1Hex (script cache keys).

#include "node/script/sha1hex.h"

#include <doctest/doctest.h>

TEST_SUITE("script/sha1hex") {
  TEST_CASE("SHA1 hex digests match the FIPS 180 vectors and EVAL's script ids") {
    using node::script::Sha1Hex;
    CHECK(Sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    CHECK(Sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
    // The id redis-server gives to "return 1".
    CHECK(Sha1Hex("return 1") == "e0e1f9fabfc9d4800c877a703b823ac0578ff8db");
    CHECK(Sha1Hex(std::string(1000, '\0')).size() == 40);
  }
}
