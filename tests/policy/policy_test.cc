// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The HPA through the seam: Decide() is Evaluate(), the state round-trips
// through PolicyState JSON, Clone() copies state, bad state documents are
// refused with the path named.

#include "agentscale/policy/policy.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/policy/state.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'767'258'000);

Observation Uniform(int32_t replicas, double tasks, absl::Time now) {
  Observation obs;
  obs.current_replicas = replicas;
  MetricObservation& t = obs.AddMetric("app_active_task_count");
  MetricObservation& r = obs.AddMetric("app_active_request_count");
  for (int32_t i = 0; i < replicas; ++i) {
    const std::string pod = absl::StrCat("agent-", i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    t.AddPodValue(pod, tasks, now);
    r.AddPodValue(pod, tasks * 0.6, now);
  }
  return obs;
}

TEST(HpaPolicy, DecideIsEvaluate) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler a,
                       HorizontalAutoscaler::Create(config::Preset("production").value()));
  HorizontalAutoscaler b = a;
  Policy& p = b;
  EXPECT_EQ(p.family(), "hpa");
  EXPECT_EQ(p.min_replicas(), 2);
  EXPECT_EQ(p.max_replicas(), 10);
  ASSERT_EQ(p.metrics().size(), 2u);
  int32_t replicas = 3;
  for (int i = 0; i < 40; ++i) {
    const absl::Time now = kT0 + absl::Seconds(15 * i);
    const Observation obs = Uniform(replicas, i < 20 ? 150 : 5, now);
    ASSERT_OK_AND_ASSIGN(Decision da, a.Evaluate(now, obs));
    ASSERT_OK_AND_ASSIGN(Decision db, p.Decide(now, obs));
    EXPECT_EQ(da.desired_replicas, db.desired_replicas) << i;
    EXPECT_EQ(da.Explain(), db.Explain()) << i;
    EXPECT_TRUE(db.adjustments.empty());
    if (da.rescale) {
      ASSERT_THAT(a.Commit(da), IsOk());
      ASSERT_THAT(p.Commit(db), IsOk());
      replicas = da.desired_replicas;
    }
  }
  EXPECT_EQ(a.state(), b.state());
}

TEST(HpaPolicy, StateRoundTripAndClone) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler a,
                       HorizontalAutoscaler::Create(config::Preset("production").value()));
  ASSERT_OK_AND_ASSIGN(Decision d, a.Decide(kT0, Uniform(3, 150, kT0)));
  ASSERT_OK_AND_ASSIGN(Decision d2, a.Decide(kT0 + absl::Seconds(75),
                                             Uniform(3, 150, kT0 + absl::Seconds(75))));
  ASSERT_TRUE(d2.rescale);
  ASSERT_THAT(a.Commit(d2), IsOk());

  const std::string json = PolicyStateToJson(a.ExportPolicyState());
  EXPECT_THAT(json, HasSubstr("\"format\": \"agentscale.policy-state/v1\""));
  EXPECT_THAT(json, HasSubstr("\"family\": \"hpa\""));
  ASSERT_OK_AND_ASSIGN(PolicyState back, PolicyStateFromJson(json));
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler fresh,
                       HorizontalAutoscaler::Create(config::Preset("production").value()));
  ASSERT_THAT(fresh.ImportPolicyState(back), IsOk());
  EXPECT_EQ(fresh.state(), a.state());

  std::unique_ptr<Policy> copy = a.Clone();
  EXPECT_EQ(copy->ExportPolicyState(), a.ExportPolicyState());
  // The copy decides as the original does.
  const absl::Time later = kT0 + absl::Seconds(120);
  ASSERT_OK_AND_ASSIGN(Decision x, a.Decide(later, Uniform(5, 20, later)));
  ASSERT_OK_AND_ASSIGN(Decision y, copy->Decide(later, Uniform(5, 20, later)));
  EXPECT_EQ(x.Explain(), y.Explain());
}

struct BadState {
  std::string name;
  std::string json;
  std::string message;
};

class PolicyStateJson : public ::testing::TestWithParam<BadState> {};

TEST_P(PolicyStateJson, Refused) {
  EXPECT_THAT(PolicyStateFromJson(GetParam().json),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    Bad, PolicyStateJson,
    ::testing::ValuesIn(std::vector<BadState>{
        {"NotJson", "{", "not valid JSON"},
        {"NoFormat", R"({"family":"hpa"})", "format: must be"},
        {"WrongFormat", R"({"format":"agentscale.state/v1","family":"hpa"})", "format"},
        {"NoFamily", R"({"format":"agentscale.policy-state/v1"})", "family: must be"},
        {"UnknownField",
         R"({"format":"agentscale.policy-state/v1","family":"hpa","extra":1})",
         "extra: unknown field"},
        {"StateNotObject",
         R"({"format":"agentscale.policy-state/v1","family":"hpa","state":[]})",
         "state: must be an object"},
        {"BadChild",
         R"({"format":"agentscale.policy-state/v1","family":"max-of","children":[{"family":"hpa"},{"state":{}}]})",
         "children[1].family"},
        {"TooDeep", std::string(100000, '[') + std::string(100000, ']'), "nested deeper"},
    }),
    [](const ::testing::TestParamInfo<BadState>& info) { return info.param.name; });

TEST(HpaPolicy, ImportRefusesOtherFamiliesAndBadDocuments) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler a,
                       HorizontalAutoscaler::Create(config::Preset("production").value()));
  const AutoscalerState before = a.state();
  PolicyState s;
  s.family = "max-of";
  EXPECT_THAT(a.ImportPolicyState(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("\"max-of\" policy")));
  s.family = "hpa";
  s.state_json = R"({"format":"agentscale.state/v1","bogus":1})";
  EXPECT_THAT(a.ImportPolicyState(s), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(a.state(), before);  // nothing imported
}

}  // namespace
}  // namespace agentscale
