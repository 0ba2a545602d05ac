// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Node pools from files: the NodePools and NodePool kinds, AKS's profile
// keys and value forms over a preset, accepted-but-not-simulated keys as
// warnings, and errors at file:line:col naming the field.

#include "agentscale/config/nodes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "testing/status_matchers.h"

namespace agentscale::config {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

std::string NodePoolsSourceDir() {
  return getenv("AGENTSCALE_SOURCE_DIR") ? getenv("AGENTSCALE_SOURCE_DIR") : ".";
}

TEST(NodePoolsLoaderTest, TheExample) {
  absl::StatusOr<LoadedNodePools> n = LoadNodePoolsFile(NodePoolsSourceDir() + "/examples/node_pools.yaml");
  ASSERT_THAT(n.status(), IsOk());
  EXPECT_EQ(n->name, "aks-agents");
  ASSERT_EQ(n->pools.size(), 2u);
  const nodes::NodePoolSpec seed = nodes::SeedNodePool();
  EXPECT_EQ(n->pools[0].name, seed.name);
  EXPECT_EQ(n->pools[0].vm_size, seed.vm_size);
  EXPECT_EQ(n->pools[0].min_count, seed.min_count);
  EXPECT_EQ(n->pools[0].max_count, seed.max_count);
  EXPECT_EQ(n->pools[0].node_count, seed.node_count);
  EXPECT_EQ(n->pools[0].provisioning_delay, absl::Minutes(3));
  EXPECT_EQ(n->pools[1].vm_size, "Standard_D8s_v4");
  EXPECT_EQ(n->profile_preset, "aks");
  EXPECT_EQ(n->profile.expander, nodes::Expander::kLeastWaste);
  EXPECT_EQ(n->profile.scan_interval, absl::Seconds(10));
  EXPECT_TRUE(n->warnings.empty());
}

TEST(NodePoolsLoaderTest, AksProfileKeysOverAPreset) {
  const std::string text = R"(apiVersion: agentscale.dev/v1alpha1
kind: NodePool
metadata: {name: agentpool}
spec:
  vmSize: standard_d4s_v4
  minCount: 2
  maxCount: 20
  scheduling: best-fit
  autoscalerProfile:
    preset: aks-aggressive
    scan-interval: 20s
    scale-down-utilization-threshold: "0.6"
    max-empty-bulk-delete: "50"
    max-graceful-termination-sec: 120
    scale-down-delay-after-delete: 1m
    skip-nodes-with-local-storage: "false"
)";
  absl::StatusOr<LoadedNodePools> n = LoadNodePoolsString(text, "pool.yaml");
  ASSERT_THAT(n.status(), IsOk());
  ASSERT_EQ(n->pools.size(), 1u);
  EXPECT_EQ(n->pools[0].name, "agentpool");
  EXPECT_EQ(n->pools[0].node_count, 2);  // Terraform: min_count when unset
  EXPECT_EQ(n->strategy, nodes::FitStrategy::kBestFit);
  EXPECT_EQ(n->profile_preset, "aks-aggressive");
  EXPECT_EQ(n->profile.scan_interval, absl::Seconds(20));
  EXPECT_EQ(n->profile.scale_down_utilization_threshold, 0.6);
  EXPECT_EQ(n->profile.max_empty_bulk_delete, 50);
  EXPECT_EQ(n->profile.max_graceful_termination, absl::Seconds(120));
  EXPECT_EQ(n->profile.DelayAfterDelete(), absl::Minutes(1));
  // The preset's other values stay.
  EXPECT_EQ(n->profile.scale_down_unneeded_time, absl::Minutes(3));
  ASSERT_EQ(n->warnings.size(), 1u);
  EXPECT_THAT(n->warnings[0],
              HasSubstr("pool.yaml:16:36: spec.autoscalerProfile.skip-nodes-with-local-storage: "
                        "accepted; not simulated"));
}

TEST(NodePoolsLoaderTest, JsonAndACustomSize) {
  const std::string text = R"({"apiVersion": "agentscale.dev/v1alpha1", "kind": "NodePools",
 "spec": {"autoscalerProfile": "upstream",
  "pools": [{"name": "metal", "cpu": "3500m", "memory": "12Gi", "pricePerHour": 0.05,
             "reservation": "eks", "maxPods": 20, "minCount": 0, "maxCount": 4,
             "nodeCount": 1, "provisioningDelay": 90}]}})";
  absl::StatusOr<LoadedNodePools> n = LoadNodePoolsString(text, "pools.json");
  ASSERT_THAT(n.status(), IsOk());
  const nodes::NodePoolSpec& p = n->pools[0];
  EXPECT_TRUE(p.vm_size.empty());
  EXPECT_EQ(p.custom_cpu_milli, 3500);
  EXPECT_EQ(p.custom_memory_bytes, 12 * nodes::kGiB);
  EXPECT_EQ(p.custom_price_per_hour, 0.05);
  EXPECT_EQ(p.custom_reservation, nodes::Reservation::kEks);
  EXPECT_EQ(p.max_pods, 20);
  EXPECT_EQ(p.provisioning_delay, absl::Seconds(90));
  EXPECT_EQ(n->profile.expander, nodes::Expander::kLeastWaste);
}

struct NodePoolsErrorCase {
  std::string name;
  std::string spec;  // under "spec:", indented by two
  std::string error;
};

class NodePoolsErrorTest : public ::testing::TestWithParam<NodePoolsErrorCase> {};

INSTANTIATE_TEST_SUITE_P(
    Errors, NodePoolsErrorTest,
    ::testing::Values(
        NodePoolsErrorCase{"MinAboveMax",
                  "  pools:\n  - name: a\n    vmSize: Standard_D4s_v4\n    minCount: 5\n"
                  "    maxCount: 3\n    nodeCount: 4\n",
                  "f.yaml:8:15: spec.pools[0].minCount: must be at most maxCount (3), got 5"},
        NodePoolsErrorCase{"UnknownSize",
                  "  pools:\n  - name: a\n    vmSize: Standard_D4s_v3\n    maxCount: 3\n",
                  "f.yaml:7:13: spec.pools[0].vmSize: unknown VM size \"Standard_D4s_v3\"; "
                  "closest built-in sizes: Standard_D4s_v4"},
        NodePoolsErrorCase{"UnknownField",
                  "  pools:\n  - name: a\n    vmSize: Standard_D4s_v4\n    max_count: 3\n",
                  "f.yaml:8:5: spec.pools[0].max_count: unknown field; allowed here: name, "
                  "vmSize"},
        NodePoolsErrorCase{"SizeAndCustom",
                  "  pools:\n  - name: a\n    vmSize: Standard_D4s_v4\n    cpu: 4\n",
                  "spec.pools[0].vmSize: give either vmSize or a custom size"},
        NodePoolsErrorCase{"NoSize", "  pools:\n  - name: a\n    maxCount: 3\n",
                  "f.yaml:6:5: spec.pools[0]: needs vmSize"},
        NodePoolsErrorCase{"DuplicateName",
                  "  pools:\n  - {name: a, vmSize: m5.large}\n  - {name: a, vmSize: m5.large}\n",
                  "f.yaml:7:12: spec.pools[1].name: \"a\" is also spec.pools[0]'s name"},
        NodePoolsErrorCase{"BadDuration",
                  "  autoscalerProfile: {scan-interval: soon}\n  pools: [{name: a, vmSize: "
                  "m5.large}]\n",
                  "f.yaml:5:38: spec.autoscalerProfile.scan-interval: must be a duration"},
        NodePoolsErrorCase{"ThresholdOutOfRange",
                  "  autoscalerProfile:\n    scale-down-utilization-threshold: 1.5\n"
                  "  pools: [{name: a, vmSize: m5.large}]\n",
                  "f.yaml:6:39: spec.autoscalerProfile.scale-down-utilization-threshold: must "
                  "be more than 0 and at most 1, got 1.5"},
        NodePoolsErrorCase{"UnknownPreset", "  autoscalerProfile: fast\n  pools: [{name: a, vmSize: m5.large}]\n",
                  "spec.autoscalerProfile: unknown autoscaler profile \"fast\"; presets: aks"},
        NodePoolsErrorCase{"UnknownExpander",
                  "  autoscalerProfile: {expander: most-pods}\n  pools: [{name: a, vmSize: "
                  "m5.large}]\n",
                  "spec.autoscalerProfile.expander: unsupported value \"most-pods\""},
        NodePoolsErrorCase{"NoPools", "  pools: []\n", "spec.pools: must list 1 to 64 pools, got 0"},
        NodePoolsErrorCase{"QuotedCount",
                  "  pools: [{name: a, vmSize: m5.large, maxCount: \"3\"}]\n",
                  "spec.pools[0].maxCount: must be an integer"},
        NodePoolsErrorCase{"NegativeBulk",
                  "  autoscalerProfile: {max-empty-bulk-delete: -1}\n  pools: [{name: a, vmSize: "
                  "m5.large}]\n",
                  "spec.autoscalerProfile.max-empty-bulk-delete: must be a whole number"}),
    [](const ::testing::TestParamInfo<NodePoolsErrorCase>& info) { return info.param.name; });

TEST_P(NodePoolsErrorTest, NamesTheFieldAndWhere) {
  const std::string text =
      "apiVersion: agentscale.dev/v1alpha1\nkind: NodePools\nmetadata: {name: x}\nspec:\n" +
      GetParam().spec;
  EXPECT_THAT(LoadNodePoolsString(text, "f.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().error)));
}

TEST(NodePoolsLoaderTest, AnUnnamedPoolTakesTheDocumentsNameAndItsRules) {
  const std::string text =
      "apiVersion: agentscale.dev/v1alpha1\nkind: NodePool\nmetadata: {name: two words}\n"
      "spec: {vmSize: m5.large, maxCount: 3}\n";
  EXPECT_THAT(LoadNodePoolsString(text, "f.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("f.yaml:3:18: metadata.name: names the pool (spec has no "
                                 "name), so must be 1 to 63 printable characters")));
}

TEST(NodePoolsLoaderTest, DocumentsAndVersions) {
  EXPECT_THAT(LoadNodePoolsString("kind: Other\n", "f.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no NodePools or NodePool")));
  EXPECT_THAT(LoadNodePoolsString("apiVersion: v2\nkind: NodePools\nspec: {}\n", "f.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("f.yaml:1:13: apiVersion: \"v2\" is not supported")));
  EXPECT_THAT(LoadNodePoolsString("a: [1,\n", "f.yaml").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("f.yaml:")));
  EXPECT_THAT(LoadNodePoolsFile("/nonexistent/pools.yaml").status(),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST(NodePoolsLoaderTest, Presets) {
  absl::StatusOr<LoadedNodePools> seed = NodePoolsPreset("seed");
  ASSERT_THAT(seed.status(), IsOk());
  EXPECT_EQ(seed->pools[0].vm_size, "Standard_D4s_v4");
  EXPECT_EQ(seed->profile.scale_down_unneeded_time, absl::Minutes(10));
  absl::StatusOr<LoadedNodePools> aggressive = NodePoolsPreset("seed-aggressive");
  ASSERT_THAT(aggressive.status(), IsOk());
  EXPECT_EQ(aggressive->profile.scale_down_unneeded_time, absl::Minutes(3));
  EXPECT_THAT(NodePoolsPreset("big").status(), StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace agentscale::config
