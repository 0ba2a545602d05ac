// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/grid.h"

#include <string>
#include <vector>

#include "agentscale/config/presets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::config {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

hpa::AutoscalerSpec Production() { return Preset("production").value(); }

TEST(Grid, SpecKeys) {
  for (const char* key : {"target", "target:app_active_request_count", "min_replicas",
                          "max_replicas", "scale_up_window_seconds", "scale_down_pods",
                          "scale_up_percent", "scale_down_period_seconds",
                          "scale_up_select_policy"}) {
    EXPECT_TRUE(IsSpecGridKey(key)) << key;
  }
  for (const char* key : {"slots", "service_seconds", "target:", "scale_up_", "tolerance"}) {
    EXPECT_FALSE(IsSpecGridKey(key)) << key;
  }
}

TEST(Grid, TargetsAndBounds) {
  hpa::AutoscalerSpec s = Production();
  ASSERT_THAT(ApplyGridSetting("target", 50.0001, &s), IsOk());
  EXPECT_EQ(s.metrics[0].target.average_value_milli, 50001);  // rounded up
  ASSERT_THAT(ApplyGridSetting("target:app_active_request_count", 30, &s), IsOk());
  EXPECT_EQ(s.metrics[1].target.average_value_milli, 30000);
  ASSERT_THAT(ApplyGridSetting("max_replicas", 20, &s), IsOk());
  EXPECT_EQ(s.max_replicas, 20);
}

TEST(Grid, PoliciesGetKubernetesDefaultPeriod) {
  hpa::AutoscalerSpec s = Production();
  s.behavior.reset();
  // A spec without behavior gets Kubernetes' default first; the default
  // scale-down rules have one Percent policy, so Pods is added with its
  // period, 15 s.
  ASSERT_THAT(ApplyGridSetting("scale_down_pods", 1, &s), IsOk());
  ASSERT_TRUE(s.behavior.has_value());
  ASSERT_EQ(s.behavior->scale_down.policies.size(), 2u);
  EXPECT_EQ(s.behavior->scale_down.policies[1].period, absl::Seconds(15));
  // Rules with no policy at all: the new one gets 15 s too, never 60 s.
  s.behavior->scale_up.policies.clear();
  ASSERT_THAT(ApplyGridSetting("scale_up_percent", 50, &s), IsOk());
  ASSERT_EQ(s.behavior->scale_up.policies.size(), 1u);
  EXPECT_EQ(s.behavior->scale_up.policies[0].period, absl::Seconds(15));
  ASSERT_THAT(ApplyGridSetting("scale_down_period_seconds", 120, &s), IsOk());
  for (const auto& p : s.behavior->scale_down.policies) EXPECT_EQ(p.period, absl::Seconds(120));
  ASSERT_THAT(ApplyGridSetting("scale_up_window_seconds", 0, &s), IsOk());
  EXPECT_EQ(s.behavior->scale_up.stabilization_window, absl::ZeroDuration());
  ASSERT_THAT(ApplyGridSetting("scale_down_select_policy", std::string("Disabled"), &s),
              IsOk());
  EXPECT_EQ(s.behavior->scale_down.select_policy, hpa::SelectPolicy::kDisabled);
}

struct BadCase {
  std::string name, key;
  double number;
  std::string text;  // used when not empty
  std::string message;
};

class GridErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(GridErrors, NameTheKeyAndLeaveTheSpec) {
  const BadCase& c = GetParam();
  hpa::AutoscalerSpec s = Production();
  const hpa::AutoscalerSpec before = s;
  absl::Status st = c.text.empty() ? ApplyGridSetting(c.key, c.number, &s)
                                   : ApplyGridSetting(c.key, c.text, &s);
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument,
                           HasSubstr("grid key \"" + c.key + "\": " + c.message)));
  EXPECT_EQ(s, before);
}

INSTANTIATE_TEST_SUITE_P(
    Bad, GridErrors,
    ::testing::ValuesIn(std::vector<BadCase>{
        {"Unknown", "slots", 1, "", "not a spec setting"},
        {"NaNTarget", "target", std::nan(""), "", "must be a positive target"},
        {"ZeroTarget", "target", 0, "", "must be a positive target"},
        {"NoSuchMetric", "target:cpu", 50, "", "the spec has no metric \"cpu\""},
        {"FractionalMin", "min_replicas", 2.5, "", "must be a whole number"},
        {"NegativeMax", "max_replicas", -1, "", "must be a whole number"},
        {"LongWindow", "scale_down_window_seconds", 3601, "", "must be seconds in [0, 3600]"},
        {"LongPeriod", "scale_up_period_seconds", 1801, "", "must be seconds in [0, 1800]"},
        {"ZeroPeriod", "scale_up_period_seconds", 0, "", "a policy period must be positive"},
        {"ZeroPods", "scale_up_pods", 0, "", "must be a whole number in [1"},
        {"NumberPolicy", "scale_up_select_policy", 1, "", "takes Max, Min or Disabled"},
        {"BadPolicy", "scale_up_select_policy", 0, "Most", "must be Max, Min or Disabled"},
        {"TextTarget", "target", 0, "abc", "takes a number, got \"abc\""},
    }),
    [](const ::testing::TestParamInfo<BadCase>& info) { return info.param.name; });

}  // namespace
}  // namespace agentscale::config
