// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The built-in VM sizes, their allocatable after AKS's and EKS's
// reservations (worked by hand from the documented rules, docs/nodes.md),
// look-up by name, presets of the autoscaler profile, and validation.

#include "agentscale/nodes/vm_sizes.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "absl/time/time.h"
#include "agentscale/nodes/spec.h"
#include "testing/status_matchers.h"

namespace agentscale::nodes {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

struct AllocatableCase {
  std::string name;
  int64_t cpu_milli;
  int64_t memory_mib;
};

class AllocatableTest : public ::testing::TestWithParam<AllocatableCase> {};

// AKS: CPU from the table (2 cores 100m, 4 cores 140m, 8 cores 180m, 16
// cores 260m); memory min(20 MiB x 30 + 50 MiB, 25 %) + 100 MiB eviction.
// EKS: CPU 6 % + 1 % + 0.5 % x 2 + 0.25 % per further core; memory
// 11 MiB x max pods + 255 MiB + 100 MiB eviction (29 pods on an m5.large,
// 58 on the xlarge and 2xlarge sizes).
INSTANTIATE_TEST_SUITE_P(
    Sizes, AllocatableTest,
    ::testing::Values(AllocatableCase{"Standard_D2s_v4", 2000 - 100, 8192 - 650 - 100},
                      AllocatableCase{"Standard_D4s_v4", 4000 - 140, 16384 - 650 - 100},
                      AllocatableCase{"Standard_D8s_v4", 8000 - 180, 32768 - 650 - 100},
                      AllocatableCase{"Standard_D16s_v4", 16000 - 260, 65536 - 650 - 100},
                      AllocatableCase{"Standard_F4s_v2", 4000 - 140, 8192 - 650 - 100},
                      AllocatableCase{"m5.large", 2000 - 70, 8192 - (11 * 29 + 255) - 100},
                      AllocatableCase{"m5.xlarge", 4000 - 80, 16384 - (11 * 58 + 255) - 100},
                      AllocatableCase{"m5.2xlarge", 8000 - 90, 32768 - (11 * 58 + 255) - 100},
                      AllocatableCase{"c5.xlarge", 4000 - 80, 8192 - (11 * 58 + 255) - 100}),
    [](const ::testing::TestParamInfo<AllocatableCase>& info) {
      std::string n = info.param.name;
      for (char& c : n) {
        if (!isalnum(static_cast<unsigned char>(c))) c = '_';
      }
      return n;
    });

TEST_P(AllocatableTest, ReservationsFollowThePlatformsRule) {
  absl::StatusOr<VmSize> size = FindVmSize(GetParam().name);
  ASSERT_THAT(size.status(), IsOk());
  const Resources a = AllocatableFor(*size);
  EXPECT_EQ(a.cpu_milli, GetParam().cpu_milli);
  EXPECT_EQ(a.memory_bytes, GetParam().memory_mib * kMiB);
}

TEST(VmSizesTest, TheSeedsSize) {
  absl::StatusOr<VmSize> size = FindVmSize("Standard_D4s_v4");
  ASSERT_THAT(size.status(), IsOk());
  EXPECT_EQ(size->vcpus, 4);
  EXPECT_EQ(size->memory_bytes, 16 * kGiB);
  EXPECT_EQ(size->reservation, Reservation::kAks);
  EXPECT_GT(size->price_per_hour, 0);
}

TEST(VmSizesTest, EveryBuiltinSizeIsFoundAndLeavesRoom) {
  std::set<std::string> names;
  for (const VmSize& s : BuiltinVmSizes()) {
    EXPECT_TRUE(names.insert(s.name).second) << s.name << " twice";
    absl::StatusOr<VmSize> found = FindVmSize(s.name);
    ASSERT_THAT(found.status(), IsOk());
    EXPECT_EQ(found->name, s.name);
    const Resources a = AllocatableFor(s);
    EXPECT_GT(a.cpu_milli, 0) << s.name;
    EXPECT_LT(a.cpu_milli, s.vcpus * 1000) << s.name;
    EXPECT_GT(a.memory_bytes, s.memory_bytes / 2) << s.name;
    EXPECT_LT(a.memory_bytes, s.memory_bytes) << s.name;
    EXPECT_GT(s.price_per_hour, 0) << s.name;
    EXPECT_GT(s.max_pods, 0) << s.name;
  }
  EXPECT_GE(names.size(), 12u);
}

TEST(VmSizesTest, AzureNamesMatchWithoutCase) {
  absl::StatusOr<VmSize> size = FindVmSize("standard_d4s_v4");
  ASSERT_THAT(size.status(), IsOk());
  EXPECT_EQ(size->name, "Standard_D4s_v4");
}

TEST(VmSizesTest, AnUnknownSizeNamesTheClosest) {
  absl::StatusOr<VmSize> size = FindVmSize("Standard_D4s_v3");
  EXPECT_THAT(size.status(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("unknown VM size \"Standard_D4s_v3\"; closest built-in sizes: "
                                 "Standard_D4s_v4, Standard_D4s_v5")));
  EXPECT_THAT(FindVmSize("m5.xlarg").status(), StatusIs(absl::StatusCode::kNotFound,
                                                          HasSubstr("sizes: m5.xlarge")));
}

TEST(VmSizesTest, AnUnknownLongNameIsCutInTheMessage) {
  const std::string name(5000, 'x');
  absl::StatusOr<VmSize> size = FindVmSize(name);
  ASSERT_FALSE(size.ok());
  EXPECT_LT(size.status().message().size(), 400u);
}

TEST(VmSizesTest, AksCpuBetweenListedCoreCountsTakesTheSmallerCount) {
  EXPECT_EQ(SystemReserved(Reservation::kAks, 6, 24 * kGiB, 30).cpu_milli, 140);
  EXPECT_EQ(SystemReserved(Reservation::kAks, 64, 256 * kGiB, 30).cpu_milli, 740);
  EXPECT_EQ(SystemReserved(Reservation::kAks, 128, 512 * kGiB, 30).cpu_milli, 740);
}

TEST(VmSizesTest, AksMemoryIsCappedAtAQuarterOfTheMachine) {
  // 20 MiB x 110 + 50 MiB = 2250 MiB is more than a quarter of 2 GiB.
  EXPECT_EQ(SystemReserved(Reservation::kAks, 2, 2 * kGiB, 110).memory_bytes,
            512 * kMiB + 100 * kMiB);
  EXPECT_EQ(SystemReserved(Reservation::kNone, 2, 2 * kGiB, 110), Resources{});
}

TEST(VmSizesTest, FormatResources) {
  EXPECT_EQ(FormatResources({3860, 15634 * kMiB}), "3.86 CPU, 15.27 GiB");
  EXPECT_EQ(FormatResources({2000, 512 * kMiB}), "2 CPU, 512 MiB");
}

// ---- The autoscaler profile's presets (docs/nodes.md gives the sources) ----

TEST(ProfileTest, AksDefault) {
  const AutoscalerProfile p = AksDefaultProfile();
  EXPECT_EQ(p.scan_interval, absl::Seconds(10));
  EXPECT_EQ(p.scale_down_utilization_threshold, 0.5);
  EXPECT_EQ(p.scale_down_unneeded_time, absl::Minutes(10));
  EXPECT_EQ(p.scale_down_delay_after_add, absl::Minutes(10));
  EXPECT_EQ(p.DelayAfterDelete(), p.scan_interval);
  EXPECT_EQ(p.scale_down_delay_after_failure, absl::Minutes(3));
  EXPECT_EQ(p.max_node_provision_time, absl::Minutes(15));
  EXPECT_EQ(p.max_empty_bulk_delete, 10);
  EXPECT_EQ(p.expander, Expander::kRandom);
  EXPECT_EQ(p.new_pod_scale_up_delay, absl::ZeroDuration());
  EXPECT_EQ(p.max_graceful_termination, absl::Seconds(600));
  EXPECT_EQ(p.scale_down_unready_time, absl::Minutes(20));
}

TEST(ProfileTest, AksAggressive) {
  absl::StatusOr<AutoscalerProfile> p = ProfilePreset("aks-aggressive");
  ASSERT_THAT(p.status(), IsOk());
  EXPECT_EQ(p->scan_interval, absl::Seconds(30));
  EXPECT_EQ(p->scale_down_delay_after_add, absl::ZeroDuration());
  EXPECT_EQ(p->scale_down_delay_after_failure, absl::Minutes(1));
  EXPECT_EQ(p->scale_down_unneeded_time, absl::Minutes(3));
  EXPECT_EQ(p->scale_down_unready_time, absl::Minutes(3));
  EXPECT_EQ(p->max_graceful_termination, absl::Seconds(30));
  EXPECT_EQ(p->max_empty_bulk_delete, 1000);
  EXPECT_EQ(p->max_node_provision_time, absl::Minutes(15));
  // What the AKS command leaves alone keeps AKS's default.
  EXPECT_EQ(p->scale_down_utilization_threshold, 0.5);
  EXPECT_EQ(p->expander, Expander::kRandom);
  EXPECT_EQ(p->DelayAfterDelete(), absl::Seconds(30));
}

TEST(ProfileTest, AksBurstyAndUpstream) {
  absl::StatusOr<AutoscalerProfile> b = ProfilePreset("aks-bursty");
  ASSERT_THAT(b.status(), IsOk());
  EXPECT_EQ(b->scan_interval, absl::Seconds(20));
  EXPECT_EQ(b->scale_down_delay_after_add, absl::Minutes(10));
  EXPECT_EQ(b->scale_down_unneeded_time, absl::Minutes(5));
  EXPECT_EQ(b->max_empty_bulk_delete, 100);
  absl::StatusOr<AutoscalerProfile> u = ProfilePreset("upstream");
  ASSERT_THAT(u.status(), IsOk());
  EXPECT_EQ(u->expander, Expander::kLeastWaste);
  EXPECT_EQ(u->DelayAfterDelete(), absl::ZeroDuration());
  for (const std::string& name : ProfilePresetNames()) {
    absl::StatusOr<AutoscalerProfile> p = ProfilePreset(name);
    ASSERT_THAT(p.status(), IsOk()) << name;
    EXPECT_THAT(ValidateProfile(*p), IsOk()) << name;
  }
  EXPECT_THAT(ProfilePreset("aggressive").status(),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("presets: aks, aks-aggressive, aks-bursty, upstream")));
}

TEST(ProfileTest, ValidationNamesTheFlag) {
  AutoscalerProfile p;
  p.scale_down_utilization_threshold = 0;
  p.scan_interval = absl::ZeroDuration();
  p.max_empty_bulk_delete = 0;
  p.scale_down_delay_after_add = absl::Seconds(-1);
  const absl::Status s = ValidateProfile(p);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("scale-down-utilization-threshold: must be more than 0")));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scan-interval: ")));
  EXPECT_THAT(s,
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max-empty-bulk-delete: ")));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("scale-down-delay-after-add: must be at least 0 s")));
}

// ---- Node pools ------------------------------------------------------------

TEST(PoolTest, TheSeedsPoolResolves) {
  const NodePoolSpec pool = SeedNodePool();
  EXPECT_EQ(pool.vm_size, "Standard_D4s_v4");
  EXPECT_EQ(pool.min_count, 2);
  EXPECT_EQ(pool.max_count, 20);
  EXPECT_EQ(pool.node_count, 3);
  absl::StatusOr<NodeShape> shape = ResolveShape(pool);
  ASSERT_THAT(shape.status(), IsOk());
  const VmSize size = *FindVmSize("Standard_D4s_v4");
  EXPECT_EQ(shape->allocatable, AllocatableFor(size));
  EXPECT_EQ(shape->price_per_hour, size.price_per_hour);
  EXPECT_EQ(shape->max_pods, 30);
}

TEST(PoolTest, MaxPodsChangesTheAksReservation) {
  NodePoolSpec pool = SeedNodePool();
  pool.max_pods = 110;
  absl::StatusOr<NodeShape> shape = ResolveShape(pool);
  ASSERT_THAT(shape.status(), IsOk());
  EXPECT_EQ(shape->max_pods, 110);
  EXPECT_EQ(shape->allocatable.memory_bytes, 16 * kGiB - (20 * 110 + 50) * kMiB - 100 * kMiB);
}

TEST(PoolTest, ACustomSize) {
  NodePoolSpec pool;
  pool.custom_cpu_milli = 2500;
  pool.custom_memory_bytes = 10 * kGiB;
  pool.custom_price_per_hour = 0.1;
  absl::StatusOr<NodeShape> shape = ResolveShape(pool);
  ASSERT_THAT(shape.status(), IsOk());
  EXPECT_EQ(shape->size_name, "custom");
  EXPECT_EQ(shape->allocatable, (Resources{2500, 10 * kGiB}));
  EXPECT_EQ(shape->vcpus, 3);
  EXPECT_EQ(shape->max_pods, 110);
}

struct PoolErrorCase {
  std::string name;
  void (*edit)(NodePoolSpec*);
  std::string error;
};

class PoolErrorTest : public ::testing::TestWithParam<PoolErrorCase> {};

INSTANTIATE_TEST_SUITE_P(
    Errors, PoolErrorTest,
    ::testing::Values(
        PoolErrorCase{"MinAboveMax", [](NodePoolSpec* p) { p->min_count = 21; },
                      "minCount: must be at most maxCount (20), got 21"},
        PoolErrorCase{"NodeCountOutside", [](NodePoolSpec* p) { p->node_count = 1; },
                      "nodeCount: must be within minCount and maxCount (2 to 20), got 1"},
        PoolErrorCase{"MaxZero", [](NodePoolSpec* p) { p->max_count = 0; }, "maxCount: must be 1"},
        PoolErrorCase{"UnknownSize", [](NodePoolSpec* p) { p->vm_size = "Standard_D4_v4"; },
                      "vmSize: unknown VM size \"Standard_D4_v4\""},
        PoolErrorCase{"CustomWithoutCpu", [](NodePoolSpec* p) { p->vm_size.clear(); },
                      "cpu: a custom size needs"},
        PoolErrorCase{"EmptyName", [](NodePoolSpec* p) { p->name.clear(); },
                      "name: must be 1 to 63"},
        PoolErrorCase{"NegativeDelay",
                      [](NodePoolSpec* p) { p->provisioning_delay = absl::Seconds(-5); },
                      "provisioningDelay: must be at least 0 s"},
        PoolErrorCase{"MaxPods", [](NodePoolSpec* p) { p->max_pods = 5000; }, "maxPods: must be"}),
    [](const ::testing::TestParamInfo<PoolErrorCase>& info) { return info.param.name; });

TEST_P(PoolErrorTest, NamesTheField) {
  NodePoolSpec pool = SeedNodePool();
  GetParam().edit(&pool);
  EXPECT_THAT(ValidatePool(pool),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().error)));
  EXPECT_THAT(ResolveShape(pool).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("node pool \"")));
}

TEST(PoolTest, ASizeThatReservationsEatIsRefused) {
  NodePoolSpec pool;
  pool.custom_cpu_milli = 50;  // less than AKS keeps back for 1 core
  pool.custom_memory_bytes = 4 * kGiB;
  pool.custom_price_per_hour = 0;
  pool.custom_reservation = Reservation::kAks;
  EXPECT_THAT(ResolveShape(pool).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("leaves nothing allocatable")));
  EXPECT_THAT(ValidatePool(pool), IsOk());
}

}  // namespace
}  // namespace agentscale::nodes
