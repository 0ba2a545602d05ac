// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ParallelFor (tune/parallel.h) under ThreadSanitizer: every item runs once,
// on more threads than items and fewer, with items of uneven cost, while
// the items read shared state and write only their own slot.

#include "agentscale/tune/parallel.h"

#include <atomic>
#include <cstdint>
#include <numeric>
#include <vector>

#include "gtest/gtest.h"

namespace agentscale::tune {
namespace {

TEST(ParallelFor, EveryItemOnceOnAnyNumberOfThreads) {
  std::vector<int64_t> shared(1000);
  std::iota(shared.begin(), shared.end(), 0);  // read by every thread
  for (int32_t threads : {1, 2, 4, 16}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{3}, size_t{1000}}) {
      std::vector<int64_t> out(n, -1);
      std::vector<std::atomic<int>> runs(n);
      std::atomic<int64_t> total{0};
      ParallelFor(n, threads, [&](size_t i) {
        int64_t sum = 0;
        for (size_t k = 0; k < (i % 7) * 100; ++k) sum += shared[k % shared.size()];
        out[i] = static_cast<int64_t>(i) + sum - sum;
        runs[i].fetch_add(1);
        total.fetch_add(1);
      });
      EXPECT_EQ(total.load(), static_cast<int64_t>(n)) << threads;
      for (size_t i = 0; i < n; ++i) {
        EXPECT_EQ(out[i], static_cast<int64_t>(i));
        EXPECT_EQ(runs[i].load(), 1);
      }
    }
  }
}

TEST(ParallelFor, ZeroOrNegativeThreadsRunOnTheCaller) {
  std::vector<int> out(5, 0);
  ParallelFor(out.size(), 0, [&](size_t i) { out[i] = 1; });
  ParallelFor(out.size(), -3, [&](size_t i) { out[i] += 1; });
  for (int v : out) EXPECT_EQ(v, 2);
}

}  // namespace
}  // namespace agentscale::tune
