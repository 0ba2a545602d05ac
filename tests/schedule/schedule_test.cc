// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Schedules: the seed's ConfigMap read rule by rule, when rules are in
// force (window and days rules, stretches already in force at the start,
// month ends with leap years, days of 23 and 25 hours, a day without a
// midnight), errors, and a schedule over an HPA in the fluid replay.

#include "agentscale/schedule/schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/schedule/cron.h"
#include "agentscale/keda/scaled_object.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/keda_replay.h"
#include "agentscale/sim/trace.h"
#include "testing/queue_hpa.h"
#include "testing/status_matchers.h"
#include "testing/wall_time.h"

namespace agentscale::schedule {
namespace {

using ::agentscale_testing::IsOk;
using ::testing::HasSubstr;

using ::agentscale_testing::At;

// The windows as "rule: start .. end" in the zone, for readable failures.
std::vector<std::string> Show(const std::vector<BoundsWindow>& windows, const char* zone) {
  const absl::TimeZone z = *LoadZone(zone);
  std::vector<std::string> out;
  for (const BoundsWindow& w : windows) {
    out.push_back(w.name + ": " + absl::FormatTime("%Y-%m-%d %H:%M%z", w.start, z) + " .. " +
                  absl::FormatTime("%Y-%m-%d %H:%M%z", w.end, z));
  }
  return out;
}

const std::map<std::string, std::string> kSeedData = {
    {"monday_morning_scale_up", "8:00"},
    {"friday_evening_scale_down", "18:00"},
    {"month_end_surge", "28-31"},
};

TEST(ScheduleTest, TheSeedsConfigMapRuleByRule) {
  absl::StatusOr<ScheduleSpec> s =
      ScheduleFromConfigMap("scaling-predictions", kSeedData, {"America/New_York", 6});
  ASSERT_THAT(s.status(), IsOk());
  EXPECT_EQ(s->timezone, "America/New_York");
  ASSERT_EQ(s->rules.size(), 2u);
  const ScheduleRule& week = s->rules[0];
  EXPECT_EQ(week.name, "monday_morning_scale_up..friday_evening_scale_down");
  EXPECT_EQ(week.kind, ScheduleRule::Kind::kWindow);
  EXPECT_EQ(week.start, std::vector<std::string>{"0 8 * * 1"});
  EXPECT_EQ(week.end, std::vector<std::string>{"0 18 * * 5"});
  EXPECT_EQ(week.min_replicas, 6);
  const ScheduleRule& surge = s->rules[1];
  EXPECT_EQ(surge.name, "month_end_surge");
  EXPECT_EQ(surge.kind, ScheduleRule::Kind::kDays);
  EXPECT_EQ(surge.days, "28-31");

  // February 2024 (a leap year) into March, New York: the week already in
  // force on Wednesday the 28th started on Monday the 26th; the month end
  // is the 28th and 29th; the clocks change on Sunday 10 March, between
  // two business weeks.
  absl::StatusOr<std::vector<BoundsWindow>> w =
      ExpandSchedule(*s, At("2024-02-28T12:00:00-0500"), At("2024-03-16T00:00:00-0400"));
  ASSERT_THAT(w.status(), IsOk());
  EXPECT_EQ(Show(*w, "America/New_York"),
            (std::vector<std::string>{
                "monday_morning_scale_up..friday_evening_scale_down: 2024-02-26 08:00-0500 .. "
                "2024-03-01 18:00-0500",
                "month_end_surge: 2024-02-28 00:00-0500 .. 2024-03-01 00:00-0500",
                "monday_morning_scale_up..friday_evening_scale_down: 2024-03-04 08:00-0500 .. "
                "2024-03-08 18:00-0500",
                "monday_morning_scale_up..friday_evening_scale_down: 2024-03-11 08:00-0400 .. "
                "2024-03-15 18:00-0400",
            }));
}

TEST(ScheduleTest, MonthEndsInFebruary) {
  ScheduleSpec s;
  s.rules.push_back(ScheduleRule::Days("month_end_surge", "28-31", 8));
  // 2023: only the 28th; 2024: the 28th and 29th; April: 28-30.
  absl::StatusOr<std::vector<BoundsWindow>> w =
      ExpandSchedule(s, At("2023-02-01T00:00:00+0000"), At("2023-05-01T00:00:00+0000"));
  ASSERT_THAT(w.status(), IsOk());
  EXPECT_EQ(Show(*w, "UTC"), (std::vector<std::string>{
                                 "month_end_surge: 2023-02-28 00:00+0000 .. 2023-03-01 00:00+0000",
                                 "month_end_surge: 2023-03-28 00:00+0000 .. 2023-04-01 00:00+0000",
                                 "month_end_surge: 2023-04-28 00:00+0000 .. 2023-05-01 00:00+0000",
                             }));
  w = ExpandSchedule(s, At("2024-02-10T00:00:00+0000"), At("2024-03-02T00:00:00+0000"));
  ASSERT_THAT(w.status(), IsOk());
  EXPECT_EQ(Show(*w, "UTC"), (std::vector<std::string>{
                                 "month_end_surge: 2024-02-28 00:00+0000 .. 2024-03-01 00:00+0000",
                             }));
}

TEST(ScheduleTest, DaysAreLocalDaysOfAnyLength) {
  ScheduleSpec s;
  s.timezone = "Europe/Berlin";
  s.rules.push_back(ScheduleRule::Days("sundays", "* * 0", 3));
  absl::StatusOr<std::vector<BoundsWindow>> w =
      ExpandSchedule(s, At("2024-03-30T00:00:00+0100"), At("2024-04-01T00:00:00+0200"));
  ASSERT_THAT(w.status(), IsOk());
  ASSERT_EQ(w->size(), 1u);
  EXPECT_EQ((*w)[0].end - (*w)[0].start, absl::Hours(23));  // spring forward
  w = ExpandSchedule(s, At("2024-10-26T00:00:00+0200"), At("2024-10-28T00:00:00+0100"));
  ASSERT_THAT(w.status(), IsOk());
  ASSERT_EQ(w->size(), 1u);
  EXPECT_EQ((*w)[0].end - (*w)[0].start, absl::Hours(25));  // fall back
  // A day without a midnight (Sao Paulo, 2018-11-04: 00:00 became 01:00)
  // starts at its first instant.
  ScheduleSpec sp;
  sp.timezone = "America/Sao_Paulo";
  sp.rules.push_back(ScheduleRule::Days("election", "4 11 *", 2));
  w = ExpandSchedule(sp, At("2018-11-01T00:00:00-0300"), At("2018-11-10T00:00:00-0200"));
  ASSERT_THAT(w.status(), IsOk());
  ASSERT_EQ(w->size(), 1u);
  EXPECT_EQ((*w)[0].start, At("2018-11-04T01:00:00-0200"));
  EXPECT_EQ((*w)[0].end, At("2018-11-05T00:00:00-0200"));
}

TEST(ScheduleTest, WindowsAcrossDaylightSaving) {
  ScheduleSpec s;
  s.timezone = "Europe/Berlin";
  s.rules.push_back(ScheduleRule::Window("night", {"30 2 * * *"}, {"15 3 * * *"}, 2));
  // Spring forward: 02:30 on the 31st never happens, so that night has no
  // window (unlike KEDA's cron rule, which holds it open a day).
  absl::StatusOr<std::vector<BoundsWindow>> w =
      ExpandSchedule(s, At("2024-03-30T12:00:00+0100"), At("2024-04-01T12:00:00+0200"));
  ASSERT_THAT(w.status(), IsOk());
  EXPECT_EQ(Show(*w, "Europe/Berlin"),
            (std::vector<std::string>{"night: 2024-04-01 02:30+0200 .. 2024-04-01 03:15+0200"}));
  // Fall back: the first 02:30 opens it, the second changes nothing, it
  // closes at 03:15 CET: 1 h 45 min.
  w = ExpandSchedule(s, At("2024-10-26T12:00:00+0200"), At("2024-10-27T12:00:00+0100"));
  ASSERT_THAT(w.status(), IsOk());
  EXPECT_EQ(Show(*w, "Europe/Berlin"),
            (std::vector<std::string>{"night: 2024-10-27 02:30+0200 .. 2024-10-27 03:15+0100"}));
  // Several start and end lines: any start opens, the next end closes.
  ScheduleSpec two;
  two.rules.push_back(
      ScheduleRule::Window("shifts", {"0 6 * * *", "0 14 * * *"}, {"0 10 * * *", "0 22 * * *"}, 4));
  w = ExpandSchedule(two, At("2024-05-06T00:00:00+0000"), At("2024-05-07T00:00:00+0000"));
  ASSERT_THAT(w.status(), IsOk());
  EXPECT_EQ(Show(*w, "UTC"),
            (std::vector<std::string>{"shifts: 2024-05-06 06:00+0000 .. 2024-05-06 10:00+0000",
                                      "shifts: 2024-05-06 14:00+0000 .. 2024-05-06 22:00+0000"}));
}

TEST(ScheduleTest, ErrorsNameTheRuleOrKey) {
  ScheduleSpec bad;
  bad.timezone = "Mars/Olympus";
  bad.rules.push_back(ScheduleRule::Window("a", {"0 8 * * 7"}, {}, 2));
  bad.rules.push_back(ScheduleRule::Days("a", "1 2", std::nullopt));
  std::vector<hpa::FieldError> errors = ValidateSchedule(bad);
  std::vector<std::string> paths;
  for (const hpa::FieldError& e : errors) paths.push_back(e.path);
  EXPECT_EQ(paths, (std::vector<std::string>{"timezone", "rules[0].end", "rules[0].start[0]",
                                             "rules[1].name", "rules[1].days", "rules[1]"}));
  EXPECT_THAT(ExpandSchedule(bad, At("2024-01-01T00:00:00+0000"), At("2024-02-01T00:00:00+0000"))
                  .status()
                  .message(),
              HasSubstr("rules[0].start[0]: end of range (7) above maximum (6): 7"));

  struct Case {
    std::map<std::string, std::string> data;
    const char* error;
  } cases[] = {
      {{{"monday_morning_scale_up", "8:00"}}, "data.monday_morning_scale_up: a scale_up needs a "
                                              "scale_down"},
      {{{"friday_scale_down", "18:00"}}, "a scale_down needs a scale_up"},
      {{{"monday_scale_up", "25:00"}, {"friday_scale_down", "18:00"}},
       "data.monday_scale_up: \"25:00\" is neither a time of day"},
      {{{"someday_scale_up", "8:00"}, {"friday_scale_down", "18:00"}}, "names no day"},
      {{{"monday_morning", "8:00"}}, "needs a key that says scale_up or scale_down"},
      {{{"monday_scale_up", "28-31"}, {"friday_scale_down", "18:00"}}, "names days of the month"},
      {{{"surge", "31-28"}}, "beyond end of range"},
      {{}, "holds no schedule"},
      {{{"month end", "28-31"}},
       "a valid config key must consist of alphanumeric characters, '-', '_' or '.'"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ScheduleFromConfigMap("x", c.data, {}).status().message(), HasSubstr(c.error));
  }
  EXPECT_THAT(ExpandSchedule(ScheduleSpec{}, At("2024-01-02T00:00:00+0000"),
                             At("2024-01-01T00:00:00+0000"))
                  .status()
                  .message(),
              HasSubstr("from < to"));
}

// The schedule over an HPA in the fluid replay: a steady queue of 10
// (1 replica at target 50) is lifted to the schedule's 6 inside the
// business week and falls back after the HPA's scale-down window.
TEST(ScheduleTest, LiftsAnHpaInTheFluidReplay) {
  const hpa::AutoscalerSpec spec = agentscale_testing::QueueHpa();
  absl::StatusOr<HorizontalAutoscaler> hpa = HorizontalAutoscaler::Create(spec);
  ASSERT_THAT(hpa.status(), IsOk());
  absl::StatusOr<ScheduleSpec> s =
      ScheduleFromConfigMap("scaling-predictions", kSeedData, {"America/New_York", 6});
  ASSERT_THAT(s.status(), IsOk());
  // Sunday 2024-05-05 00:00 New York to Tuesday 00:00.
  const absl::Time from = At("2024-05-05T00:00:00-0400");
  const absl::Time to = from + absl::Hours(48);
  absl::StatusOr<std::unique_ptr<Policy>> p =
      WithSchedule(std::make_unique<HorizontalAutoscaler>(*hpa), *s, from, to);
  ASSERT_THAT(p.status(), IsOk());
  sim::Trace trace;
  trace.time_seconds = {static_cast<double>(absl::ToUnixSeconds(from)),
                        static_cast<double>(absl::ToUnixSeconds(to))};
  trace.values = {10, 10};
  absl::StatusOr<sim::FluidResult> r = sim::FluidReplay(**p, {{"queue", &trace}});
  ASSERT_THAT(r.status(), IsOk());
  auto at = [&](const char* when) {
    const double t = static_cast<double>(absl::ToUnixSeconds(At(when)));
    for (size_t i = 0; i < r->time_seconds.size(); ++i) {
      if (r->time_seconds[i] == t) return r->replicas[i];
    }
    ADD_FAILURE() << "no sync at " << when;
    return -1;
  };
  EXPECT_EQ(at("2024-05-06T07:59:45-0400"), 1);
  EXPECT_EQ(at("2024-05-06T08:00:00-0400"), 6);
  // The decision names the rule that lifted it.
  Observation obs;
  obs.current_replicas = 1;
  obs.status_replicas = 1;
  obs.AddReadyPods(1);
  obs.AddMetric("queue").AddExternalValue(10);
  Decision d;
  ASSERT_THAT((*p)->Decide(At("2024-05-07T09:00:00-0400"), obs, &d), IsOk());
  EXPECT_THAT(d.Explain(),
              HasSubstr("bounds monday_morning_scale_up..friday_evening_scale_down raised 1 to 6"));
  EXPECT_EQ(at("2024-05-06T23:59:45-0400"), 6);
}

// The options' schedule: every spec-based driver runs the policy inside it,
// exactly as WithSchedule does; the Policy entry points refuse it.
TEST(ScheduleTest, EveryDriverTakesItInItsOptions) {
  const hpa::AutoscalerSpec spec = agentscale_testing::QueueHpa();
  ScheduleSpec s;
  s.timezone = "America/New_York";
  s.rules.push_back(ScheduleRule::Window("day", {"0 8 * * *"}, {"0 18 * * *"}, 6));
  const absl::Time from = At("2024-05-06T00:00:00-0400");
  sim::Trace trace;
  for (int m = 0; m <= 24 * 60; m += 10) {
    trace.time_seconds.push_back(static_cast<double>(absl::ToUnixSeconds(from)) + m * 60);
    trace.values.push_back(m % 120 < 60 ? 10 : 120);
  }
  sim::FluidOptions fo;
  fo.schedule = s;
  absl::StatusOr<sim::FluidResult> a = sim::FluidReplay(spec, {{"queue", &trace}}, fo);
  ASSERT_THAT(a.status(), IsOk());
  absl::StatusOr<std::unique_ptr<Policy>> p =
      WithSchedule(std::make_unique<HorizontalAutoscaler>(*HorizontalAutoscaler::Create(spec)), s,
                   from, from + absl::Hours(25));
  ASSERT_THAT(p.status(), IsOk());
  absl::StatusOr<sim::FluidResult> b = sim::FluidReplay(**p, {{"queue", &trace}});
  ASSERT_THAT(b.status(), IsOk());
  EXPECT_EQ(a->replicas, b->replicas);
  absl::StatusOr<sim::FluidResult> plain = sim::FluidReplay(spec, {{"queue", &trace}});
  ASSERT_THAT(plain.status(), IsOk());
  EXPECT_GT(a->replica_hours, plain->replica_hours);
  // The Policy entry point refuses a schedule in its options.
  EXPECT_THAT(sim::FluidReplay(**p, {{"queue", &trace}}, fo).status().message(),
              HasSubstr("wrap a Policy with schedule::WithSchedule"));

  // A ScaledObject, replayed and in the agent model.
  keda::ScaledObjectSpec so;
  so.triggers.push_back(keda::Trigger::Prometheus("sum(app_pending_tasks)", 50));
  absl::StatusOr<sim::FluidResult> k = sim::ReplayScaledObject(so, {{"", &trace}}, fo);
  ASSERT_THAT(k.status(), IsOk());
  int32_t lowest_in_day = 1000;
  for (size_t i = 0; i < k->time_seconds.size(); ++i) {
    const absl::Time t = absl::FromUnixSeconds(static_cast<int64_t>(k->time_seconds[i]));
    if (t >= from + absl::Hours(8) && t < from + absl::Hours(18)) {
      lowest_in_day = std::min(lowest_in_day, k->replicas[i]);
    }
  }
  EXPECT_EQ(lowest_in_day, 6);
  sim::AgentModelOptions ao;
  ao.service_seconds = 60;
  ao.interval = absl::Minutes(10);
  ao.queue_metric = "queue";  // the agent model's queue is the HPA's metric
  absl::StatusOr<sim::AgentModelResult> x = sim::RunAgentModel(spec, trace, ao);
  ao.schedule = s;
  absl::StatusOr<sim::AgentModelResult> y = sim::RunAgentModel(spec, trace, ao);
  ASSERT_THAT(x.status(), IsOk());
  ASSERT_THAT(y.status(), IsOk());
  EXPECT_GT(y->summary.replica_hours, x->summary.replica_hours);
  absl::StatusOr<sim::AgentModelResult> z = sim::RunAgentModel(so, trace, ao);
  ASSERT_THAT(z.status(), IsOk());
  EXPECT_GE(z->summary.peak_replicas, 6);
}

}  // namespace
}  // namespace agentscale::schedule
