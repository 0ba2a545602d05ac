// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// From a serve configuration (config/serve.h) to the fleets a ScalerService
// serves: each fleet's policy, and a source that reads its metrics from
// Prometheus with instant queries (built when cpp-httplib is:
// AGENTSCALE_WITH_HTTP).
//
//   auto config = agentscale::config::LoadServeConfigDir("/etc/agentscale");
//   agentscale::serve::ScalerService service(options);
//   absl::Status s = agentscale::serve::AddConfiguredFleets(*config, &service);
#ifndef AGENTSCALE_SERVE_FLEETS_H_
#define AGENTSCALE_SERVE_FLEETS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agentscale/config/serve.h"
#include "agentscale/policy/policy.h"
#include "agentscale/serve/service.h"

namespace agentscale::serve {

// How far ahead of `now` PolicyFor lays out a fleet's schedule. A service
// that runs longer rebuilds its fleets before then (agentscale-serve does so
// 30 days before, keeping each engine's state: ScalerService::ReplaceFleets).
inline constexpr absl::Duration kScheduleHorizon = absl::Hours(24 * 400);

// The policy a fleet's files describe: an HPA (HorizontalAutoscaler), a
// ScaledObject (keda::ScaledObjectPolicy) or AWS Application Auto Scaling
// (aws::ScalableTargetPolicy); inside a forecast::ForecastFloor when the fleet
// has a forecast, and that inside the schedule's bounds (laid out over
// [now - 1 day, now + kScheduleHorizon)) when it has a schedule.
absl::StatusOr<std::unique_ptr<Policy>> PolicyFor(const config::ServeFleetConfig& fleet,
                                                  absl::Time now = absl::Now());

// The most replicas the fleet's policy may ask for: its maximum, or a
// schedule rule's when that is higher (what a pass-through ScaledObject's
// maxReplicaCount must allow).
int32_t MaxReplicasFor(const config::ServeFleetConfig& fleet, const Policy& policy);

// A query with $namespace replaced by `namespace_name`, which must be a
// Kubernetes namespace name (a DNS label: [a-z0-9-], at most 63): anything
// else is InvalidArgument, so a client cannot inject PromQL.
absl::StatusOr<std::string> QueryFor(const std::string& query, const std::string& namespace_name);

// Reads a fleet's metrics from Prometheus at `now`: each metric's query
// (per pod: one value per `pod_label`; External: every element; Object: the
// single element), the current replica count from `replicas_query` or the
// number of pods the first per-pod metric returned. A failed metric query
// is that metric's error; a failed replica count (Prometheus down) fails
// the observation, so the service holds. Null without cpp-httplib.
std::shared_ptr<const ObservationSource> PrometheusSource(const std::string& prometheus,
                                                          const config::ServeFleetConfig& fleet);

// Every fleet of `config`: its policy and its Prometheus source, in the
// configuration's order; for ScalerService::ReplaceFleets (a reload).
absl::StatusOr<std::vector<Fleet>> FleetsFromConfig(const config::ServeConfig& config,
                                                    absl::Time now = absl::Now());

// Adds every fleet of `config` to `service` (policy and Prometheus source).
absl::Status AddConfiguredFleets(const config::ServeConfig& config, ScalerService* service);

}  // namespace agentscale::serve

#endif  // AGENTSCALE_SERVE_FLEETS_H_
