// entrypoint/health/prom_validator.h
//
// A small validator of the Prometheus text exposition format 0.0.4, for
// tests only (health tests and the healthcheck tests include it): metric and
// label names, HELP/TYPE placement, label-value escaping, float values, no
// duplicate series, families not interleaved. Returns "" when valid, else
// "line N: what is wrong".

#pragma once

#include <cctype>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

namespace entrypoint::health::testing {

inline bool IsMetricName(std::string_view n) {
  if (n.empty()) return false;
  for (size_t i = 0; i < n.size(); i++) {
    unsigned char c = static_cast<unsigned char>(n[i]);
    bool ok = std::isalpha(c) || c == '_' || c == ':' || (i > 0 && std::isdigit(c));
    if (!ok) return false;
  }
  return true;
}

inline bool IsLabelName(std::string_view n) {
  if (n.empty() || n.find(':') != std::string_view::npos) return false;
  return IsMetricName(n);
}

inline bool IsFloat(std::string_view v) {
  if (v == "+Inf" || v == "-Inf" || v == "NaN") return true;
  if (v.empty()) return false;
  std::string s(v);
  char* end = nullptr;
  std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

inline std::string ValidatePromText(std::string_view text) {
  if (text.empty() || text.back() != '\n') return "document must end with a newline";
  std::set<std::string> typed, helped, finished, series, sampled;
  std::string current;  // family whose samples are being read
  size_t line_no = 0;
  size_t pos = 0;
  auto fail = [&](const std::string& what) {
    return "line " + std::to_string(line_no) + ": " + what;
  };
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl - pos);
    pos = nl + 1;
    line_no++;
    if (line.empty()) continue;
    if (line[0] == '#') {
      bool help = line.starts_with("# HELP ");
      bool type = line.starts_with("# TYPE ");
      if (!help && !type) continue;  // a comment
      std::string_view rest = line.substr(7);
      size_t sp = rest.find(' ');
      std::string name(rest.substr(0, sp));
      if (!IsMetricName(name)) return fail("bad metric name '" + name + "'");
      if (sp == std::string_view::npos) return fail("missing text");
      std::string_view arg = rest.substr(sp + 1);
      if (finished.count(name)) return fail("family " + name + " is interleaved");
      if (current != name && !current.empty()) finished.insert(current);
      current = name;
      if (help) {
        if (!helped.insert(name).second) return fail("second HELP for " + name);
        for (size_t i = 0; i < arg.size(); i++) {
          if (arg[i] == '\\') {
            if (i + 1 >= arg.size() || (arg[i + 1] != '\\' && arg[i + 1] != 'n')) {
              return fail("bad escape in HELP");
            }
            i++;
          }
        }
      } else {
        if (!typed.insert(name).second) return fail("second TYPE for " + name);
        if (sampled.count(name)) return fail("TYPE after samples of " + name);
        if (arg != "counter" && arg != "gauge" && arg != "histogram" && arg != "summary" &&
            arg != "untyped") {
          return fail("bad type '" + std::string(arg) + "'");
        }
      }
      continue;
    }
    // A sample: name[{labels}] value [timestamp]
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') i++;
    std::string name(line.substr(0, i));
    if (!IsMetricName(name)) return fail("bad metric name '" + name + "'");
    if (finished.count(name)) return fail("family " + name + " is interleaved");
    if (current != name && !current.empty()) finished.insert(current);
    current = name;
    std::string key = name;
    if (i < line.size() && line[i] == '{') {
      i++;
      std::set<std::string> seen;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string_view::npos) return fail("label without '='");
        std::string lname(line.substr(i, eq - i));
        if (!IsLabelName(lname)) return fail("bad label name '" + lname + "'");
        if (!seen.insert(lname).second) return fail("duplicate label " + lname);
        i = eq + 1;
        if (i >= line.size() || line[i] != '"') return fail("label value not quoted");
        i++;
        std::string value;
        for (;;) {
          if (i >= line.size()) return fail("unterminated label value");
          char c = line[i];
          if (c == '"') break;
          if (c == '\\') {
            if (i + 1 >= line.size()) return fail("bad escape");
            char e = line[i + 1];
            if (e != '\\' && e != '"' && e != 'n') return fail("bad escape in label value");
            value += e;
            i += 2;
            continue;
          }
          value += c;
          i++;
        }
        i++;  // closing quote
        key += "|" + lname + "=" + value;
        if (i < line.size() && line[i] == ',') i++;
      }
      if (i >= line.size()) return fail("unterminated label set");
      i++;  // '}'
    }
    if (i >= line.size() || line[i] != ' ') return fail("missing value");
    std::string_view rest = line.substr(i + 1);
    size_t sp = rest.find(' ');
    if (!IsFloat(rest.substr(0, sp))) return fail("bad value '" + std::string(rest) + "'");
    if (sp != std::string_view::npos) {
      std::string_view ts = rest.substr(sp + 1);
      for (char c : ts) {
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '-') return fail("bad timestamp");
      }
    }
    if (!series.insert(key).second) return fail("duplicate series " + key);
    sampled.insert(name);
  }
  return "";
}

}  // namespace entrypoint::health::testing
