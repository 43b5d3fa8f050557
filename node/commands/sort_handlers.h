// node/commands/sort_handlers.h
//
// Handlers of SORT and SORT_RO (sort.cc) and SORT's key extractor, declared
// for the command table; plus PartialQuickSort, the partial sort SORT ... BY
// ... LIMIT and GEOSEARCH/GEORADIUS ... COUNT use. Engine thread only.

#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

#include "node/commands/command.h"

namespace node::commands {

void Sort(CommandContext&);
void SortRo(CommandContext&);
std::vector<int> SortKeys(std::span<const std::string_view> args);

// Sorts v so that positions [lrange, rrange] hold what a full sort would put
// there, the way Redis's pqsort does: Bentley & McIlroy's three-way
// quicksort that skips partitions outside the range. Redis uses it for
// partial sorts, and with equal elements (cmp == 0) the order it leaves is
// part of the reply, so the exact same swaps are made here. cmp(a, b) returns
// <0, 0 or >0.
namespace internal {

template <typename T, typename Cmp>
size_t Med3(std::vector<T>& v, size_t a, size_t b, size_t c, Cmp& cmp) {
  return cmp(v[a], v[b]) < 0 ? (cmp(v[b], v[c]) < 0 ? b : (cmp(v[a], v[c]) < 0 ? c : a))
                             : (cmp(v[b], v[c]) > 0 ? b : (cmp(v[a], v[c]) < 0 ? a : c));
}

template <typename T>
void VecSwap(std::vector<T>& v, size_t a, size_t b, size_t n) {
  for (size_t i = 0; i < n; i++) std::swap(v[a + i], v[b + i]);
}

// True when the partition [lo, lo+n) holds none of [l, r].
inline bool OutsideRange(int64_t lo, int64_t n, int64_t l, int64_t r) {
  return (l < lo && r < lo) || (l >= lo + n && r >= lo + n);
}

template <typename T, typename Cmp>
void PartialQuickSortRec(std::vector<T>& v, size_t lo, size_t n, int64_t l, int64_t r, Cmp& cmp) {
  for (;;) {
    if (n < 7) {  // insertion sort
      for (size_t pm = lo + 1; pm < lo + n; pm++) {
        for (size_t pl = pm; pl > lo && cmp(v[pl - 1], v[pl]) > 0; pl--) {
          std::swap(v[pl], v[pl - 1]);
        }
      }
      return;
    }
    size_t pm = lo + n / 2;
    if (n > 7) {
      size_t pl = lo, pn = lo + n - 1;
      if (n > 40) {
        size_t d = n / 8;
        pl = Med3(v, pl, pl + d, pl + 2 * d, cmp);
        pm = Med3(v, pm - d, pm, pm + d, cmp);
        pn = Med3(v, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = Med3(v, pl, pm, pn, cmp);
    }
    std::swap(v[lo], v[pm]);
    // Elements equal to the pivot gather at both ends, then move to the middle.
    int64_t pa = static_cast<int64_t>(lo) + 1, pb = pa;
    int64_t pc = static_cast<int64_t>(lo + n) - 1, pd = pc;
    for (;;) {
      int c;
      while (pb <= pc && (c = cmp(v[static_cast<size_t>(pb)], v[lo])) <= 0) {
        if (c == 0) {
          std::swap(v[static_cast<size_t>(pa)], v[static_cast<size_t>(pb)]);
          pa++;
        }
        pb++;
      }
      while (pb <= pc && (c = cmp(v[static_cast<size_t>(pc)], v[lo])) >= 0) {
        if (c == 0) {
          std::swap(v[static_cast<size_t>(pc)], v[static_cast<size_t>(pd)]);
          pd--;
        }
        pc--;
      }
      if (pb > pc) break;
      std::swap(v[static_cast<size_t>(pb)], v[static_cast<size_t>(pc)]);
      pb++;
      pc--;
    }
    int64_t slo = static_cast<int64_t>(lo), pn = static_cast<int64_t>(lo + n);
    int64_t k = std::min(pa - slo, pb - pa);
    VecSwap(v, lo, static_cast<size_t>(pb - k), static_cast<size_t>(k));
    k = std::min(pd - pc, pn - pd - 1);
    VecSwap(v, static_cast<size_t>(pb), static_cast<size_t>(pn - k), static_cast<size_t>(k));
    if ((k = pb - pa) > 1 && !OutsideRange(slo, k, l, r)) {
      PartialQuickSortRec(v, lo, static_cast<size_t>(k), l, r, cmp);
    }
    if ((k = pd - pc) > 1) {
      lo = static_cast<size_t>(pn - k);
      n = static_cast<size_t>(k);
      if (!OutsideRange(static_cast<int64_t>(lo), k, l, r)) continue;
    }
    return;
  }
}

}  // namespace internal

// glibc's qsort as Redis gets it on Debian 12 (glibc 2.36): a top-down merge
// sort, first half taken on ties, so stable. Written out rather than
// std::stable_sort because comparators here can be inconsistent (NaN
// scores or distances): the result then still matches Redis's, and nothing
// reads out of bounds. cmp(a, b) returns <0, 0 or >0.
template <typename T, typename Cmp>
void MergeSort(std::vector<T>& v, Cmp cmp) {
  if (v.size() < 2) return;
  std::vector<T> tmp(v.size());
  auto rec = [&](auto& self, size_t lo, size_t n) -> void {
    if (n <= 1) return;
    size_t n1 = n / 2, n2 = n - n1;
    self(self, lo, n1);
    self(self, lo + n1, n2);
    size_t i = lo, j = lo + n1, k = 0;
    while (n1 > 0 && n2 > 0) {
      if (cmp(v[i], v[j]) <= 0) {
        tmp[k++] = std::move(v[i++]);
        n1--;
      } else {
        tmp[k++] = std::move(v[j++]);
        n2--;
      }
    }
    while (n1 > 0) {
      tmp[k++] = std::move(v[i++]);
      n1--;
    }
    // What is left of the second half is already in place.
    for (size_t m = 0; m < k; m++) v[lo + m] = std::move(tmp[m]);
  };
  rec(rec, 0, v.size());
}

template <typename T, typename Cmp>
void PartialQuickSort(std::vector<T>& v, int64_t lrange, int64_t rrange, Cmp cmp) {
  if (v.empty()) return;
  internal::PartialQuickSortRec(v, 0, v.size(), lrange, rrange, cmp);
}

}  // namespace node::commands
