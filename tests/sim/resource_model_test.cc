// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The agent model's resource model: per-agent CPU and memory samples, the
// HPA's Resource metrics and ECS target tracking on the simulated fleet,
// memory that tracks a data set, GC spikes, and bad options.

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "agentscale/aws/policy.h"
#include "agentscale/aws/spec.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/trace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::sim {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

constexpr double kMiB = 1024.0 * 1024.0;

hpa::AutoscalerSpec ResourceProduction() { return config::Preset("production").value(); }

hpa::AutoscalerSpec WithMetric(hpa::MetricSpec metric) {
  hpa::AutoscalerSpec spec = ResourceProduction();
  spec.metrics = {std::move(metric)};
  return spec;
}

// A trace of `rows` one-minute rows: `value` tasks a minute for the first
// `busy` rows, none after.
Trace Burst(double value, int busy, int rows) {
  Trace t;
  for (int i = 0; i < rows; ++i) {
    t.time_seconds.push_back(60.0 * i);
    t.values.push_back(i < busy ? value : 0.0);
  }
  return t;
}

// A policy that records what it is shown and lets another decide.
class Recorder final : public Policy {
 public:
  explicit Recorder(std::unique_ptr<Policy> inner) : inner_(std::move(inner)) {}
  std::string family() const override { return inner_->family(); }
  int32_t min_replicas() const override { return inner_->min_replicas(); }
  int32_t max_replicas() const override { return inner_->max_replicas(); }
  const std::vector<hpa::MetricSpec>& metrics() const override { return inner_->metrics(); }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override {
    seen.push_back(obs);
    times.push_back(now);
    return inner_->Decide(now, obs, out);
  }
  absl::Status Commit(Decision& d) override { return inner_->Commit(d); }
  absl::Status CommitFailed(Decision& d, const absl::Status& e) override {
    return inner_->CommitFailed(d, e);
  }
  PolicyState ExportPolicyState() const override { return inner_->ExportPolicyState(); }
  absl::Status ImportPolicyState(const PolicyState& s) override {
    return inner_->ImportPolicyState(s);
  }
  std::unique_ptr<Policy> Clone() const override {
    return std::make_unique<Recorder>(inner_->Clone());
  }

  std::vector<Observation> seen;
  std::vector<absl::Time> times;

 private:
  std::unique_ptr<Policy> inner_;
};

std::unique_ptr<Policy> Hpa(const hpa::AutoscalerSpec& spec) {
  absl::StatusOr<HorizontalAutoscaler> h = HorizontalAutoscaler::Create(spec);
  EXPECT_THAT(h.status(), IsOk());
  return std::make_unique<HorizontalAutoscaler>(*std::move(h));
}

TEST(ResourceModel, SamplesAreIdlePlusRunningTasksTimesPerTask) {
  hpa::AutoscalerSpec spec = WithMetric(hpa::MetricSpec::ResourceUtilization("cpu", 70));
  spec.metrics.push_back(hpa::MetricSpec::ResourceUtilization("memory", 80));
  spec.min_replicas = 1;
  spec.max_replicas = 1;
  // 20 tasks in the first minute that run for the whole trace, on one agent.
  const int tasks = 20;
  Trace trace = Burst(tasks, 1, 10);
  AgentModelOptions o;
  o.service = ServiceTimeModel::kFixed;
  o.service_seconds = 1e6;
  o.drain_limit = absl::ZeroDuration();
  ResourceModel r;
  r.cpu_request_millicores = 1000;
  r.idle_cpu_millicores = 50;
  r.cpu_per_task_millicores = 10;
  r.memory_request_mib = 1000;
  r.idle_memory_mib = 100;
  r.memory_per_task_mib = 5;
  o.resources = r;
  Recorder rec(Hpa(spec));
  ASSERT_OK_AND_ASSIGN(AgentModelResult res, RunAgentModel(rec, trace, o));
  const double cpu = r.idle_cpu_millicores + tasks * r.cpu_per_task_millicores;
  const double memory = r.idle_memory_mib + tasks * r.memory_per_task_mib;
  int checked = 0;
  for (size_t i = 0; i < rec.seen.size(); ++i) {
    const Observation& obs = rec.seen[i];
    ASSERT_EQ(obs.pods.size(), 1u);
    ASSERT_EQ(obs.pods[0].containers.size(), 1u);
    EXPECT_EQ(obs.pods[0].containers[0].name, r.container);
    EXPECT_EQ(obs.pods[0].containers[0].requests.cpu_milli,
              static_cast<int64_t>(r.cpu_request_millicores));
    EXPECT_EQ(obs.pods[0].containers[0].requests.memory_milli,
              static_cast<int64_t>(r.memory_request_mib * kMiB) * 1000);
    if (absl::ToDoubleSeconds(rec.times[i] - absl::UnixEpoch()) < 60) continue;
    // Every task has arrived and runs: the samples are exact.
    ASSERT_EQ(obs.metrics[0].pod_samples.size(), 1u);
    EXPECT_EQ(obs.metrics[0].pod_samples[0].value_milli, static_cast<int64_t>(cpu));
    EXPECT_EQ(obs.metrics[1].pod_samples[0].value_milli,
              static_cast<int64_t>(memory * kMiB) * 1000);
    EXPECT_DOUBLE_EQ(res.cpu_utilization[i], 100 * cpu / r.cpu_request_millicores);
    EXPECT_DOUBLE_EQ(res.memory_utilization[i], 100 * memory / r.memory_request_mib);
    ++checked;
  }
  EXPECT_GT(checked, 30);
  EXPECT_DOUBLE_EQ(res.cpu_utilization_max, 100 * cpu / r.cpu_request_millicores);
  EXPECT_THAT(res.resource_reading, HasSubstr("50m + 10m per running task"));
}

TEST(ResourceModel, CpuIsCappedAtTheLimit) {
  hpa::AutoscalerSpec spec = WithMetric(hpa::MetricSpec::ResourceUtilization("cpu", 70));
  spec.min_replicas = 1;
  spec.max_replicas = 1;
  Trace trace = Burst(50, 1, 5);
  AgentModelOptions o;
  o.service = ServiceTimeModel::kFixed;
  o.service_seconds = 1e6;
  o.drain_limit = absl::ZeroDuration();
  ResourceModel r;
  r.cpu_per_task_millicores = 100;  // 50 tasks would use 5070 m
  r.cpu_limit_millicores = 1500;
  o.resources = r;
  ASSERT_OK_AND_ASSIGN(AgentModelResult res, RunAgentModel(spec, trace, o));
  EXPECT_DOUBLE_EQ(res.cpu_utilization_max,
                   100 * r.cpu_limit_millicores / r.cpu_request_millicores);
}

TEST(ResourceModel, OffMeansNoSeriesAndAResourcePolicyReadsTheDefaults) {
  Trace trace = Burst(10, 5, 10);
  ASSERT_OK_AND_ASSIGN(AgentModelResult off, RunAgentModel(ResourceProduction(), trace, {}));
  EXPECT_TRUE(off.cpu_utilization.empty());
  EXPECT_TRUE(off.resource_reading.empty());
  ASSERT_OK_AND_ASSIGN(
      AgentModelResult on,
      RunAgentModel(WithMetric(hpa::MetricSpec::ResourceUtilization("memory", 80)), trace, {}));
  EXPECT_EQ(on.memory_utilization.size(), on.time_seconds.size());
  EXPECT_THAT(on.resource_reading, HasSubstr("the model's defaults"));
  // Before any task, each agent uses its idle memory.
  const ResourceModel d;
  EXPECT_DOUBLE_EQ(on.memory_utilization.front(), 100 * d.idle_memory_mib / d.memory_request_mib);
}

// The load every scaling test below uses: `per_minute` tasks of a fixed
// `service` seconds keep per_minute x service / 60 tasks running.
constexpr double kPerMinute = 60;
constexpr double kService = 300;
constexpr double kRunning = kPerMinute * kService / 60;

AgentModelOptions Steady() {
  AgentModelOptions o;
  o.service = ServiceTimeModel::kFixed;
  o.service_seconds = kService;
  return o;
}

TEST(ResourceModel, AnHpaOnMemoryUtilizationScalesTheFleet) {
  // The seed's multi-metric example: memory averageUtilization 80.
  const int32_t target = 80;
  hpa::AutoscalerSpec spec = WithMetric(hpa::MetricSpec::ResourceUtilization("memory", target));
  Trace trace = Burst(kPerMinute, 120, 120);
  AgentModelOptions o = Steady();
  o.resources = ResourceModel{};
  const ResourceModel& r = *o.resources;
  ASSERT_OK_AND_ASSIGN(AgentModelResult res, RunAgentModel(spec, trace, o));
  // The fewest agents whose memory at the steady load is within the HPA's
  // tolerance above the target.
  const double tolerance = hpa::ControllerConfig{}.tolerance;
  const int32_t need = static_cast<int32_t>(std::ceil(
      kRunning * r.memory_per_task_mib /
      ((1 + tolerance) * target / 100.0 * r.memory_request_mib - r.idle_memory_mib)));
  ASSERT_GT(need, spec.min_replicas);
  EXPECT_GE(*std::max_element(res.desired_replicas.begin(), res.desired_replicas.end()), need);
  // Settled within the HPA's tolerance of the target.
  EXPECT_LE(res.memory_utilization.back(), (1 + tolerance) * target);
  EXPECT_GE(res.memory_utilization.back(), (1 - tolerance) * target);
  EXPECT_EQ(res.metric_names, std::vector<std::string>{"memory"});
}

TEST(ResourceModel, AnHpaOnMemoryAverageValueReadsBytesPerAgent) {
  const ResourceModel r;
  // 80 % of the request, as an AverageValue in bytes (milli-bytes here).
  const int64_t target_bytes = static_cast<int64_t>(0.8 * r.memory_request_mib * kMiB);
  hpa::AutoscalerSpec spec =
      WithMetric(hpa::MetricSpec::ResourceAverageValue("memory", target_bytes * 1000));
  Trace trace = Burst(kPerMinute, 120, 120);
  AgentModelOptions o = Steady();
  o.resources = r;
  ASSERT_OK_AND_ASSIGN(AgentModelResult res, RunAgentModel(spec, trace, o));
  EXPECT_GT(*std::max_element(res.desired_replicas.begin(), res.desired_replicas.end()),
            spec.min_replicas);
  // The engine's value is the agents' mean use in bytes: the utilization
  // series times the request.
  int read = 0;
  for (size_t i = 0; i < res.memory_utilization.size(); ++i) {
    if (std::isnan(res.metric_values[0][i])) continue;
    const double bytes = res.memory_utilization[i] / 100 * r.memory_request_mib * kMiB;
    EXPECT_NEAR(res.metric_values[0][i], bytes, 1.0) << "sync " << i;
    ++read;
  }
  EXPECT_GT(read, 400);
}

aws::ScalableTargetSpec EcsCpu70() {
  // The seed's Terraform: min 2, max 10, CPU 70 with cooldowns 300 / 60.
  aws::ScalableTargetSpec spec;
  spec.resource_id = "service/agents/worker";
  spec.min_capacity = 2;
  spec.max_capacity = 10;
  aws::TargetTrackingPolicy cpu;
  cpu.name = "cpu";
  cpu.target_value = 70;
  cpu.metric = aws::PredefinedMetric("ECSServiceAverageCPUUtilization").value();
  cpu.scale_in_cooldown = absl::Seconds(300);
  cpu.scale_out_cooldown = absl::Seconds(60);
  spec.target_tracking.push_back(cpu);
  return spec;
}

TEST(ResourceModel, EcsCpuTargetTrackingDrivesTheAgentModel) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<aws::ScalableTargetPolicy> ecs,
                       aws::ScalableTargetPolicy::Create(EcsCpu70()));
  Trace trace = Burst(kPerMinute, 120, 120);
  AgentModelOptions o = Steady();
  o.resources = ResourceModel{};
  const ResourceModel& r = *o.resources;
  ASSERT_OK_AND_ASSIGN(AgentModelResult res, RunAgentModel(*ecs, trace, o));
  const double target = 70;
  const int32_t need = static_cast<int32_t>(std::ceil(
      kRunning * r.cpu_per_task_millicores /
      (target / 100.0 * r.cpu_request_millicores - r.idle_cpu_millicores)));
  ASSERT_GT(need, 2);
  EXPECT_GE(*std::max_element(res.desired_replicas.begin(), res.desired_replicas.end()), need);
  // What the policy read is the fleet's utilization, in percent.
  ASSERT_EQ(res.metric_values.size(), 1u);
  int read = 0;
  for (size_t i = 0; i < res.cpu_utilization.size(); ++i) {
    if (std::isnan(res.metric_values[0][i])) continue;
    EXPECT_NEAR(res.metric_values[0][i], res.cpu_utilization[i], 1e-3) << "sync " << i;
    ++read;
  }
  EXPECT_GT(read, 400);
  EXPECT_GT(res.summary.scale_ups, 0);
  // Once the fleet is large enough, CPU stays near the target.
  EXPECT_LT(res.cpu_utilization.back(), target / 0.9);
}

TEST(ResourceModel, ContainerResourceReadsTheAgentsContainer) {
  hpa::MetricSpec cpu = hpa::MetricSpec::ResourceUtilization("cpu", 70);
  hpa::MetricSpec container = cpu;
  container.type = hpa::MetricSourceType::kContainerResource;
  container.container = ResourceModel{}.container;
  Trace trace = Burst(kPerMinute, 60, 90);
  AgentModelOptions o = Steady();
  o.resources = ResourceModel{};
  ASSERT_OK_AND_ASSIGN(AgentModelResult a, RunAgentModel(WithMetric(cpu), trace, o));
  ASSERT_OK_AND_ASSIGN(AgentModelResult b, RunAgentModel(WithMetric(container), trace, o));
  EXPECT_EQ(a.desired_replicas, b.desired_replicas);
  EXPECT_GT(*std::max_element(a.desired_replicas.begin(), a.desired_replicas.end()), 2);
}

// The seed's argument, in numbers: memory that tracks the data an agent
// has seen scales the fleet out and never back in, where task-count
// scaling returns to its minimum once the work is gone.
TEST(ResourceModel, DataSetMemoryScalesOutAndNeverBackIn) {
  Trace trace = Burst(kPerMinute, 30, 240);  // half an hour of work, then quiet
  AgentModelOptions o = Steady();
  ResourceModel r;
  r.memory_model = MemoryModel::kDataSet;
  o.resources = r;
  hpa::AutoscalerSpec memory = WithMetric(hpa::MetricSpec::ResourceUtilization("memory", 80));
  ASSERT_OK_AND_ASSIGN(AgentModelResult mem, RunAgentModel(memory, trace, o));
  ASSERT_OK_AND_ASSIGN(AgentModelResult tasks, RunAgentModel(ResourceProduction(), trace, o));
  const auto& md = mem.desired_replicas;
  EXPECT_GT(md.back(), memory.min_replicas);
  for (size_t i = 1; i < md.size(); ++i) {
    ASSERT_GE(md[i], md[i - 1]) << "the memory HPA scaled in at sync " << i;
  }
  // Hours after the last task, the agents still hold their data sets.
  EXPECT_EQ(mem.running_tasks.back(), 0);
  EXPECT_GT(mem.memory_utilization.back(), 80 * 0.9);
  const auto& td = tasks.desired_replicas;
  EXPECT_GT(*std::max_element(td.begin(), td.end()), ResourceProduction().min_replicas);
  EXPECT_EQ(td.back(), ResourceProduction().min_replicas);
  // With memory following the work alone, the same HPA scales back in.
  o.resources->memory_model = MemoryModel::kWork;
  ASSERT_OK_AND_ASSIGN(AgentModelResult work, RunAgentModel(memory, trace, o));
  EXPECT_EQ(work.desired_replicas.back(), memory.min_replicas);
}

TEST(ResourceModel, GcSpikesCauseCpuScaleUpsThatTaskCountDoesNot) {
  // A light load: 20 running tasks, 10 per agent of the minimum 2.
  Trace trace = Burst(4, 240, 240);
  AgentModelOptions o = Steady();
  ResourceModel r;
  r.gc_spikes = GcSpikes::kRandom;
  r.gc_spike_millicores = 1500;
  // Longer than the seed's 60 s scale-up window, which would otherwise
  // hold most single spikes back.
  r.gc_spike_duration = absl::Seconds(90);
  o.resources = r;
  hpa::AutoscalerSpec cpu = WithMetric(hpa::MetricSpec::ResourceUtilization("cpu", 70));
  ASSERT_OK_AND_ASSIGN(AgentModelResult gc, RunAgentModel(cpu, trace, o));
  ASSERT_OK_AND_ASSIGN(AgentModelResult tasks, RunAgentModel(ResourceProduction(), trace, o));
  o.resources->gc_spikes = GcSpikes::kNone;
  ASSERT_OK_AND_ASSIGN(AgentModelResult calm, RunAgentModel(cpu, trace, o));
  EXPECT_GT(gc.summary.scale_ups, 0);
  EXPECT_GT(gc.cpu_utilization_max, 70);
  EXPECT_EQ(tasks.summary.scale_ups, 0);
  EXPECT_EQ(calm.summary.scale_ups, 0);
  EXPECT_LT(calm.cpu_utilization_max, 70);
  // Periodic spikes too.
  o.resources->gc_spikes = GcSpikes::kPeriodic;
  ASSERT_OK_AND_ASSIGN(AgentModelResult periodic, RunAgentModel(cpu, trace, o));
  EXPECT_GT(periodic.summary.scale_ups, 0);
  // And ECS's CPU policy, whose alarm wants 3 one-minute datapoints above
  // 70, is less easily moved by 30-second spikes than the HPA.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<aws::ScalableTargetPolicy> ecs,
                       aws::ScalableTargetPolicy::Create(EcsCpu70()));
  o.resources->gc_spikes = GcSpikes::kRandom;
  ASSERT_OK_AND_ASSIGN(AgentModelResult ecs_gc, RunAgentModel(*ecs, trace, o));
  EXPECT_LE(ecs_gc.summary.scale_ups, gc.summary.scale_ups);
}

TEST(ResourceModel, TheTaskStreamDoesNotDependOnTheResourceModel) {
  Trace trace = Burst(kPerMinute, 60, 90);
  AgentModelOptions o;
  o.arrivals = ArrivalShape::kPoisson;
  o.seed = 7;
  ASSERT_OK_AND_ASSIGN(AgentModelResult plain, RunAgentModel(ResourceProduction(), trace, o));
  ResourceModel r;
  r.gc_spikes = GcSpikes::kRandom;
  r.memory_model = MemoryModel::kDataSet;
  o.resources = r;
  ASSERT_OK_AND_ASSIGN(AgentModelResult with, RunAgentModel(ResourceProduction(), trace, o));
  EXPECT_EQ(plain.waits_seconds, with.waits_seconds);
  EXPECT_EQ(plain.desired_replicas, with.desired_replicas);
  EXPECT_EQ(plain.tasks_arrived, with.tasks_arrived);
  EXPECT_FALSE(with.cpu_utilization.empty());
  // A CPU policy changes the fleet, not the tasks that arrive.
  ASSERT_OK_AND_ASSIGN(
      AgentModelResult cpu,
      RunAgentModel(WithMetric(hpa::MetricSpec::ResourceUtilization("cpu", 70)), trace, o));
  EXPECT_EQ(cpu.tasks_arrived, plain.tasks_arrived);
  // The same seed and options give the same resource series.
  ASSERT_OK_AND_ASSIGN(AgentModelResult again, RunAgentModel(ResourceProduction(), trace, o));
  EXPECT_EQ(again.cpu_utilization, with.cpu_utilization);
  EXPECT_EQ(again.memory_utilization, with.memory_utilization);
}

struct BadResourceCase {
  std::string name;
  void (*edit)(ResourceModel&);
  std::string want;
};

class BadResourceTest : public ::testing::TestWithParam<BadResourceCase> {};

TEST_P(BadResourceTest, IsAnErrorNamingTheField) {
  AgentModelOptions o;
  ResourceModel r;
  GetParam().edit(r);
  o.resources = r;
  EXPECT_THAT(RunAgentModel(ResourceProduction(), Burst(1, 1, 2), o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().want)));
}

INSTANTIATE_TEST_SUITE_P(
    ResourceModel, BadResourceTest,
    ::testing::ValuesIn(std::vector<BadResourceCase>{
        {"NegativeCpuPerTask", [](ResourceModel& r) { r.cpu_per_task_millicores = -1; },
         "resources.cpu_per_task_millicores must be non-negative"},
        {"NanMemoryRequest", [](ResourceModel& r) { r.memory_request_mib = std::nan(""); },
         "resources.memory_request_mib must be positive"},
        {"ZeroCpuRequest", [](ResourceModel& r) { r.cpu_request_millicores = 0; },
         "resources.cpu_request_millicores must be positive"},
        {"InfiniteIdleMemory",
         [](ResourceModel& r) { r.idle_memory_mib = std::numeric_limits<double>::infinity(); },
         "resources.idle_memory_mib"},
        {"NanDataSet", [](ResourceModel& r) { r.data_set_mib_per_task = std::nan(""); },
         "resources.data_set_mib_per_task"},
        {"LimitUnderRequest", [](ResourceModel& r) { r.cpu_limit_millicores = 500; },
         "must be at least resources.cpu_request_millicores"},
        {"ZeroSpikeDuration",
         [](ResourceModel& r) {
           r.gc_spikes = GcSpikes::kRandom;
           r.gc_spike_duration = absl::ZeroDuration();
         },
         "resources.gc_spike_duration and resources.gc_interval must be positive"},
        {"PeriodicSpikeLongerThanItsPeriod",
         [](ResourceModel& r) {
           r.gc_spikes = GcSpikes::kPeriodic;
           r.gc_spike_duration = absl::Minutes(20);
         },
         "for periodic spikes"},
        {"NegativeSpike", [](ResourceModel& r) { r.gc_spike_millicores = -5; },
         "resources.gc_spike_millicores"},
        {"NoContainerName", [](ResourceModel& r) { r.container.clear(); },
         "resources.container must not be empty"},
    }),
    [](const ::testing::TestParamInfo<BadResourceCase>& i) { return i.param.name; });

TEST(ResourceModel, AContainerMetricOnAnotherContainerIsAnError) {
  hpa::MetricSpec m = hpa::MetricSpec::ResourceUtilization("cpu", 70);
  m.type = hpa::MetricSourceType::kContainerResource;
  m.container = "sidecar";
  EXPECT_THAT(RunAgentModel(WithMetric(m), Burst(1, 1, 2), {}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("one container, \"agent\" (resources.container)")));
}

}  // namespace
}  // namespace agentscale::sim
