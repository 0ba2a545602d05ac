// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The cluster autoscaler, stepped: scale-up on pending pods and the
// provisioning delay, pods pending at max_count, scale-down only once a
// node has been unneeded for the unneeded time (one scan before: kept; at
// it: removed), the delays after an add and a delete, bulk deletion of
// empty nodes, min_count held, drains that evict with the grace period,
// failed provisioning, the expanders, and node-hours and cost.

#include "agentscale/nodes/cluster.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agentscale/nodes/spec.h"
#include "testing/status_matchers.h"

namespace agentscale::nodes {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1767225600);  // 2026-01-01T00:00:00Z

absl::Time At(int seconds) { return kStart + absl::Seconds(seconds); }

// 4 CPU, 16 GiB, all allocatable, 1 USD an hour, ready 60 s after asked.
NodePoolSpec Pool(int32_t min_count, int32_t max_count, int32_t node_count,
                  const std::string& name = "pool") {
  NodePoolSpec p;
  p.name = name;
  p.custom_cpu_milli = 4000;
  p.custom_memory_bytes = 16 * kGiB;
  p.custom_price_per_hour = 1.0;
  p.min_count = min_count;
  p.max_count = max_count;
  p.node_count = node_count;
  p.provisioning_delay = absl::Seconds(60);
  return p;
}

// Scans every 10 s; no delays unless a test sets them.
AutoscalerProfile Quick() {
  AutoscalerProfile p;
  p.scan_interval = absl::Seconds(10);
  p.scale_down_unneeded_time = absl::Seconds(60);
  p.scale_down_delay_after_add = absl::ZeroDuration();
  p.scale_down_delay_after_delete = absl::ZeroDuration();
  p.scale_down_delay_after_failure = absl::ZeroDuration();
  return p;
}

NodeCluster Make(std::vector<NodePoolSpec> pools, AutoscalerProfile profile = Quick()) {
  ClusterOptions options;
  options.profile = profile;
  absl::StatusOr<NodeCluster> c = NodeCluster::Create(std::move(pools), options, kStart);
  EXPECT_THAT(c.status(), IsOk());
  return *std::move(c);
}

PodTemplate Cpu(int64_t milli, absl::Duration grace = absl::Seconds(30)) {
  PodTemplate t;
  t.name = "agent";
  t.request = {milli, kGiB};
  t.grace = grace;
  return t;
}

int CountEvents(const NodeCluster& c, EventKind kind) {
  int n = 0;
  for (const NodeEvent& e : c.events()) n += e.kind == kind ? 1 : 0;
  return n;
}

TEST(ClusterTest, PendingPodsScaleUpAndRunWhenTheNodeIsReady) {
  NodeCluster c = Make({Pool(1, 5, 1)});
  absl::StatusOr<std::vector<PodId>> ids = c.RequestPods(At(0), 6, Cpu(1000));
  ASSERT_THAT(ids.status(), IsOk());
  EXPECT_EQ(c.running_pods(), 4);
  EXPECT_EQ(c.pending_pods(), 2);
  EXPECT_EQ(c.pod((*ids)[5])->reason, PendingReason::kWaitingForScan);
  c.AdvanceTo(At(10));  // the scan after the request
  EXPECT_EQ(c.NodeCount(0), 2);
  EXPECT_EQ(c.ReadyNodeCount(0), 1);
  EXPECT_EQ(CountEvents(c, EventKind::kScaleUp), 1);
  EXPECT_EQ(c.pod((*ids)[5])->reason, PendingReason::kScaleUpInProgress);
  c.AdvanceTo(At(69));
  EXPECT_EQ(c.pending_pods(), 2);
  EXPECT_EQ(*c.ExplainPod((*ids)[5]), "agent-6 pending 1m9s: node scale-up in progress");
  EXPECT_EQ(*c.ExplainPod((*ids)[0]), "agent-1 running on node 0 (pool) since 1m9s");
  c.AdvanceTo(At(70));  // 60 s of provisioning
  EXPECT_EQ(c.pending_pods(), 0);
  EXPECT_EQ(c.running_pods(), 6);
  EXPECT_EQ(c.pod((*ids)[5])->running_since, At(70));
  EXPECT_DOUBLE_EQ(c.PendingPodSeconds(), 2 * 70.0);
  // Nothing more is asked for while the node is on its way.
  EXPECT_EQ(CountEvents(c, EventKind::kScaleUp), 1);
}

TEST(ClusterTest, FragmentationPendsAndScalesUp) {
  NodeCluster c = Make({Pool(1, 5, 2)});
  ASSERT_THAT(c.RequestPods(At(0), 2, Cpu(3000)).status(), IsOk());
  EXPECT_EQ(c.running_pods(), 2);
  // 2 CPU free in all, 1 on each node.
  absl::StatusOr<std::vector<PodId>> late = c.RequestPods(At(1), 1, Cpu(2000));
  ASSERT_THAT(late.status(), IsOk());
  EXPECT_EQ(c.pod((*late)[0])->phase, PodPhase::kPending);
  c.AdvanceTo(At(10));
  EXPECT_EQ(c.NodeCount(0), 3);
  c.AdvanceTo(At(70));
  EXPECT_EQ(c.pod((*late)[0])->phase, PodPhase::kRunning);
}

TEST(ClusterTest, PendingAtMaxCountIsReportedAndTheCountHolds) {
  NodeCluster c = Make({Pool(1, 2, 2)});
  absl::StatusOr<std::vector<PodId>> ids = c.RequestPods(At(0), 10, Cpu(1000));
  ASSERT_THAT(ids.status(), IsOk());
  c.AdvanceTo(At(600));
  EXPECT_EQ(c.NodeCount(0), 2);
  EXPECT_EQ(c.running_pods(), 8);
  EXPECT_EQ(c.pending_pods(), 2);
  EXPECT_EQ(c.pod((*ids)[9])->reason, PendingReason::kAtMaxCount);
  EXPECT_EQ(CountEvents(c, EventKind::kScaleUp), 0);
  bool reported = false;
  for (const NodeEvent& e : c.events()) {
    reported = reported || (e.kind == EventKind::kPodsPending && e.count == 2 &&
                            e.message == "2 pods pending: at max_count");
  }
  EXPECT_TRUE(reported);
}

TEST(ClusterTest, ScaleUpStopsAtMaxCount) {
  NodeCluster c = Make({Pool(1, 3, 1)});
  ASSERT_THAT(c.RequestPods(At(0), 20, Cpu(1000)).status(), IsOk());
  c.AdvanceTo(At(10));
  EXPECT_EQ(c.NodeCount(0), 3);  // 5 nodes wanted, 3 allowed
  c.AdvanceTo(At(3600));
  EXPECT_EQ(c.NodeCount(0), 3);
  EXPECT_EQ(c.running_pods(), 12);
  EXPECT_EQ(c.pending_pods(), 8);
}

struct UnneededCase {
  std::string name;
  int at_seconds;
  int32_t nodes;
};

class UnneededTimeTest : public ::testing::TestWithParam<UnneededCase> {};

// Three empty nodes, min 1; unneeded from the first scan (t = 0); unneeded
// time 60 s: the scan at 50 s keeps them, the one at 60 s removes two.
INSTANTIATE_TEST_SUITE_P(Scans, UnneededTimeTest,
                         ::testing::Values(UnneededCase{"ScanBefore", 59, 3},
                                           UnneededCase{"ScanAtTheUnneededTime", 60, 1},
                                           UnneededCase{"LongAfter", 3600, 1}),
                         [](const ::testing::TestParamInfo<UnneededCase>& info) {
                           return info.param.name;
                         });

TEST_P(UnneededTimeTest, RemovesOnlyAfterTheUnneededTime) {
  NodeCluster c = Make({Pool(1, 5, 3)});
  c.AdvanceTo(At(GetParam().at_seconds));
  EXPECT_EQ(c.NodeCount(0), GetParam().nodes);
}

TEST(ClusterTest, ANodeThatIsUsedAgainStartsItsUnneededTimeOver) {
  NodeCluster c = Make({Pool(1, 5, 2)});
  // Fill node 0 (first-fit) so that the next pod lands on node 1, which has
  // been unneeded since the scan at 0 s.
  ASSERT_THAT(c.RequestPods(At(41), 3, Cpu(1000)).status(), IsOk());
  absl::StatusOr<std::vector<PodId>> busy = c.RequestPods(At(41), 1, Cpu(3000));
  ASSERT_THAT(busy.status(), IsOk());
  EXPECT_EQ(c.pod((*busy)[0])->node, 1);
  // The scan at 50 s sees node 1 used (0.75); the pod ends at 55 s.
  ASSERT_THAT(c.DeletePod(At(55), (*busy)[0]), IsOk());
  // Unneeded again from the scan at 60 s: kept until 120 s.
  c.AdvanceTo(At(119));
  EXPECT_EQ(c.NodeCount(0), 2);
  c.AdvanceTo(At(120));
  EXPECT_EQ(c.NodeCount(0), 1);
}

TEST(ClusterTest, TheDelayAfterAddHoldsScaleDown) {
  AutoscalerProfile p = Quick();
  p.scale_down_delay_after_add = absl::Minutes(5);
  NodeCluster c = Make({Pool(1, 5, 1)}, p);
  absl::StatusOr<std::vector<PodId>> ids = c.RequestPods(At(301), 5, Cpu(1000));
  ASSERT_THAT(ids.status(), IsOk());
  c.AdvanceTo(At(370));  // scaled up at the scan at 310 s, ready at 370 s
  EXPECT_EQ(c.NodeCount(0), 2);
  EXPECT_EQ(c.pending_pods(), 0);
  for (PodId id : *ids) ASSERT_THAT(c.DeletePod(At(380), id), IsOk());
  // The new node is unneeded from the scan at 390 s and could go at 450 s,
  // but not before 310 s + 5 min.
  c.AdvanceTo(At(609));
  EXPECT_EQ(c.NodeCount(0), 2);
  c.AdvanceTo(At(610));
  EXPECT_EQ(c.NodeCount(0), 1);
}

TEST(ClusterTest, TheStartIsNotACooldown) {
  // As cluster-autoscaler, the last scale-up is taken to be an hour before
  // the start: a 30-minute delay after add does not hold the first removal.
  AutoscalerProfile p = Quick();
  p.scale_down_delay_after_add = absl::Minutes(30);
  p.scale_down_delay_after_failure = absl::Minutes(30);
  NodeCluster c = Make({Pool(1, 5, 3)}, p);
  c.AdvanceTo(At(60));
  EXPECT_EQ(c.NodeCount(0), 1);
}

TEST(ClusterTest, TheDelayAfterDeleteSpacesRemovals) {
  AutoscalerProfile p = Quick();
  p.max_empty_bulk_delete = 1;
  p.scale_down_delay_after_delete = absl::Seconds(30);
  NodeCluster c = Make({Pool(0, 5, 3)}, p);
  c.AdvanceTo(At(60));
  EXPECT_EQ(c.NodeCount(0), 2);
  c.AdvanceTo(At(89));
  EXPECT_EQ(c.NodeCount(0), 2);
  c.AdvanceTo(At(90));
  EXPECT_EQ(c.NodeCount(0), 1);
  c.AdvanceTo(At(120));
  EXPECT_EQ(c.NodeCount(0), 0);
}

TEST(ClusterTest, EmptyNodesGoInBulksOfMaxEmptyBulkDelete) {
  AutoscalerProfile p = Quick();
  p.max_empty_bulk_delete = 2;
  NodeCluster c = Make({Pool(0, 10, 5)}, p);
  c.AdvanceTo(At(60));
  EXPECT_EQ(c.NodeCount(0), 3);
  c.AdvanceTo(At(70));
  EXPECT_EQ(c.NodeCount(0), 1);
  c.AdvanceTo(At(80));
  EXPECT_EQ(c.NodeCount(0), 0);
}

TEST(ClusterTest, MinCountHolds) {
  NodeCluster c = Make({Pool(2, 5, 5)});
  c.AdvanceTo(At(7200));
  EXPECT_EQ(c.NodeCount(0), 2);
  for (const NodeStatus& n : c.Nodes()) EXPECT_EQ(n.phase, NodePhase::kReady);
}

// Two nodes, min 1. At 1 s node 0 holds one small pod (0.025 used) and
// node 1 a pod of 2.5 CPU (0.625: not a candidate) with room for it. Node 0
// was empty at the scan at 0 s and has stayed unneeded since: at 60 s it is
// drained. Returns the small pod.
PodId DrainScenario(NodeCluster& c, absl::Duration grace) {
  absl::StatusOr<std::vector<PodId>> a = c.RequestPods(At(0), 1, Cpu(3000));
  absl::StatusOr<std::vector<PodId>> b = c.RequestPods(At(0), 1, Cpu(2500));
  absl::StatusOr<std::vector<PodId>> small = c.RequestPods(At(0), 1, Cpu(100, grace));
  EXPECT_THAT(a.status(), IsOk());
  EXPECT_THAT(b.status(), IsOk());
  EXPECT_THAT(small.status(), IsOk());
  EXPECT_EQ(c.pod((*a)[0])->node, 0);
  EXPECT_EQ(c.pod((*b)[0])->node, 1);
  EXPECT_EQ(c.pod((*small)[0])->node, 0);
  EXPECT_THAT(c.DeletePod(At(1), (*a)[0]), IsOk());
  return (*small)[0];
}

TEST(ClusterTest, ADrainEvictsWithTheGracePeriod) {
  NodeCluster c = Make({Pool(1, 5, 2)});
  const PodId small = DrainScenario(c, absl::Seconds(45));
  c.AdvanceTo(At(59));
  EXPECT_TRUE(c.TakeEvictions().empty());
  c.AdvanceTo(At(60));
  const std::vector<Eviction> ev = c.TakeEvictions();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].pod, small);
  EXPECT_EQ(ev[0].node, 0);
  EXPECT_EQ(ev[0].at, At(60));
  EXPECT_EQ(ev[0].grace, absl::Seconds(45));
  ASSERT_NE(ev[0].replacement, -1);
  EXPECT_EQ(c.pod(small)->phase, PodPhase::kTerminating);
  EXPECT_EQ(*c.ExplainPod(small), absl::StrCat("agent-", small, " terminating on node 0 (pool)"));
  EXPECT_EQ(c.pod(ev[0].replacement)->phase, PodPhase::kRunning);
  EXPECT_EQ(c.pod(ev[0].replacement)->node, 1);
  EXPECT_EQ(c.pod(ev[0].replacement)->template_name, "agent");
  EXPECT_EQ(CountEvents(c, EventKind::kDrainStarted), 1);
  // The node goes when the grace period ends.
  c.AdvanceTo(At(104));
  EXPECT_EQ(c.NodeCount(0), 2);
  c.AdvanceTo(At(105));
  EXPECT_EQ(c.NodeCount(0), 1);
  EXPECT_EQ(c.pod(small), nullptr);
  EXPECT_EQ(c.running_pods(), 2);
}

TEST(ClusterTest, MaxGracefulTerminationCapsTheGrace) {
  AutoscalerProfile p = Quick();
  p.max_graceful_termination = absl::Seconds(20);
  NodeCluster c = Make({Pool(1, 5, 2)}, p);
  DrainScenario(c, absl::Seconds(300));
  c.AdvanceTo(At(60));
  const std::vector<Eviction> ev = c.TakeEvictions();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].grace, absl::Seconds(20));
  c.AdvanceTo(At(79));
  EXPECT_EQ(c.NodeCount(0), 2);
  c.AdvanceTo(At(80));
  EXPECT_EQ(c.NodeCount(0), 1);
}

TEST(ClusterTest, APodWithNowhereToGoKeepsItsNode) {
  NodeCluster c = Make({Pool(1, 5, 2)});
  // Node 0 full; node 1 holds a small pod that fits nowhere else.
  ASSERT_THAT(c.RequestPods(At(0), 1, Cpu(3950)).status(), IsOk());
  absl::StatusOr<std::vector<PodId>> small = c.RequestPods(At(0), 1, Cpu(100));
  ASSERT_THAT(small.status(), IsOk());
  EXPECT_EQ(c.pod((*small)[0])->node, 1);
  c.AdvanceTo(At(3600));
  EXPECT_TRUE(c.TakeEvictions().empty());
  EXPECT_EQ(c.NodeCount(0), 2);
}

TEST(ClusterTest, WithoutRecreationEvictedPodsAreGone) {
  ClusterOptions options;
  options.profile = Quick();
  options.recreate_evicted_pods = false;
  absl::StatusOr<NodeCluster> c = NodeCluster::Create({Pool(1, 5, 2)}, options, kStart);
  ASSERT_THAT(c.status(), IsOk());
  DrainScenario(*c, absl::Seconds(30));
  c->AdvanceTo(At(600));
  const std::vector<Eviction> ev = c->TakeEvictions();
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0].replacement, -1);
  EXPECT_EQ(c->running_pods(), 1);
  EXPECT_EQ(c->pending_pods(), 0);
  EXPECT_EQ(c->NodeCount(0), 1);
}

TEST(ClusterTest, ANodeNotReadyInTimeIsAFailedScaleUp) {
  NodePoolSpec pool = Pool(1, 5, 1);
  pool.provisioning_delay = absl::Minutes(20);  // more than 15 min
  NodeCluster c = Make({pool});
  absl::StatusOr<std::vector<PodId>> ids = c.RequestPods(At(0), 5, Cpu(1000));
  ASSERT_THAT(ids.status(), IsOk());
  c.AdvanceTo(At(10));
  EXPECT_EQ(c.NodeCount(0), 2);
  c.AdvanceTo(At(10 + 15 * 60));
  EXPECT_EQ(c.NodeCount(0), 1);
  EXPECT_EQ(CountEvents(c, EventKind::kScaleUpTimedOut), 1);
  c.AdvanceTo(At(10 + 15 * 60 + 10));
  EXPECT_EQ(c.pod((*ids)[4])->reason, PendingReason::kBackoff);
  // Backed off for 5 minutes, then tried again.
  c.AdvanceTo(At(10 + 20 * 60 - 10));
  EXPECT_EQ(CountEvents(c, EventKind::kScaleUp), 1);
  c.AdvanceTo(At(10 + 20 * 60));
  EXPECT_EQ(CountEvents(c, EventKind::kScaleUp), 2);
}

TEST(ClusterTest, NewPodScaleUpDelay) {
  AutoscalerProfile p = Quick();
  p.new_pod_scale_up_delay = absl::Seconds(30);
  NodeCluster c = Make({Pool(1, 5, 1)}, p);
  ASSERT_THAT(c.RequestPods(At(1), 5, Cpu(1000)).status(), IsOk());
  c.AdvanceTo(At(30));
  EXPECT_EQ(c.NodeCount(0), 1);
  c.AdvanceTo(At(40));  // the first scan with the pods 30 s old
  EXPECT_EQ(c.NodeCount(0), 2);
}

NodePoolSpec Sized(const std::string& name, int64_t cpu, int64_t mem_gib, int32_t priority) {
  NodePoolSpec p = Pool(0, 10, 0, name);
  p.custom_cpu_milli = cpu;
  p.custom_memory_bytes = mem_gib * kGiB;
  p.priority = priority;
  return p;
}

TEST(ClusterTest, Expanders) {
  // Two pods of 1 CPU, 4 GiB: one small node fits them with nothing idle.
  const PodTemplate pod{"agent", {1000, 4 * kGiB}, absl::Seconds(30)};
  auto chosen = [&](Expander e, uint64_t seed) {
    AutoscalerProfile p = Quick();
    p.expander = e;
    ClusterOptions options;
    options.profile = p;
    options.seed = seed;
    absl::StatusOr<NodeCluster> c = NodeCluster::Create(
        {Sized("big", 8000, 32, 10), Sized("small", 2000, 8, 0)}, options, kStart);
    EXPECT_THAT(c.status(), IsOk());
    EXPECT_THAT(c->RequestPods(At(0), 2, pod).status(), IsOk());
    c->AdvanceTo(At(10));
    for (const NodeEvent& ev : c->events()) {
      if (ev.kind == EventKind::kScaleUp) return c->pools()[static_cast<size_t>(ev.pool)].name;
    }
    return std::string("none");
  };
  EXPECT_EQ(chosen(Expander::kLeastWaste, 1), "small");
  EXPECT_EQ(chosen(Expander::kPriority, 1), "big");
  std::set<std::string> random;
  for (uint64_t seed = 1; seed <= 16; ++seed) random.insert(chosen(Expander::kRandom, seed));
  EXPECT_EQ(random, (std::set<std::string>{"big", "small"}));
  EXPECT_EQ(chosen(Expander::kRandom, 3), chosen(Expander::kRandom, 3));
}

TEST(ClusterTest, NodeHoursAndCost) {
  NodeCluster c = Make({Pool(2, 5, 2)});
  c.AdvanceTo(At(2 * 3600));
  EXPECT_DOUBLE_EQ(c.NodeHours(), 4.0);
  EXPECT_DOUBLE_EQ(c.Cost(), 4.0);
  // The seed's pool: three Standard_D4s_v4 at the table's price.
  absl::StatusOr<NodeCluster> seed = NodeCluster::Create({SeedNodePool()}, {}, kStart);
  ASSERT_THAT(seed.status(), IsOk());
  seed->AdvanceTo(At(3600));
  // An empty node goes down to min_count 2 once unneeded for AKS's 10
  // minutes (from the scan at the start).
  EXPECT_EQ(seed->NodeCount(0), 2);
  const double hours = 2.0 + 600.0 / 3600;
  EXPECT_DOUBLE_EQ(seed->NodeHours(), hours);
  EXPECT_DOUBLE_EQ(seed->Cost(), hours * FindVmSize("Standard_D4s_v4")->price_per_hour);
}

TEST(ClusterTest, AProvisioningNodeIsPaidFor) {
  NodeCluster c = Make({Pool(0, 5, 0)});
  ASSERT_THAT(c.RequestPods(At(0), 1, Cpu(1000)).status(), IsOk());
  c.AdvanceTo(At(70));  // asked at 10 s, ready at 70 s
  EXPECT_DOUBLE_EQ(c.NodeHours(), 60.0 / 3600);
}

TEST(ClusterTest, ARequestTooLargeForEveryPoolIsAnError) {
  NodeCluster c = Make({SeedNodePool()});
  PodTemplate huge{"agent-xl", {8000, 4 * kGiB}, absl::Seconds(30)};
  EXPECT_THAT(c.RequestPods(At(0), 1, huge).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("pod \"agent-xl\" requests 8 CPU, 4.00 GiB, more than any node "
                                 "allocates: the largest, Standard_D4s_v4")));
  EXPECT_THAT(c.RequestPods(At(0), -1, Cpu(100)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(c.DeletePod(At(0), 12345), StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(c.ExplainPod(12345).status(), StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<std::vector<PodId>> none = c.RequestPods(At(0), 0, Cpu(100));
  ASSERT_THAT(none.status(), IsOk());
  EXPECT_TRUE(none->empty());
}

TEST(ClusterTest, PodsAliveAreBounded) {
  ClusterOptions options;
  options.profile = Quick();
  options.max_pods = 10;
  absl::StatusOr<NodeCluster> c = NodeCluster::Create({Pool(1, 2, 1)}, options, kStart);
  ASSERT_THAT(c.status(), IsOk());
  ASSERT_THAT(c->RequestPods(At(0), 8, Cpu(100)).status(), IsOk());
  EXPECT_THAT(c->RequestPods(At(0), 3, Cpu(100)).status(),
              StatusIs(absl::StatusCode::kResourceExhausted, HasSubstr("ClusterOptions::max_pods")));
  EXPECT_EQ(c->running_pods() + c->pending_pods(), 8);
}

TEST(ClusterTest, TheEventLogIsBounded) {
  ClusterOptions options;
  options.profile = Quick();
  options.max_events = 8;
  absl::StatusOr<NodeCluster> c = NodeCluster::Create({Pool(0, 50, 0)}, options, kStart);
  ASSERT_THAT(c.status(), IsOk());
  // Scale up and down, again and again: many more events than 8.
  for (int round = 0; round < 10; ++round) {
    absl::StatusOr<std::vector<PodId>> ids = c->RequestPods(At(round * 600), 4, Cpu(3000));
    ASSERT_THAT(ids.status(), IsOk());
    c->AdvanceTo(At(round * 600 + 100));
    for (PodId id : *ids) ASSERT_THAT(c->DeletePod(At(round * 600 + 100), id), IsOk());
  }
  EXPECT_LE(c->events().size(), 8u);
  EXPECT_GT(c->events_dropped(), 0u);
  // The newest are kept: the last round's nodes ready 60 s after its scan.
  EXPECT_EQ(c->events().back().kind, EventKind::kNodeReady);
  EXPECT_EQ(c->events().back().at, At(9 * 600 + 70));
}

TEST(ClusterTest, CreateRefusesBadInput) {
  ClusterOptions options;
  options.profile.scale_down_utilization_threshold = 2;
  EXPECT_THAT(NodeCluster::Create({Pool(1, 2, 1)}, options, kStart).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("autoscaler profile: scale-down-utilization-threshold")));
  EXPECT_THAT(NodeCluster::Create({}, {}, kStart).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 to 64 node pools")));
  EXPECT_THAT(NodeCluster::Create({Pool(1, 2, 1, "a"), Pool(1, 2, 1, "a")}, {}, kStart).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("named twice")));
}

TEST(ClusterTest, InvariantsOverARandomDay) {
  // Pods come and go every minute; counts stay within [min, max], pods are
  // never both running and pending, nodes never hold more than allocatable.
  NodeCluster c = Make({Pool(2, 8, 3)}, AksAggressiveProfile());
  std::vector<PodId> alive;
  uint64_t x = 12345;
  for (int minute = 0; minute < 24 * 60; ++minute) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    const int want = static_cast<int>(10 + 20 * (1 + ((x >> 33) % 100) / 100.0) *
                                               ((minute / 120) % 2));
    while (static_cast<int>(alive.size()) > want) {
      ASSERT_THAT(c.DeletePod(At(minute * 60), alive.back()), IsOk());
      alive.pop_back();
    }
    if (static_cast<int>(alive.size()) < want) {
      absl::StatusOr<std::vector<PodId>> ids =
          c.RequestPods(At(minute * 60), want - static_cast<int>(alive.size()), Cpu(700));
      ASSERT_THAT(ids.status(), IsOk());
      alive.insert(alive.end(), ids->begin(), ids->end());
    }
    for (const Eviction& e : c.TakeEvictions()) {
      for (PodId& id : alive) {
        if (id == e.pod) id = e.replacement;
      }
    }
    ASSERT_GE(c.NodeCount(0), 2);
    ASSERT_LE(c.NodeCount(0), 8);
    ASSERT_EQ(c.running_pods() + c.pending_pods() <= static_cast<int64_t>(alive.size()), true);
    for (const NodeStatus& n : c.Nodes()) {
      ASSERT_LE(n.requested.cpu_milli, n.allocatable.cpu_milli);
      ASSERT_LE(n.utilization, 1.0);
    }
  }
  EXPECT_GT(CountEvents(c, EventKind::kScaleUp), 0);
  EXPECT_GT(CountEvents(c, EventKind::kNodeRemoved), 0);
}

}  // namespace
}  // namespace agentscale::nodes
