// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// StabilizeWithBehavior without a pass over the history (normalize.h).
//
// Why it is exact. The plain function, at `now` with cutoffs
// up_cutoff = now - up_window and down_cutoff = now - down_window, takes
//   up   = min(desired, replicas of entries with timestamp > up_cutoff)
//   down = max(desired, replicas of entries with timestamp > down_cutoff)
//   old  = the last position whose timestamp < min(up_cutoff, down_cutoff)
// and then writes {desired, now} at `old` or appends it. When every entry
// was recorded at or before `now` and `now` never decreases (with fixed
// windows, of any sign, infinite too), the cutoffs never decrease either, and every entry
// is recorded with the newest timestamp. So:
//   - an entry leaves a window once and for all, and the entries inside a
//     window are the newest ones: a queue in time order whose expired
//     front is dropped. Kept monotone (an entry that can never again be
//     the window's minimum, or maximum, is dropped from the back), its
//     front is the window's minimum (maximum).
//   - an entry becomes old once and for all, in time order; the old ones
//     form a set of positions whose largest is `old`. An old entry is
//     outside both windows, so overwriting it never touches the queues.

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <vector>

#include "agentscale/hpa/normalize.h"

namespace agentscale::hpa {
namespace {

// A first-in first-out buffer that keeps its storage: no allocation once it
// has held as many elements as it ever will.
template <typename T>
class Ring {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  T& front() { return buf_[head_]; }
  T& back() { return buf_[(head_ + size_ - 1) & mask_]; }
  void clear() { head_ = size_ = 0; }
  void pop_front() {
    head_ = (head_ + 1) & mask_;
    --size_;
  }
  void pop_back() { --size_; }
  void push_back(const T& v) {
    if (size_ == buf_.size()) Grow();
    buf_[(head_ + size_) & mask_] = v;
    ++size_;
  }

 private:
  void Grow() {
    std::vector<T> next(buf_.empty() ? 16 : buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) next[i] = buf_[(head_ + i) & mask_];
    buf_.swap(next);
    head_ = 0;
    mask_ = buf_.size() - 1;
  }

  std::vector<T> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
  size_t mask_ = 0;
};

struct Entry {
  absl::Time timestamp;
  int32_t replicas;
};

}  // namespace

struct StabilizationIndex::Impl {
  bool valid = false;
  absl::Duration up_window;
  absl::Duration down_window;
  absl::Time last_now;
  size_t size = 0;                 // the history's size when last seen
  Ring<Entry> up_min;              // inside the up window, replicas increasing
  Ring<Entry> down_max;            // inside the down window, replicas decreasing
  Ring<uint32_t> pending;          // positions not yet old, in time order
  std::vector<uint64_t> old_bits;  // positions that are old
  size_t old_count = 0;
  std::vector<uint32_t> order;     // scratch for Rebuild

  void PushUpMin(const Entry& e) {
    while (!up_min.empty() && up_min.back().replicas >= e.replicas) up_min.pop_back();
    up_min.push_back(e);
  }
  void PushDownMax(const Entry& e) {
    while (!down_max.empty() && down_max.back().replicas <= e.replicas) {
      down_max.pop_back();
    }
    down_max.push_back(e);
  }
  void SetOld(uint32_t i) {
    old_bits[i >> 6] |= uint64_t{1} << (i & 63);
    ++old_count;
  }
  // The largest old position (old_count > 0).
  uint32_t LastOld() const {
    size_t w = old_bits.size();
    while (old_bits[--w] == 0) {
    }
    return static_cast<uint32_t>(w * 64 + 63 - __builtin_clzll(old_bits[w]));
  }
  void ClearOld(uint32_t i) {
    old_bits[i >> 6] &= ~(uint64_t{1} << (i & 63));
    --old_count;
  }

  // Rebuilds from `history` as of `now`; false where the index cannot hold
  // it exactly (a recommendation after `now`).
  bool Rebuild(absl::Time now, absl::Time up_cutoff, absl::Time down_cutoff,
               const std::vector<Recommendation>& history);
};

bool StabilizationIndex::Impl::Rebuild(absl::Time now, absl::Time up_cutoff,
                                       absl::Time down_cutoff,
                                       const std::vector<Recommendation>& history) {
  valid = false;
  const size_t n = history.size();
  if (n >= (size_t{1} << 31)) return false;
  for (const Recommendation& r : history) {
    if (r.timestamp > now) return false;
  }
  order.resize(n);
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return history[a].timestamp < history[b].timestamp;
  });
  const absl::Time older_cutoff = std::min(up_cutoff, down_cutoff);
  up_min.clear();
  down_max.clear();
  pending.clear();
  old_bits.assign(n / 64 + 1, 0);
  old_count = 0;
  for (uint32_t i : order) {
    const Recommendation& r = history[i];
    if (r.timestamp < older_cutoff) {
      SetOld(i);
    } else {
      pending.push_back(i);
    }
    if (r.timestamp > up_cutoff) PushUpMin(Entry{r.timestamp, r.replicas});
    if (r.timestamp > down_cutoff) PushDownMax(Entry{r.timestamp, r.replicas});
  }
  size = n;
  valid = true;
  return true;
}

StabilizationIndex::StabilizationIndex() : impl_(std::make_unique<Impl>()) {}
StabilizationIndex::~StabilizationIndex() = default;
StabilizationIndex::StabilizationIndex(const StabilizationIndex&)
    : impl_(std::make_unique<Impl>()) {}
StabilizationIndex& StabilizationIndex::operator=(const StabilizationIndex&) {
  if (impl_ == nullptr) impl_ = std::make_unique<Impl>();
  impl_->valid = false;
  return *this;
}
StabilizationIndex::StabilizationIndex(StabilizationIndex&& o) noexcept
    : impl_(std::move(o.impl_)) {}
StabilizationIndex& StabilizationIndex::operator=(StabilizationIndex&& o) noexcept {
  impl_ = std::move(o.impl_);
  return *this;
}

void StabilizationIndex::Invalidate() {
  if (impl_ != nullptr) impl_->valid = false;
}

int32_t StabilizeWithBehavior(absl::Time now, absl::Duration up_window,
                              absl::Duration down_window, int32_t current,
                              int32_t desired,
                              std::vector<Recommendation>* history,
                              StabilizationIndex* index) {
  if (index->impl_ == nullptr) index->impl_ = std::make_unique<StabilizationIndex::Impl>();
  StabilizationIndex::Impl& x = *index->impl_;
  const absl::Time up_cutoff = now - up_window;
  const absl::Time down_cutoff = now - down_window;
  const absl::Time older_cutoff = std::min(up_cutoff, down_cutoff);
  if (!x.valid || x.size != history->size() || now < x.last_now ||
      x.up_window != up_window || x.down_window != down_window) {
    x.up_window = up_window;
    x.down_window = down_window;
    if (!x.Rebuild(now, up_cutoff, down_cutoff, *history)) {
      return StabilizeWithBehavior(now, up_window, down_window, current, desired,
                                   history);
    }
  }
  x.last_now = now;
  std::vector<Recommendation>& h = *history;

  // Entries that became old since the last sync, and those that left a
  // window.
  while (!x.pending.empty() && h[x.pending.front()].timestamp < older_cutoff) {
    x.SetOld(x.pending.front());
    x.pending.pop_front();
  }
  while (!x.up_min.empty() && !(x.up_min.front().timestamp > up_cutoff)) {
    x.up_min.pop_front();
  }
  while (!x.down_max.empty() && !(x.down_max.front().timestamp > down_cutoff)) {
    x.down_max.pop_front();
  }
  int32_t up_recommendation = desired;
  int32_t down_recommendation = desired;
  if (!x.up_min.empty()) {
    up_recommendation = std::min(up_recommendation, x.up_min.front().replicas);
  }
  if (!x.down_max.empty()) {
    down_recommendation = std::max(down_recommendation, x.down_max.front().replicas);
  }
  int32_t recommendation = current;
  if (recommendation < up_recommendation) recommendation = up_recommendation;
  if (recommendation > down_recommendation) recommendation = down_recommendation;

  // Record {desired, now}: over the last old entry, else appended.
  uint32_t at;
  if (x.old_count > 0) {
    at = x.LastOld();
    x.ClearOld(at);
    h[at] = Recommendation{desired, now};
  } else {
    if (h.size() + 1 >= (size_t{1} << 31)) {
      x.valid = false;
      h.push_back(Recommendation{desired, now});
      return recommendation;
    }
    at = static_cast<uint32_t>(h.size());
    h.push_back(Recommendation{desired, now});
    if (h.size() > x.old_bits.size() * 64) x.old_bits.push_back(0);
  }
  x.size = h.size();
  x.pending.push_back(at);
  // Into both queues, even when a window is zero or negative and the entry
  // is already outside it: the expiry at the front drops it at the next
  // sync, and anything it drops from the back expires no later than it.
  x.PushUpMin(Entry{now, desired});
  x.PushDownMax(Entry{now, desired});
  return recommendation;
}

}  // namespace agentscale::hpa
