// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Schedules from YAML: the seed's ConfigMap as its article prints it, the
// Schedule kind, errors at file:line:col (every problem of a Schedule at
// once), dump -> load.

#include "agentscale/config/schedule.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "testing/status_matchers.h"

namespace agentscale::config {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

std::string ScheduleSourceDir() {
  return getenv("AGENTSCALE_SOURCE_DIR") ? getenv("AGENTSCALE_SOURCE_DIR") : ".";
}

TEST(ScheduleLoaderTest, TheSeedsConfigMapVerbatim) {
  ScheduleLoadOptions o;
  o.timezone = "America/New_York";
  o.min_replicas = 5;
  absl::StatusOr<schedule::ScheduleSpec> s =
      LoadScheduleFile(ScheduleSourceDir() + "/examples/seed_schedule.yaml", o);
  ASSERT_THAT(s.status(), IsOk());
  EXPECT_EQ(s->name, "scaling-predictions");
  EXPECT_EQ(s->timezone, "America/New_York");
  ASSERT_EQ(s->rules.size(), 2u);
  EXPECT_EQ(s->rules[0].name, "monday_morning_scale_up..friday_evening_scale_down");
  EXPECT_EQ(s->rules[0].min_replicas, 5);
  EXPECT_EQ(s->rules[1].days, "28-31");
  // The dump is a Schedule that loads back the same.
  absl::StatusOr<schedule::ScheduleSpec> again = LoadScheduleString(DumpSchedule(*s), "dump.yaml");
  ASSERT_THAT(again.status(), IsOk()) << DumpSchedule(*s);
  EXPECT_EQ(*again, *s);
}

TEST(ScheduleLoaderTest, AConfigMapsDefaultAmountIsHalfTheMaximum) {
  EXPECT_EQ(ConfigMapDefaultMinReplicas(10), 5);
  EXPECT_EQ(ConfigMapDefaultMinReplicas(7), 4);
  EXPECT_EQ(ConfigMapDefaultMinReplicas(100), 50);
  EXPECT_EQ(ConfigMapDefaultMinReplicas(1), 1);
  EXPECT_EQ(ConfigMapDefaultMinReplicas(0), 1);
  EXPECT_EQ(ConfigMapDefaultMinReplicas(2147483647), 1073741824);
}

TEST(ScheduleLoaderTest, TheScheduleKind) {
  absl::StatusOr<schedule::ScheduleSpec> s = LoadScheduleFile(ScheduleSourceDir() + "/examples/schedule.yaml");
  ASSERT_THAT(s.status(), IsOk());
  EXPECT_EQ(s->timezone, "America/New_York");
  ASSERT_EQ(s->rules.size(), 2u);
  EXPECT_EQ(s->rules[0].start, std::vector<std::string>{"0 8 * * 1"});
  EXPECT_EQ(s->rules[1].min_replicas, 6);
  EXPECT_EQ(*LoadScheduleString(DumpSchedule(*s), "dump.yaml"), *s);
  // Several lines in a list; a Deployment before it is skipped.
  const std::string yaml =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: agents}\n---\n"
      "apiVersion: agentscale.dev/v1alpha1\nkind: Schedule\nmetadata: {name: shifts}\n"
      "spec:\n  rules:\n  - name: shifts\n    start: ['0 6 * * *', '0 14 * * *']\n"
      "    end: ['0 10 * * *', '0 22 * * *']\n    maxReplicas: 8\n";
  absl::StatusOr<schedule::ScheduleSpec> two = LoadScheduleString(yaml, "two.yaml");
  ASSERT_THAT(two.status(), IsOk());
  EXPECT_EQ(two->rules[0].end.size(), 2u);
  EXPECT_EQ(two->rules[0].max_replicas, 8);
  EXPECT_EQ(*LoadScheduleString(DumpSchedule(*two), "dump.yaml"), *two);
}

TEST(ScheduleLoaderTest, ErrorsAtLineAndColumn) {
  struct Case {
    const char* yaml;
    const char* error;
  } cases[] = {
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n"
       "  monday_morning_scale_up: \"8:00\"\n",
       "s.yaml:5:28: data.monday_morning_scale_up: a scale_up needs a scale_down"},
      {"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: p}\ndata:\n  surge: [28, 31]\n",
       "s.yaml:5:10: data.surge: must be a string, got a list"},
      {"apiVersion: agentscale.dev/v1alpha1\nkind: Schedule\nspec:\n  timezone: Mars/Olympus\n"
       "  rules:\n  - name: a\n    start: 0 8 * * 7\n    end: 0 18 * * 5\n    minReplicas: -1\n",
       "s.yaml:4:13: spec.timezone: unknown time zone \"Mars/Olympus\""},
      {"apiVersion: agentscale.dev/v1alpha1\nkind: Schedule\nspec:\n  timezone: Mars/Olympus\n"
       "  rules:\n  - name: a\n    start: 0 8 * * 7\n    end: 0 18 * * 5\n    minReplicas: -1\n",
       "s.yaml:7:12: spec.rules[0].start[0]: end of range (7) above maximum (6): 7\n"
       "s.yaml:9:18: spec.rules[0].minReplicas: must not be negative, got -1"},
      {"apiVersion: agentscale.dev/v1alpha1\nkind: Schedule\nspec:\n  rules:\n"
       "  - {name: a, days: '28-31', start: '0 8 * * *', minReplicas: 2}\n",
       "spec.rules[0].days: a rule is either a window (start, end) or days, not both"},
      {"apiVersion: agentscale.dev/v1alpha1\nkind: Schedule\nspec:\n  rules:\n"
       "  - {name: a, dayz: '28-31'}\n",
       "s.yaml:5:15: spec.rules[0].dayz: unknown field"},
      {"apiVersion: agentscale.dev/v2\nkind: Schedule\n", "s.yaml:1:13: apiVersion"},
      {"apiVersion: v1\nkind: Service\n", "no ConfigMap (v1) or Schedule"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(LoadScheduleString(c.yaml, "s.yaml").status(),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.error)))
        << c.yaml;
  }
  EXPECT_THAT(LoadScheduleFile("/nonexistent/schedule.yaml").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace agentscale::config
