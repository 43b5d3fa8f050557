// node/db/listpack_size.cc -- see listpack_size.h.

#include "node/db/listpack_size.h"

#include <string>

#include "node/base/strings.h"

namespace node::db {

size_t ListpackBacklenSize(size_t l) {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

size_t ListpackIntEntrySize(int64_t v) {
  size_t n;
  if (v >= 0 && v <= 127) {
    n = 1;
  } else if (v >= -4096 && v <= 4095) {
    n = 2;
  } else if (v >= -32768 && v <= 32767) {
    n = 3;
  } else if (v >= -8388608 && v <= 8388607) {
    n = 4;
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    n = 5;
  } else {
    n = 9;
  }
  return n + ListpackBacklenSize(n);
}

size_t ListpackEntrySize(std::string_view s) {
  if (!s.empty() && s.size() <= 20) {
    auto v = base::ParseInt64(s);
    if (v && base::Int64ToString(*v) == s) return ListpackIntEntrySize(*v);
  }
  size_t len = s.size();
  size_t n = (len < 64 ? 1 : len < 4096 ? 2 : 5) + len;
  return n + ListpackBacklenSize(n);
}

}  // namespace node::db
