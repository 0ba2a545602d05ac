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
//
// Bounds: a document over `max_bytes` (16 MiB by default; a Kubernetes
// stabilization window holds a few hundred recommendations, a few KB) or
// nested deeper than the format is refused before it is built; text that is
// not UTF-8 is refused with its line and column; every time must be
// accepted by CheckTime (agentscale/time_bounds.h), and no recommendation,
// scale event or scale time may be later than last_evaluation. Errors start
// with `source`.
#ifndef AGENTSCALE_HPA_STATE_JSON_H_
#define AGENTSCALE_HPA_STATE_JSON_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "agentscale/hpa/autoscaler.h"

namespace agentscale {

std::string StateToJson(const AutoscalerState& state, int indent = 2);
inline constexpr size_t kMaxStateJsonBytes = size_t{16} << 20;
absl::StatusOr<AutoscalerState> StateFromJson(const std::string& json,
                                              const std::string& source = "state JSON",
                                              size_t max_bytes = kMaxStateJsonBytes);

}  // namespace agentscale

#endif  // AGENTSCALE_HPA_STATE_JSON_H_
