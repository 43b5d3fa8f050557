// node/commands/shoal_cmds.cc
//
// SHOAL: shoal's own commands, used by the bootstrap of other nodes.
//
//   SHOAL CLAIM <coordinator-id> <ttl-ms>   +OK when this node is not claimed
//                                           by another coordinator (or the
//                                           claim expired); the claim lasts
//                                           ttl-ms. Else -BUSY claimed by <id>.
//   SHOAL RELEASE <coordinator-id>          drops the claim if it is that
//                                           coordinator's.
//   SHOAL CLAIMED                           the current owner or null.
//
// A coordinator claims every participant before it forms a cluster, so two
// coordinators with different DNS views can never both act on one node.

#include "node/base/clock.h"
#include "node/commands/helpers.h"
#include "node/commands/shoal_handlers.h"

namespace node::commands {

void ShoalClaim(CommandContext& ctx) {
  auto& eng = ctx.engine();
  auto ttl = IntArg(ctx, 3);
  if (!ttl) return;
  if (*ttl <= 0 || *ttl > 600000) return ctx.reply().Error("ERR ttl must be 1..600000 ms");
  int64_t now = base::MonoMs();
  std::string owner(ctx.arg(2));
  if (!eng.claim_owner.empty() && eng.claim_owner != owner && now < eng.claim_until_ms) {
    return ctx.reply().Error("BUSY claimed by " + eng.claim_owner);
  }
  eng.claim_owner = owner;
  eng.claim_until_ms = now + *ttl;
  ctx.reply().Ok();
}

void ShoalRelease(CommandContext& ctx) {
  auto& eng = ctx.engine();
  if (eng.claim_owner == ctx.arg(2)) {
    eng.claim_owner.clear();
    eng.claim_until_ms = 0;
    return ctx.reply().Integer(1);
  }
  ctx.reply().Integer(0);
}

void ShoalClaimed(CommandContext& ctx) {
  auto& eng = ctx.engine();
  if (eng.claim_owner.empty() || base::MonoMs() >= eng.claim_until_ms) return ctx.reply().Null();
  ctx.reply().Bulk(eng.claim_owner);
}

void ShoalHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "SHOAL <subcommand> [<arg> ...]. Subcommands are:",
      "CLAIM <coordinator-id> <ttl-ms>",
      "    Let one bootstrap coordinator change this node's cluster membership.",
      "RELEASE <coordinator-id>",
      "    Drop that coordinator's claim.",
      "CLAIMED",
      "    Return the coordinator holding the claim, or null.",
      "HELP",
      "    Prints this help.",
  };
  ctx.reply().ArrayHeader(std::size(kLines));
  for (auto* l : kLines) ctx.reply().Simple(l);
}

}  // namespace node::commands
