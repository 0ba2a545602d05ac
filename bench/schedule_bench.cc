// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Cron schedules (schedule/cron.h):
//
//   BM_Cron_Parse           the business-hours line
//   BM_Cron_NextBerlin      the next weekday 08:00 in Europe/Berlin, from
//                           instants spread over a year
//   BM_CronWindow_Contains  KEDA's window at 15 s steps (the cache: most
//                           calls only compare with the next change)
//   BM_CronWindow_Uncached  the same, recomputing both next instants

#include <cstdint>

#include "absl/time/time.h"
#include "agentscale/schedule/cron.h"
#include "benchmark/benchmark.h"

namespace {

using agentscale::schedule::CronSchedule;
using agentscale::schedule::CronWindow;

void BM_Cron_Parse(benchmark::State& state) {
  for (auto _ : state) {
    auto s = CronSchedule::Parse("0 8 * * 1-5");
    benchmark::DoNotOptimize(s);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Cron_Parse);

void BM_Cron_NextBerlin(benchmark::State& state) {
  const CronSchedule s = *CronSchedule::Parse("0 8 * * 1-5");
  const absl::TimeZone berlin = *agentscale::schedule::LoadZone("Europe/Berlin");
  absl::Time t = absl::FromUnixSeconds(1'700'000'000);
  for (auto _ : state) {
    t += absl::Seconds(7919);  // about 2.2 h, prime: every hour and weekday in turn
    benchmark::DoNotOptimize(s.Next(t, berlin));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Cron_NextBerlin);

void Window(benchmark::State& state, bool cached) {
  CronWindow w = *CronWindow::Create("0 8 * * 1-5", "0 18 * * 1-5", "America/New_York");
  absl::Time t = absl::FromUnixSeconds(1'700'000'000);
  int64_t open = 0;
  for (auto _ : state) {
    t += absl::Seconds(15);
    open += cached ? w.Contains(t) : w.ContainsUncached(t);
  }
  benchmark::DoNotOptimize(open);
  state.SetItemsProcessed(state.iterations());
}
void BM_CronWindow_Contains(benchmark::State& state) { Window(state, true); }
BENCHMARK(BM_CronWindow_Contains);
void BM_CronWindow_Uncached(benchmark::State& state) { Window(state, false); }
BENCHMARK(BM_CronWindow_Uncached);

}  // namespace

BENCHMARK_MAIN();
