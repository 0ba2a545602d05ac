// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The tune layer on the embedded NASA trace (a month of per-minute
// arrivals):
//
//   BM_Tune_SizeFleetNasa      the queueing guess; items = trace rows
//   BM_Tune_EvaluateHpaNasa    one candidate replayed on the agent model
//                              (the seed's HPA); items = candidates
//   BM_Tune_SeedHpaNasa/N      a whole tune of the seed's HPA for a p95
//                              wait of 60 s on N threads; items =
//                              candidates, so items_per_second is configs
//                              evaluated per second

#include <string>
#include <utility>

#include "agentscale/config/manifest.h"
#include "agentscale/sim/trace.h"
#include "agentscale/tune/queueing.h"
#include "agentscale/tune/search.h"
#include "benchmark/benchmark.h"
#include "nasa_trace.h"

namespace {

const agentscale::hpa::AutoscalerSpec* SeedHpa() {
  static const agentscale::hpa::AutoscalerSpec* spec = [] {
    auto loaded = agentscale::config::LoadManifestFile(std::string(AGENTSCALE_SOURCE_DIR) +
                                                       "/examples/hpa.yaml");
    return loaded.ok() && !loaded->autoscalers.empty()
               ? new agentscale::hpa::AutoscalerSpec(loaded->autoscalers.front())
               : nullptr;
  }();
  return spec;
}

void BM_Tune_SizeFleetNasa(benchmark::State& state) {
  const agentscale::sim::Trace* trace = NasaTrace();
  if (trace == nullptr) return state.SkipWithError("NASA trace not found");
  for (auto _ : state) {
    auto f = agentscale::tune::SizeFleet(*trace);
    if (!f.ok()) return state.SkipWithError(std::string(f.status().message()).c_str());
    benchmark::DoNotOptimize(f->target_per_agent);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(trace->size()));
}
BENCHMARK(BM_Tune_SizeFleetNasa)->Unit(benchmark::kMillisecond);

void BM_Tune_EvaluateHpaNasa(benchmark::State& state) {
  const agentscale::sim::Trace* trace = NasaTrace();
  const agentscale::hpa::AutoscalerSpec* spec = SeedHpa();
  if (trace == nullptr || spec == nullptr) return state.SkipWithError("inputs not found");
  agentscale::tune::TuneOptions options;
  options.traces = {*trace};
  for (auto _ : state) {
    agentscale::tune::TunedConfig c = agentscale::tune::EvaluateHpa(*spec, options);
    benchmark::DoNotOptimize(c.evaluation.cost);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Tune_EvaluateHpaNasa)->Unit(benchmark::kMillisecond);

void BM_Tune_SeedHpaNasa(benchmark::State& state) {
  const agentscale::sim::Trace* trace = NasaTrace();
  const agentscale::hpa::AutoscalerSpec* spec = SeedHpa();
  if (trace == nullptr || spec == nullptr) return state.SkipWithError("inputs not found");
  agentscale::tune::TuneOptions options;
  options.traces = {*trace};
  options.threads = static_cast<int32_t>(state.range(0));
  int64_t candidates = 0;
  for (auto _ : state) {
    auto r = agentscale::tune::TuneHpa(*spec, options);
    if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
    candidates += static_cast<int64_t>(r->history.size());
    benchmark::DoNotOptimize(r->best.evaluation.cost);
  }
  state.SetItemsProcessed(candidates);
}
BENCHMARK(BM_Tune_SeedHpaNasa)->Arg(1)->Arg(2)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
