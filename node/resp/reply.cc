// node/resp/reply.cc -- see reply.h.

#include "node/resp/reply.h"

#include "node/base/strings.h"

namespace node::resp {

void ReplyBuilder::Header(char type, int64_t n) {
  out_->push_back(type);
  base::AppendInt64(*out_, n);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Simple(std::string_view s) {
  out_->push_back('+');
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::Error(std::string_view msg) {
  errors_++;
  out_->push_back('-');
  size_t start = out_->size();
  out_->append(msg);
  for (size_t i = start; i < out_->size(); i++) {
    char& c = (*out_)[i];
    if (c == '\r' || c == '\n') c = ' ';
  }
  out_->append("\r\n", 2);
}

void ReplyBuilder::Integer(int64_t v) {
  if (v == 0) {
    out_->append(":0\r\n", 4);
  } else if (v == 1) {
    out_->append(":1\r\n", 4);
  } else {
    Header(':', v);
  }
}

void ReplyBuilder::Bulk(std::string_view s) {
  Header('$', static_cast<int64_t>(s.size()));
  out_->append(s);
  out_->append("\r\n", 2);
}

void ReplyBuilder::BulkInt(int64_t v) {
  std::string tmp;
  base::AppendInt64(tmp, v);
  Bulk(tmp);
}

void ReplyBuilder::Null() {
  if (proto_ == 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("$-1\r\n", 5);
  }
}

void ReplyBuilder::NullArray() {
  if (proto_ == 3) {
    out_->append("_\r\n", 3);
  } else {
    out_->append("*-1\r\n", 5);
  }
}

void ReplyBuilder::ArrayHeader(size_t n) { Header('*', static_cast<int64_t>(n)); }

void ReplyBuilder::MapHeader(size_t pairs) {
  if (proto_ == 3) {
    Header('%', static_cast<int64_t>(pairs));
  } else {
    Header('*', static_cast<int64_t>(pairs * 2));
  }
}

void ReplyBuilder::SetHeader(size_t n) { Header(proto_ == 3 ? '~' : '*', static_cast<int64_t>(n)); }

void ReplyBuilder::PushHeader(size_t n) {
  Header(proto_ == 3 ? '>' : '*', static_cast<int64_t>(n));
}

void ReplyBuilder::Double(double v) {
  std::string s = base::FormatDouble(v);
  if (proto_ == 3) {
    out_->push_back(',');
    out_->append(s);
    out_->append("\r\n", 2);
  } else {
    Bulk(s);
  }
}

void ReplyBuilder::DoubleHuman(std::string_view text) {
  if (proto_ == 3) {
    out_->push_back(',');
    out_->append(text);
    out_->append("\r\n", 2);
  } else {
    Bulk(text);
  }
}

void ReplyBuilder::Bool(bool v) {
  if (proto_ == 3) {
    out_->append(v ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->append(v ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::Verbatim(std::string_view text, std::string_view fmt) {
  if (proto_ == 3) {
    Header('=', static_cast<int64_t>(text.size() + 4));
    out_->append(fmt);
    out_->push_back(':');
    out_->append(text);
    out_->append("\r\n", 2);
  } else {
    Bulk(text);
  }
}

void ReplyBuilder::InsertHeader(size_t at, char type, size_t n) {
  std::string h;
  h.push_back(type);
  base::AppendInt64(h, static_cast<int64_t>(n));
  h.append("\r\n", 2);
  out_->insert(at, h);
}

void ReplyBuilder::SetDeferredArray(size_t at, size_t n) { InsertHeader(at, '*', n); }

void ReplyBuilder::SetDeferredMap(size_t at, size_t pairs) {
  if (proto_ == 3) {
    InsertHeader(at, '%', pairs);
  } else {
    InsertHeader(at, '*', pairs * 2);
  }
}

void ReplyBuilder::SetDeferredSet(size_t at, size_t n) {
  InsertHeader(at, proto_ == 3 ? '~' : '*', n);
}

}  // namespace node::resp
