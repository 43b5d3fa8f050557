// libFuzzer target for the cluster bus decoder (issue 9: every bus message
// comes from another machine and is untrusted). Build with
// -DBUILD_FUZZ=ON and clang; run e.g.
//   build-fuzz/bus_message_fuzz -max_total_time=60 node/cluster/fuzz_corpus
// Any input must either decode or be refused; decoding then re-encoding a
// message that decoded must not crash either.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "node/cluster/bus_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto len = node::cluster::PacketLength(in);
  auto msg = node::cluster::Decode(in);
  if (msg.ok()) {
    std::string again = node::cluster::Encode(*msg);
    auto back = node::cluster::Decode(again);
    (void)back;
  }
  (void)len;
  return 0;
}
