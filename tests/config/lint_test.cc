// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/lint.h"

#include <string>
#include <vector>

#include "agentscale/config/presets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::config {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

hpa::AutoscalerSpec Production() { return Preset("production").value(); }

TEST(Lint, TheSeedsProductionProfileIsClean) {
  EXPECT_THAT(LintSpec(Production()), ::testing::IsEmpty());
}

TEST(Lint, TimeToMaxFollowsThePolicies) {
  // 60 s scale-up window, then +2 pods per 30 s from 2 to 10.
  ASSERT_OK_AND_ASSIGN(ScaleUpProbe p, TimeToMaxReplicas(Production()));
  ASSERT_TRUE(p.time_to_max.has_value());
  EXPECT_GE(*p.time_to_max, absl::Seconds(60));
  EXPECT_LE(*p.time_to_max, absl::Seconds(180));
  EXPECT_EQ(p.reached, 10);
}

TEST(Lint, EveryRule) {
  hpa::AutoscalerSpec s = Production();
  s.name = "risky";
  s.max_replicas = 100;
  s.behavior->scale_down.stabilization_window = absl::Seconds(30);
  s.behavior->scale_up.policies = {{hpa::PolicyType::kPods, 1, absl::Seconds(60)}};
  s.metrics[0].target.average_value_milli = 150000;
  const std::vector<LintFinding> f = LintSpec(s);
  ASSERT_THAT(f, ElementsAre(Field(&LintFinding::rule, "short-scale-down-window"),
                             Field(&LintFinding::rule, "slow-scale-up"),
                             Field(&LintFinding::rule, "no-slot-headroom")));
  EXPECT_EQ(f[0].message,
            "scale-down stabilization window is 30s (under 60s): replicas will flap when "
            "load dips briefly; Kubernetes' default is 300s");
  EXPECT_EQ(f[1].field, "spec.behavior.scaleUp");
  EXPECT_THAT(f[1].message, HasSubstr("cannot reach maxReplicas 100 from minReplicas 2 within "
                                      "10 minutes (reaches 12; Pods 1 per 60s, selectPolicy "
                                      "Max, window 60s)"));
  EXPECT_EQ(f[2].field, "spec.metrics[0].pods.target.averageValue");
  EXPECT_THAT(f[2].message, HasSubstr("target 150 tasks per agent is not below the agents' 100"));
  for (const LintFinding& x : f) EXPECT_EQ(x.autoscaler, "risky");

  LintOptions more_slots;
  more_slots.slots = 200;
  EXPECT_EQ(LintSpec(s, more_slots).size(), 2u);

  hpa::AutoscalerSpec fixed = Production();
  fixed.min_replicas = fixed.max_replicas = 4;
  fixed.name.clear();
  ASSERT_THAT(LintSpec(fixed), ElementsAre(Field(&LintFinding::rule, "fixed-size")));
  EXPECT_EQ(LintSpec(fixed)[0].autoscaler, "<unnamed>");
}

TEST(Lint, WindowFromTheControllerWithoutBehavior) {
  hpa::AutoscalerSpec s = Production();
  s.behavior.reset();
  LintOptions o;
  o.config.downscale_stabilization_window = absl::Seconds(10);
  const std::vector<LintFinding> f = LintSpec(s, o);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].rule, "short-scale-down-window");
  EXPECT_THAT(f[0].message, HasSubstr("is 10s"));
}

}  // namespace
}  // namespace agentscale::config
