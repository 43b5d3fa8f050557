// node/commands/hll_handlers.h
//
// Handlers of HyperLogLog (PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST),
// declared for the command table (table_hll.inc). Defined in hll.cc. Engine
// thread only.

#pragma once

#include "node/commands/command.h"

namespace node::commands {

void PfAdd(CommandContext&);
void PfCount(CommandContext&);
void PfMerge(CommandContext&);
void PfDebug(CommandContext&);
void PfSelfTest(CommandContext&);

}  // namespace node::commands
