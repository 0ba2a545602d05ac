// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Counts heap allocations, for the tests of a zero-allocation contract
// (Decide / Evaluate with a reused Decision). It replaces the global operator
// new and delete, so it is included by exactly one source file of a test
// executable:
//
//   #include "testing/allocation_counter.h"
//   #if AGENTSCALE_COUNTS_ALLOCATIONS
//     agentscale_testing::g_allocations = 0;
//     agentscale_testing::g_counting = true;
//     policy.Decide(now, obs, &decision);
//     agentscale_testing::g_counting = false;
//     EXPECT_EQ(agentscale_testing::g_allocations, 0u);
//   #endif
//
// Sanitizer runtimes bring their own operator new: under AddressSanitizer
// nothing is replaced and AGENTSCALE_COUNTS_ALLOCATIONS is 0.
#ifndef AGENTSCALE_TESTING_ALLOCATION_COUNTER_H_
#define AGENTSCALE_TESTING_ALLOCATION_COUNTER_H_

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#define AGENTSCALE_COUNTS_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define AGENTSCALE_COUNTS_ALLOCATIONS 0
#endif
#endif
#ifndef AGENTSCALE_COUNTS_ALLOCATIONS
#define AGENTSCALE_COUNTS_ALLOCATIONS 1
#endif

#if AGENTSCALE_COUNTS_ALLOCATIONS
namespace agentscale_testing {
// While g_counting is set, each allocation on this thread adds one.
inline thread_local bool g_counting = false;
inline thread_local size_t g_allocations = 0;
inline void* CountedAlloc(size_t n) {
  if (g_counting) ++g_allocations;
  void* p = std::malloc(n == 0 ? 1 : n);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}
inline void* CountedAllocNoThrow(size_t n) noexcept {
  if (g_counting) ++g_allocations;
  return std::malloc(n == 0 ? 1 : n);
}
}  // namespace agentscale_testing

void* operator new(size_t n) { return agentscale_testing::CountedAlloc(n); }
void* operator new[](size_t n) { return agentscale_testing::CountedAlloc(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return agentscale_testing::CountedAllocNoThrow(n);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return agentscale_testing::CountedAllocNoThrow(n);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
#endif

#endif  // AGENTSCALE_TESTING_ALLOCATION_COUNTER_H_
