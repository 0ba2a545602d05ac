// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/presets.h"

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/hpa/validation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale::config {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct PresetCase {
  std::string name;
  int32_t min;
  int32_t max;
  int64_t tasks;  // units
  int64_t up_window_s;
  int64_t down_window_s;
};

void PrintTo(const PresetCase& c, std::ostream* os) { *os << c.name; }

class PresetTest : public testing::TestWithParam<PresetCase> {};

TEST_P(PresetTest, HasTheSeedNumbers) {
  const PresetCase& c = GetParam();
  absl::StatusOr<hpa::AutoscalerSpec> spec = Preset(c.name);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name, "agents-" + c.name);
  EXPECT_EQ(spec->namespace_name, "default");
  EXPECT_EQ(spec->scale_target_ref,
            (hpa::ObjectReference{"apps/v1", "Deployment", "agents"}));
  EXPECT_EQ(spec->min_replicas, c.min);
  EXPECT_EQ(spec->max_replicas, c.max);
  EXPECT_THAT(spec->metrics,
              ElementsAre(hpa::MetricSpec::PodsAverageValue(
                              "app_active_task_count", c.tasks * 1000),
                          hpa::MetricSpec::PodsAverageValue(
                              "app_active_request_count", 50'000)));
  ASSERT_TRUE(spec->behavior.has_value());
  const hpa::Behavior& b = *spec->behavior;
  EXPECT_EQ(b.scale_up.stabilization_window, absl::Seconds(c.up_window_s));
  EXPECT_EQ(b.scale_up.select_policy, hpa::SelectPolicy::kMax);
  EXPECT_EQ(b.scale_up.policies,
            (std::vector<hpa::ScalingPolicy>{
                {hpa::PolicyType::kPods, 2, absl::Seconds(30)}}));
  EXPECT_FALSE(b.scale_up.tolerance.has_value());
  EXPECT_EQ(b.scale_down.stabilization_window, absl::Seconds(c.down_window_s));
  EXPECT_EQ(b.scale_down.select_policy, hpa::SelectPolicy::kMin);
  EXPECT_EQ(b.scale_down.policies,
            (std::vector<hpa::ScalingPolicy>{
                {hpa::PolicyType::kPods, 1, absl::Seconds(60)}}));
  EXPECT_FALSE(b.scale_down.tolerance.has_value());
  EXPECT_THAT(hpa::ValidateSpec(*spec), IsEmpty());
}

INSTANTIATE_TEST_SUITE_P(
    Seed, PresetTest,
    testing::ValuesIn(std::vector<PresetCase>{
        {"production", 2, 10, 70, 60, 300},
        {"development", 1, 5, 10, 0, 180},
        {"high-volume", 5, 15, 80, 60, 600},
        {"bursty", 1, 20, 30, 30, 300},
        {"testing", 1, 3, 10, 60, 300},
    }),
    [](const testing::TestParamInfo<PresetCase>& info) {
      std::string id = info.param.name;
      for (char& ch : id) {
        if (ch == '-') ch = '_';
      }
      return id;
    });

TEST(PresetNamesTest, ListsTheFiveProfilesInOrder) {
  EXPECT_THAT(PresetNames(), ElementsAre("production", "development",
                                         "high-volume", "bursty", "testing"));
}

TEST(PresetTest, HighVolumePredictableIsAnAlias) {
  absl::StatusOr<hpa::AutoscalerSpec> alias = Preset("high-volume-predictable");
  ASSERT_TRUE(alias.ok());
  EXPECT_EQ(*alias, *Preset("high-volume"));
}

TEST(PresetTest, UnknownNameListsValidNames) {
  absl::StatusOr<hpa::AutoscalerSpec> spec = Preset("staging");
  ASSERT_FALSE(spec.ok());
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(spec.status().message()),
              HasSubstr("unknown preset \"staging\"; valid presets: "
                        "production, development, high-volume, bursty, "
                        "testing"));
}

}  // namespace
}  // namespace agentscale::config
