// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The configuration of `agentscale serve`: a directory holding serve.yaml
// and the policy files it names.
//
//   apiVersion: agentscale.dev/v1alpha1
//   kind: ScalerService
//   spec:
//     prometheus: prometheus.monitoring:9090   # where metrics are queried
//     stateDir: /var/lib/agentscale            # optional; a volume
//     fleets:
//     - name: agents           # what a ScaledObject's scalerMetadata.fleet names
//       policy: hpa.yaml       # relative to the directory: an autoscaling/v2
//                              # HorizontalPodAutoscaler, a keda.sh ScaledObject,
//                              # or (a .json file) AWS Application Auto Scaling
//                              # as config/aws.h reads it
//       forecast: forecast.yaml   # optional: a Forecast (config/forecast.h)
//                                 # floors the policy's decisions
//       schedule: schedule.yaml   # optional: a Schedule or the seed's predictive
//                                 # ConfigMap (config/schedule.h) sets bounds
//       selector: 'app="agents"'   # optional label matchers for the queries
//       window: 1m             # avg_over_time window of Pods metrics (default 1m)
//       podLabel: pod          # the label naming a pod (default pod)
//       replicasQuery: 'kube_deployment_status_replicas{deployment="agents"}'
//       queries:               # PromQL per metric, for what is not a Pods metric
//         queue_depth: 'sum(rabbitmq_queue_messages{queue="tasks"})'
//
// Each Pods metric of a policy is read, unless `queries` names it, as
//   avg_over_time(<metric>{namespace="<ScaledObject's namespace>",<selector>}[<window>])
// one value per pod (the seed's prometheus-adapter rule). Every other metric
// (External, Object, Resource) needs its query under `queries`; an External
// metric takes every element of the result as a series, an Object metric
// the single element's value. The current replica count is the value of
// `replicasQuery`, or else the number of pods the first Pods metric returned
// (a fleet with no Pods metric needs `replicasQuery`). In a query,
// $namespace stands for the ScaledObject's namespace.
//
// A forecast wraps the policy (forecast::WithForecast) and a schedule wraps
// that (schedule::WithSchedule), as `agentscale simulate` composes them. A
// ConfigMap's rules hold half the policy's maximum (ConfigMapDefaultMinReplicas).
//
// Errors name the file, line, column and field; every policy file is loaded
// and validated at load time, so a bad one stops the service at start (and
// a reload keeps the running configuration).
#ifndef AGENTSCALE_CONFIG_SERVE_H_
#define AGENTSCALE_CONFIG_SERVE_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/aws/spec.h"
#include "agentscale/config/manifest.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/schedule/schedule.h"

namespace agentscale::config {

inline constexpr char kServeConfigFile[] = "serve.yaml";
inline constexpr char kServeConfigKind[] = "ScalerService";

// How one metric of a fleet's policy is read.
struct ServeMetricQuery {
  std::string metric;  // the policy's metric name (KEDA: "s0-prometheus")
  hpa::MetricSourceType type = hpa::MetricSourceType::kPods;
  // PromQL; $namespace stands for the ScaledObject's namespace.
  std::string query;
  // true: one value per pod (the element's pod label); false: External (every
  // element a series) or Object (the single element).
  bool per_pod = true;
};

struct ServeFleetConfig {
  std::string name;
  std::string policy_path;     // as resolved against the directory
  LoadedManifests policy;      // exactly one HPA or ScaledObject, unless aws
  // The policy file as AWS Application Auto Scaling (a .json policy file).
  std::optional<aws::ScalableTargetSpec> aws;
  std::string forecast_path;   // empty: none
  std::optional<forecast::ForecastSpec> forecast;
  std::string schedule_path;   // empty: none
  std::optional<schedule::ScheduleSpec> schedule;
  std::string selector;        // label matchers, without braces
  absl::Duration window = absl::Minutes(1);
  std::string pod_label = "pod";
  std::string replicas_query;  // empty: count the pods
  std::map<std::string, std::string> queries;  // metric name -> PromQL, as written
  // One per metric of the policy, in its order, resolved from the above.
  std::vector<ServeMetricQuery> metric_queries;
};

struct ServeConfig {
  std::string source;      // serve.yaml's path
  std::string prometheus;  // host:port (an http:// prefix is dropped)
  std::string state_dir;   // empty: none
  std::vector<ServeFleetConfig> fleets;
  std::vector<std::string> warnings;  // "<file>:<line>:<col>: ..." lines
};

// Loads <dir>/serve.yaml and every policy file it names.
absl::StatusOr<ServeConfig> LoadServeConfigDir(const std::string& dir);
// The same from text; policy paths are resolved against `dir`.
absl::StatusOr<ServeConfig> LoadServeConfigString(const std::string& yaml,
                                                  const std::string& source_name,
                                                  const std::string& dir);

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_SERVE_H_
