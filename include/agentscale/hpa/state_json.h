// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// JSON form of AutoscalerState, so that a service can persist an engine's
// memory (stabilization history, scale events, conditions) and a restarted
// controller keeps its windows.
//
//   std::string saved = agentscale::StateToJson(autoscaler.ExportState());
//   ...
//   absl::StatusOr<agentscale::AutoscalerState> state =
//       agentscale::StateFromJson(saved);
//   if (state.ok()) autoscaler.ImportState(*std::move(state));
//
// Times are RFC 3339 strings in UTC with nanoseconds. The document carries
// "format": "agentscale.state/v1"; unknown fields are errors.
#ifndef AGENTSCALE_HPA_STATE_JSON_H_
#define AGENTSCALE_HPA_STATE_JSON_H_

#include <string>

#include "absl/status/statusor.h"
#include "agentscale/hpa/autoscaler.h"

namespace agentscale {

std::string StateToJson(const AutoscalerState& state, int indent = 2);
absl::StatusOr<AutoscalerState> StateFromJson(const std::string& json);

}  // namespace agentscale

#endif  // AGENTSCALE_HPA_STATE_JSON_H_
