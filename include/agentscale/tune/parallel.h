// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The thread pool TuneHpa evaluates a batch of candidates on: fn(i) for
// every i in [0, n), each exactly once, on at most `threads` threads, the
// calling thread among them. Items are handed out by one atomic counter, so
// a slow candidate does not hold the others; fn must write only to what
// item i owns (TuneHpa: results[i]) and read shared state that no one
// writes while ParallelFor runs. Returns when every item is done.
//
//   std::vector<double> out(n);
//   agentscale::tune::ParallelFor(n, 2, [&](size_t i) { out[i] = Work(i); });
#ifndef AGENTSCALE_TUNE_PARALLEL_H_
#define AGENTSCALE_TUNE_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

namespace agentscale::tune {

template <typename F>
void ParallelFor(size_t n, int32_t threads, F&& fn) {
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i = next.fetch_add(1); i < n; i = next.fetch_add(1)) fn(i);
  };
  const size_t count = std::min<size_t>(static_cast<size_t>(std::max(1, threads)), n);
  std::vector<std::thread> pool;
  pool.reserve(count > 0 ? count - 1 : 0);
  for (size_t k = 1; k < count; ++k) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
}

}  // namespace agentscale::tune

#endif  // AGENTSCALE_TUNE_PARALLEL_H_
