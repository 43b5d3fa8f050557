// node/server/status.h
//
// A read-only snapshot of the node's state for the control plane (health
// endpoints, /metrics, bootstrap). Built on the engine thread by
// Server::GetStatus() and handed over by value, so the control plane never
// touches engine state directly.

#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace node::server {

struct NodeStatus {
  bool loop_alive = false;      // filled by whoever waited for the snapshot
  std::string role = "master";  // "master" | "replica"
  std::string run_id;
  int64_t uptime_s = 0;
  int tcp_port = 0;
  // Cluster (all zero / empty outside cluster mode).
  bool cluster_enabled = false;
  std::string cluster_state = "ok";  // "ok" | "fail"
  std::string my_id;
  int slots_assigned = 0, slots_ok = 0, slots_pfail = 0, slots_fail = 0;
  int known_nodes = 0;
  int cluster_size = 0;  // masters serving at least one slot
  int my_slots = 0;
  uint64_t current_epoch = 0;
  uint64_t failovers_won = 0;  // this node replaced its master
  uint64_t elections_started = 0;
  // Replication.
  bool master_link_up = false;  // replica: link to master up and synced
  std::string master_host;
  int master_port = 0;
  int connected_replicas = 0;
  int64_t repl_offset = 0;
  // Clients, memory, commands.
  int64_t connected_clients = 0;
  int64_t blocked_clients = 0;
  uint64_t used_memory = 0;
  uint64_t used_memory_rss = 0;
  uint64_t maxmemory = 0;
  uint64_t total_commands_processed = 0;
  uint64_t total_connections_received = 0;
  uint64_t total_net_input_bytes = 0;
  uint64_t total_net_output_bytes = 0;
  uint64_t expired_keys = 0, evicted_keys = 0, keyspace_hits = 0, keyspace_misses = 0;
  std::map<int, uint64_t> db_keys;     // db -> keys
  std::map<int, uint64_t> db_expires;  // db -> keys with a TTL
  // Persistence.
  int64_t rdb_last_save_time = 0;
  uint64_t rdb_changes_since_last_save = 0;
  bool aof_enabled = false;
};

}  // namespace node::server
