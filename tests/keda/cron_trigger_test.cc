// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// KEDA's cron trigger: its metric name and checks (KEDA's
// cron_scaler_test.go vectors), the window read from the decision clock,
// scale from and to zero at the window's edges, a cron floor under a
// prometheus trigger, an unknown zone as a failed read (fallback), daylight
// saving, and ScaledJobs.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agentscale/keda/policy.h"
#include "agentscale/keda/scaled_job.h"
#include "agentscale/keda/scaled_object.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/keda_replay.h"
#include "agentscale/sim/trace.h"
#include "testing/status_matchers.h"
#include "testing/wall_time.h"

namespace agentscale::keda {
namespace {

using ::agentscale_testing::IsOk;
using ::testing::HasSubstr;

using ::agentscale_testing::At;

TEST(CronTriggerTest, MetricNamesAsKedaBuildsThem) {
  // cron_scaler_test.go cronMetricIdentifiers.
  EXPECT_EQ(CronMetricName(0, {"0 0 * * Thu", "59 23 * * Thu", "Etc/UTC", 10}),
            "s0-cron-Etc-UTC-00xxThu-5923xxThu");
  EXPECT_EQ(CronMetricName(1, {"0 */2 * * *", "0 1-23/2 * * *", "Etc/UTC", 10}),
            "s1-cron-Etc-UTC-0xSl2xxx-01-23Sl2xxx");
  EXPECT_EQ(CronMetricName(2, {"0,30 * * * *", "15,45 * * * *", "Etc/UTC", 10}),
            "s2-cron-Etc-UTC-0Cm30xxxx-15Cm45xxxx");
  // A trigger built in C++ gets it from its position.
  ScaledObjectSpec so;
  so.triggers.push_back(Trigger::Prometheus("sum(app_pending_tasks)", 50));
  so.triggers.push_back(Trigger::Cron("0 8 * * 1-5", "0 18 * * 1-5", "Europe/Berlin", 4));
  absl::StatusOr<hpa::AutoscalerSpec> hpa = GeneratedHpa(so);
  ASSERT_THAT(hpa.status(), IsOk());
  ASSERT_EQ(hpa->metrics.size(), 2u);
  EXPECT_EQ(hpa->metrics[1].name, "s1-cron-Europe-Berlin-08xx1-5-018xx1-5");
  // Target AverageValue 1: the HPA desires desiredReplicas.
  EXPECT_EQ(hpa->metrics[1].target.average_value_milli, 1000);
}

TEST(CronTriggerTest, ChecksAsKedaMakesThem) {
  // cron_scaler_test.go testCronMetadata (the timezone is required by the
  // loader; config/scaled_object_test.cc).
  struct Case {
    CronTrigger cron;
    const char* error;  // "" for none
  } cases[] = {
      {{"30 * * * *", "45 * * * *", "Asia/Kolkata", 0}, "no desiredReplicas specified"},
      {{"30-33 * * * *", "45 * * * *", "Asia/Kolkata", 10}, ""},
      {{"30 * * * *", "45-50 * * * *", "Asia/Kolkata", 10}, ""},
      {{"-30 * * * *", "45 * * * *", "Asia/Kolkata", 10}, "error parsing start schedule"},
      {{"30 * * * *", "-50 * * * *", "Asia/Kolkata", 10}, "error parsing end schedule"},
      {{"30 * * * *", "50 * * -3 *", "Asia/Kolkata", 10}, "error parsing end schedule"},
      {{"30 * * * *", "30 * * * *", "Asia/Kolkata", 10},
       "start and end can not have exactly same time input"},
      // The zone is not checked here: KEDA fails at each poll instead.
      {{"0 8 * * *", "0 18 * * *", "Nowhere/City", 3}, ""},
  };
  for (const Case& c : cases) {
    std::vector<hpa::FieldError> errors = ValidateCronTrigger(c.cron, "spec.triggers[0]");
    if (std::string(c.error).empty()) {
      EXPECT_TRUE(errors.empty()) << c.cron.start << " / " << c.cron.end << ": "
                                  << errors[0].message;
    } else {
      ASSERT_FALSE(errors.empty()) << c.cron.start << " / " << c.cron.end;
      EXPECT_THAT(errors[0].message, HasSubstr(c.error));
      EXPECT_THAT(errors[0].path, HasSubstr("spec.triggers[0].metadata."));
    }
  }
}

// A driver on the wall clock: one instant, the prometheus trigger's value
// (if the object has one), the count carried from decision to decision.
class Clock {
 public:
  explicit Clock(ScaledObjectSpec so, int32_t replicas) : replicas_(replicas) {
    auto p = ScaledObjectPolicy::Create(std::move(so));
    EXPECT_THAT(p.status(), IsOk());
    policy_ = std::move(*p);
  }
  int32_t At(absl::Time now, std::optional<double> queue = std::nullopt) {
    Observation obs;
    obs.current_replicas = replicas_;
    obs.status_replicas = replicas_;
    obs.AddReadyPods(replicas_);
    for (const hpa::MetricSpec& m : policy_->metrics()) {
      obs.AddMetric(m.name).AddExternalValue(queue.value_or(0));
    }
    last_ = Decision();
    EXPECT_THAT(policy_->Decide(now, obs, &last_), IsOk());
    if (last_.rescale) {
      replicas_ = last_.desired_replicas;
      EXPECT_THAT(policy_->Commit(last_), IsOk());
    }
    return replicas_;
  }
  const Decision& last() const { return last_; }
  ScaledObjectPolicy& policy() { return *policy_; }

 private:
  std::unique_ptr<ScaledObjectPolicy> policy_;
  int32_t replicas_;
  Decision last_;
};

TEST(CronTriggerTest, OpensAtStartAndScalesToZeroAfterTheEnd) {
  ScaledObjectSpec so;
  so.triggers.push_back(Trigger::Cron("0 8 * * 1-5", "0 18 * * 1-5", "Europe/Berlin", 5));
  so.cooldown_period_seconds = 300;
  Clock c(so, 0);
  // The driver observes nothing: the cron trigger reads the clock.
  EXPECT_TRUE(c.policy().metrics().empty());
  // Monday 2024-05-06 in Berlin (CEST, +02:00), driven every 15 s from
  // 07:59 (polls every 30 s at :00 and :30, HPA syncs every 15 s).
  const absl::Time t = At("2024-05-06T07:59:00+0200");
  std::vector<int32_t> r;  // replicas after each instant, 15 s apart
  std::vector<std::string> notes;
  for (int s = 0; s <= (10 * 3600 + 7 * 60); s += 15) {
    r.push_back(c.At(t + absl::Seconds(s)));
    notes.push_back(c.last().family_note);
  }
  auto at = [&](int h, int m, int sec) {
    return r[static_cast<size_t>(((h - 7) * 3600 + (m - 59) * 60 + sec) / 15)];
  };
  EXPECT_EQ(at(7, 59, 30), 0);
  EXPECT_THAT(notes[2], HasSubstr("closed: 0"));
  // 08:00:00: the poll finds it open and scales from zero to 1; the HPA
  // syncs at the same instant (no behavior: the legacy scale-up limit of
  // max(2 x 1, 4) = 4), and reaches desiredReplicas at the next sync.
  EXPECT_EQ(at(8, 0, 0), 4);
  EXPECT_THAT(notes[4], HasSubstr("cron 0 8 * * 1-5 .. 0 18 * * 1-5 Europe/Berlin open: 5"));
  EXPECT_EQ(at(8, 0, 15), 5);
  for (int s = 30; s < 10 * 3600; s += 15) ASSERT_EQ(at(8, 0, s), 5) << s;
  // 18:00:00 (the end is exclusive): closed. The last active poll was
  // 17:59:30; the cooldown of 300 s passes strictly after 18:04:30, so the
  // poll at 18:05:00 scales to zero.
  EXPECT_EQ(at(18, 0, 0), 5);
  EXPECT_THAT(notes[(10 * 3600 + 60) / 15], HasSubstr("closed: 0"));
  EXPECT_EQ(at(18, 4, 30), 5);
  EXPECT_EQ(at(18, 5, 0), 0);
  // Saturday stays closed all day.
  absl::Time sat = At("2024-05-11T07:00:00+0200");
  for (int s = 0; s < 12 * 3600; s += 15) ASSERT_EQ(c.At(sat + absl::Seconds(s)), 0) << s;
}

TEST(CronTriggerTest, AFloorUnderAQueueTrigger) {
  ScaledObjectSpec so;
  so.triggers.push_back(Trigger::Prometheus("sum(app_pending_tasks)", 50));
  so.triggers.push_back(Trigger::Cron("0 8 * * *", "0 18 * * *", "UTC", 6));
  so.min_replica_count = 1;
  Clock c(so, 1);
  ASSERT_EQ(c.policy().metrics().size(), 1u);
  EXPECT_EQ(c.policy().metrics()[0].name, "s0-prometheus");
  // Inside the window the HPA takes the larger of the two proposals.
  // (The legacy scale-up limit: max(2 x current, 4) per sync.)
  const absl::Time nine = At("2024-05-06T09:00:00+0000");
  EXPECT_EQ(c.At(nine, 100.0), 4);                      // queue 100/50 = 2, cron 6
  EXPECT_EQ(c.At(nine + absl::Seconds(15), 100.0), 6);  // cron 6
  EXPECT_EQ(c.At(nine + absl::Seconds(30), 500.0), 10);  // queue 10 wins
  // Outside it, only the queue counts (after the HPA's scale-down window).
  const absl::Time night = At("2024-05-06T22:00:00+0000");
  int32_t r = 0;
  for (int s = 0; s <= 600; s += 15) r = c.At(night + absl::Seconds(s), 100.0);
  EXPECT_EQ(r, 2);
}

TEST(CronTriggerTest, AnUnknownZoneIsAFailedReadThatFallsBack) {
  ScaledObjectSpec so;
  so.triggers.push_back(Trigger::Cron("0 8 * * *", "0 18 * * *", "Nowhere/City", 6));
  so.min_replica_count = 1;
  so.fallback = Fallback{2, 3, FallbackBehavior::kStatic};
  Clock c(so, 1);
  const absl::Time t = At("2024-05-06T09:00:00+0000");
  // Failures are counted at each HPA sync; the third (> threshold 2) is
  // served the fallback of 3 replicas.
  EXPECT_EQ(c.At(t), 1);
  EXPECT_EQ(c.At(t + absl::Seconds(15)), 1);
  EXPECT_EQ(c.At(t + absl::Seconds(30)), 3);
  EXPECT_TRUE(c.last().fallback);
  EXPECT_THAT(c.last().family_note, HasSubstr("fallback for s0-cron-Nowhere-City"));
  EXPECT_EQ(c.policy().failures()[0], 3);
}

TEST(CronTriggerTest, ASpringForwardGapSkipsTheWindow) {
  ScaledObjectSpec so;
  so.triggers.push_back(Trigger::Cron("30 2 * * *", "45 2 * * *", "Europe/Berlin", 2));
  so.cooldown_period_seconds = 0;
  auto minutes_up = [&](const char* from) {
    Clock c(so, 0);
    int up = 0;
    const absl::Time t0 = At(from);
    for (int s = 0; s < 24 * 3600; s += 15) up += c.At(t0 + absl::Seconds(s)) > 0 ? 1 : 0;
    return up * 15 / 60;
  };
  // 2024-03-31: 02:00 CET jumps to 03:00 CEST; 02:30 never happens.
  EXPECT_EQ(minutes_up("2024-03-31T00:00:00+0100"), 0);
  // The next day: open 02:30-02:45, then down at the first poll after.
  const int next_day = minutes_up("2024-04-01T00:00:00+0200");
  EXPECT_GE(next_day, 15);
  EXPECT_LE(next_day, 16);
  // 2024-10-27: 02:00-03:00 happens twice, and so does the window.
  const int fall_back = minutes_up("2024-10-27T00:00:00+0200");
  EXPECT_GE(fall_back, 30);
  EXPECT_LE(fall_back, 32);
}

TEST(CronTriggerTest, ScaledJobStartsDesiredReplicasJobsInTheWindow) {
  ScaledJobSpec sj;
  sj.name = "nightly";
  sj.triggers.push_back(Trigger::Cron("0 1 * * *", "0 2 * * *", "UTC", 4));
  absl::StatusOr<std::unique_ptr<ScaledJobPolicy>> p = ScaledJobPolicy::Create(sj);
  ASSERT_THAT(p.status(), IsOk());
  EXPECT_TRUE((*p)->metrics().empty());
  Observation obs;
  Decision d;
  ASSERT_THAT((*p)->Decide(At("2024-05-06T00:30:00+0000"), obs, &d), IsOk());
  EXPECT_EQ(d.desired_replicas, 0);
  EXPECT_FALSE((*p)->last_poll().active);
  ASSERT_THAT((*p)->Decide(At("2024-05-06T01:00:00+0000"), obs, &d), IsOk());
  EXPECT_TRUE((*p)->last_poll().active);
  EXPECT_EQ(d.desired_replicas, 4);
}

// The seed's queue trigger with a business-hours floor, replayed on a day
// of trace whose timestamps are Unix seconds: the trace's clock is the
// cron trigger's clock.
ScaledObjectSpec SeedWithBusinessHours() {
  ScaledObjectSpec so;
  so.name = "matillion-agent-scaler";
  so.triggers.push_back(Trigger::Prometheus("sum(app_pending_tasks)", 50));
  so.triggers.push_back(Trigger::Cron("0 8 * * 1-5", "0 18 * * 1-5", "America/New_York", 4));
  return so;
}

TEST(CronTriggerTest, TheFluidReplayReadsTheTracesClock) {
  // Monday 2024-05-06 00:00 New York (04:00 UTC), a steady queue of 10.
  const double t0 = absl::ToUnixSeconds(At("2024-05-06T00:00:00-0400"));
  sim::Trace trace;
  trace.time_seconds = {t0, t0 + 86400};
  trace.values = {10, 10};
  absl::StatusOr<sim::FluidResult> r =
      sim::ReplayScaledObject(SeedWithBusinessHours(), {{"", &trace}});
  ASSERT_THAT(r.status(), IsOk());
  auto at = [&](int h, int m) {
    const double t = t0 + h * 3600 + m * 60;
    for (size_t i = 0; i < r->time_seconds.size(); ++i) {
      if (r->time_seconds[i] == t) return r->replicas[i];
    }
    ADD_FAILURE() << "no sync at " << h << ":" << m;
    return -1;
  };
  EXPECT_EQ(at(7, 59), 1);   // the queue alone: 10/50 -> 1
  EXPECT_EQ(at(8, 1), 4);    // the floor
  EXPECT_EQ(at(17, 59), 4);
  EXPECT_EQ(at(18, 1), 4);   // the HPA's scale-down window (300 s)
  EXPECT_EQ(at(18, 10), 1);
  // A trace named for the cron trigger is refused; so is replaying an
  // object that reads only the clock.
  EXPECT_FALSE(sim::ReplayScaledObject(SeedWithBusinessHours(),
                                       {{"s1-cron-America-New_York-08xx1-5-018xx1-5", &trace}})
                   .ok());
  ScaledObjectSpec cron_only;
  cron_only.triggers.push_back(Trigger::Cron("0 8 * * *", "0 18 * * *", "UTC", 3));
  EXPECT_THAT(sim::ReplayScaledObject(cron_only, {{"", &trace}}).status().message(),
              HasSubstr("only cron triggers"));
}

TEST(CronTriggerTest, TheAgentModelServesWorkWithACronOnlyObject) {
  // Work arrives only in business hours; a cron-only object has agents
  // then and none at night.
  const double t0 = absl::ToUnixSeconds(At("2024-05-06T00:00:00-0400"));
  sim::Trace trace;
  for (int m = 0; m < 24 * 60; ++m) {
    trace.time_seconds.push_back(t0 + m * 60);
    trace.values.push_back(m >= 9 * 60 && m < 17 * 60 ? 2 : 0);
  }
  ScaledObjectSpec so;
  so.triggers.push_back(Trigger::Cron("0 8 * * 1-5", "0 18 * * 1-5", "America/New_York", 3));
  sim::AgentModelOptions o;
  o.service_seconds = 60;
  o.service = sim::ServiceTimeModel::kFixed;
  o.interval = absl::Seconds(60);
  absl::StatusOr<sim::AgentModelResult> r = sim::RunAgentModel(so, trace, o);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(r->tasks_arrived, 2 * 8 * 60);
  EXPECT_EQ(r->summary.cold_start_tasks, 0);  // the floor was up before the work came
  // Up about 10 hours (plus the cooldown), down the other 14.
  EXPECT_GT(r->summary.time_at_zero_seconds, 13 * 3600.0);
  EXPECT_LT(r->summary.time_at_zero_seconds, 14.5 * 3600.0);
}

// A cron trigger whose window never opens changes nothing: the HPA sees
// its 0 beside the queue trigger and takes the queue's proposal, so the run
// is the seed's, decision for decision (the policy rewrites the HPA's
// observation for the cron metric on every sync; this checks the rewrite).
TEST(CronTriggerTest, AClosedWindowChangesNothing) {
  sim::Trace trace = sim::PoissonBurstTrace(30, 8, 3, absl::Minutes(10), absl::Hours(12),
                                            absl::Minutes(1), 7);
  const double t0 = absl::ToUnixSeconds(At("2024-05-06T00:00:00+0000"));
  for (double& t : trace.time_seconds) t += t0;
  ScaledObjectSpec seed;
  seed.triggers.push_back(Trigger::Prometheus("sum(app_pending_tasks)", 50));
  ScaledObjectSpec with_cron = seed;
  with_cron.triggers.push_back(Trigger::Cron("0 8 29 2 *", "0 9 29 2 *", "UTC", 9));

  absl::StatusOr<sim::FluidResult> a = sim::ReplayScaledObject(seed, {{"", &trace}});
  absl::StatusOr<sim::FluidResult> b = sim::ReplayScaledObject(with_cron, {{"", &trace}});
  ASSERT_THAT(a.status(), IsOk());
  ASSERT_THAT(b.status(), IsOk());
  EXPECT_EQ(a->replicas, b->replicas);
  int changes = 0;
  for (size_t i = 1; i < a->replicas.size(); ++i) changes += a->replicas[i] != a->replicas[i - 1];
  EXPECT_GT(changes, 10);  // the run does scale

  sim::AgentModelOptions o;
  o.service_seconds = 120;
  o.interval = absl::Seconds(60);
  absl::StatusOr<sim::AgentModelResult> x = sim::RunAgentModel(seed, trace, o);
  absl::StatusOr<sim::AgentModelResult> y = sim::RunAgentModel(with_cron, trace, o);
  ASSERT_THAT(x.status(), IsOk());
  ASSERT_THAT(y.status(), IsOk());
  EXPECT_EQ(x->desired_replicas, y->desired_replicas);
  EXPECT_EQ(x->alive_replicas, y->alive_replicas);
  EXPECT_EQ(x->summary.replica_hours, y->summary.replica_hours);
}

}  // namespace
}  // namespace agentscale::keda
