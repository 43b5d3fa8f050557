// node/commands/bitops_handlers.h
//
// Handlers of bitmaps (SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD
// BITFIELD_RO), declared for the command table (table_bitops.inc). Defined
// in bitops.cc. Engine thread only.

#pragma once

#include "node/commands/command.h"

namespace node::commands {

void SetBit(CommandContext&);
void GetBit(CommandContext&);
void BitCount(CommandContext&);
void BitPos(CommandContext&);
void BitOp(CommandContext&);
void BitField(CommandContext&);
void BitFieldRo(CommandContext&);

}  // namespace node::commands
