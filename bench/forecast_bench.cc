// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Forecasters and the forecast floor (forecast/):
//
//   BM_Forecast_YearOfMinutes/<model>  525,600 updates (a year of per-minute
//                                      samples, a daily season of 1,440)
//   BM_ForecastFloor_Decide            one decision of an HPA inside a
//                                      ForecastFloor (Holt-Winters, daily
//                                      season), a sample and a forecast five
//                                      steps ahead at every call

#include <cmath>
#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "agentscale/forecast/forecaster.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/hpa/autoscaler.h"
#include "benchmark/benchmark.h"

namespace {

using agentscale::forecast::Forecaster;

double Load(int64_t t) {
  return 200 + 150 * std::sin(2 * M_PI * static_cast<double>(t % 1440) / 1440.0) +
         static_cast<double>((t * 7919) % 23);
}

std::unique_ptr<Forecaster> Model(int which) {
  switch (which) {
    case 0:
      return std::make_unique<agentscale::forecast::SeasonalNaive>(
          *agentscale::forecast::SeasonalNaive::Create({1440, 0.9}));
    case 1: {
      agentscale::forecast::HoltWintersOptions o;
      o.season = 1440;
      return std::make_unique<agentscale::forecast::HoltWinters>(
          *agentscale::forecast::HoltWinters::Create(o));
    }
    case 2: {
      agentscale::forecast::HoltWintersOptions o;
      o.season = 1440;
      o.phi = 0.98;
      o.seasonality = agentscale::forecast::Seasonality::kMultiplicative;
      return std::make_unique<agentscale::forecast::HoltWinters>(
          *agentscale::forecast::HoltWinters::Create(o));
    }
    default:
      return std::make_unique<agentscale::forecast::LinearTrend>(
          *agentscale::forecast::LinearTrend::Create({60, 0.9}));
  }
}

void BM_Forecast_YearOfMinutes(benchmark::State& state) {
  constexpr int64_t kYear = 525600;
  for (auto _ : state) {
    std::unique_ptr<Forecaster> m = Model(static_cast<int>(state.range(0)));
    for (int64_t t = 0; t < kYear; ++t) m->Update(Load(t));
    benchmark::DoNotOptimize(m->Predict(5));
  }
  state.SetLabel(Model(static_cast<int>(state.range(0)))->name());
  state.SetItemsProcessed(state.iterations() * kYear);
}
BENCHMARK(BM_Forecast_YearOfMinutes)->DenseRange(0, 3)->Unit(benchmark::kMillisecond);

void BM_ForecastFloor_Decide(benchmark::State& state) {
  agentscale::hpa::AutoscalerSpec spec;
  spec.min_replicas = 1;
  spec.max_replicas = 100;
  spec.metrics.push_back(agentscale::hpa::MetricSpec::ExternalAverageValue("queue", 50000));
  auto hpa = std::make_unique<agentscale::HorizontalAutoscaler>(
      *agentscale::HorizontalAutoscaler::Create(spec));
  agentscale::forecast::ForecastFloorOptions o;
  o.metric = spec.metrics[0];
  o.load_per_replica = 50;
  o.step = absl::Minutes(1);
  o.lead = absl::Minutes(5);
  auto p = *agentscale::forecast::ForecastFloor::Create(std::move(hpa), Model(1), o);
  agentscale::Observation obs;
  obs.current_replicas = 5;
  obs.status_replicas = 5;
  obs.AddReadyPods(5);
  agentscale::MetricObservation& mo = obs.AddMetric("queue");
  mo.AddExternalValue(0);
  agentscale::Decision d;
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  int64_t t = 0;
  for (; t < 3 * 1440; ++t) {  // past the warm-up
    mo.external_values_milli[0] = static_cast<int64_t>(Load(t) * 1000);
    (void)p->Decide(now, obs, &d);
    now += absl::Minutes(1);
  }
  for (auto _ : state) {
    mo.external_values_milli[0] = static_cast<int64_t>(Load(t++) * 1000);
    if (!p->Decide(now, obs, &d).ok()) return state.SkipWithError("decide failed");
    benchmark::DoNotOptimize(d.desired_replicas);
    now += absl::Minutes(1);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ForecastFloor_Decide);

}  // namespace

BENCHMARK_MAIN();
