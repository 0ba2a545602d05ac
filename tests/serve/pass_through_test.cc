// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The pass-through ScaledObject makes the HPA KEDA creates land on
// agentscale's decision: proved with agentscale's Kubernetes-exact HPA over
// every (current, desired) pair up to 1,000, on the HPA that KEDA would
// generate from the emitted ScaledObject.
#include "agentscale/serve/pass_through.h"

#include <cmath>
#include <cstdint>
#include <string>

#include "absl/time/time.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/keda/scaled_object.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale::serve {
namespace {

using ::testing::HasSubstr;

constexpr int32_t kMax = 1000;

PassThroughOptions Options(bool set_tolerance) {
  PassThroughOptions o;
  o.name = "agents";
  o.namespace_name = "agents";
  o.min_replicas = 1;
  o.max_replicas = kMax;
  o.fleet = "seed";
  o.set_tolerance = set_tolerance;
  return o;
}

// The HPA KEDA makes of the generated ScaledObject, read back from its YAML.
hpa::AutoscalerSpec GeneratedSpec(bool set_tolerance) {
  absl::StatusOr<std::string> yaml = PassThroughScaledObjectYaml(Options(set_tolerance));
  EXPECT_TRUE(yaml.ok()) << yaml.status();
  absl::StatusOr<config::LoadedManifests> loaded =
      config::LoadManifestString(*yaml, "pass-through.yaml");
  EXPECT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->scaled_objects.size(), 1u);
  absl::StatusOr<hpa::AutoscalerSpec> spec = keda::GeneratedHpa(loaded->scaled_objects.at(0));
  EXPECT_TRUE(spec.ok()) << spec.status();
  return *spec;
}

// Where `hpa` goes from `current` when the scaler reports ReportFor(desired).
int32_t Lands(HorizontalAutoscaler& hpa, absl::Time now, int32_t current, int32_t desired) {
  Observation obs;
  obs.current_replicas = current;
  MetricObservation& m = obs.AddMetric(hpa.spec().metrics.at(0).name);
  const ReportedValue v = ReportFor(desired);
  // As KEDA hands it to the HPA: GenerateMetricInMili, int64(value * 1000).
  m.external_values_milli.push_back(static_cast<int64_t>(v.value_float * 1000.0));
  absl::StatusOr<Decision> d = hpa.Evaluate(now, obs);
  EXPECT_TRUE(d.ok()) << d.status();
  return d->desired_replicas;
}

TEST(PassThroughTest, ReportsTheDecisionAgainstATargetOfOne) {
  EXPECT_EQ(ReportFor(7).value, 7);
  EXPECT_EQ(ReportFor(7).value_float, 7.0);
  EXPECT_EQ(ReportFor(0).value, 0);
  EXPECT_EQ(ReportFor(-3).value, 0);  // never negative
  EXPECT_EQ(kPassThroughTarget, 1.0);
}

TEST(PassThroughTest, TheGeneratedScaledObjectLoadsWithoutWarnings) {
  absl::StatusOr<std::string> yaml = PassThroughScaledObjectYaml(Options(true));
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  EXPECT_THAT(*yaml, HasSubstr("type: external"));
  EXPECT_THAT(*yaml, HasSubstr("scalerAddress:"));
  EXPECT_THAT(*yaml, HasSubstr("fleet: \"seed\""));
  EXPECT_THAT(*yaml, HasSubstr("tolerance:"));
  EXPECT_THAT(*yaml, HasSubstr("cooldownPeriod: 0"));
  absl::StatusOr<config::LoadedManifests> loaded =
      config::LoadManifestString(*yaml, "pass-through.yaml");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->warnings.empty()) << loaded->warnings.at(0);
  ASSERT_EQ(loaded->scaled_objects.size(), 1u);
  const keda::ScaledObjectSpec& so = loaded->scaled_objects[0];
  EXPECT_EQ(so.min_replica_count, 1);
  EXPECT_EQ(so.max_replica_count, kMax);
  EXPECT_EQ(so.cooldown_period_seconds, 0);
  ASSERT_EQ(so.triggers.size(), 1u);
  EXPECT_EQ(so.triggers[0].type, "external");
  EXPECT_EQ(so.triggers[0].target, kPassThroughTarget);
  EXPECT_EQ(so.triggers[0].metric_type, hpa::MetricTargetType::kAverageValue);
  ASSERT_TRUE(so.behavior.has_value());
  EXPECT_EQ(*so.behavior, PassThroughBehavior(kMax, true));
  // Written again, it reads back the same.
  absl::StatusOr<config::LoadedManifests> again =
      config::LoadManifestString(config::DumpScaledObject(so), "again.yaml");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->scaled_objects.at(0).behavior, so.behavior);
}

TEST(PassThroughTest, AnExternalTriggerNeedsAScalerAddress) {
  const std::string yaml = R"(apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata: {name: agents}
spec:
  scaleTargetRef: {name: agents}
  triggers:
  - type: external
    metadata: {fleet: seed}
)";
  absl::StatusOr<config::LoadedManifests> loaded = config::LoadManifestString(yaml, "so.yaml");
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("so.yaml:8:"));
  EXPECT_THAT(loaded.status().message(), HasSubstr("scalerAddress"));
}

TEST(PassThroughTest, RejectsBadOptions) {
  PassThroughOptions o = Options(true);
  o.min_replicas = 5;
  o.max_replicas = 4;
  EXPECT_FALSE(PassThroughScaledObject(o).ok());
  o = Options(true);
  o.fleet = "";
  EXPECT_FALSE(PassThroughScaledObject(o).ok());
  o = Options(true);
  o.scaler_address = "";
  EXPECT_FALSE(PassThroughScaledObject(o).ok());
  o = Options(true);
  o.max_replicas = 0;
  EXPECT_FALSE(PassThroughScaledObject(o).ok());
}

// Every (current, desired) pair up to 1,000 lands exactly on Kubernetes
// with configurable tolerance (1.35 and later by default).
TEST(PassThroughTest, EveryPairUpToAThousandLandsExactly) {
  const hpa::AutoscalerSpec spec = GeneratedSpec(/*set_tolerance=*/true);
  ASSERT_EQ(spec.min_replicas, 1);
  ASSERT_EQ(spec.max_replicas, kMax);
  hpa::ControllerConfig config;  // production defaults: tolerance 0.1, gate on
  ASSERT_TRUE(config.configurable_tolerance);
  int64_t checked = 0;
  int64_t wrong = 0;
  for (int32_t current = 1; current <= kMax; ++current) {
    // A fresh HPA for each current count, as after any sync: the pass-through
    // behavior keeps no window and limits nothing.
    absl::StatusOr<HorizontalAutoscaler> hpa = HorizontalAutoscaler::Create(spec, config);
    ASSERT_TRUE(hpa.ok()) << hpa.status();
    absl::Time now = absl::FromUnixSeconds(1'700'000'000);
    for (int32_t desired = 1; desired <= kMax; ++desired) {
      now += absl::Seconds(15);
      const int32_t got = Lands(*hpa, now, current, desired);
      ++checked;
      if (got != desired) {
        if (++wrong <= 5) {
          ADD_FAILURE() << "from " << current << " the HPA lands on " << got << ", not "
                        << desired;
        }
      }
      // The closed form agrees with the engine.
      if (got != HpaLands(current, desired, 0.0, 1, kMax)) {
        ADD_FAILURE() << "HpaLands(" << current << ", " << desired << ") disagrees";
        return;
      }
    }
  }
  EXPECT_EQ(checked, int64_t{kMax} * kMax);
  EXPECT_EQ(wrong, 0);
}

// Without configurable tolerance the 10 % band holds: a decision within it
// is dropped (the HPA keeps the current count), every other one lands.
TEST(PassThroughTest, OlderKubernetesDropsDecisionsWithinItsTolerance) {
  const hpa::AutoscalerSpec spec = GeneratedSpec(/*set_tolerance=*/false);
  hpa::ControllerConfig config;
  config.configurable_tolerance = false;
  int64_t dropped = 0;
  for (int32_t current = 1; current <= kMax; current += 7) {
    absl::StatusOr<HorizontalAutoscaler> hpa = HorizontalAutoscaler::Create(spec, config);
    ASSERT_TRUE(hpa.ok()) << hpa.status();
    absl::Time now = absl::FromUnixSeconds(1'700'000'000);
    for (int32_t desired = 1; desired <= kMax; ++desired) {
      now += absl::Seconds(15);
      const int32_t got = Lands(*hpa, now, current, desired);
      const double ratio = static_cast<double>(desired) / current;
      const bool within = ratio >= 0.9 && ratio <= 1.1;
      ASSERT_EQ(got, within ? current : desired) << current << " -> " << desired;
      ASSERT_EQ(got, HpaLands(current, desired, 0.1, 1, kMax)) << current << " -> " << desired;
      if (within && desired != current) ++dropped;
    }
  }
  // 11 from 10 is within the band: the example the documentation gives.
  EXPECT_EQ(HpaLands(10, 11, 0.1, 1, kMax), 10);
  EXPECT_EQ(HpaLands(10, 12, 0.1, 1, kMax), 12);
  EXPECT_GT(dropped, 0);
}

TEST(PassThroughTest, ZeroIsLeftToKedaAndTheHpaStaysAtItsMinimum) {
  // A decision of 0 reports 0; IsActive false then scales to zero through
  // KEDA (cooldownPeriod 0). The HPA itself never goes below max(min, 1).
  EXPECT_EQ(HpaLands(4, 0, 0.0, 0, kMax), 1);
  PassThroughOptions o = Options(true);
  o.min_replicas = 0;
  absl::StatusOr<keda::ScaledObjectSpec> so = PassThroughScaledObject(o);
  ASSERT_TRUE(so.ok()) << so.status();
  EXPECT_EQ(so->min_replica_count, 0);
  absl::StatusOr<hpa::AutoscalerSpec> spec = keda::GeneratedHpa(*so);
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->min_replicas, 1);
}

}  // namespace
}  // namespace agentscale::serve
