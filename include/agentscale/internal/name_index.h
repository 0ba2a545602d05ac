// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Not API: a string -> int32 index for the replica calculator's per-sync pod
// lookups. Unlike a hash map it keeps its storage across Reset() calls, so a
// calculator that sees the same fleet every sync never allocates, and it
// stores pointers to names that live in the caller's pods and samples for
// the duration of one call only.
#ifndef AGENTSCALE_INTERNAL_NAME_INDEX_H_
#define AGENTSCALE_INTERNAL_NAME_INDEX_H_

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace agentscale::internal {

// a == b for short strings without a call to memcmp.
inline bool FastEqual(const char* a, size_t an, const char* b, size_t bn) {
  if (an != bn) return false;
  if (an >= 8) {
    uint64_t x, y;
    for (size_t i = 0; i + 8 < an; i += 8) {
      std::memcpy(&x, a + i, 8);
      std::memcpy(&y, b + i, 8);
      if (x != y) return false;
    }
    // The last 8 bytes, overlapping the previous chunk if need be.
    std::memcpy(&x, a + an - 8, 8);
    std::memcpy(&y, b + an - 8, 8);
    return x == y;
  }
  if (an >= 4) {
    uint32_t x, y, u, v;
    std::memcpy(&x, a, 4);
    std::memcpy(&y, b, 4);
    std::memcpy(&u, a + an - 4, 4);
    std::memcpy(&v, b + an - 4, 4);
    return x == y && u == v;
  }
  for (size_t i = 0; i < an; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
inline bool FastEqual(const std::string& a, const std::string& b) {
  return FastEqual(a.data(), a.size(), b.data(), b.size());
}

class NameIndex {
 public:
  static constexpr int32_t kAbsent = std::numeric_limits<int32_t>::min();

  // Empties the index and makes room for `n` names.
  void Reset(size_t n) {
    size_t want = 16;
    while (want < 2 * n) want <<= 1;
    if (slots_.size() < want) {
      slots_.assign(want, Slot{});
    } else {
      for (Slot& s : slots_) s.value = kAbsent;
    }
    mask_ = slots_.size() - 1;
  }

  // Adds name -> value. If the name is present, leaves it and returns its
  // value; otherwise returns kAbsent.
  int32_t Insert(const std::string& name, int32_t value) {
    const uint64_t h = Hash(name.data(), name.size());
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      Slot& s = slots_[i];
      if (s.value == kAbsent) {
        s = Slot{name.data(), static_cast<uint32_t>(name.size()), value};
        return kAbsent;
      }
      if (FastEqual(s.data, s.size, name.data(), name.size())) return s.value;
    }
  }

  int32_t Find(const std::string& name) const {
    const uint64_t h = Hash(name.data(), name.size());
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.value == kAbsent) return kAbsent;
      if (FastEqual(s.data, s.size, name.data(), name.size())) return s.value;
    }
  }

 private:
  // 16 bytes, so that a table for 10,000 pods stays in cache.
  struct Slot {
    const char* data = nullptr;
    uint32_t size = 0;
    int32_t value = kAbsent;
  };

  static uint64_t Hash(const char* p, size_t n) {
    return absl::Hash<absl::string_view>{}(absl::string_view(p, n));
  }

  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace agentscale::internal

#endif  // AGENTSCALE_INTERNAL_NAME_INDEX_H_
