// node/server/client_conn.h
//
// One client connection: reads bytes with asio, parses RESP requests
// incrementally, runs each through the dispatcher, and writes the replies of
// a whole read in one batch with one gather write. Replies accumulate in an
// open block (out_); between commands a block that reached kBlockBytes is
// sealed onto a queue and a fresh one opened, so a large or long-pipelined
// output is a chain of blocks rather than one string that doubles and copies
// as it grows. Flush puts every sealed block plus the open one on the wire
// as one scatter/gather write (writev/sendmsg), and the blocks are freed as
// that write completes. Applies the per-connection limits
// (client-query-buffer-limit, client-output-buffer-limit, timeout).
// Engine thread only; owned by a shared_ptr held by its pending operations
// and by the server's registry.

#pragma once

#include <asio.hpp>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "node/commands/client.h"
#include "node/commands/dispatcher.h"
#include "node/net/stream.h"
#include "node/resp/parser.h"
#include "node/resp/reply.h"

namespace node::server {

class Server;

class ClientConn : public std::enable_shared_from_this<ClientConn> {
 public:
  ClientConn(Server& server, net::Stream stream, uint64_t id);
  ~ClientConn();

  void Start();
  // Closes the socket once pending replies are written (graceful) or now.
  void Close(bool flush_first);
  commands::Client& client() { return client_; }
  int64_t last_activity_ms() const { return client_.last_interaction_ms; }
  void Push(std::string_view bytes);
  // Server::DeferFlush's callback at the end of the loop batch.
  void DeferredFlush();
  // Bytes at the front of the output that no limit counts: a full resync's
  // RDB payload (Redis sends it apart from the replica's output buffer).
  void ExemptFromLimit(size_t n) { exempt_ += n; }

  // Blocking commands (see CommandContext::BlockOn). Block parks the client
  // (a retry that blocks again keeps its place); RetryBlocked re-runs the
  // command after one of its keys changed and returns true when it was
  // served; Unblock ends the wait (timed_out: reply the null array).
  void Block(const commands::CommandSpec& spec, std::span<const std::string_view> args,
             const std::vector<std::string>& keys, int64_t timeout_ms);
  bool RetryBlocked();
  void Unblock(bool timed_out);
  const std::vector<std::string>& blocked_keys() const { return blocked_keys_; }

 private:
  void ReadMore();
  void OnRead(const asio::error_code& ec, size_t n);
  void ProcessInput();
  void RunCommand();
  void Flush();
  void FlushSoon();
  void OnWritten(const asio::error_code& ec, size_t n);
  // Flush's first try on plain TCP: one non-blocking sendmsg of iov_ (at
  // most kWriteNowIov buffers); the bytes the socket took, 0 on any error.
  size_t WriteNow();
  void ConsumeIov(size_t n);  // drops the first n bytes of iov_
  void Written(size_t n);     // writing_ is on the wire: counts, frees, keeps a spare
  void CountWritten(size_t n);
  void Teardown();
  bool OutputOverLimit();
  // Seals out_ onto sealed_ once it holds kBlockBytes (between commands only:
  // a command may still patch its own reply, see ReplyBuilder::Deferred).
  void SealIfFull();
  void UpdateOutputStats();

  Server& server_;
  net::Stream stream_;  // plain TCP or TLS (tls-port)
  commands::Client client_;
  resp::RequestParser parser_;
  // Read buffer: bytes [rstart_, rend_) are unparsed.
  std::unique_ptr<char[]> rbuf_;
  size_t rcap_ = 0, rstart_ = 0, rend_ = 0;
  // Output: sealed_ blocks come before out_ (the open block); writing_ is
  // the chain on the wire, iov_ its gather list; spare_ keeps one written
  // block's buffer for the next open block.
  std::string out_, spare_;
  std::deque<std::string> sealed_;
  std::vector<std::string> writing_;
  std::vector<asio::const_buffer> iov_;
  static constexpr size_t kWriteNowIov = 64;
  size_t sealed_bytes_ = 0, writing_bytes_ = 0;
  size_t exempt_ = 0;           // see ExemptFromLimit
  bool limit_closing_ = false;  // over an output limit: closing, output dropped
  int64_t soft_since_ms_ = -1;  // when the soft output limit was first exceeded
  resp::ReplyBuilder reply_;
  bool write_in_flight_ = false;
  bool flush_deferred_ = false;  // queued in Server::DeferFlush
  bool read_in_flight_ = false;
  bool closing_ = false;
  bool closed_ = false;
  bool processing_ = false;
  bool in_command_ = false;  // a command is writing its reply (no sealing)
  // Blocked command state.
  const commands::CommandSpec* blocked_spec_ = nullptr;
  std::vector<std::string> blocked_args_;
  std::vector<std::string> blocked_keys_;  // "<db>\n<key>"
  asio::steady_timer block_timer_;
  bool reblocked_ = false;
};

}  // namespace node::server
