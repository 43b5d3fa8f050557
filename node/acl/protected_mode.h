// node/acl/protected_mode.h
//
// Redis 7.0's protected mode: while `protected-mode yes` and the default
// user is nopass, connections from anything but 127.0.0.1 / ::1 get the
// -DENIED line below and are closed (Redis's clientAcceptHandler; other
// loopback addresses such as 127.0.0.2 are not local there either). Called by
// node/server when it accepts a connection. Pure functions, any thread.

#pragma once

#include <string_view>

#include "node/acl/user.h"

namespace node::acl {

inline constexpr std::string_view kProtectedModeDenied =
    "-DENIED Redis is running in protected mode because protected mode is enabled and no password "
    "is set for the default user. In this mode connections are only accepted from the loopback "
    "interface. If you want to connect from external computers to Redis you may adopt one of the "
    "following solutions: 1) Just disable protected mode sending the command 'CONFIG SET "
    "protected-mode no' from the loopback interface by connecting to Redis from the same host the "
    "server is running, however MAKE SURE Redis is not publicly accessible from internet if you do "
    "so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable "
    "the protected mode by editing the Redis configuration file, and setting the protected mode "
    "option to 'no', and then restarting the server. 3) If you started the server manually just "
    "for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication "
    "password for the default user. NOTE: You only need to do one of the above things in order for "
    "the server to start accepting connections from the outside.\r\n";

// `peer_ip` as text, IPv4-mapped IPv6 addresses already turned into IPv4.
inline bool IsLocalPeer(std::string_view peer_ip) {
  return peer_ip == "127.0.0.1" || peer_ip == "::1";
}

// `addr` as "ip:port" (a client's peer address); "" (an internal client) is not local.
inline bool IsLocalPeerAddr(std::string_view addr) {
  size_t colon = addr.rfind(':');
  return colon != std::string_view::npos && IsLocalPeer(addr.substr(0, colon));
}

inline bool ProtectedModeDenies(bool protected_mode, const User& default_user,
                                std::string_view peer_ip) {
  return protected_mode && default_user.nopass() && !IsLocalPeer(peer_ip);
}

}  // namespace node::acl
