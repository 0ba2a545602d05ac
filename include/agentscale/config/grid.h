// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Sweep settings: one key of a what-if grid applied to an autoscaler spec,
// the way `agentscale sweep --grid KEY=V1,V2` and Python's sweep() edit the
// spec for each point.
//
//   hpa::AutoscalerSpec s = base;
//   AGENTSCALE_RETURN_IF_ERROR(config::ApplyGridSetting("target", 50, &s));
//   AGENTSCALE_RETURN_IF_ERROR(
//       config::ApplyGridSetting("scale_down_select_policy", "Min", &s));
//
// Keys:
//   target, target:<metric>   the first (or the named) metric's target in
//                             plain units: AverageValue, Value, or the
//                             Utilization percent, as the metric has (values
//                             rounded up to the milli-unit, as a quantity is)
//   min_replicas, max_replicas
//   scale_{up,down}_window_seconds       the stabilization window
//   scale_{up,down}_pods / _percent      that policy type's value; added if
//                                        the direction has none, with the
//                                        direction's first policy's period,
//                                        else Kubernetes' default 15 s
//   scale_{up,down}_period_seconds       every policy's period
//   scale_{up,down}_select_policy        Max, Min or Disabled
// A scale_* key on a spec without behavior first gives it Kubernetes'
// default behavior. Anything else is not a spec key (IsSpecGridKey() is
// false; a sweep treats it as a simulation option).
#ifndef AGENTSCALE_CONFIG_GRID_H_
#define AGENTSCALE_CONFIG_GRID_H_

#include <string>

#include "absl/status/status.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/keda/scaled_object.h"

namespace agentscale::config {

bool IsSpecGridKey(const std::string& key);

// Errors (InvalidArgument, naming the key): not a spec key, a value that is
// not finite or out of its field's range, a metric the spec does not have,
// a number given for select_policy or text for any other key. On error
// `spec` is unchanged.
absl::Status ApplyGridSetting(const std::string& key, double value,
                              hpa::AutoscalerSpec* spec);
absl::Status ApplyGridSetting(const std::string& key, const std::string& value,
                              hpa::AutoscalerSpec* spec);

// The same for a KEDA ScaledObject. Keys:
//   target, target:<trigger>          a trigger's target (threshold,
//                                     queueLength, ...), the first or the
//                                     named one (name or metric name)
//   activation, activation:<trigger>  its activation target
//   min_replicas, max_replicas        minReplicaCount, maxReplicaCount
//   polling_interval_seconds, cooldown_period_seconds,
//   initial_cooldown_period_seconds
//   scale_*                           the HPA behavior keys above, on
//                                     advanced.horizontalPodAutoscalerConfig.
//                                     behavior
// Errors as above; the object must stay valid (ValidateScaledObject).
bool IsScaledObjectGridKey(const std::string& key);
absl::Status ApplyGridSetting(const std::string& key, double value,
                              keda::ScaledObjectSpec* so);
absl::Status ApplyGridSetting(const std::string& key, const std::string& value,
                              keda::ScaledObjectSpec* so);

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_GRID_H_
