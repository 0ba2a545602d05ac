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
#ifndef AGENTSCALE_CONFIG_PRESETS_H_
#define AGENTSCALE_CONFIG_PRESETS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::config {

// The preset called `name` ("production", "development", "high-volume",
// "bursty", "testing"; "high-volume-predictable" is accepted as an alias of
// "high-volume"). An unknown name is NotFound listing the valid ones.
absl::StatusOr<hpa::AutoscalerSpec> Preset(const std::string& name);

// The canonical preset names, in the order of the table above.
std::vector<std::string> PresetNames();

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_PRESETS_H_
