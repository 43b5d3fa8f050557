// node/persist/compact_blobs.h
//
// Redis's compact in-memory encodings as they appear inside RDB strings
// (rdb.md §5): listpack (read + write), intset (read + write), ziplist and
// zipmap (read only, legacy types 9/10/12/13/14). Every decoder validates the
// whole blob (header sizes, element bounds, back-lengths, terminators) and
// returns an error instead of reading out of bounds. Used by rdb_value; pure,
// any thread.

#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "node/base/result.h"

namespace node::persist {

// One listpack/ziplist element: an integer or a string view into the blob.
struct BlobElement {
  bool is_int = false;
  int64_t int_value = 0;
  std::string_view str;
  std::string ToString() const;  // integers as decimal text
};

// --- Listpack ---

// Builds a listpack the way Redis's lpAppend does: canonical integers get the
// smallest integer form, everything else the smallest string form.
class ListpackBuilder {
 public:
  ListpackBuilder();
  void Append(std::string_view element);  // integer-encoded when canonical
  void AppendInteger(int64_t v);
  size_t count() const { return count_; }
  // Bytes an element would take (encoding + data + back-length).
  static size_t ElementSize(std::string_view element);
  static size_t IntegerElementSize(int64_t v);
  // Total size the listpack would have if finished now (header + end byte).
  size_t bytes() const { return buf_.size() + 1; }
  // Writes the header and the terminator; the builder is spent afterwards.
  std::string Finish();

 private:
  void AddBacklen(size_t encoded_size);
  std::string buf_;
  size_t count_ = 0;
};

// Calls fn for each element in order; any malformation is an error. fn may
// return a non-ok Status to stop (that status is returned).
base::Status ListpackForEach(std::string_view blob,
                             const std::function<base::Status(const BlobElement&)>& fn);
// All elements as strings.
base::Result<std::vector<std::string>> ListpackDecode(std::string_view blob);
// Element count after full validation.
base::Result<size_t> ListpackValidate(std::string_view blob);

// --- Intset ---

// Smallest encoding that holds every value; values are sorted and de-duplicated.
std::string IntsetEncode(std::vector<int64_t> values);
// Values in ascending order; refuses bad encodings, size mismatch, empty sets
// and unsorted/duplicate values.
base::Result<std::vector<int64_t>> IntsetDecode(std::string_view blob);

// --- Ziplist (read only) ---

base::Status ZiplistForEach(std::string_view blob,
                            const std::function<base::Status(const BlobElement&)>& fn);
base::Result<std::vector<std::string>> ZiplistDecode(std::string_view blob);

// --- Zipmap (read only) ---

base::Result<std::vector<std::pair<std::string, std::string>>> ZipmapDecode(std::string_view blob);

}  // namespace node::persist
