// node/base/result.h
//
// Status and Result<T>: how errors travel inside the node (leveldb style).
// A Status carries an error text; at the command edge that text becomes the
// RESP error reply verbatim (so it includes the code, e.g. "ERR ..." or
// "WRONGTYPE ..."). No exceptions inside node/.

#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace node::base {

class Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }
  static Status Error(std::string msg) { return Status(std::move(msg)); }

  bool ok() const { return !msg_.has_value(); }
  explicit operator bool() const { return ok(); }
  const std::string& message() const { return *msg_; }

 private:
  explicit Status(std::string msg) : msg_(std::move(msg)) {}
  std::optional<std::string> msg_;
};

// Result<T>: either a value or an error text.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status s) : v_(std::move(s)) {}     // NOLINT: must be an error status
  static Result Error(std::string msg) { return Result(Status::Error(std::move(msg))); }

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& operator*() { return std::get<0>(v_); }
  const T& operator*() const { return std::get<0>(v_); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& value() { return std::get<0>(v_); }
  const std::string& error() const { return std::get<1>(v_).message(); }
  Status status() const { return ok() ? Status::Ok() : std::get<1>(v_); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace node::base
