// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// A KEDA ScaledObject (keda.sh/v1alpha1) as a value: the fields that change
// how the workload scales, with KEDA's defaults (PEER_FORMULAS.md §1), the
// HorizontalPodAutoscaler KEDA generates from it, and KEDA's admission
// checks. config/scaled_object.h reads and writes it as YAML;
// keda/policy.h runs it.
//
//   agentscale::keda::ScaledObjectSpec so;
//   so.name = "agent-scaler";
//   agentscale::keda::Trigger t = agentscale::keda::Trigger::Prometheus(
//       "sum(app_pending_tasks)", /*threshold=*/50);
//   so.triggers.push_back(t);
//   absl::StatusOr<agentscale::hpa::AutoscalerSpec> hpa =
//       agentscale::keda::GeneratedHpa(so);  // min 1, max 100, External s0-prometheus
//
// Trigger values are in plain units (KEDA's float64); KEDA hands them to the
// HPA in milli-units truncated toward zero (GenerateMetricInMili), and
// targets as int64(value * 1000).
#ifndef AGENTSCALE_KEDA_SCALED_OBJECT_H_
#define AGENTSCALE_KEDA_SCALED_OBJECT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/hpa/validation.h"

namespace agentscale::keda {

// How agentscale evaluates a trigger.
enum class TriggerKind {
  // A scaler that reports one value (prometheus, and the queue-length
  // scalers: aws-sqs-queue, rabbitmq, redis, kafka, azure-servicebus, ...);
  // the driver observes it as an External metric named metric_name.
  kExternal,
  // cpu / memory: a Resource metric of the generated HPA; never polled for
  // activity (KEDA treats an object whose triggers are all cpu/memory as
  // always active).
  kResource,
};

// The cron scaler's metadata (type "cron"; pkg/scalers/cron_scaler.go):
// desiredReplicas inside [start, end) in the timezone, 0 outside, target 1,
// so the HPA desires desiredReplicas while the window is open; active while
// it is open. Start and end are five-field cron lines (schedule/cron.h).
struct CronTrigger {
  std::string start;
  std::string end;
  std::string timezone;  // an IANA name; "" and "UTC" are UTC
  int64_t desired_replicas = 0;
};

struct Trigger {
  std::string type;  // as written: "prometheus", "aws-sqs-queue", "cpu", ...
  std::string name;  // triggers[i].name; what scalingModifiers formulas use
  TriggerKind kind = TriggerKind::kExternal;
  // AverageValue (the default), Value, or Utilization (cpu/memory only).
  hpa::MetricTargetType metric_type = hpa::MetricTargetType::kAverageValue;
  // The target the HPA gets (prometheus `threshold`, aws-sqs-queue
  // `queueLength`, cpu `value`, ...), and the activation target (strictly
  // above it is active).
  double target = 0;
  double activation_target = 0;
  // prometheus `ignoreNullValues` (default true): an empty result, NaN or
  // Inf reads as 0; false: it is an error of the trigger.
  bool ignore_null_values = true;
  // Set for a cron trigger (type "cron", kind kExternal, target 1): the
  // policy reads it from the clock, not from an observation.
  std::optional<CronTrigger> cron;
  // The metadata as written (query, serverAddress, ...), for dumps and
  // explanations.
  std::map<std::string, std::string> metadata;
  // The External metric name KEDA gives the HPA: "s<index>-<scaler>", e.g.
  // "s0-prometheus"; "cpu"/"memory" for Resource triggers. Empty: derived
  // from the trigger's position (TriggerMetricName; the loader and
  // ScaledObjectPolicy::Create fill it in).
  std::string metric_name;

  // A prometheus trigger on `query` with the given threshold (its metric
  // name follows from its position in the object).
  static Trigger Prometheus(std::string query, double threshold,
                            double activation_threshold = 0);
  // A cron trigger: `desired_replicas` from `start` to `end` (cron lines)
  // in `timezone`.
  static Trigger Cron(std::string start, std::string end, std::string timezone,
                      int64_t desired_replicas);
};

enum class FallbackBehavior {
  kStatic,                   // fallback.replicas
  kCurrentReplicas,          // the current count
  kCurrentReplicasIfHigher,  // max(current, fallback.replicas)
  kCurrentReplicasIfLower,   // min(current, fallback.replicas)
};
const char* FallbackBehaviorName(FallbackBehavior b);  // "static", ...

struct Fallback {
  int32_t failure_threshold = 3;
  int32_t replicas = 1;
  FallbackBehavior behavior = FallbackBehavior::kStatic;
};

// advanced.scalingModifiers: one composite metric from a formula over the
// triggers' values (keda/formula.h).
struct ScalingModifiers {
  std::string formula;
  double target = 0;
  double activation_target = 0;
  hpa::MetricTargetType metric_type = hpa::MetricTargetType::kAverageValue;
};

struct ScaledObjectSpec {
  std::string name = "agents";
  std::string namespace_name = "default";
  hpa::ObjectReference scale_target_ref;
  int32_t polling_interval_seconds = 30;
  int32_t cooldown_period_seconds = 300;
  int32_t initial_cooldown_period_seconds = 0;
  int32_t min_replica_count = 0;
  int32_t max_replica_count = 100;
  std::optional<int32_t> idle_replica_count;
  std::optional<Fallback> fallback;
  // advanced.horizontalPodAutoscalerConfig: the HPA's name (default
  // "keda-hpa-<name>") and behavior, passed through as written (defaulted
  // as the API server defaults it; unset means the legacy path).
  std::string hpa_name;
  std::optional<hpa::Behavior> behavior;
  bool restore_to_original_replica_count = false;
  std::optional<ScalingModifiers> scaling_modifiers;
  std::vector<Trigger> triggers;
  // Annotations (autoscaling.keda.sh/...):
  std::optional<int32_t> paused_replicas;  // paused-replicas: held at N
  bool paused = false;                     // paused: "true": held where it is
  bool paused_scale_in = false;            // paused-scale-in: "true"
  bool paused_scale_out = false;           // paused-scale-out: "true"
  bool force_activation = false;           // force-activation: "true"
};

// The External metric name KEDA gives trigger `index` of `type`
// ("s0-prometheus"); the composite metric of scalingModifiers is
// kCompositeMetricName.
std::string KedaMetricName(size_t index, const std::string& type);
inline constexpr char kCompositeMetricName[] = "composite-metric";
// A cron trigger's metric name as KEDA builds it:
// "s<index>-cron-<timezone>-<start>-<end>" with the spaces of the cron lines
// removed, * as x, / as Sl, ? as Qm, ',' as Cm, then / . : % ( ) as -
// (e.g. "s0-cron-Etc-UTC-00xxThu-5923xxThu").
std::string CronMetricName(size_t index, const CronTrigger& cron);
// Trigger `index`'s metric name: as set, or KEDA's for its position.
// (ScaledJobs name theirs the same way.)
std::string TriggerMetricName(const Trigger& trigger, size_t index);

// The HPA KEDA creates (KEDA_REPLAY.md §2): minReplicas max(min, 1),
// maxReplicas max, one metric per trigger (or the composite metric), the
// behavior as written (with paused-scale-in/-out as selectPolicy Disabled).
// Fails if the object is invalid (ValidateScaledObject).
absl::StatusOr<hpa::AutoscalerSpec> GeneratedHpa(const ScaledObjectSpec& so);

// KEDA's checks of a cron trigger's metadata (start and end parse, differ;
// desiredReplicas set), with paths under `path` ("spec.triggers[0]"). The
// timezone is not checked: KEDA loads it at every poll, and a poll with an
// unknown zone is a failed read of the trigger.
std::vector<hpa::FieldError> ValidateCronTrigger(const CronTrigger& cron,
                                                const std::string& path);

// KEDA's admission checks, plus agentscale's own where KEDA fails at run
// time instead: every problem, each with its field path
// ("spec.triggers[0].metadata.threshold").
std::vector<hpa::FieldError> ValidateScaledObject(const ScaledObjectSpec& so);

}  // namespace agentscale::keda

#endif  // AGENTSCALE_KEDA_SCALED_OBJECT_H_
