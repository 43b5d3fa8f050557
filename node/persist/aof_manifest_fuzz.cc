// node/persist/aof_manifest_fuzz.cc
//
// libFuzzer target for the multi-part AOF manifest parser (issue 9: the
// manifest is read from disk at startup and names the files to open).
//
// Invariants checked for a manifest that parses: every file name is a plain
// name (never a path: Redis 7.0 refuses "File can't be a path, just a
// filename", and a name with '/' would make the loader open files outside
// the AOF directory); the incremental sequence numbers ascend; formatting
// and parsing again gives the same manifest, and the same text.
// Build: scripts/fuzz.sh.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "node/persist/aof_manifest.h"

namespace {

[[noreturn]] void Fail(const char* what) {
  fprintf(stderr, "aof manifest fuzz: %s\n", what);
  abort();
}

bool Same(const node::persist::AofManifest& a, const node::persist::AofManifest& b) {
  return a.base == b.base && a.history == b.history && a.incrs == b.incrs;
}

void CheckName(const std::string& name) {
  if (name.find('/') != std::string::npos || name.find('\\') != std::string::npos) {
    Fail("a file name that is a path was accepted");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto m = node::persist::ParseAofManifest(text);
  if (!m.ok()) return 0;
  if (m->base) CheckName(m->base->name);
  for (const auto& f : m->history) CheckName(f.name);
  for (size_t i = 0; i < m->incrs.size(); ++i) {
    CheckName(m->incrs[i].name);
    if (i > 0 && m->incrs[i].seq <= m->incrs[i - 1].seq) Fail("incr seqs do not ascend");
  }
  std::string again = node::persist::FormatAofManifest(*m);
  auto m2 = node::persist::ParseAofManifest(again);
  if (!m2.ok()) Fail("a formatted manifest does not parse");
  if (!Same(*m, *m2)) Fail("format + parse changed the manifest");
  if (node::persist::FormatAofManifest(*m2) != again) Fail("formatting is not stable");
  return 0;
}
