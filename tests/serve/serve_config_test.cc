// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
#include <filesystem>
#include <fstream>
#include <string>

#include "agentscale/config/serve.h"
#include "agentscale/policy/state.h"
#include "agentscale/serve/fleets.h"
#include "agentscale/serve/pass_through.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale {
namespace {

using ::testing::HasSubstr;

constexpr char kHpa[] = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: agents
  namespace: agents
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: agents}
  minReplicas: 2
  maxReplicas: 30
  metrics:
  - type: Pods
    pods:
      metric: {name: app_active_task_count}
      target: {type: AverageValue, averageValue: "10"}
)";

constexpr char kQueueHpa[] = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: queue}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: workers}
  minReplicas: 1
  maxReplicas: 10
  metrics:
  - type: External
    external:
      metric: {name: queue_depth}
      target: {type: AverageValue, averageValue: "5"}
)";

class ServeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/agentscale-serve-config-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    Write("hpa.yaml", kHpa);
    Write("queue.yaml", kQueueHpa);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
  }
  absl::StatusOr<config::ServeConfig> Load(const std::string& serve_yaml) {
    Write("serve.yaml", serve_yaml);
    return config::LoadServeConfigDir(dir_);
  }
  std::string dir_;
};

TEST_F(ServeConfigTest, LoadsFleetsAndResolvesTheirQueries) {
  absl::StatusOr<config::ServeConfig> cfg = Load(R"(apiVersion: agentscale.dev/v1alpha1
kind: ScalerService
spec:
  prometheus: http://prometheus.monitoring:9090/
  stateDir: /var/lib/agentscale
  fleets:
  - name: agents
    policy: hpa.yaml
    selector: 'app="agents"'
    window: 30s
  - name: queue
    policy: queue.yaml
    replicasQuery: 'kube_deployment_status_replicas{namespace="$namespace",deployment="workers"}'
    queries:
      queue_depth: 'sum(rabbitmq_queue_messages{queue="tasks"})'
)");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  EXPECT_EQ(cfg->prometheus, "prometheus.monitoring:9090");
  EXPECT_EQ(cfg->state_dir, "/var/lib/agentscale");
  ASSERT_EQ(cfg->fleets.size(), 2u);
  const config::ServeFleetConfig& agents = cfg->fleets[0];
  EXPECT_EQ(agents.name, "agents");
  ASSERT_EQ(agents.metric_queries.size(), 1u);
  EXPECT_EQ(agents.metric_queries[0].query,
            "avg_over_time(app_active_task_count{namespace=\"$namespace\",app=\"agents\"}[30s])");
  EXPECT_TRUE(agents.metric_queries[0].per_pod);
  const config::ServeFleetConfig& queue = cfg->fleets[1];
  ASSERT_EQ(queue.metric_queries.size(), 1u);
  EXPECT_FALSE(queue.metric_queries[0].per_pod);
  EXPECT_EQ(queue.metric_queries[0].query, "sum(rabbitmq_queue_messages{queue=\"tasks\"})");

  // The fleets become policies with the files' ranges.
  absl::StatusOr<std::unique_ptr<Policy>> policy = serve::PolicyFor(agents);
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_EQ((*policy)->min_replicas(), 2);
  EXPECT_EQ((*policy)->max_replicas(), 30);
  serve::ScalerService service;
  EXPECT_TRUE(serve::AddConfiguredFleets(*cfg, &service).ok());
  EXPECT_EQ(service.fleet_names(), (std::vector<std::string>{"agents", "queue"}));
}

constexpr char kEcs[] = R"({
  "RegisterScalableTarget": {"ServiceNamespace": "ecs", "ResourceId": "service/agents/worker",
    "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 2, "MaxCapacity": 10},
  "PutScalingPolicy": [
    {"PolicyName": "tasks", "ServiceNamespace": "ecs", "ResourceId": "service/agents/worker",
     "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
     "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70,
       "CustomizedMetricSpecification": {"MetricName": "app_active_task_count",
         "Namespace": "Agents", "Statistic": "Average"}}},
    {"PolicyName": "cpu", "ServiceNamespace": "ecs", "ResourceId": "service/agents/worker",
     "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
     "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 70,
       "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}}
  ]
})";

constexpr char kSchedule[] = R"(apiVersion: agentscale.dev/v1alpha1
kind: Schedule
metadata: {name: weekdays}
spec:
  timezone: UTC
  rules:
  - name: surge
    start: "0 8 * * 1"
    end: "0 18 * * 5"
    minReplicas: 4
    maxReplicas: 40
)";

constexpr char kForecast[] = R"(apiVersion: agentscale.dev/v1alpha1
kind: Forecast
metadata: {name: daily}
spec:
  model: seasonal-naive
  season: 1440
  stepSeconds: 60
  leadSeconds: 120
)";

TEST_F(ServeConfigTest, ServesAwsPoliciesWithAForecastAndASchedule) {
  Write("ecs.json", kEcs);
  Write("schedule.yaml", kSchedule);
  Write("forecast.yaml", kForecast);
  absl::StatusOr<config::ServeConfig> cfg = Load(R"(apiVersion: agentscale.dev/v1alpha1
kind: ScalerService
spec:
  prometheus: prometheus:9090
  fleets:
  - name: ecs
    policy: ecs.json
    forecast: forecast.yaml
    schedule: schedule.yaml
    queries:
      cpu: 'avg by (pod) (rate(container_cpu_usage_seconds_total{namespace="$namespace"}[1m]))'
)");
  ASSERT_TRUE(cfg.ok()) << cfg.status();
  const config::ServeFleetConfig& f = cfg->fleets[0];
  ASSERT_TRUE(f.aws.has_value());
  EXPECT_TRUE(f.policy.autoscalers.empty());
  ASSERT_TRUE(f.forecast.has_value());
  ASSERT_TRUE(f.schedule.has_value());
  EXPECT_EQ(f.schedule_path, dir_ + "/schedule.yaml");
  // The customized Average metric is per task, read by the default rule; the
  // CPU utilization is a Resource metric, read by its query.
  ASSERT_EQ(f.metric_queries.size(), 2u);
  EXPECT_EQ(f.metric_queries[0].metric, "app_active_task_count");
  EXPECT_THAT(f.metric_queries[0].query, HasSubstr("avg_over_time(app_active_task_count{"));
  EXPECT_EQ(f.metric_queries[1].metric, "cpu");
  EXPECT_THAT(f.metric_queries[1].query, HasSubstr("container_cpu_usage_seconds_total"));
  EXPECT_TRUE(f.metric_queries[1].per_pod);

  // The schedule's bounds around the forecast's floor around the AWS policy.
  const absl::Time monday_noon = absl::FromUnixSeconds(1709553600);  // 2024-03-04 12:00 UTC
  absl::StatusOr<std::unique_ptr<Policy>> policy = serve::PolicyFor(f, monday_noon);
  ASSERT_TRUE(policy.ok()) << policy.status();
  const PolicyState state = (*policy)->ExportPolicyState();
  EXPECT_EQ(state.family, "bounds");
  ASSERT_EQ(state.children.size(), 1u);
  EXPECT_EQ(state.children[0].family, "forecast");
  ASSERT_EQ(state.children[0].children.size(), 1u);
  EXPECT_EQ(state.children[0].children[0].family, "aws");
  // A pass-through ScaledObject must let the schedule's 40 through.
  EXPECT_EQ(serve::MaxReplicasFor(f, **policy), 40);
  serve::ScalerService service;
  EXPECT_TRUE(serve::AddConfiguredFleets(*cfg, &service).ok());
}

// serve.yaml with one fleet of the given fields (each line after the first
// indented by four spaces); the fleet's first field is on line 6.
std::string OneFleet(const std::string& fields) {
  return "apiVersion: agentscale.dev/v1alpha1\nkind: ScalerService\nspec:\n"
         "  prometheus: prometheus:9090\n  fleets:\n  - " +
         fields;
}

TEST_F(ServeConfigTest, AwsAndScheduleErrorsNameServeYamlToo) {
  Write("ecs.json", kEcs);
  // The CPU metric has no query.
  absl::StatusOr<config::ServeConfig> cfg = Load(OneFleet("name: ecs\n    policy: ecs.json\n"));
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("spec.fleets[0].queries"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("needs a query for"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("cpu"));
  // A schedule that does not load: its own error, then where serve.yaml names it.
  Write("bad.yaml", "apiVersion: agentscale.dev/v1alpha1\nkind: Schedule\nspec:\n  rules: 3\n");
  cfg = Load(OneFleet("name: agents\n    policy: hpa.yaml\n    schedule: bad.yaml\n"));
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("bad.yaml"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("serve.yaml:8:"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("spec.fleets[0].schedule: names this file"));
  // A broken JSON policy likewise.
  Write("broken.json", "{\"RegisterScalableTarget\": ");
  cfg = Load(OneFleet("name: ecs\n    policy: broken.json\n"));
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("broken.json"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("spec.fleets[0].policy: names this file"));
}

TEST_F(ServeConfigTest, ErrorsNameTheFileLineAndField) {
  absl::StatusOr<config::ServeConfig> cfg = Load(R"(apiVersion: agentscale.dev/v1alpha1
kind: ScalerService
spec:
  prometheus: localhost:9090
  fleets:
  - name: queue
    policy: queue.yaml
)");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("serve.yaml:7:"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("spec.fleets[0].queries"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("queue_depth"));

  cfg = Load(R"(apiVersion: agentscale.dev/v1alpha1
kind: ScalerService
spec:
  prometheus: localhost:9090
  fleets:
  - name: agents
    policy: hpa.yaml
    windw: 1m
)");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("serve.yaml:8:"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("unknown field"));

  cfg = Load(R"(apiVersion: agentscale.dev/v1alpha1
kind: ScalerService
spec:
  prometheus: localhost:9090
  fleets:
  - {name: agents, policy: hpa.yaml}
  - {name: agents, policy: hpa.yaml}
)");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("defined twice"));

  cfg = Load(R"(apiVersion: agentscale.dev/v1alpha1
kind: ScalerService
spec:
  fleets:
  - {name: agents, policy: hpa.yaml}
)");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("spec.prometheus"));

  cfg = Load(R"(apiVersion: agentscale.dev/v1alpha1
kind: ScalerService
spec:
  prometheus: localhost:9090
  fleets:
  - {name: agents, policy: missing.yaml}
)");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("missing.yaml"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("serve.yaml:6:"));

  // A bad policy file: its own error, then where serve.yaml names it.
  Write("bad.yaml", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\n"
                    "metadata: {name: x}\nspec:\n  maxReplicas: -1\n");
  cfg = Load(R"(apiVersion: agentscale.dev/v1alpha1
kind: ScalerService
spec:
  prometheus: localhost:9090
  fleets:
  - {name: agents, policy: bad.yaml}
)");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("bad.yaml:"));
  EXPECT_THAT(cfg.status().message(), HasSubstr("names this file"));

  cfg = Load("kind: Something\n");
  ASSERT_FALSE(cfg.ok());
  EXPECT_THAT(cfg.status().message(), HasSubstr("no ScalerService"));
}

TEST(ServeQueryTest, TheNamespaceCannotInjectPromQl) {
  EXPECT_EQ(*serve::QueryFor("up{namespace=\"$namespace\"}", "agents"),
            "up{namespace=\"agents\"}");
  EXPECT_FALSE(serve::QueryFor("x", "a\"} or vector(1) #").ok());
  EXPECT_FALSE(serve::QueryFor("x", "").ok());
  EXPECT_FALSE(serve::QueryFor("x", std::string(64, 'a')).ok());
  EXPECT_FALSE(serve::QueryFor("x", "-a").ok());
}

}  // namespace
}  // namespace agentscale
