// node/commands/command_docs.cc
//
// COMMAND DOCS: the documentation rows of command_docs.inc and the reply built
// from them. Runs on the engine thread, only for COMMAND DOCS.
//
// Facts vs prose. The interface facts of a row (group, since, doc flags,
// deprecated_since, replaced_by, history versions, the argument tree) are
// Redis 7.0.15's, so clients that read them (redis-cli hints, client code
// generators) see what they see against redis-server. The prose (summary,
// complexity, history text) is shoal's own wording. Rows with a null group
// are shoal's own commands: their group and since follow the rules of
// ReplyCommandDocs below.
//
// Argument tree text. A row's arguments are one string, space-separated
// arguments, each written as
//
//     name:type[#N][@V][!V][?][*][+][=TOKEN][(children)]
//
//   name:type  the argument's name (may itself contain ':') and Redis type
//              (key, string, integer, double, pattern, unix-time, pure-token,
//              oneof, block);
//   #N         key_spec_index N;
//   @V         since version V;   !V  deprecated_since version V;
//   ? * +      flags optional, multiple, multiple_token;
//   =TOKEN     the token, up to the next space or parenthesis (may be empty,
//              or a symbol such as "=" or "~");
//   (...)      the nested arguments of a oneof or block.
//
// e.g. SET's "key:key#0 value:string condition:oneof@2.6.12?(nx:pure-token=NX
// xx:pure-token=XX) ...". Fields are rendered in Redis's order (name, type,
// key_spec_index, token, since, deprecated_since, flags, arguments), each only
// when present. The text costs a few bytes per argument in the binary, where
// a table of argument rows would cost dozens; it is parsed per reply.

#include "node/commands/command_docs.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace node::commands {

namespace {

// clang-format off
constexpr DocRow kDocRows[] = {
#include "node/commands/command_docs.inc"
};
// clang-format on

bool IsTypeChar(char ch) { return (ch >= 'a' && ch <= 'z') || ch == '-'; }
bool IsVersionChar(char ch) { return (ch >= '0' && ch <= '9') || ch == '.'; }

bool ParseList(std::string_view text, size_t& pos, bool nested, std::vector<DocArg>& out);

// One argument starting at `pos`; leaves `pos` after it.
bool ParseArg(std::string_view text, size_t& pos, DocArg& a) {
  size_t end = text.find_first_of(" ()", pos);
  if (end == std::string_view::npos) end = text.size();
  std::string_view head = text.substr(pos, end - pos);
  size_t eq = head.find('=');
  std::string_view pre = head.substr(0, eq);
  size_t colon = pre.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  a.name = pre.substr(0, colon);
  size_t i = colon + 1, t = i;
  while (i < pre.size() && IsTypeChar(pre[i])) i++;
  a.type = pre.substr(t, i - t);
  if (a.type.empty()) return false;
  while (i < pre.size()) {
    char ch = pre[i++];
    if (ch == '?') {
      a.flags |= kArgOptional;
    } else if (ch == '*') {
      a.flags |= kArgMultiple;
    } else if (ch == '+') {
      a.flags |= kArgMultipleToken;
    } else if (ch == '#') {
      size_t s = i;
      int v = 0;
      while (i < pre.size() && pre[i] >= '0' && pre[i] <= '9') v = v * 10 + (pre[i++] - '0');
      if (i == s) return false;
      a.key_spec_index = v;
    } else if (ch == '@' || ch == '!') {
      size_t s = i;
      while (i < pre.size() && IsVersionChar(pre[i])) i++;
      if (i == s) return false;
      (ch == '@' ? a.since : a.deprecated_since) = pre.substr(s, i - s);
    } else {
      return false;
    }
  }
  if (eq != std::string_view::npos) {
    a.has_token = true;
    a.token = head.substr(eq + 1);
  }
  pos = end;
  if (pos < text.size() && text[pos] == '(') {
    pos++;
    if (!ParseList(text, pos, true, a.args) || a.args.empty()) return false;
  }
  return true;
}

bool ParseList(std::string_view text, size_t& pos, bool nested, std::vector<DocArg>& out) {
  while (true) {
    while (pos < text.size() && text[pos] == ' ') pos++;
    if (pos == text.size()) return !nested;
    if (text[pos] == ')') {
      pos++;
      return nested;
    }
    if (text[pos] == '(') return false;
    out.emplace_back();
    if (!ParseArg(text, pos, out.back())) return false;
  }
}

void ReplyArg(resp::ReplyBuilder& r, const DocArg& a) {
  size_t n = 2 + (a.key_spec_index >= 0) + a.has_token + !a.since.empty() +
             !a.deprecated_since.empty() + (a.flags != 0) + !a.args.empty();
  r.MapHeader(n);
  r.Bulk("name");
  r.Bulk(a.name);
  r.Bulk("type");
  r.Bulk(a.type);
  if (a.key_spec_index >= 0) {
    r.Bulk("key_spec_index");
    r.Integer(a.key_spec_index);
  }
  if (a.has_token) {
    r.Bulk("token");
    r.Bulk(a.token);
  }
  if (!a.since.empty()) {
    r.Bulk("since");
    r.Bulk(a.since);
  }
  if (!a.deprecated_since.empty()) {
    r.Bulk("deprecated_since");
    r.Bulk(a.deprecated_since);
  }
  if (a.flags) {
    constexpr std::pair<uint8_t, const char*> kNames[] = {{kArgOptional, "optional"},
                                                          {kArgMultiple, "multiple"},
                                                          {kArgMultipleToken, "multiple_token"}};
    size_t nf = 0;
    for (auto& [bit, name] : kNames) nf += (a.flags & bit) ? 1 : 0;
    r.Bulk("flags");
    r.SetHeader(nf);
    for (auto& [bit, name] : kNames) {
      if (a.flags & bit) r.Simple(name);
    }
  }
  if (!a.args.empty()) {
    r.Bulk("arguments");
    r.ArrayHeader(a.args.size());
    for (auto& c : a.args) ReplyArg(r, c);
  }
}

void ReplyHistory(resp::ReplyBuilder& r, std::string_view h) {
  size_t n = std::count(h.begin(), h.end(), '\n') + 1;
  r.SetHeader(n);
  while (!h.empty()) {
    size_t nl = h.find('\n');
    std::string_view line = h.substr(0, nl);
    size_t sp = line.find(' ');
    r.ArrayHeader(2);
    r.Bulk(line.substr(0, sp));
    r.Bulk(sp == std::string_view::npos ? std::string_view() : line.substr(sp + 1));
    h = nl == std::string_view::npos ? std::string_view() : h.substr(nl + 1);
  }
}

// Group of a command Redis does not document (shoal's own): from its ACL
// categories, as Redis groups its commands.
const char* GroupFromAcl(const CommandSpec& c) {
  uint32_t a = c.acl;
  if (a & kAclString) return "string";
  if (a & kAclList) return "list";
  if (a & kAclSet) return "set";
  if (a & kAclSortedSet) return "sorted-set";
  if (a & kAclHash) return "hash";
  if (a & kAclPubSub) return "pubsub";
  if (a & kAclTransaction) return "transactions";
  if (a & kAclConnection) return "connection";
  if (a & kAclScripting) return "scripting";
  if (a & kAclHyperLogLog) return "hyperloglog";
  if (a & kAclGeo) return "geo";
  if (a & kAclStream) return "stream";
  if (a & kAclBitmap) return "bitmap";
  if (a & kAclKeyspace) return "generic";
  return "server";
}

}  // namespace

std::span<const DocRow> DocRows() { return kDocRows; }

const DocRow* FindDocRow(std::string_view full_name) {
  auto* end = std::end(kDocRows);
  auto* it = std::lower_bound(
      std::begin(kDocRows), end, full_name,
      [](const DocRow& d, std::string_view n) { return std::string_view(d.name) < n; });
  return (it != end && full_name == it->name) ? it : nullptr;
}

bool ParseDocArgs(std::string_view text, std::vector<DocArg>& out) {
  size_t pos = 0;
  return ParseList(text, pos, false, out);
}

void ReplyCommandDocs(resp::ReplyBuilder& r, const CommandSpec& c) {
  const DocRow* d = FindDocRow(FullName(c));
  const bool redis = d && d->group;
  std::vector<DocArg> args;
  if (redis && d->args) ParseDocArgs(d->args, args);  // rows are checked by unit tests
  size_t n = 3 + (redis && d->complexity) + (redis && d->doc_flags) +
             (redis && d->deprecated_since) + (redis && d->replaced_by) + (redis && d->history) +
             !args.empty() + (c.n_subcommands > 0);
  r.MapHeader(n);
  r.Bulk("summary");
  r.Bulk(d ? d->summary : "");
  r.Bulk("since");
  r.Bulk(redis ? d->since : c.since);
  r.Bulk("group");
  if (redis) {
    r.Bulk(d->group);
  } else if (std::string_view(c.group) != "generic") {
    r.Bulk(c.group);
  } else {
    r.Bulk(c.parent ? GroupFromAcl(*c.parent) : GroupFromAcl(c));
  }
  if (redis && d->complexity) {
    r.Bulk("complexity");
    r.Bulk(d->complexity);
  }
  if (redis && d->doc_flags) {
    r.Bulk("doc_flags");
    r.SetHeader(((d->doc_flags & kDocDeprecated) ? 1 : 0) + ((d->doc_flags & kDocSyscmd) ? 1 : 0));
    if (d->doc_flags & kDocDeprecated) r.Simple("deprecated");
    if (d->doc_flags & kDocSyscmd) r.Simple("syscmd");
  }
  if (redis && d->deprecated_since) {
    r.Bulk("deprecated_since");
    r.Bulk(d->deprecated_since);
  }
  if (redis && d->replaced_by) {
    r.Bulk("replaced_by");
    r.Bulk(d->replaced_by);
  }
  if (redis && d->history) {
    r.Bulk("history");
    ReplyHistory(r, d->history);
  }
  if (!args.empty()) {
    r.Bulk("arguments");
    r.ArrayHeader(args.size());
    for (auto& a : args) ReplyArg(r, a);
  }
  if (c.n_subcommands) {
    r.Bulk("subcommands");
    r.MapHeader(c.n_subcommands);
    for (size_t i = 0; i < c.n_subcommands; i++) {
      r.Bulk(FullName(c.subcommands[i]));
      ReplyCommandDocs(r, c.subcommands[i]);
    }
  }
}

}  // namespace node::commands
