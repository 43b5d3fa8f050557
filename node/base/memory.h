// node/base/memory.h
//
// Process-wide heap accounting for INFO used_memory and maxmemory. The global
// operator new/delete are replaced (memory.cc) to add and subtract
// malloc_usable_size of every block, as Redis's zmalloc does. Any thread.

#pragma once

#include <cstddef>

namespace node::base {

// Bytes currently allocated through operator new / Alloc.
size_t UsedMemory();
// Resident set size from /proc/self/statm.
size_t ResidentMemory();
// Peak of UsedMemory() observed by UpdatePeakMemory().
size_t PeakMemory();
void UpdatePeakMemory();

}  // namespace node::base
