// node/repl/replication.h
//
// PSYNC2 replication, both roles of one node (reference/replication.md):
//
//  master side  the replication stream (SELECT + propagated writes, PINGs,
//               REPLCONF GETACK), the backlog, PSYNC/SYNC with full resync
//               (RDB with "$<len>" framing) or partial resync (+CONTINUE from
//               the backlog), REPLCONF options and ACK bookkeeping for WAIT
//               and INFO/ROLE;
//  replica side the link to our master: handshake (PING, AUTH, REPLCONF,
//               PSYNC), RDB transfer ("$<len>" or "$EOF:<mark>"), applying
//               the command stream, processed offset, ACKs every second,
//               timeouts and reconnects, and the replication-ID rules on
//               promotion and demotion (§7.2, §7.3).
//
// Runs on the engine thread (asio io_context of the server). It knows no
// commands: the server gives it callbacks to send bytes to a client, build
// and load an RDB, and apply a command from the master.

#pragma once

#include <asio.hpp>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "node/base/result.h"
#include "node/net/stream.h"
#include "node/resp/parser.h"

namespace node::repl {

struct Settings {
  int64_t backlog_size = 1 << 20;
  int64_t backlog_ttl_s = 3600;
  int64_t ping_period_s = 10;
  int64_t timeout_s = 60;
  std::string masterauth, masteruser;
  int listening_port = 6379;  // what we announce to our master
  std::string announce_ip;    // replica-announce-ip
  std::string bind_ip;        // source address of the link to the master ("" = any)
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  // repl-diskless-sync: a replica that announced `capa eof` gets the RDB in
  // the EOF-marked form ("$EOF:<40 chars>\r\n<rdb><40 chars>"), as Redis
  // streams a diskless transfer; otherwise the sized "$<len>\r\n" form.
  bool diskless_sync = true;
  // tls-replication: the link to the master is TLS (net::ActiveTls's client
  // context).
  bool tls = false;
};

enum class LinkState { kNone, kConnect, kConnecting, kHandshake, kSync, kConnected };

struct ReplicaClient {
  uint64_t client_id = 0;
  std::string ip;  // announced or peer address
  int port = 0;    // listening-port
  bool capa_eof = false, capa_psync2 = false;
  bool online = false;
  // After an EOF-marked (diskless) full sync the command stream waits for
  // the replica's first REPLCONF ACK, as Redis 7.0 does
  // (repl_start_cmd_stream_on_ack): a Redis replica finds the end of the RDB
  // by the mark being the last 40 bytes it read, so stream bytes arriving in
  // the same read would hide it and the sync would never finish.
  bool stream_on_ack = false;
  std::string held;  // stream bytes kept until that ACK
  int64_t ack_off = 0;
  int64_t ack_time_ms = 0;
};

class Replication {
 public:
  struct Callbacks {
    // Master side: write raw bytes to a client connection / close it.
    std::function<void(uint64_t client_id, std::string_view bytes)> send_to_client;
    // Like send_to_client, for a full resync's RDB payload: these bytes do
    // not count toward client-output-buffer-limit replica (optional).
    std::function<void(uint64_t client_id, std::string_view bytes)> send_rdb_to_client;
    std::function<void(uint64_t client_id)> close_client;
    // Full sync: an RDB of the whole dataset carrying repl-id/offset aux fields.
    std::function<std::string(const std::string& replid, int64_t offset)> make_rdb;
    // Replica side: flush everything and load this RDB (all or nothing).
    std::function<base::Status(std::string_view rdb)> load_rdb;
    // Replica side: run one command from the master (no reply).
    std::function<void(std::span<const std::string_view> args)> apply;
    // Role changes: replica mode on/off (keyspace expiry, read-only).
    std::function<void(bool replica)> role_changed;
    // A WAIT/min-replicas condition may have changed (an ACK arrived).
    std::function<void()> acks_changed;
  };

  Replication(asio::io_context& io, Settings s, Callbacks cb);
  ~Replication();

  void set_settings(const Settings& s) { s_ = s; }
  const Settings& settings() const { return s_; }

  // --- Master side -----------------------------------------------------------
  // Appends a propagated command to the stream (no-op without a backlog).
  void Feed(int db, std::span<const std::string_view> args);
  // Feeds raw stream bytes verbatim (a replica proxying its master's stream).
  void FeedRaw(std::string_view bytes);
  // PSYNC replid offset / SYNC (legacy when `legacy`). The answer (FULLRESYNC
  // + RDB, or CONTINUE + backlog) is written with send_to_client. Returns an
  // error text to reply instead ("" = handled).
  std::string Psync(uint64_t client_id, const std::string& peer_ip, std::string_view replid,
                    int64_t offset, bool legacy);
  // REPLCONF option value ...: "" = reply +OK, "-" = no reply, else error text.
  std::string Replconf(uint64_t client_id, std::span<const std::string_view> args);
  void OnClientClosed(uint64_t client_id);
  // Replicas whose acknowledged offset is >= offset.
  int CountAcked(int64_t offset) const;
  // Feeds REPLCONF GETACK * (once per event-loop turn, however often asked).
  void RequestAcks();
  // min-replicas-to-write: true when writes must be refused.
  bool NotEnoughGoodReplicas() const;
  int GoodReplicas() const;

  // --- Replica side ----------------------------------------------------------
  void SetMaster(const std::string& host, int port);  // REPLICAOF host port / cluster
  void UnsetMaster();                                 // REPLICAOF NO ONE / promotion
  bool is_replica() const { return !master_host_.empty(); }
  // Whether Feed does anything (a master with a backlog).
  bool feeding() const { return backlog_active_ && !is_replica(); }
  bool link_up() const { return link_state_ == LinkState::kConnected; }
  const std::string& master_host() const { return master_host_; }
  int master_port() const { return master_port_; }
  // Sends REPLCONF ACK <offset> to our master now (REPLCONF GETACK).
  void SendAck();
  // Milliseconds since we last heard from our master (link down: since it
  // went down; never connected: a very large age). Failover validity check.
  int64_t data_age_ms() const;
  // Manual failover pause: no periodic PING into the stream, so the replica
  // can reach exactly our offset.
  void set_paused(bool p) { paused_ = p; }

  // --- Both ------------------------------------------------------------------
  // At startup, after loading an RDB whose repl-id / repl-offset AUX fields
  // were written by a save of this node (the shutdown save of a clean
  // SIGTERM): continue that history, as Redis 7 does. The saved ID becomes
  // replid2 valid up to offset + 1 under a new ID, with an empty backlog
  // starting at offset + 1, so replicas that are not ahead of the file
  // continue with a partial resync and ones that are ahead (stale file after
  // kill -9) get a full one. When this node becomes a replica (REPLICAOF,
  // nodes.conf, or demotion by the cluster) with nothing written since, it
  // asks PSYNC <saved id> <offset + 1>, so a returning old master resyncs
  // partially from the promoted replica (which holds that ID as replid2).
  // Call before SetMaster. Returns false and changes nothing when replid is
  // not 40 hex characters or offset is negative (untrusted file contents).
  bool RestoreFromRdbAux(std::string_view replid, int64_t offset);
  // What a snapshot saved now should carry as repl-id / repl-offset (false:
  // nothing worth saving, e.g. a replica that never completed a sync). A
  // replica saves its master's ID and its processed offset; a master its own.
  bool SaveInfo(std::string* replid, int64_t* offset) const;

  void Cron(int64_t now_ms);  // every 100 ms
  int64_t master_repl_offset() const { return master_repl_offset_; }
  const std::string& replid() const { return replid_; }
  std::string InfoSection(bool replica_read_only, int64_t replica_priority) const;
  // ROLE reply data.
  const std::map<uint64_t, ReplicaClient>& replicas() const { return replicas_; }
  int64_t processed_offset() const { return link_state_ == LinkState::kConnected ? reploff_ : -1; }
  LinkState link_state() const { return link_state_; }
  uint64_t sync_full() const { return stat_sync_full_; }
  uint64_t sync_partial_ok() const { return stat_sync_partial_ok_; }
  uint64_t sync_partial_err() const { return stat_sync_partial_err_; }

 private:
  // Backlog.
  void CreateBacklog();
  void AppendBacklog(std::string_view bytes);
  bool BacklogCovers(int64_t offset) const;
  std::string BacklogFrom(int64_t offset) const;
  void ShiftReplicationId();
  void ChangeReplicationId();
  void ClearReplicationId2();
  void DisconnectReplicas();
  void SendToReplicas(std::string_view bytes);

  // True after RestoreFromRdbAux while nothing was written since: our whole
  // history is then the restored ID's (now replid2), and our new ID is known
  // to nobody. (After a promotion our replicas know the new ID: keep it.)
  bool OnlyRestoredHistory() const;

  // Replica link.
  void Connect();
  void CloseLink(const char* why);
  void ReadLink();
  void OnLinkData();
  void WriteLink(std::string bytes);
  bool ReadLine(std::string* line);
  void StartPsync();
  void OnRdbLoaded(std::string_view rdb);
  void ApplyStream();

  asio::io_context& io_;
  Settings s_;
  Callbacks cb_;

  // Master-side state.
  std::string replid_, replid2_;
  int64_t second_replid_offset_ = -1;
  int64_t master_repl_offset_ = 0;
  bool backlog_active_ = false;
  std::string backlog_;  // ring buffer of backlog_size bytes
  size_t backlog_idx_ = 0;
  int64_t backlog_histlen_ = 0;
  int64_t backlog_off_ = 0;
  int slaveseldb_ = -1;
  std::map<uint64_t, ReplicaClient> replicas_;
  int64_t no_replicas_since_ms_ = 0;
  int64_t last_ping_ms_ = 0;
  bool getack_pending_ = false;
  bool restored_history_ = false;  // RestoreFromRdbAux ran; see OnlyRestoredHistory
  uint64_t stat_sync_full_ = 0, stat_sync_partial_ok_ = 0, stat_sync_partial_err_ = 0;

  // Replica-side state.
  std::string master_host_;
  int master_port_ = 0;
  LinkState link_state_ = LinkState::kNone;
  std::shared_ptr<net::Stream> sock_;  // plain or TLS (tls-replication)
  std::shared_ptr<bool> link_alive_;
  std::string rbuf_;
  std::string wbuf_, wbuf_inflight_;
  bool writing_ = false;
  int handshake_step_ = 0;
  int pending_replies_ = 0;
  std::string cached_replid_;  // PSYNC continuation after demotion / link loss
  int64_t cached_offset_ = -1;
  int64_t reploff_ = 0;    // processed offset
  int64_t rdb_size_ = -1;  // "$<len>" transfer
  std::string eof_mark_;   // "$EOF:<mark>" transfer
  std::string rdb_;
  std::string fullresync_replid_;
  int64_t fullresync_offset_ = 0;
  int64_t last_io_ms_ = 0;
  int64_t last_ack_ms_ = 0;
  int64_t link_down_since_ms_ = 0;
  int64_t connect_after_ms_ = 0;
  resp::RequestParser parser_;
  bool paused_ = false;
  bool ever_connected_ = false;
};

const char* LinkStateName(LinkState s);

}  // namespace node::repl
