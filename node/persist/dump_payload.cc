// node/persist/dump_payload.cc -- see dump_payload.h.

#include "node/persist/dump_payload.h"

#include "node/persist/crc64.h"

namespace node::persist {
namespace {

constexpr size_t kFooterSize = 10;

void AppendFooter(std::string& out) {
  RdbWriter w(&out);
  w.U16LE(kRdbVersion);
  w.U64LE(Crc64(0, out));
}

}  // namespace

std::string CreateDumpPayload(const RdbValue& v, const EncodeOptions& opt) {
  std::string out;
  RdbWriter w(&out, opt.compress);
  EncodeValue(v, w, opt);
  AppendFooter(out);
  return out;
}

Status VerifyDumpPayload(std::string_view payload, bool skip_checksum) {
  if (payload.size() < kFooterSize) return Status::Error(kErrDumpPayload);
  RdbReader footer(payload.substr(payload.size() - kFooterSize));
  uint16_t version = *footer.U16LE();
  if (version > kRdbVersion) return Status::Error(kErrDumpPayload);
  if (skip_checksum) return Status::Ok();
  uint64_t stored = *footer.U64LE();
  if (Crc64(0, payload.substr(0, payload.size() - 8)) != stored) {
    return Status::Error(kErrDumpPayload);
  }
  return Status::Ok();
}

Result<RdbValue> DecodeDumpPayload(std::string_view payload, bool skip_checksum) {
  if (Status s = VerifyDumpPayload(payload, skip_checksum); !s.ok()) return s;
  // Bytes between the value and the footer are not checked (as in Redis).
  RdbReader r(payload.substr(0, payload.size() - kFooterSize));
  auto type = r.Byte();
  if (!type || !IsRdbObjectType(*type)) return Status::Error(kErrBadDataFormat);
  auto v = DecodeValue(*type, r);
  if (!v || IsEmptyValue(*v) || v->kind == RdbValue::Kind::kModule) {
    return Status::Error(kErrBadDataFormat);
  }
  return v;
}

std::string CreateFunctionDumpPayload(const std::vector<std::string>& library_sources) {
  std::string out;
  RdbWriter w(&out);
  for (const auto& lib : library_sources) {
    w.Byte(kOpFunction2);
    w.String(lib);
  }
  AppendFooter(out);
  return out;
}

Result<std::vector<std::string>> DecodeFunctionDumpPayload(std::string_view payload) {
  if (Status s = VerifyDumpPayload(payload); !s.ok()) return s;
  RdbReader r(payload.substr(0, payload.size() - kFooterSize));
  std::vector<std::string> libs;
  while (!r.AtEnd()) {
    auto op = r.Byte();
    if (!op) return op.status();
    if (*op != kOpFunction2) {
      return Result<std::vector<std::string>>::Error(
          "ERR given type is not a function: only FUNCTION2 records are supported");
    }
    auto lib = r.String();
    if (!lib) return Result<std::vector<std::string>>::Error("ERR " + lib.error());
    libs.push_back(std::move(*lib));
  }
  return libs;
}

}  // namespace node::persist
