// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Pods on nodes: the three strategies on a hand-made cluster, the pod slot
// limit, a pod too large for every node (an error naming it and the node),
// fragmentation (room in total but on no one node: pending), and the
// grouped Packer against a plain scan over every node on random input.

#include "agentscale/nodes/scheduler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "agentscale/nodes/spec.h"
#include "testing/status_matchers.h"

namespace agentscale::nodes {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

NodeShape Custom(int64_t cpu_milli, int64_t memory_gib, int32_t max_pods = 110) {
  NodeShape s;
  s.size_name = "custom";
  s.capacity = s.allocatable = {cpu_milli, memory_gib * kGiB};
  s.max_pods = max_pods;
  return s;
}

struct StrategyCase {
  std::string name;
  FitStrategy strategy;
  int64_t pod_cpu;
  int32_t node;
};

class StrategyTest : public ::testing::TestWithParam<StrategyCase> {};

// Three 4-CPU nodes with 0, 1 and 3 CPU requested.
INSTANTIATE_TEST_SUITE_P(
    Strategies, StrategyTest,
    ::testing::Values(StrategyCase{"FirstFitOneCpu", FitStrategy::kFirstFit, 1000, 0},
                      StrategyCase{"BestFitOneCpu", FitStrategy::kBestFit, 1000, 2},
                      StrategyCase{"LeastAllocatedOneCpu", FitStrategy::kLeastAllocated, 1000, 0},
                      StrategyCase{"FirstFitTwoCpu", FitStrategy::kFirstFit, 2000, 0},
                      StrategyCase{"BestFitTwoCpu", FitStrategy::kBestFit, 2000, 1},
                      StrategyCase{"LeastAllocatedTwoCpu", FitStrategy::kLeastAllocated, 2000, 0}),
    [](const ::testing::TestParamInfo<StrategyCase>& info) { return info.param.name; });

TEST_P(StrategyTest, PicksTheNode) {
  Packer packer(GetParam().strategy);
  for (int i = 0; i < 3; ++i) packer.AddNode({4000, 16 * kGiB}, 110);
  packer.Assign(1, {1000, kGiB});
  packer.Assign(2, {3000, kGiB});
  std::optional<int32_t> node = packer.Place({GetParam().pod_cpu, kGiB});
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(*node, GetParam().node);
}

TEST(PackerTest, LeastAllocatedSpreadsAndBestFitPacks) {
  for (FitStrategy s : {FitStrategy::kLeastAllocated, FitStrategy::kBestFit}) {
    Packer packer(s);
    for (int i = 0; i < 4; ++i) packer.AddNode({4000, 16 * kGiB}, 110);
    for (int i = 0; i < 4; ++i) packer.Place({500, kGiB});
    int used = 0;
    for (int i = 0; i < 4; ++i) used += packer.node(i).pods > 0 ? 1 : 0;
    EXPECT_EQ(used, s == FitStrategy::kLeastAllocated ? 4 : 1) << FitStrategyName(s);
  }
}

TEST(PackerTest, ThePodSlotLimitHolds) {
  Packer packer;
  packer.AddNode({4000, 16 * kGiB}, 2);
  EXPECT_TRUE(packer.Place({10, kMiB}).has_value());
  EXPECT_TRUE(packer.Place({10, kMiB}).has_value());
  EXPECT_FALSE(packer.Place({10, kMiB}).has_value());
}

TEST(PackerTest, UnschedulableNodesAreSkippedAndReleaseGivesRoomBack) {
  Packer packer;
  const int32_t a = packer.AddNode({2000, 8 * kGiB}, 110);
  const int32_t b = packer.AddNode({2000, 8 * kGiB}, 110, /*schedulable=*/false);
  EXPECT_EQ(packer.Place({2000, kGiB}), a);
  EXPECT_FALSE(packer.Place({2000, kGiB}).has_value());
  packer.SetSchedulable(b, true);
  EXPECT_EQ(packer.Place({2000, kGiB}), b);
  packer.Release(a, {2000, kGiB});
  EXPECT_EQ(packer.node(a).pods, 0);
  EXPECT_EQ(packer.Place({2000, kGiB}), a);
  packer.RemoveNode(a);
  EXPECT_FALSE(packer.node(a).live);
  EXPECT_FALSE(packer.Place({1, 1}).has_value());
}

TEST(ScheduleTest, APodLargerThanAnyNodeNamesThePodAndTheSize) {
  absl::StatusOr<NodeShape> d4 = ResolveShape(SeedNodePool());
  ASSERT_THAT(d4.status(), IsOk());
  const std::vector<NodeShape> nodes = {*d4, *d4};
  const std::vector<PodRequest> cpu = {{"small", {500, kGiB}}, {"agent-huge", {4000, kGiB}}};
  EXPECT_THAT(Schedule(nodes, cpu, FitStrategy::kFirstFit).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pod \"agent-huge\" requests 4 CPU, 1.00 GiB, more than any node "
                                 "allocates: the largest, Standard_D4s_v4, allocates 3.86 CPU")));
  const std::vector<PodRequest> memory = {{"agent-mem", {100, 16 * kGiB}}};
  EXPECT_THAT(Schedule(nodes, memory, FitStrategy::kFirstFit).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pod \"agent-mem\" requests 0.1 CPU, 16.00 GiB")));
}

TEST(ScheduleTest, AnExactFitIsNotTooLarge) {
  const std::vector<NodeShape> nodes = {Custom(4000, 16)};
  const std::vector<PodRequest> pods = {{"whole", {4000, 16 * kGiB}}};
  absl::StatusOr<ScheduleResult> r = Schedule(nodes, pods, FitStrategy::kFirstFit);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(r->pending, 0);
  EXPECT_EQ(r->node_of_pod[0], 0);
}

TEST(ScheduleTest, FragmentationLeavesAPodPending) {
  // 2 CPU free in total, 1 on each node: a 2-CPU pod fits neither.
  const std::vector<NodeShape> nodes = {Custom(4000, 16), Custom(4000, 16)};
  const std::vector<PodRequest> pods = {
      {"a", {3000, kGiB}}, {"b", {3000, kGiB}}, {"c", {2000, kGiB}}};
  for (FitStrategy s :
       {FitStrategy::kFirstFit, FitStrategy::kBestFit, FitStrategy::kLeastAllocated}) {
    absl::StatusOr<ScheduleResult> r = Schedule(nodes, pods, s);
    ASSERT_THAT(r.status(), IsOk());
    EXPECT_EQ(r->pending, 1) << FitStrategyName(s);
    EXPECT_EQ(r->node_of_pod[2], -1) << FitStrategyName(s);
    EXPECT_EQ(r->requested[0].cpu_milli + r->requested[1].cpu_milli, 6000);
  }
}

TEST(ScheduleTest, MemoryAloneCanBlock) {
  const std::vector<NodeShape> nodes = {Custom(8000, 4)};
  const std::vector<PodRequest> pods = {{"a", {100, 3 * kGiB}}, {"b", {100, 2 * kGiB}}};
  absl::StatusOr<ScheduleResult> r = Schedule(nodes, pods, FitStrategy::kFirstFit);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(r->node_of_pod, (std::vector<int32_t>{0, -1}));
}

// A plain scan over every node, the rule of scheduler.h written directly.
std::optional<int32_t> Reference(const std::vector<PackedNode>& nodes, const Resources& r,
                                 FitStrategy strategy) {
  std::optional<int32_t> best;
  double best_score = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const PackedNode& n = nodes[i];
    if (!n.Fits(r)) continue;
    double score = (static_cast<double>(n.requested.cpu_milli + r.cpu_milli) /
                        static_cast<double>(n.allocatable.cpu_milli) +
                    static_cast<double>(n.requested.memory_bytes + r.memory_bytes) /
                        static_cast<double>(n.allocatable.memory_bytes)) /
                   2;
    if (strategy == FitStrategy::kFirstFit) return static_cast<int32_t>(i);
    if (strategy == FitStrategy::kLeastAllocated) score = -score;
    if (!best || score > best_score) {
      best = static_cast<int32_t>(i);
      best_score = score;
    }
  }
  return best;
}

TEST(PackerTest, AgreesWithAScanOverEveryNode) {
  std::mt19937 rng(7);
  for (FitStrategy s :
       {FitStrategy::kFirstFit, FitStrategy::kBestFit, FitStrategy::kLeastAllocated}) {
    Packer packer(s);
    std::vector<PackedNode> plain;
    for (int i = 0; i < 40; ++i) {
      const Resources alloc = i % 3 == 0 ? Resources{3860, 15 * kGiB} : Resources{1900, 7 * kGiB};
      packer.AddNode(alloc, i % 3 == 0 ? 30 : 8);
      PackedNode n;
      n.live = n.schedulable = true;
      n.allocatable = alloc;
      n.max_pods = i % 3 == 0 ? 30 : 8;
      plain.push_back(n);
    }
    const Resources sizes[] = {{250, kGiB / 2}, {500, kGiB}, {1000, 2 * kGiB}, {100, 3 * kGiB}};
    std::vector<std::pair<int32_t, Resources>> placed;
    for (int step = 0; step < 600; ++step) {
      if (!placed.empty() && rng() % 4 == 0) {
        const size_t k = rng() % placed.size();
        const auto [node, r] = placed[k];
        packer.Release(node, r);
        plain[static_cast<size_t>(node)].requested.cpu_milli -= r.cpu_milli;
        plain[static_cast<size_t>(node)].requested.memory_bytes -= r.memory_bytes;
        --plain[static_cast<size_t>(node)].pods;
        placed.erase(placed.begin() + static_cast<std::ptrdiff_t>(k));
        continue;
      }
      const Resources r = sizes[rng() % 4];
      const std::optional<int32_t> want = Reference(plain, r, s);
      const std::optional<int32_t> got = packer.Place(r);
      ASSERT_EQ(got, want) << FitStrategyName(s) << " step " << step;
      if (got) {
        PackedNode& n = plain[static_cast<size_t>(*got)];
        n.requested.cpu_milli += r.cpu_milli;
        n.requested.memory_bytes += r.memory_bytes;
        ++n.pods;
        placed.emplace_back(*got, r);
      }
    }
    EXPECT_GT(placed.size(), 100u);
  }
}

TEST(FitStrategyTest, Names) {
  for (FitStrategy s :
       {FitStrategy::kFirstFit, FitStrategy::kBestFit, FitStrategy::kLeastAllocated}) {
    FitStrategy back = FitStrategy::kFirstFit;
    EXPECT_TRUE(FitStrategyFromName(FitStrategyName(s), &back));
    EXPECT_EQ(back, s);
  }
  FitStrategy unused;
  EXPECT_FALSE(FitStrategyFromName("worst-fit", &unused));
}

}  // namespace
}  // namespace agentscale::nodes
