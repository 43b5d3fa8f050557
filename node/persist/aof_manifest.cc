// node/persist/aof_manifest.cc -- see aof_manifest.h.

#include "node/persist/aof_manifest.h"

#include <cctype>

#include "node/base/strings.h"

namespace node::persist {
namespace {

using base::Result;
using base::Status;

bool NeedsQuoting(std::string_view s) {
  if (s.empty()) return true;
  for (unsigned char c : s) {
    if (!std::isprint(c) || std::isspace(c) || c == '"' || c == '\'' || c == '\\') return true;
  }
  return false;
}

void AppendQuoted(std::string& out, std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      default:
        if (std::isprint(c)) {
          out.push_back(static_cast<char>(c));
        } else {
          out += "\\x";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 15]);
        }
    }
  }
  out.push_back('"');
}

int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// sdssplitargs-style tokenizer: spaces separate, "..." with escapes, '...'.
std::optional<std::vector<std::string>> SplitArgs(std::string_view line) {
  std::vector<std::string> out;
  size_t i = 0;
  while (true) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= line.size()) return out;
    std::string cur;
    if (line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) return std::nullopt;
        char c = line[i];
        if (c == '"') {
          ++i;
          break;
        }
        if (c == '\\' && i + 1 < line.size()) {
          char n = line[i + 1];
          if (n == 'x' && i + 3 < line.size() && HexVal(line[i + 2]) >= 0 &&
              HexVal(line[i + 3]) >= 0) {
            cur.push_back(static_cast<char>(HexVal(line[i + 2]) * 16 + HexVal(line[i + 3])));
            i += 4;
            continue;
          }
          switch (n) {
            case 'n':
              cur.push_back('\n');
              break;
            case 'r':
              cur.push_back('\r');
              break;
            case 't':
              cur.push_back('\t');
              break;
            case 'b':
              cur.push_back('\b');
              break;
            case 'a':
              cur.push_back('\a');
              break;
            default:
              cur.push_back(n);
          }
          i += 2;
          continue;
        }
        cur.push_back(c);
        ++i;
      }
      if (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])))
        return std::nullopt;
    } else if (line[i] == '\'') {
      ++i;
      while (true) {
        if (i >= line.size()) return std::nullopt;
        if (line[i] == '\\' && i + 1 < line.size() && line[i + 1] == '\'') {
          cur.push_back('\'');
          i += 2;
          continue;
        }
        if (line[i] == '\'') {
          ++i;
          break;
        }
        cur.push_back(line[i++]);
      }
      if (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i])))
        return std::nullopt;
    } else {
      while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) {
        cur.push_back(line[i++]);
      }
    }
    out.push_back(std::move(cur));
  }
}

void AppendLine(std::string& out, const AofFileInfo& f) {
  out += "file ";
  if (NeedsQuoting(f.name)) {
    AppendQuoted(out, f.name);
  } else {
    out += f.name;
  }
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
    auto args = SplitArgs(line);
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
