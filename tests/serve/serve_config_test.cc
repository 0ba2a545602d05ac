// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
#include <filesystem>
#include <fstream>
#include <string>

#include "agentscale/config/serve.h"
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
