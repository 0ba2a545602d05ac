// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// A second policy family, written here and nowhere else, runs through every
// driver of the seam unchanged: EvaluateSeries, the fluid replay, the agent
// model, Explain and the state JSON. If a driver still assumed the HPA, this
// would not compile or would fail.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/policy/combinators.h"
#include "agentscale/policy/policy.h"
#include "agentscale/policy/state.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/series.h"
#include "agentscale/sim/trace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

// Steps one replica up while the External metric is above `threshold`, one
// down while it is zero, at most once per `cooldown`.
class FixedStepPolicy final : public Policy {
 public:
  FixedStepPolicy(std::string metric, double threshold, int32_t min, int32_t max,
                  absl::Duration cooldown)
      : threshold_(threshold), min_(min), max_(max), cooldown_(cooldown) {
    auto spec = std::make_shared<hpa::AutoscalerSpec>();
    spec->min_replicas = min;
    spec->max_replicas = max;
    hpa::MetricSpec m;
    m.type = hpa::MetricSourceType::kExternal;
    m.name = std::move(metric);
    m.target.value_milli = static_cast<int64_t>(threshold * 1000);
    spec->metrics.push_back(m);
    spec_ = spec;
  }

  std::string family() const override { return "fixed-step"; }
  int32_t min_replicas() const override { return min_; }
  int32_t max_replicas() const override { return max_; }
  const std::vector<hpa::MetricSpec>& metrics() const override { return spec_->metrics; }

  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override {
    if (obs.metrics.size() != 1 || (!obs.metrics[0].metric.empty() &&
                                    obs.metrics[0].metric != spec_->metrics[0].name)) {
      return absl::InvalidArgumentError("fixed-step reads one metric");
    }
    int64_t sum = 0;
    for (int64_t v : obs.metrics[0].external_values_milli) sum += v;
    for (const hpa::PodSample& s : obs.metrics[0].pod_samples) sum += s.value_milli;
    const int32_t current = obs.current_replicas;
    int32_t proposal = current;
    if (sum > static_cast<int64_t>(threshold_ * 1000)) proposal = current + 1;
    if (sum == 0) proposal = current - 1;
    proposal = std::clamp(proposal, min_, max_);
    int32_t desired = proposal;
    if (last_step_.has_value() && now - *last_step_ < cooldown_) desired = current;
    out->time = now;
    out->path = DecisionPath::kMetrics;
    out->current_replicas = current;
    out->desired_replicas = desired;
    out->rescale = desired != current;
    out->status_desired_replicas = desired;
    out->metric_replicas = proposal;
    out->winning_metric = 0;
    out->stabilized_replicas = desired;
    out->limit_reason = hpa::Reason::kDesiredWithinRange;
    out->metrics.resize(1);
    out->metrics[0].spec_index = 0;
    out->metrics[0].type = hpa::MetricSourceType::kExternal;
    out->metrics[0].valid = true;
    out->metrics[0].proposal = proposal;
    out->metrics[0].value_milli = sum;
    out->conditions.clear();
    out->error = absl::OkStatus();
    out->committed = false;
    out->adjustments.clear();
    out->spec = spec_;
    pending_ = out->rescale ? std::optional<absl::Time>(now) : std::nullopt;
    return absl::OkStatus();
  }
  absl::Status Commit(Decision& d) override {
    if (!pending_ || *pending_ != d.time || d.committed) {
      return absl::FailedPreconditionError("not the pending decision");
    }
    last_step_ = d.time;
    d.committed = true;
    pending_.reset();
    return absl::OkStatus();
  }
  absl::Status CommitFailed(Decision& d, const absl::Status&) override {
    d.committed = true;
    pending_.reset();
    return absl::OkStatus();
  }
  PolicyState ExportPolicyState() const override {
    PolicyState s;
    s.family = family();
    s.state_json = last_step_ ? absl::StrCat("{\"last_step\":",
                                             absl::ToUnixSeconds(*last_step_), "}")
                              : "{}";
    return s;
  }
  absl::Status ImportPolicyState(const PolicyState& s) override {
    if (absl::Status st = CheckPolicyState(s, family(), 0); !st.ok()) return st;
    last_step_.reset();
    const std::string key = "{\"last_step\":";
    if (s.state_json.rfind(key, 0) == 0) {
      last_step_ = absl::FromUnixSeconds(std::stoll(s.state_json.substr(key.size())));
    }
    return absl::OkStatus();
  }
  std::unique_ptr<Policy> Clone() const override {
    return std::make_unique<FixedStepPolicy>(*this);
  }

 private:
  std::shared_ptr<const hpa::AutoscalerSpec> spec_;
  double threshold_;
  int32_t min_, max_;
  absl::Duration cooldown_;
  std::optional<absl::Time> last_step_;
  std::optional<absl::Time> pending_;
};

FixedStepPolicy Queue(int32_t min = 1, int32_t max = 6) {
  return FixedStepPolicy("agent_queue_depth", 10, min, max, absl::Seconds(60));
}

TEST(ToyPolicy, EvaluateSeriesStepsWithCooldown) {
  FixedStepPolicy p = Queue();
  // Every pod reports 50 (the sum grows with the pods): up, then down.
  std::vector<double> times, values;
  for (int i = 0; i < 40; ++i) {
    times.push_back(1'000'000 + 15.0 * i);
    values.push_back(i < 20 ? 50 : 0);
  }
  SeriesInput in;
  in.unix_seconds = times;
  in.metrics.push_back({"agent_queue_depth", SeriesLayout::kEveryPod, values});
  ASSERT_OK_AND_ASSIGN(SeriesResult r, EvaluateSeries(p, in));
  ASSERT_EQ(r.steps(), 40u);
  // Steps at 0, 60, 120, ... s: one up per 4 syncs, from 1 to 6.
  EXPECT_EQ(r.desired_replicas[0], 2);
  EXPECT_EQ(r.desired_replicas[1], 2);
  EXPECT_EQ(r.current_replicas[4], 2);
  EXPECT_EQ(r.desired_replicas[4], 3);
  EXPECT_EQ(*std::max_element(r.desired_replicas.begin(), r.desired_replicas.end()), 6);
  EXPECT_EQ(r.desired_replicas.back(), 1);  // back down after the load ends
  EXPECT_EQ(r.metric_names, std::vector<std::string>{"agent_queue_depth"});
}

TEST(ToyPolicy, FluidReplay) {
  FixedStepPolicy p = Queue();
  sim::Trace t = sim::StepTrace(0, 100, absl::Minutes(10), absl::Minutes(30),
                                absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(sim::FluidResult r,
                       sim::FluidReplay(p, {{"agent_queue_depth", &t}}));
  EXPECT_EQ(r.driven_metrics, std::vector<std::string>{"agent_queue_depth"});
  // Idle at the minimum for 10 minutes, then one step a minute to the max.
  EXPECT_EQ(r.replicas[10], 1);
  EXPECT_EQ(r.replicas.back(), 6);
  EXPECT_EQ(r.scale_ups, 5);
  EXPECT_EQ(r.scale_downs, 0);
  EXPECT_GT(r.summary.replica_hours, 0);
}

TEST(ToyPolicy, AgentModel) {
  FixedStepPolicy p = Queue(1, 8);
  // 40 tasks a minute of 120 s each on 2 slots per agent: the queue builds.
  sim::Trace t = sim::ConstantTrace(40, absl::Minutes(30), absl::Minutes(1));
  sim::AgentModelOptions opt;
  opt.slots = 2;
  opt.service = sim::ServiceTimeModel::kFixed;
  opt.service_seconds = 120;
  opt.startup_delay = absl::Seconds(30);
  ASSERT_OK_AND_ASSIGN(sim::AgentModelResult r, sim::RunAgentModel(p, t, opt));
  EXPECT_EQ(r.metric_names, std::vector<std::string>{"agent_queue_depth"});
  EXPECT_EQ(*std::max_element(r.desired_replicas.begin(), r.desired_replicas.end()), 8);
  EXPECT_EQ(r.tasks_arrived, r.tasks_completed + r.tasks_queued_at_end +
                                 r.tasks_running_at_end + r.tasks_lost);
}

TEST(ToyPolicy, ExplainAndStateThroughCombinators) {
  auto inner = std::make_unique<FixedStepPolicy>(Queue());
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<FloorFrom> floor,
      FloorFrom::Create(std::move(inner), "forecast",
                        [](absl::Time) -> std::optional<int32_t> { return 4; }));
  const absl::Time now = absl::FromUnixSeconds(2'000'000);
  Observation obs;
  obs.current_replicas = 2;
  obs.AddMetric("agent_queue_depth").AddExternalValue(30);
  ASSERT_OK_AND_ASSIGN(Decision d, floor->Decide(now, obs));
  EXPECT_EQ(d.desired_replicas, 4);
  EXPECT_EQ(d.Explain(),
            "2 -> 4 (scale up): external metric agent_queue_depth() 30/10 proposes 3; "
            "floor forecast raised 3 to 4");
  ASSERT_THAT(floor->Commit(d), IsOk());  // the toy's own 3 was not applied
  // The toy was not committed (its decision was overridden): no cooldown.
  obs.current_replicas = 4;
  ASSERT_OK_AND_ASSIGN(Decision d2, floor->Decide(now + absl::Seconds(15), obs));
  EXPECT_EQ(d2.desired_replicas, 5);
  ASSERT_THAT(floor->Commit(d2), IsOk());

  const std::string json = PolicyStateToJson(floor->ExportPolicyState());
  EXPECT_THAT(json, HasSubstr("\"family\": \"fixed-step\""));
  EXPECT_THAT(json, HasSubstr("\"last_step\": 2000015"));
  ASSERT_OK_AND_ASSIGN(PolicyState back, PolicyStateFromJson(json));
  auto fresh_inner = std::make_unique<FixedStepPolicy>(Queue());
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<FloorFrom> fresh,
      FloorFrom::Create(std::move(fresh_inner), "forecast",
                        [](absl::Time) -> std::optional<int32_t> { return 4; }));
  ASSERT_THAT(fresh->ImportPolicyState(back), IsOk());
  EXPECT_EQ(fresh->ExportPolicyState(), floor->ExportPolicyState());
  // The imported cooldown holds the next step, as it would have.
  obs.current_replicas = 5;
  ASSERT_OK_AND_ASSIGN(Decision d3, fresh->Decide(now + absl::Seconds(30), obs));
  EXPECT_EQ(d3.desired_replicas, 5);
  // A state for another family is refused, naming both.
  PolicyState wrong = back;
  wrong.children[0].family = "hpa";
  EXPECT_THAT(fresh->ImportPolicyState(wrong),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"hpa\"")));
}

}  // namespace
}  // namespace agentscale
