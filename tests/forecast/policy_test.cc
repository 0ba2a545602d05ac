// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ForecastFloor around an HPA in the fluid replay: it uses only the past
// (a perturbed future changes nothing before it), forecast-only changes no
// replica, the floor is up `lead` before a recurring rise, anomalies are
// counted and noted, and forecasts are scored.

#include "agentscale/forecast/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agentscale/forecast/forecaster.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/summary.h"
#include "agentscale/sim/trace.h"
#include "testing/queue_hpa.h"
#include "testing/status_matchers.h"

namespace agentscale::forecast {
namespace {

using ::agentscale_testing::IsOk;
using ::testing::HasSubstr;

constexpr double kT0 = 1'700'000'000;

// Two hours that repeat: 60 minutes at 10, 60 minutes at 400 (per minute).
sim::Trace Recurring(int hours) {
  sim::Trace t;
  for (int m = 0; m <= hours * 60; ++m) {
    t.time_seconds.push_back(kT0 + 60.0 * m);
    t.values.push_back((m / 60) % 2 == 0 ? 10 : 400);
  }
  return t;
}

std::unique_ptr<Policy> Hpa() {
  const hpa::AutoscalerSpec spec = agentscale_testing::QueueHpa();
  return std::make_unique<HorizontalAutoscaler>(*HorizontalAutoscaler::Create(spec));
}

ForecastFloorOptions Options(ForecastMode mode = ForecastMode::kForecastAndScale) {
  ForecastFloorOptions o;
  o.metric = hpa::MetricSpec::ExternalAverageValue("queue", 50000);
  o.load_per_replica = 50;
  o.step = absl::Minutes(1);
  o.lead = absl::Minutes(5);
  o.mode = mode;
  return o;
}

std::unique_ptr<ForecastFloor> WithForecast(ForecastMode mode = ForecastMode::kForecastAndScale) {
  SeasonalNaiveOptions sn;
  sn.season = 120;
  auto model = std::make_unique<SeasonalNaive>(*SeasonalNaive::Create(sn));
  absl::StatusOr<std::unique_ptr<ForecastFloor>> p =
      ForecastFloor::Create(Hpa(), std::move(model), Options(mode));
  EXPECT_THAT(p.status(), IsOk());
  return std::move(*p);
}

int32_t At(const sim::FluidResult& r, double minute) {
  for (size_t i = 0; i < r.time_seconds.size(); ++i) {
    if (r.time_seconds[i] == kT0 + 60 * minute) return r.replicas[i];
  }
  ADD_FAILURE() << "no sync at minute " << minute;
  return -1;
}

TEST(ForecastFloorTest, TheFloorIsUpBeforeARecurringRise) {
  const sim::Trace trace = Recurring(12);
  std::unique_ptr<Policy> plain = Hpa();
  absl::StatusOr<sim::FluidResult> a = sim::FluidReplay(*plain, {{"queue", &trace}});
  std::unique_ptr<ForecastFloor> f = WithForecast();
  absl::StatusOr<sim::FluidResult> b = sim::FluidReplay(*f, {{"queue", &trace}});
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  // The rise at minute 420 (hour 7): three minutes before it the reactive
  // HPA runs 1 replica; with the forecast the fleet is already at 8.
  EXPECT_EQ(At(*a, 417), 1);
  EXPECT_EQ(At(*b, 417), 8);
  // Before two seasons have passed the model is not ready: no lift.
  EXPECT_EQ(At(*b, 57), At(*a, 57));
  const ForecastScore s = f->score();
  EXPECT_GT(s.scored, 400);
  EXPECT_LT(s.mape, 0.05);
  EXPECT_GT(s.lifted, 0);
}

TEST(ForecastFloorTest, ForecastOnlyChangesNoReplica) {
  const sim::Trace trace = Recurring(12);
  std::unique_ptr<Policy> plain = Hpa();
  absl::StatusOr<sim::FluidResult> a = sim::FluidReplay(*plain, {{"queue", &trace}});
  std::unique_ptr<ForecastFloor> f = WithForecast(ForecastMode::kForecastOnly);
  absl::StatusOr<sim::FluidResult> b = sim::FluidReplay(*f, {{"queue", &trace}});
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  EXPECT_EQ(a->replicas, b->replicas);
  EXPECT_GT(f->score().lifted, 0);  // it would have lifted, and says so
}

TEST(ForecastFloorTest, NoLookAhead) {
  // Perturb everything after hour 8: every decision up to then is the same.
  const sim::Trace trace = Recurring(12);
  sim::Trace perturbed = trace;
  for (size_t i = 0; i < perturbed.size(); ++i) {
    if (perturbed.time_seconds[i] > kT0 + 8 * 3600) perturbed.values[i] *= 7;
  }
  std::unique_ptr<ForecastFloor> f = WithForecast();
  std::unique_ptr<ForecastFloor> g = WithForecast();
  absl::StatusOr<sim::FluidResult> a = sim::FluidReplay(*f, {{"queue", &trace}});
  absl::StatusOr<sim::FluidResult> b = sim::FluidReplay(*g, {{"queue", &perturbed}});
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  size_t same = 0, differ_after = 0;
  for (size_t i = 0; i < a->time_seconds.size(); ++i) {
    if (a->time_seconds[i] <= kT0 + 8 * 3600) {
      ASSERT_EQ(a->replicas[i], b->replicas[i]) << "at " << a->time_seconds[i] - kT0;
      ++same;
    } else if (a->replicas[i] != b->replicas[i]) {
      ++differ_after;
    }
  }
  EXPECT_GT(same, 1000u);
  EXPECT_GT(differ_after, 0u);  // the perturbation does matter afterwards
}

TEST(ForecastFloorTest, AnomaliesAreCountedAndNoted) {
  HoltWintersOptions hw;
  hw.season = 120;
  absl::StatusOr<std::unique_ptr<ForecastFloor>> p = ForecastFloor::Create(
      Hpa(), std::make_unique<HoltWinters>(*HoltWinters::Create(hw)), Options());
  ASSERT_THAT(p.status(), IsOk());
  sim::Trace trace = Recurring(8);
  trace.values[7 * 60 + 30] = 5000;  // a burst no model expects
  absl::StatusOr<sim::FluidResult> r = sim::FluidReplay(**p, {{"queue", &trace}});
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_GE((*p)->score().anomalies, 1);
  // The note of the decision that took the sample.
  std::unique_ptr<Policy> again = (*p)->Clone();
  Observation obs;
  obs.current_replicas = 8;
  obs.status_replicas = 8;
  obs.AddReadyPods(8);
  obs.AddMetric("queue").AddExternalValue(90000);
  Decision d;
  ASSERT_THAT(again->Decide(absl::FromUnixSeconds(static_cast<int64_t>(kT0)) + absl::Hours(9),
                            obs, &d),
              IsOk());
  EXPECT_THAT(d.Explain(), HasSubstr("forecast: anomaly, 90000 outside ["));
}

// Right after the warm-up a seasonal-naive model knows its mean but not its
// spread (an infinite interval): the upper bound sets no floor then, even
// with the maximum lifted.
TEST(ForecastFloorTest, AnUnknownSpreadSetsNoFloor) {
  SeasonalNaiveOptions sn;
  sn.season = 3;
  ForecastFloorOptions o = Options();
  o.use_upper = true;
  o.max_breach = MaxCapacityBreach::kIncreaseMaxCapacity;
  absl::StatusOr<std::unique_ptr<ForecastFloor>> p = ForecastFloor::Create(
      Hpa(), std::make_unique<SeasonalNaive>(*SeasonalNaive::Create(sn)), o);
  ASSERT_THAT(p.status(), IsOk());
  Observation obs;
  obs.current_replicas = 1;
  obs.status_replicas = 1;
  obs.AddReadyPods(1);
  obs.AddMetric("queue").AddExternalValue(10);
  Decision d;
  absl::Time t = absl::FromUnixSeconds(static_cast<int64_t>(kT0));
  for (int i = 0; i < 3; ++i, t += absl::Minutes(1)) {
    d = Decision();
    ASSERT_THAT((*p)->Decide(t, obs, &d), IsOk());
  }
  EXPECT_TRUE((*p)->model().ready());
  EXPECT_TRUE(std::isinf((*p)->last_forecast().upper));
  EXPECT_EQ((*p)->last_floor(), 0);
  EXPECT_EQ(d.desired_replicas, 1);
}

// The drivers' options: a ForecastSpec runs exactly as WithForecast around
// the same HPA; the metric and the load per replica come from the HPA.
TEST(ForecastSpecTest, DriversTakeItInTheirOptions) {
  const hpa::AutoscalerSpec spec = agentscale_testing::QueueHpa();
  ForecastSpec fs;
  fs.model = "seasonal-naive";
  fs.season = 120;
  fs.lead = absl::Minutes(5);
  const sim::Trace trace = Recurring(12);
  sim::FluidOptions fo;
  fo.forecast = fs;
  absl::StatusOr<sim::FluidResult> a = sim::FluidReplay(spec, {{"queue", &trace}}, fo);
  absl::StatusOr<std::unique_ptr<ForecastFloor>> p = WithForecast(Hpa(), fs);
  ASSERT_THAT(p.status(), IsOk());
  absl::StatusOr<sim::FluidResult> b = sim::FluidReplay(**p, {{"queue", &trace}});
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  EXPECT_EQ(a->replicas, b->replicas);
  EXPECT_EQ(At(*a, 417), 8);  // 400 per minute at 50 per replica
  // The driver's summary carries the forecast's score; a caller running a
  // ForecastFloor it built records it itself.
  const ForecastScore score = (*p)->score();
  EXPECT_GT(score.scored, 0);
  EXPECT_TRUE(a->summary.has_forecast);
  EXPECT_EQ(a->summary.forecast_scored, score.scored);
  EXPECT_DOUBLE_EQ(a->summary.forecast_mape, score.mape);
  EXPECT_DOUBLE_EQ(a->summary.forecast_coverage, score.coverage);
  EXPECT_EQ(a->summary.forecast_anomalies, score.anomalies);
  EXPECT_EQ(a->summary.forecast_lifted, score.lifted);
  EXPECT_FALSE(b->summary.has_forecast);
  sim::RunSummary recorded = b->summary;
  sim::RecordForecast(score, &recorded);
  EXPECT_TRUE(recorded.has_forecast);
  EXPECT_EQ(recorded.forecast_lifted, score.lifted);
  sim::AgentModelOptions ao;
  ao.forecast = fs;
  ao.queue_metric = "queue";
  absl::StatusOr<sim::AgentModelResult> agent = sim::RunAgentModel(spec, trace, ao);
  ASSERT_THAT(agent.status(), IsOk());
  EXPECT_TRUE(agent->summary.has_forecast);
  EXPECT_GT(agent->summary.forecast_scored, 0);
  // The Policy entry point refuses it.
  EXPECT_THAT(sim::FluidReplay(**p, {{"queue", &trace}}, fo).status().message(),
              HasSubstr("forecast::WithForecast"));
  // Every model by name; an unknown one is an error naming the known.
  for (const char* m : {"seasonal-naive", "holt-winters", "holt-winters-multiplicative",
                        "linear-trend"}) {
    fs.model = m;
    EXPECT_THAT(MakeForecaster(fs).status(), IsOk()) << m;
  }
  fs.model = "crystal-ball";
  EXPECT_THAT(MakeForecaster(fs).status().message(), HasSubstr("known: seasonal-naive"));
  fs.model = "holt-winters";
  fs.metric = "nope";
  EXPECT_THAT(WithForecast(Hpa(), fs).status().message(), HasSubstr("no metric \"nope\""));
}

// AWS's IncreaseMaxCapacity with MaxCapacityBuffer: a forecast of 30
// replicas over a maximum of 20 raises the maximum to 30 x 1.1 = 33, and a
// burst whose load asks for 40 goes up to it; with buffer 0
// up to the forecast; HonorMaxCapacity stays at 20.
TEST(ForecastFloorTest, IncreaseMaxCapacityRaisesTheMaximumByTheBuffer) {
  sim::Trace trace;
  for (int m = 0; m <= 8 * 60; ++m) {
    trace.time_seconds.push_back(kT0 + 60.0 * m);
    trace.values.push_back((m / 60) % 2 == 0 ? 10 : 1500);
  }
  trace.values[7 * 60 + 30] = 2000;  // in a high hour: the load asks for 40
  auto peak = [&](MaxCapacityBreach breach, double buffer, int32_t* max_after) {
    ForecastFloorOptions o = Options();
    o.max_breach = breach;
    o.max_capacity_buffer = buffer;
    SeasonalNaiveOptions sn;
    sn.season = 120;
    absl::StatusOr<std::unique_ptr<ForecastFloor>> p = ForecastFloor::Create(
        Hpa(), std::make_unique<SeasonalNaive>(*SeasonalNaive::Create(sn)), o);
    EXPECT_THAT(p.status(), IsOk());
    absl::StatusOr<sim::FluidResult> r = sim::FluidReplay(**p, {{"queue", &trace}});
    EXPECT_THAT(r.status(), IsOk());
    *max_after = (*p)->max_replicas();
    int32_t most = 0;
    for (size_t i = 0; i < r->time_seconds.size(); ++i) {
      if (r->time_seconds[i] >= kT0 + 6 * 3600) most = std::max(most, r->replicas[i]);
    }
    return most;
  };
  int32_t max_after = 0;
  EXPECT_EQ(peak(MaxCapacityBreach::kIncreaseMaxCapacity, 10, &max_after), 33);
  EXPECT_EQ(max_after, 33);
  EXPECT_EQ(peak(MaxCapacityBreach::kIncreaseMaxCapacity, 0, &max_after), 30);
  EXPECT_EQ(max_after, 30);
  EXPECT_EQ(peak(MaxCapacityBreach::kHonorMaxCapacity, 0, &max_after), 20);
  EXPECT_EQ(max_after, 20);
}

TEST(ForecastFloorTest, OptionsAreChecked) {
  ForecastFloorOptions o = Options();
  o.load_per_replica = 0;
  EXPECT_FALSE(ForecastFloor::Create(Hpa(), std::make_unique<SeasonalNaive>(*SeasonalNaive::Create({})), o).ok());
  o = Options();
  o.step = absl::ZeroDuration();
  EXPECT_FALSE(ForecastFloor::Create(Hpa(), std::make_unique<SeasonalNaive>(*SeasonalNaive::Create({})), o).ok());
  EXPECT_FALSE(ForecastFloor::Create(Hpa(), nullptr, Options()).ok());
  o = Options();
  o.lead = absl::ZeroDuration();  // the next step
  EXPECT_THAT(ForecastFloor::Create(Hpa(), std::make_unique<SeasonalNaive>(*SeasonalNaive::Create({})), o).status(), IsOk());
  o.lead = absl::Seconds(-1);
  EXPECT_FALSE(ForecastFloor::Create(Hpa(), std::make_unique<SeasonalNaive>(*SeasonalNaive::Create({})), o).ok());
  o = Options();
  o.max_capacity_buffer = 10;  // only with IncreaseMaxCapacity
  EXPECT_THAT(ForecastFloor::Create(Hpa(), std::make_unique<SeasonalNaive>(*SeasonalNaive::Create({})), o).status().message(),
              HasSubstr("only with IncreaseMaxCapacity"));
  o.max_breach = MaxCapacityBreach::kIncreaseMaxCapacity;
  o.max_capacity_buffer = 101;
  EXPECT_THAT(ForecastFloor::Create(Hpa(), std::make_unique<SeasonalNaive>(*SeasonalNaive::Create({})), o).status().message(),
              HasSubstr("from 0 to 100"));
}

}  // namespace
}  // namespace agentscale::forecast
