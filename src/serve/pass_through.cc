// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
#include "agentscale/serve/pass_through.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agentscale/config/manifest.h"
#include "agentscale/status_macros.h"

namespace agentscale::serve {

hpa::Behavior PassThroughBehavior(int32_t max_replicas, bool with_tolerance) {
  hpa::Behavior b;
  b.scale_up.stabilization_window = absl::ZeroDuration();
  b.scale_up.select_policy = hpa::SelectPolicy::kMax;
  // From C the HPA may then go to C + max >= max: never a limit.
  b.scale_up.policies = {
      hpa::ScalingPolicy{hpa::PolicyType::kPods, std::max<int32_t>(max_replicas, 1),
                         absl::Seconds(1)}};
  b.scale_down.stabilization_window = absl::ZeroDuration();
  b.scale_down.select_policy = hpa::SelectPolicy::kMax;
  // C x (1 - 100 %) = 0: any scale-down.
  b.scale_down.policies = {
      hpa::ScalingPolicy{hpa::PolicyType::kPercent, 100, absl::Seconds(1)}};
  if (with_tolerance) {
    b.scale_up.tolerance = 0.0;
    b.scale_down.tolerance = 0.0;
  }
  return b;
}

int32_t HpaLands(int32_t current, int32_t desired, double tolerance, int32_t min_replicas,
                 int32_t max_replicas) {
  // Both reach the HPA as milli-quantities (KEDA GenerateMetricInMili and
  // GetMetricTargetMili: int64(value * 1000)).
  const ReportedValue v = ReportFor(desired);
  const double usage = std::trunc(v.value_float * 1000.0);
  const double target = std::trunc(kPassThroughTarget * 1000.0);
  int32_t replicas = current;
  const double ratio = usage / (target * static_cast<double>(current));
  if (!(ratio >= 1.0 - tolerance && ratio <= 1.0 + tolerance)) {
    replicas = static_cast<int32_t>(std::ceil(usage / target));
  }
  return std::clamp(replicas, std::max<int32_t>(min_replicas, 1), max_replicas);
}

absl::StatusOr<keda::ScaledObjectSpec> PassThroughScaledObject(
    const PassThroughOptions& options) {
  if (options.name.empty()) return absl::InvalidArgumentError("pass-through: name is empty");
  if (options.fleet.empty()) return absl::InvalidArgumentError("pass-through: fleet is empty");
  if (options.scaler_address.empty()) {
    return absl::InvalidArgumentError("pass-through: scaler_address is empty");
  }
  if (options.min_replicas < 0 || options.max_replicas < 1 ||
      options.min_replicas > options.max_replicas) {
    return absl::InvalidArgumentError(
        absl::StrCat("pass-through: want 0 <= min_replicas <= max_replicas and max_replicas "
                     ">= 1, got ",
                     options.min_replicas, " and ", options.max_replicas));
  }
  if (options.polling_interval_seconds < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("pass-through: polling_interval_seconds must be >= 1, got ",
                     options.polling_interval_seconds));
  }
  keda::ScaledObjectSpec so;
  so.name = options.name;
  so.namespace_name = options.namespace_name;
  so.scale_target_ref = options.scale_target_ref;
  if (so.scale_target_ref.kind.empty()) so.scale_target_ref.kind = "Deployment";
  if (so.scale_target_ref.api_version.empty()) so.scale_target_ref.api_version = "apps/v1";
  if (so.scale_target_ref.name.empty()) so.scale_target_ref.name = options.name;
  so.polling_interval_seconds = options.polling_interval_seconds;
  so.cooldown_period_seconds = 0;
  so.initial_cooldown_period_seconds = 0;
  so.min_replica_count = options.min_replicas;
  so.max_replica_count = options.max_replicas;
  so.behavior = PassThroughBehavior(options.max_replicas, options.set_tolerance);
  keda::Trigger t;
  t.type = "external";
  t.kind = keda::TriggerKind::kExternal;
  t.metric_type = hpa::MetricTargetType::kAverageValue;
  t.target = kPassThroughTarget;
  t.metadata = options.extra_metadata;
  t.metadata["scalerAddress"] = options.scaler_address;
  t.metadata["fleet"] = options.fleet;
  t.metric_name = keda::TriggerMetricName(t, 0);
  so.triggers.push_back(std::move(t));
  // What KEDA would make of it (fails with every field problem).
  AGENTSCALE_RETURN_IF_ERROR(keda::GeneratedHpa(so).status());
  return so;
}

absl::StatusOr<std::string> PassThroughScaledObjectYaml(const PassThroughOptions& options) {
  AGENTSCALE_ASSIGN_OR_RETURN(keda::ScaledObjectSpec so, PassThroughScaledObject(options));
  return config::DumpScaledObject(so);
}

}  // namespace agentscale::serve
