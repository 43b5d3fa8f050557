// node/persist/aof_manifest.cc -- see aof_manifest.h.

#include "node/persist/aof_manifest.h"

#include <cctype>

#include "node/base/splitargs.h"
#include "node/base/strings.h"

namespace node::persist {
namespace {

using base::Result;
using base::Status;

void AppendLine(std::string& out, const AofFileInfo& f) {
  out += "file ";
  out += base::QuoteArgIfNeeded(f.name);
  out += " seq ";
  out += base::Int64ToString(f.seq);
  out += " type ";
  out.push_back(f.type);
  out.push_back('\n');
}

}  // namespace

std::string FormatAofManifest(const AofManifest& m) {
  std::string out;
  if (m.base) AppendLine(out, *m.base);
  for (const auto& f : m.history) AppendLine(out, f);
  for (const auto& f : m.incrs) AppendLine(out, f);
  return out;
}

Result<AofManifest> ParseAofManifest(std::string_view text) {
  AofManifest m;
  size_t line_no = 0;
  auto fail = [&](const std::string& why) {
    return Result<AofManifest>::Error("Invalid AOF manifest file format (line " +
                                      std::to_string(line_no) + "): " + why);
  };
  while (!text.empty()) {
    ++line_no;
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    auto args = base::SplitArgs(line);
    if (!args) return fail("unbalanced quotes");
    if (args->size() < 6 || args->size() % 2) return fail("expected key value pairs");
    AofFileInfo f;
    bool have_name = false, have_seq = false, have_type = false;
    for (size_t i = 0; i < args->size(); i += 2) {
      const std::string& k = (*args)[i];
      const std::string& v = (*args)[i + 1];
      if (k == "file") {
        // Names are joined to the AOF directory: a path would reach outside it.
        if (v.find_first_of("/\\") != std::string::npos) {
          return fail("File can't be a path, just a filename");
        }
        f.name = v;
        have_name = true;
      } else if (k == "seq") {
        auto n = base::ParseInt64(v);
        if (!n) return fail("bad seq");
        f.seq = *n;
        have_seq = true;
      } else if (k == "type") {
        if (v.size() != 1 || (v[0] != 'b' && v[0] != 'h' && v[0] != 'i')) {
          return fail("unknown type");
        }
        f.type = v[0];
        have_type = true;
      }  // unknown keys are ignored (forward compatibility, as Redis does)
    }
    if (!have_name || !have_seq || !have_type) return fail("missing file, seq or type");
    if (f.type == 'b') {
      if (m.base) return fail("found duplicate base file information");
      m.base = std::move(f);
    } else if (f.type == 'h') {
      m.history.push_back(std::move(f));
    } else {
      if (!m.incrs.empty() && f.seq <= m.incrs.back().seq) {
        return fail("found a non-monotonic sequence number");
      }
      m.incrs.push_back(std::move(f));
    }
  }
  return m;
}

}  // namespace node::persist
