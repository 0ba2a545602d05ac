// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The seed's scaling profiles as ready-made AutoscalerSpecs. The seed ships
// them as Helm values layered over the production chart, so every field a
// profile does not set (the request-count target, the policies, the select
// policies) is production's.
//
//   absl::StatusOr<agentscale::hpa::AutoscalerSpec> spec =
//       agentscale::config::Preset("bursty");
//   // spec->min_replicas == 1, spec->max_replicas == 20, tasks target 30,
//   // scale-up window 30 s, scale-down window 300 s.
//
// | profile     | min | max | tasks | up window | down window |
// |-------------|-----|-----|-------|-----------|-------------|
// | production  |  2  | 10  |  70   |   60 s    |   300 s     |
// | development |  1  |  5  |  10   |    0 s    |   180 s     |
// | high-volume |  5  | 15  |  80   |   60 s    |   600 s     |
// | bursty      |  1  | 20  |  30   |   30 s    |   300 s     |
// | testing     |  1  |  3  |  10   |   60 s    |   300 s     |
//
// Every profile has two Pods metrics, app_active_task_count (the tasks
// target) and app_active_request_count (AverageValue 50), scales up by at most
// 2 pods per 30 s (selectPolicy Max) and down by at most 1 pod per 60 s
// (selectPolicy Min). The spec is named "agents-<profile>" in namespace
// "default" and targets the apps/v1 Deployment "agents".
//
// The profiles are written as the seed writes them, as `hpa:` values
// (HpaValues), and turned into specs by the same function as a user's own
// `hpa:` block (SpecFromHpaValues; the manifest loader reads such a block
// from YAML, config/manifest.h). The missing cells of the seed's blocks
// (high-volume's scale-up window, bursty's scale-down window, testing's two
// windows) are production's, as a Helm values file layered over the chart.
#ifndef AGENTSCALE_CONFIG_PRESETS_H_
#define AGENTSCALE_CONFIG_PRESETS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::config {

// One direction of an `hpa:` block (hpa.scaleUp or hpa.scaleDown). Unset
// fields keep production's.
struct HpaRulesValues {
  std::optional<absl::Duration> stabilization_window;  // stabilizationWindowSeconds
  std::optional<hpa::SelectPolicy> select_policy;      // selectPolicy
  // policies: a given list replaces production's whole, as in
  // spec.behavior (copyHPAScalingRules).
  std::optional<std::vector<hpa::ScalingPolicy>> policies;

  friend bool operator==(const HpaRulesValues& a, const HpaRulesValues& b) {
    return a.stabilization_window == b.stabilization_window &&
           a.select_policy == b.select_policy && a.policies == b.policies;
  }
  friend bool operator!=(const HpaRulesValues& a, const HpaRulesValues& b) {
    return !(a == b);
  }
};

// The seed chart's `hpa:` values, every field optional:
//
//   hpa:
//     minReplicas: 2
//     maxReplicas: 10
//     metrics:
//       target:
//         averageValue: "70"     # the app_active_task_count target
//     scaleDown:
//       stabilizationWindowSeconds: 300
//     scaleUp:
//       stabilizationWindowSeconds: 60
struct HpaValues {
  std::optional<int32_t> min_replicas;
  std::optional<int32_t> max_replicas;
  std::optional<int64_t> tasks_target_milli;  // metrics.target.averageValue
  HpaRulesValues scale_up;
  HpaRulesValues scale_down;

  friend bool operator==(const HpaValues& a, const HpaValues& b) {
    return a.min_replicas == b.min_replicas && a.max_replicas == b.max_replicas &&
           a.tasks_target_milli == b.tasks_target_milli && a.scale_up == b.scale_up &&
           a.scale_down == b.scale_down;
  }
  friend bool operator!=(const HpaValues& a, const HpaValues& b) { return !(a == b); }
};

// `values` layered over the production profile: the spec the seed's chart
// renders from them, named `name` in namespace "default", targeting the
// apps/v1 Deployment "agents". Not validated (the loader validates what it
// reads; the presets are valid by construction).
hpa::AutoscalerSpec SpecFromHpaValues(const HpaValues& values, const std::string& name);

// The `hpa:` block of the preset called `name`, as the seed writes it (only
// the fields its block sets). Names as for Preset().
absl::StatusOr<HpaValues> PresetValues(const std::string& name);

// The preset called `name` ("production", "development", "high-volume",
// "bursty", "testing"; "high-volume-predictable" is accepted as an alias of
// "high-volume"): SpecFromHpaValues(*PresetValues(name), "agents-<name>").
// An unknown name is NotFound listing the valid ones.
absl::StatusOr<hpa::AutoscalerSpec> Preset(const std::string& name);

// The canonical preset names, in the order of the table above.
std::vector<std::string> PresetNames();

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_PRESETS_H_
