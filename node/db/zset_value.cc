// node/db/zset_value.cc
//
// ZSetValue: skiplist with spans + member map (see zset_value.h). The
// skiplist follows the classic design (Pugh 1990, with rank spans) written
// afresh here. Engine thread only.

#include "node/db/zset_value.h"

#include <cmath>
#include <new>

namespace node::db {

namespace {

// -1 / 0 / 1 comparing two lex bounds (neg_inf < strings < pos_inf).
int CompareBounds(bool a_neg, bool a_pos, const std::string& a, bool b_neg, bool b_pos,
                  const std::string& b) {
  int ra = a_neg ? -1 : (a_pos ? 1 : 0);
  int rb = b_neg ? -1 : (b_pos ? 1 : 0);
  if (ra != rb || ra != 0) return ra < rb ? -1 : (ra > rb ? 1 : 0);
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

}  // namespace

ZSetValue::Node* ZSetValue::NewNode(int height, double score, std::string_view member) {
  size_t bytes = sizeof(Node) + sizeof(Level) * static_cast<size_t>(height - 1);
  void* mem = ::operator new(bytes);
  Node* n = static_cast<Node*>(mem);
  new (&n->member) std::string(member);
  n->score = score;
  n->backward = nullptr;
  n->height = height;
  for (int i = 0; i < height; i++) n->level[i] = {nullptr, 0};
  return n;
}

void ZSetValue::FreeNode(Node* n) {
  n->member.~basic_string();
  ::operator delete(n);
}

ZSetValue::ZSetValue(bool listpack) : listpack_(listpack) { head_ = NewNode(kMaxLevel, 0, {}); }

ZSetValue::~ZSetValue() {
  Node* n = head_->level[0].forward;
  while (n) {
    Node* next = n->level[0].forward;
    FreeNode(n);
    n = next;
  }
  FreeNode(head_);
}

std::unique_ptr<ZSetValue> ZSetValue::FromPairs(
    const std::vector<std::pair<std::string, double>>& items, size_t max_entries,
    size_t max_value) {
  auto z = std::make_unique<ZSetValue>(false);
  for (auto& [m, s] : items) {
    int out;
    double ns;
    z->Add(s, m, 0, &out, &ns, SIZE_MAX, SIZE_MAX);
  }
  bool fits = z->size() <= max_entries;
  if (fits) {
    for (auto& [m, n] : z->dict_) {
      if (m.size() > max_value) {
        fits = false;
        break;
      }
    }
  }
  z->listpack_ = fits;
  if (fits) {
    for (Node* n = z->head_->level[0].forward; n; n = n->level[0].forward) {
      if (n->score == 0) n->score = 0.0;
    }
  }
  return z;
}

int ZSetValue::RandomLevel() {
  int level = 1;
  while (level < kMaxLevel) {
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    if ((rng_ & 0xFFFF) >= 0xFFFF / 4) break;  // p = 1/4
    level++;
  }
  return level;
}

ZSetValue::Node* ZSetValue::Insert(double score, std::string_view member) {
  Node* update[kMaxLevel];
  size_t rank[kMaxLevel];
  Node* x = head_;
  for (int i = level_ - 1; i >= 0; i--) {
    rank[i] = i == level_ - 1 ? 0 : rank[i + 1];
    while (x->level[i].forward &&
           Less(x->level[i].forward->score, x->level[i].forward->member, score, member)) {
      rank[i] += x->level[i].span;
      x = x->level[i].forward;
    }
    update[i] = x;
  }
  int level = RandomLevel();
  if (level > level_) {
    for (int i = level_; i < level; i++) {
      rank[i] = 0;
      update[i] = head_;
      update[i]->level[i].span = length_;
    }
    level_ = level;
  }
  x = NewNode(level, score, member);
  for (int i = 0; i < level; i++) {
    x->level[i].forward = update[i]->level[i].forward;
    update[i]->level[i].forward = x;
    x->level[i].span = update[i]->level[i].span - (rank[0] - rank[i]);
    update[i]->level[i].span = (rank[0] - rank[i]) + 1;
  }
  for (int i = level; i < level_; i++) update[i]->level[i].span++;
  x->backward = update[0] == head_ ? nullptr : update[0];
  if (x->level[0].forward) {
    x->level[0].forward->backward = x;
  } else {
    tail_ = x;
  }
  length_++;
  member_bytes_ += member.size();
  return x;
}

void ZSetValue::Unlink(Node* x, Node** update) {
  for (int i = 0; i < level_; i++) {
    if (update[i]->level[i].forward == x) {
      update[i]->level[i].span += x->level[i].span - 1;
      update[i]->level[i].forward = x->level[i].forward;
    } else {
      update[i]->level[i].span -= 1;
    }
  }
  if (x->level[0].forward) {
    x->level[0].forward->backward = x->backward;
  } else {
    tail_ = x->backward;
  }
  while (level_ > 1 && head_->level[level_ - 1].forward == nullptr) level_--;
  length_--;
  member_bytes_ -= x->member.size();
}

void ZSetValue::DeleteNode(double score, std::string_view member) {
  Node* update[kMaxLevel];
  Node* x = head_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward &&
           Less(x->level[i].forward->score, x->level[i].forward->member, score, member)) {
      x = x->level[i].forward;
    }
    update[i] = x;
  }
  x = x->level[0].forward;
  if (x && x->score == score && x->member == member) {
    Unlink(x, update);
    FreeNode(x);
  }
}

bool ZSetValue::Add(double score, std::string_view member, int in_flags, int* out_flags,
                    double* newscore, size_t max_entries, size_t max_value) {
  bool incr = in_flags & kIncr, nx = in_flags & kNx, xx = in_flags & kXx, gt = in_flags & kGt,
       lt = in_flags & kLt;
  *out_flags = 0;
  if (std::isnan(score)) return false;
  auto it = dict_.find(member);
  if (it != dict_.end()) {
    if (nx) {
      *out_flags |= kOutNop;
      return true;
    }
    Node* n = it->second;
    double cur = n->score;
    if (incr) {
      score += cur;
      if (std::isnan(score)) return false;
    }
    if ((lt && score >= cur) || (gt && score <= cur)) {
      *out_flags |= kOutNop;
      return true;
    }
    *newscore = score;
    if (score != cur) {
      // Re-position: delete and insert (keeps the code simple; O(log n)).
      std::string m = n->member;
      dict_.erase(it);
      DeleteNode(cur, m);
      Node* x = Insert((listpack_ && score == 0) ? 0.0 : score, m);
      dict_.emplace(std::string_view(x->member), x);
      *out_flags |= kOutUpdated;
    }
    return true;
  }
  if (xx) {
    *out_flags |= kOutNop;
    return true;
  }
  if (listpack_ && (length_ + 1 > max_entries || member.size() > max_value)) listpack_ = false;
  *newscore = score;
  // A listpack stores scores as text/integers: -0 comes back as 0.
  if (listpack_ && score == 0) score = 0.0;
  Node* x = Insert(score, member);
  dict_.emplace(std::string_view(x->member), x);
  *out_flags |= kOutAdded;
  return true;
}

bool ZSetValue::Remove(std::string_view member) {
  auto it = dict_.find(member);
  if (it == dict_.end()) return false;
  Node* n = it->second;
  double score = n->score;
  std::string m = n->member;
  dict_.erase(it);
  DeleteNode(score, m);
  return true;
}

std::optional<double> ZSetValue::Score(std::string_view member) const {
  auto it = dict_.find(member);
  if (it == dict_.end()) return std::nullopt;
  return it->second->score;
}

int64_t ZSetValue::Rank(std::string_view member, bool reverse) const {
  auto it = dict_.find(member);
  if (it == dict_.end()) return -1;
  const Node* target = it->second;
  size_t rank = 0;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && !Less(target->score, target->member, x->level[i].forward->score,
                                        x->level[i].forward->member)) {
      rank += x->level[i].span;
      x = x->level[i].forward;
    }
    if (x == target) break;
  }
  // rank is 1-based here.
  int64_t r = static_cast<int64_t>(rank) - 1;
  return reverse ? static_cast<int64_t>(length_) - 1 - r : r;
}

const ZSetValue::Node* ZSetValue::ByRank(size_t rank0) const {
  if (rank0 >= length_) return nullptr;
  size_t target = rank0 + 1, traversed = 0;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && traversed + x->level[i].span <= target) {
      traversed += x->level[i].span;
      x = x->level[i].forward;
    }
    if (traversed == target) return x;
  }
  return nullptr;
}

bool ZSetValue::IsInRange(const ScoreRange& r) const {
  if (r.min > r.max || (r.min == r.max && (r.minex || r.maxex))) return false;
  if (!tail_ || !ValueGteMin(tail_->score, r)) return false;
  const Node* f = First();
  return f && ValueLteMax(f->score, r);
}

const ZSetValue::Node* ZSetValue::FirstInRange(const ScoreRange& r) const {
  if (!IsInRange(r)) return nullptr;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && !ValueGteMin(x->level[i].forward->score, r)) {
      x = x->level[i].forward;
    }
  }
  x = x->level[0].forward;
  return (x && ValueLteMax(x->score, r)) ? x : nullptr;
}

const ZSetValue::Node* ZSetValue::LastInRange(const ScoreRange& r) const {
  if (!IsInRange(r)) return nullptr;
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && ValueLteMax(x->level[i].forward->score, r)) {
      x = x->level[i].forward;
    }
  }
  return (x != head_ && ValueGteMin(x->score, r)) ? x : nullptr;
}

bool ZSetValue::LexGteMin(std::string_view s, const LexRange& r) {
  if (r.min_neg_inf) return true;
  if (r.min_pos_inf) return false;
  int c = s.compare(r.min);
  return r.minex ? c > 0 : c >= 0;
}

bool ZSetValue::LexLteMax(std::string_view s, const LexRange& r) {
  if (r.max_pos_inf) return true;
  if (r.max_neg_inf) return false;
  int c = s.compare(r.max);
  return r.maxex ? c < 0 : c <= 0;
}

bool ZSetValue::IsInLexRange(const LexRange& r) const {
  int c = CompareBounds(r.min_neg_inf, r.min_pos_inf, r.min, r.max_neg_inf, r.max_pos_inf, r.max);
  if (c > 0 || (c == 0 && (r.minex || r.maxex))) return false;
  if (!tail_ || !LexGteMin(tail_->member, r)) return false;
  const Node* f = First();
  return f && LexLteMax(f->member, r);
}

const ZSetValue::Node* ZSetValue::FirstInLexRange(const LexRange& r) const {
  if (!IsInLexRange(r)) return nullptr;
  if (listpack_) {
    // Redis scans a listpack linearly; with mixed scores (undefined order for
    // lex ranges) only this reproduces its answers.
    for (const Node* n = First(); n; n = Next(n)) {
      if (LexGteMin(n->member, r)) return LexLteMax(n->member, r) ? n : nullptr;
    }
    return nullptr;
  }
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && !LexGteMin(x->level[i].forward->member, r)) {
      x = x->level[i].forward;
    }
  }
  x = x->level[0].forward;
  return (x && LexLteMax(x->member, r)) ? x : nullptr;
}

const ZSetValue::Node* ZSetValue::LastInLexRange(const LexRange& r) const {
  if (!IsInLexRange(r)) return nullptr;
  if (listpack_) {
    for (const Node* n = Last(); n; n = Prev(n)) {
      if (LexLteMax(n->member, r)) return LexGteMin(n->member, r) ? n : nullptr;
    }
    return nullptr;
  }
  const Node* x = head_;
  for (int i = level_ - 1; i >= 0; i--) {
    while (x->level[i].forward && LexLteMax(x->level[i].forward->member, r)) {
      x = x->level[i].forward;
    }
  }
  return (x != head_ && LexGteMin(x->member, r)) ? x : nullptr;
}

size_t ZSetValue::RemoveRangeByRank(size_t start, size_t end) {
  std::vector<std::string> doomed;
  const Node* n = ByRank(start);
  for (size_t i = start; n && i <= end; i++, n = Next(n)) doomed.push_back(n->member);
  for (auto& m : doomed) Remove(m);
  return doomed.size();
}

size_t ZSetValue::RemoveRangeByScore(const ScoreRange& r) {
  std::vector<std::string> doomed;
  for (const Node* n = FirstInRange(r); n && ValueLteMax(n->score, r); n = Next(n)) {
    doomed.push_back(n->member);
  }
  for (auto& m : doomed) Remove(m);
  return doomed.size();
}

size_t ZSetValue::RemoveRangeByLex(const LexRange& r) {
  std::vector<std::string> doomed;
  for (const Node* n = FirstInLexRange(r); n && LexLteMax(n->member, r); n = Next(n)) {
    doomed.push_back(n->member);
  }
  for (auto& m : doomed) Remove(m);
  return doomed.size();
}

uint64_t ZSetValue::Scan(uint64_t cursor, size_t count,
                         std::vector<std::pair<std::string_view, double>>* out) const {
  if (listpack_) {
    ForEach([&](std::string_view m, double s) { out->emplace_back(m, s); });
    return 0;
  }
  if (cursor >= length_) return 0;
  const Node* n = ByRank(static_cast<size_t>(cursor));
  size_t i = static_cast<size_t>(cursor);
  size_t end = i + std::max<size_t>(count, 1);
  for (; n && i < end; i++, n = Next(n)) out->emplace_back(n->member, n->score);
  return i >= length_ ? 0 : i;
}

size_t ZSetValue::MemoryUsage() const {
  if (listpack_) {
    // Roughly Redis's listpack: header + per entry (member + score) overhead.
    return sizeof(*this) + 7 + member_bytes_ + length_ * 12;
  }
  return sizeof(*this) + dict_.bucket_count() * sizeof(void*) +
         length_ * (sizeof(Node) + 2 * sizeof(Level) + 48) + member_bytes_;
}

std::unique_ptr<Value> ZSetValue::Clone() const {
  auto z = std::make_unique<ZSetValue>(listpack_);
  for (const Node* n = First(); n; n = Next(n)) {
    Node* x = z->Insert(n->score, n->member);
    z->dict_.emplace(std::string_view(x->member), x);
  }
  return z;
}

}  // namespace node::db
