// entrypoint/bootstrap/handoff.h
//
// Graceful shutdown handoff (DESIGN.md "Shutdown"): before a master with
// slots exits, it asks its healthiest replica to run CLUSTER FAILOVER (the
// default, coordinated mode: this master pauses writes until the replica has
// every one of them) and waits until it sees itself demoted. Runs on the
// supervisor's shutdown path, talking RESP to the local node and the
// replica; never touches engine state.

#pragma once

#include <chrono>
#include <string>

#include "entrypoint/bootstrap/bootstrap.h"

namespace entrypoint::bootstrap {

struct HandoffResult {
  bool attempted = false;  // this node was a master with slots and a replica
  bool demoted = false;    // it became a replica before the deadline
  std::string detail;      // for the log
  double seconds = 0;
};

HandoffResult HandOffSlots(const PeerAddr& self, const Credentials& auth,
                           std::chrono::milliseconds deadline);

}  // namespace entrypoint::bootstrap
