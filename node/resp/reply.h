// node/resp/reply.h
//
// The reply writer: renders abstract replies (null, map, set, double, ...)
// as RESP2 or RESP3 bytes, per reference/resp.md §3.2, appending to the
// connection's output buffer. No I/O, no allocation beyond the buffer.
// Engine thread only (one writer per connection).

#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace node::resp {

class ReplyBuilder {
 public:
  explicit ReplyBuilder(std::string* out) : out_(out) {}

  void set_protocol(int proto) { proto_ = proto; }
  int protocol() const { return proto_; }
  bool resp3() const { return proto_ == 3; }
  std::string* buffer() { return out_; }
  void set_buffer(std::string* out) { out_ = out; }

  // "+OK"
  void Ok() { out_->append("+OK\r\n", 5); }
  void Simple(std::string_view s);
  // msg is "CODE text" (e.g. "ERR syntax error"); CR/LF become spaces.
  void Error(std::string_view msg);
  void Integer(int64_t v);
  void Bulk(std::string_view s);
  void BulkInt(int64_t v);  // integer rendered as a bulk string
  void Null();              // $-1 / _
  void NullArray();         // *-1 / _
  void ArrayHeader(size_t n);
  void MapHeader(size_t pairs);                                        // *2n / %n
  void SetHeader(size_t n);                                            // *n / ~n
  void PushHeader(size_t n);                                           // *n / >n
  void Double(double v);                                               // bulk %.17g / ,%.17g
  void DoubleHuman(std::string_view text);                             // bulk / ,text (INCRBYFLOAT)
  void Bool(bool v);                                                   // :1/:0 / #t/#f
  void Verbatim(std::string_view text, std::string_view fmt = "txt");  // bulk / =len txt:

  // Arrays whose length is known only at the end: Deferred() reserves the spot,
  // SetDeferredArray/Map/Set fills it in (RESP2/RESP3 form chosen then).
  size_t Deferred() const { return out_->size(); }
  void SetDeferredArray(size_t at, size_t n);
  void SetDeferredMap(size_t at, size_t pairs);
  void SetDeferredSet(size_t at, size_t n);

  // Raw bytes (already RESP), e.g. a cached reply.
  void Raw(std::string_view bytes) { out_->append(bytes); }

  uint64_t errors() const { return errors_; }

 private:
  void Header(char type, int64_t n);
  void InsertHeader(size_t at, char type, size_t n);

  std::string* out_;
  int proto_ = 2;
  uint64_t errors_ = 0;
};

}  // namespace node::resp
