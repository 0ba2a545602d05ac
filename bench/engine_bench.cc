// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// One full sync of the seed autoscaler: HorizontalAutoscaler::Evaluate(now,
// obs, &decision), the overload that reuses the Decision, in steady state
// (BM_Engine_EvaluateSeed); and a whole series through EvaluateSeries(), the
// work of Python's evaluate_series() (BM_Engine_EvaluateSeries, below).
//
// The spec is the seed's production preset (== examples/hpa.yaml: two Pods
// metrics, app_active_task_count target 70 and app_active_request_count
// target 50, behavior 2 pods/30 s up, 1 pod/60 s down, windows 60 s / 300 s),
// with maxReplicas raised to 2 x pods so that every fleet size takes the
// metrics path (the seed's maxReplicas of 10 would send 100 pods straight to
// the AboveMax branch, which computes no metric).
//
// The fleet starts at N Ready pods and always runs as many pods as the
// engine last asked for; the fleet's total load (N pods' worth at target,
// +-25 %, period 10 min) is shared evenly by the running pods. Syncs thus
// alternate between holds, stabilized proposals and rate-limited rescales.
// Rescale decisions are applied at once (the next observation has the new
// count of pods) and Commit()ed. Before measuring, 160 syncs (40 min, four
// load periods) run at 15 s steps, so the recommendation history (5 min
// window) and the scale event lists are full and the engine runs a limit
// cycle. Each iteration then advances the clock by 15 s.
//
// Heap allocations are counted by replacing the global operator new/delete
// (every variant) in this binary; the counter is active only around the
// Evaluate() call (allocs_per_eval) and around Commit() (allocs_per_commit).
// Set AGENTSCALE_BENCH_TRACE_ALLOCS=1 to print a backtrace of every counted
// allocation to stderr (up to 64 of them), or break on
// agentscale_bench_counted_allocation under gdb. AGENTSCALE_BENCH_EXPLAIN=1
// prints the Explain() line of every warm-up sync.

#include <execinfo.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <new>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/policy/decision.h"
#include "agentscale/observation.h"
#include "agentscale/sim/series.h"
#include "benchmark/benchmark.h"

// --- allocation counting -----------------------------------------------------

namespace {

thread_local bool g_counting = false;
thread_local bool g_in_trace = false;
thread_local int64_t g_allocs = 0;
int g_trace_left = -1;  // -1: not read from the environment yet

}  // namespace

// A symbol to break on: gdb -ex 'break agentscale_bench_counted_allocation'.
extern "C" __attribute__((noinline)) void agentscale_bench_counted_allocation(
    std::size_t size) {
  asm volatile("" : : "r"(size) : "memory");
}

namespace {

void TraceAllocation(std::size_t size) {
  if (g_trace_left < 0) {
    const char* env = std::getenv("AGENTSCALE_BENCH_TRACE_ALLOCS");
    g_trace_left = (env != nullptr && env[0] == '1') ? 64 : 0;
  }
  if (g_trace_left == 0 || g_in_trace) return;
  --g_trace_left;
  g_in_trace = true;
  void* frames[32];
  const int n = backtrace(frames, 32);
  char header[64];
  const int len = std::snprintf(header, sizeof header,
                                "--- counted allocation of %zu bytes\n", size);
  if (len > 0) (void)!write(STDERR_FILENO, header, static_cast<size_t>(len));
  backtrace_symbols_fd(frames, n, STDERR_FILENO);
  g_in_trace = false;
}

inline void Count(std::size_t size) {
  if (g_counting && !g_in_trace) {
    ++g_allocs;
    agentscale_bench_counted_allocation(size);
    TraceAllocation(size);
  }
}

void* Allocate(std::size_t size) {
  Count(size);
  if (size == 0) size = 1;
  void* p = std::malloc(size);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* AllocateNoThrow(std::size_t size) noexcept {
  Count(size);
  if (size == 0) size = 1;
  return std::malloc(size);
}

void* AllocateAligned(std::size_t size, std::align_val_t al) {
  Count(size);
  const std::size_t a = static_cast<std::size_t>(al);
  std::size_t rounded = (size + a - 1) / a * a;
  if (rounded == 0) rounded = a;
  void* p = std::aligned_alloc(a, rounded);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

void* AllocateAlignedNoThrow(std::size_t size, std::align_val_t al) noexcept {
  Count(size);
  const std::size_t a = static_cast<std::size_t>(al);
  std::size_t rounded = (size + a - 1) / a * a;
  if (rounded == 0) rounded = a;
  return std::aligned_alloc(a, rounded);
}

}  // namespace

void* operator new(std::size_t n) { return Allocate(n); }
void* operator new[](std::size_t n) { return Allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return AllocateNoThrow(n);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return AllocateNoThrow(n);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return AllocateAligned(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return AllocateAligned(n, a);
}
void* operator new(std::size_t n, std::align_val_t a,
                   const std::nothrow_t&) noexcept {
  return AllocateAlignedNoThrow(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a,
                     const std::nothrow_t&) noexcept {
  return AllocateAlignedNoThrow(n, a);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept {
  std::free(p);
}
void operator delete(void* p, std::align_val_t,
                     const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::align_val_t,
                       const std::nothrow_t&) noexcept {
  std::free(p);
}

// --- the benchmark -----------------------------------------------------------

namespace {

constexpr int kSyncSeconds = 15;
constexpr int kLoadPeriod = 40;    // syncs: 10 minutes
constexpr int kWarmupSyncs = 160;  // four load periods

// The fleet's total load relative to N pods at target, at sync k: 1 +- 0.25.
double LoadRatio(int k) {
  return 1.0 + 0.25 * std::sin(2.0 * M_PI * k / kLoadPeriod);
}

// Observations by (phase of the load period, replica count): `replicas`
// Ready pods "agent-00000".., sharing the fleet's load evenly (as a load
// balancer would) with a fixed per-pod spread of +-30 %. Built on first use;
// after the warm-up the engine runs a limit cycle whose observations are all
// cached, so the measured loop only reads them (misses are counted and built
// with the timer paused).
class ObservationCache {
 public:
  ObservationCache(int n, absl::Time start)
      : n_(n), start_(start), cache_(kLoadPeriod * (2 * n + 1)) {
    std::mt19937_64 rng(7 + n);
    std::uniform_real_distribution<double> spread(0.7, 1.3);
    for (int i = 0; i <= 2 * n; ++i) {
      names_.push_back(absl::StrFormat("agent-%05d", i));
      spread_.push_back(spread(rng));
    }
  }

  bool Has(int sync, int32_t replicas) const {
    return cache_[Index(sync, replicas)] != nullptr;
  }

  agentscale::Observation& Get(int sync, int32_t replicas) {
    std::unique_ptr<agentscale::Observation>& slot =
        cache_[Index(sync, replicas)];
    if (slot == nullptr) slot = Build(sync % kLoadPeriod, replicas);
    return *slot;
  }

 private:
  size_t Index(int sync, int32_t replicas) const {
    return static_cast<size_t>(sync % kLoadPeriod) * (2 * n_ + 1) +
           static_cast<size_t>(replicas);
  }

  std::unique_ptr<agentscale::Observation> Build(int k, int32_t r) const {
    auto obs = std::make_unique<agentscale::Observation>();
    const absl::Time t = start_ + absl::Seconds(kSyncSeconds * k);
    const double per_pod = 70.0 * n_ * LoadRatio(k) / r;  // tasks per pod
    obs->current_replicas = r;
    obs->pods.reserve(r);
    agentscale::MetricObservation& tasks =
        obs->AddMetric("app_active_task_count");
    agentscale::MetricObservation& requests =
        obs->AddMetric("app_active_request_count");
    tasks.pod_samples.reserve(r);
    requests.pod_samples.reserve(r);
    for (int i = 0; i < r; ++i) {
      obs->pods.push_back(agentscale::hpa::Pod::Ready(names_[i]));
      const double task = per_pod * spread_[i];
      tasks.AddPodValue(names_[i], task, t);
      requests.AddPodValue(names_[i], 0.6 * task, t);  // 0.84 x its target
    }
    return obs;
  }

  int n_;
  absl::Time start_;
  std::vector<std::string> names_;
  std::vector<double> spread_;
  std::vector<std::unique_ptr<agentscale::Observation>> cache_;
};

void BM_Engine_EvaluateSeed(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  absl::StatusOr<agentscale::hpa::AutoscalerSpec> spec =
      agentscale::config::Preset("production");
  if (!spec.ok()) {
    state.SkipWithError(std::string(spec.status().message()).c_str());
    return;
  }
  spec->max_replicas = 2 * n;
  // The cached observations keep the sample times of the load's first
  // period; with the 5-minute default the engine would leave them out as
  // stale and hold on every sync. The staleness scan itself still runs.
  agentscale::hpa::ControllerConfig config;
  config.max_sample_age = absl::InfiniteDuration();
  absl::StatusOr<agentscale::HorizontalAutoscaler> hpa =
      agentscale::HorizontalAutoscaler::Create(*spec, config);
  if (!hpa.ok()) {
    state.SkipWithError(std::string(hpa.status().message()).c_str());
    return;
  }
  const absl::Time start = absl::FromUnixSeconds(1'767'258'000);
  ObservationCache cache(n, start);

  agentscale::Decision d;
  int32_t current = n;
  int sync = 0;
  int64_t rescales = 0;
  int64_t commit_allocs = 0;
  int64_t misses = 0;
  auto one_sync = [&](bool measure) -> bool {
    if (measure && !cache.Has(sync, current)) {
      state.PauseTiming();
      cache.Get(sync, current);
      ++misses;
      state.ResumeTiming();
    }
    const agentscale::Observation& obs = cache.Get(sync, current);
    const absl::Time now = start + absl::Seconds(kSyncSeconds * sync);
    ++sync;
    g_counting = measure;
    absl::Status st = hpa->Evaluate(now, obs, &d);
    g_counting = false;
    if (!st.ok()) {
      state.SkipWithError(std::string(st.message()).c_str());
      return false;
    }
    if (d.rescale) {
      current = d.desired_replicas;
      const int64_t before = g_allocs;
      g_counting = measure;
      absl::Status c = hpa->Commit(d);
      g_counting = false;
      commit_allocs += g_allocs - before;
      g_allocs = before;
      if (!c.ok()) {
        state.SkipWithError(std::string(c.message()).c_str());
        return false;
      }
      ++rescales;
    }
    return true;
  };
  const char* explain = std::getenv("AGENTSCALE_BENCH_EXPLAIN");
  for (int i = 0; i < kWarmupSyncs; ++i) {
    if (!one_sync(false)) return;
    if (explain != nullptr && explain[0] == '1') {
      std::fprintf(stderr, "n=%d sync %d: %s\n", n, sync - 1,
                   d.Explain().c_str());
    }
  }

  rescales = 0;
  commit_allocs = 0;
  misses = 0;
  g_allocs = 0;
  for (auto _ : state) {
    if (!one_sync(true)) return;
    benchmark::DoNotOptimize(d.desired_replicas);
  }
  const double iters = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations());
  state.counters["pods"] = n;
  state.counters["allocs_per_eval"] = static_cast<double>(g_allocs) / iters;
  state.counters["rescales_per_100"] = 100.0 * rescales / iters;
  state.counters["obs_cache_misses"] = static_cast<double>(misses);
  state.counters["allocs_per_commit"] =
      rescales > 0 ? static_cast<double>(commit_allocs) / rescales : 0.0;
  g_allocs = 0;
}

BENCHMARK(BM_Engine_EvaluateSeed)->Arg(10)->Arg(100)->Arg(1000);

// EvaluateSeries() (sim/series.h) on exactly the input of
// bench/python/bench_python.py's evaluate_series case, so that the Python
// call's time per step can be set against the same work in C++: the
// production preset as it is (maxReplicas 10), one step every 15 s from
// 1,767,258,000 s, fleet totals load = 350 + 300 sin(2 pi x) +
// 50 sin(2 pi 37 x) tasks with x = step / 5760 (a day-long swing with a
// ripple), requests 0.6 x load, the fleet starting at minReplicas and
// following every decision (commit). A week (40,320 steps) is the Python
// script's default; a day (5,760) shows the per-call overhead. Each
// iteration runs a fresh engine (built with the timer paused, as the Python
// script builds it outside its timer) over the whole series and returns the
// result's columns, as evaluate_series() does before numpy wraps them.
//
// Counters: time_per_step (CPU seconds per step), mean_pods (the mean of
// current_replicas: bench_python.py prints the same figure for its run),
// rescales, and allocs_per_step (heap allocations inside the call divided
// by the steps; the result's columns are most of them).
void BM_Engine_EvaluateSeries(benchmark::State& state) {
  const int64_t steps = state.range(0);
  absl::StatusOr<agentscale::hpa::AutoscalerSpec> spec =
      agentscale::config::Preset("production");
  if (!spec.ok()) {
    state.SkipWithError(std::string(spec.status().message()).c_str());
    return;
  }
  // The same float64 arithmetic as the numpy expressions, term by term.
  std::vector<double> times(steps), tasks(steps), requests(steps);
  for (int64_t i = 0; i < steps; ++i) {
    times[i] = 1'767'258'000.0 + 15.0 * static_cast<double>(i);
    const double x = static_cast<double>(i) / (4 * 60 * 24);
    tasks[i] = 350 + 300 * std::sin(2 * M_PI * x) +
               50 * std::sin(2 * M_PI * 37 * x);
    requests[i] = 0.6 * tasks[i];
  }
  agentscale::SeriesInput in;
  in.unix_seconds = times;
  in.metrics.push_back({"app_active_task_count",
                        agentscale::SeriesLayout::kFleetTotal, tasks});
  in.metrics.push_back({"app_active_request_count",
                        agentscale::SeriesLayout::kFleetTotal, requests});

  double pods_sum = 0;
  int64_t rescales = 0;
  int64_t allocs = 0;
  // Outside the loop, so that the previous engine is destroyed untimed.
  absl::StatusOr<agentscale::HorizontalAutoscaler> hpa;
  for (auto _ : state) {
    state.PauseTiming();
    hpa = agentscale::HorizontalAutoscaler::Create(*spec);
    if (!hpa.ok()) {
      state.SkipWithError(std::string(hpa.status().message()).c_str());
      return;
    }
    state.ResumeTiming();
    const int64_t before = g_allocs;
    g_counting = true;
    absl::StatusOr<agentscale::SeriesResult> r =
        agentscale::EvaluateSeries(*hpa, in);
    g_counting = false;
    allocs += g_allocs - before;
    if (!r.ok()) {
      state.SkipWithError(std::string(r.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(r->desired_replicas.data());
    state.PauseTiming();
    pods_sum = 0;
    rescales = 0;
    for (int64_t t = 0; t < steps; ++t) {
      pods_sum += r->current_replicas[t];
      rescales += r->rescale[t];
    }
    r = absl::StatusOr<agentscale::SeriesResult>();  // freed untimed
    state.ResumeTiming();
  }
  const double iters = static_cast<double>(state.iterations());
  state.SetItemsProcessed(state.iterations() * steps);
  state.counters["steps"] = static_cast<double>(steps);
  // Seconds per step (printed as e.g. "410ns").
  state.counters["time_per_step"] = benchmark::Counter(
      static_cast<double>(steps),
      benchmark::Counter::kIsIterationInvariantRate |
          benchmark::Counter::kInvert);
  state.counters["mean_pods"] = pods_sum / static_cast<double>(steps);
  state.counters["rescales"] = static_cast<double>(rescales);
  state.counters["allocs_per_step"] =
      static_cast<double>(allocs) / (iters * static_cast<double>(steps));
  g_allocs = 0;
}

BENCHMARK(BM_Engine_EvaluateSeries)
    ->Arg(4 * 60 * 24)
    ->Arg(4 * 60 * 24 * 7)
    ->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
