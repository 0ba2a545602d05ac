// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// A KEDA ScaledJob (keda.sh/v1alpha1): instead of resizing a Deployment,
// KEDA starts Jobs, each of which takes one unit of work and exits. Every
// pollingInterval it reads the triggers, combines them
// (multipleScalersCalculation), and the scaling strategy (default, custom,
// accurate, eager) decides how many new Jobs to start given the Jobs still
// running and those still pending (kedacore/keda @8b4f083:
// pkg/scaling/scaledjob/metrics.go, pkg/scaling/executor/scale_jobs.go).
//
//   agentscale::keda::ScaledJobSpec sj;
//   sj.triggers.push_back(agentscale::keda::Trigger::Prometheus("sum(queue)", 1));
//   sj.strategy = agentscale::keda::ScalingStrategy::kAccurate;
//   agentscale::keda::JobScaleDecision d = agentscale::keda::DecideJobs(
//       sj, {{/*queue_length=*/12, /*target=*/1, /*active=*/true}},
//       /*running=*/5, /*pending=*/2);
//   // d.jobs_to_create == 7 (accurate: maxScale 12 - pending 2 ... capped)
//
// ScaledJobPolicy puts this on the policy seam: the fleet is the Jobs not
// yet finished (Observation::current_replicas), the pending ones are the
// pods not yet Running, and a decision's desired_replicas is the running
// Jobs plus the Jobs to start. A fleet model that runs Jobs (the agent
// model with jobs = true) starts them and lets each exit after its task.
#ifndef AGENTSCALE_KEDA_SCALED_JOB_H_
#define AGENTSCALE_KEDA_SCALED_JOB_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/hpa/validation.h"
#include "agentscale/keda/scaled_object.h"
#include "agentscale/observation.h"
#include "agentscale/policy/decision.h"
#include "agentscale/policy/policy.h"
#include "agentscale/policy/state.h"
#include "agentscale/schedule/cron.h"

namespace agentscale::keda {

enum class ScalingStrategy { kDefault, kCustom, kAccurate, kEager };
const char* ScalingStrategyName(ScalingStrategy s);  // "default", ...

enum class MultipleScalersCalculation { kMax, kMin, kAvg, kSum };
const char* MultipleScalersCalculationName(MultipleScalersCalculation c);  // "max", ...

struct ScaledJobSpec {
  std::string name = "agents";
  std::string namespace_name = "default";
  int32_t polling_interval_seconds = 30;
  int32_t successful_jobs_history_limit = 100;
  int32_t failed_jobs_history_limit = 100;
  // Unset: KEDA's defaults (0 and 100); see EffectiveMinReplicaCount().
  std::optional<int32_t> min_replica_count;
  std::optional<int32_t> max_replica_count;
  ScalingStrategy strategy = ScalingStrategy::kDefault;
  // custom: customScalingQueueLengthDeduction (unset: 0) and
  // customScalingRunningJobPercentage as written (a string KEDA parses as
  // a float; empty or unparsable: the default strategy).
  std::optional<int32_t> custom_queue_length_deduction;
  std::string custom_running_job_percentage;
  MultipleScalersCalculation multiple_scalers_calculation = MultipleScalersCalculation::kMax;
  // pendingPodConditions: a Job is pending until one of its pods has all of
  // them True (empty: until a pod is Running or Succeeded).
  std::vector<std::string> pending_pod_conditions;
  std::string rollout_strategy = "default";  // rollout.strategy: default or gradual
  // jobTargetRef: what agentscale reads of the Job (the template is kept
  // as YAML by the loader, not interpreted).
  int32_t parallelism = 1;
  int32_t completions = 1;
  std::optional<int32_t> active_deadline_seconds;
  int32_t backoff_limit = 6;
  // jobTargetRef.template as YAML (flow style), kept for dumps.
  std::string job_template_yaml = "{}";
  std::vector<Trigger> triggers;
  bool paused = false;  // autoscaling.keda.sh/paused
};

// KEDA's MinReplicaCount() and MaxReplicaCount(): min (0 unset), clamped to
// max; the max is max - min when both are set and min <= max, max when min
// > max, and 100 when max is unset (even with a min).
int32_t EffectiveMinReplicaCount(const ScaledJobSpec& sj);
int32_t EffectiveMaxReplicaCount(const ScaledJobSpec& sj);

// Every problem, with field paths. KEDA's webhook and controller check only
// the triggers (at least one, distinct names, no metricType); agentscale
// also refuses what its CRD schema refuses (negative counts, a polling
// interval under 1 s).
std::vector<hpa::FieldError> ValidateScaledJob(const ScaledJobSpec& sj);

// One trigger's reading at a poll: the summed metric value (plain units;
// negative, NaN or Inf read as 0), the target (AverageValue), and whether
// the scaler reported it active (value > activation threshold).
struct ScalerReading {
  double queue_length = 0;
  double target_average = 0;
  bool active = false;
};

struct JobScaleDecision {
  bool active = false;
  int64_t scale_to = 0;       // ceil(combined queue length)
  int64_t max_scale = 0;      // ceil(min(combined max value, max))
  int64_t effective_max = 0;  // the strategy's effective max scale, >= 0
  int64_t jobs_to_create = 0;
};

// The strategy alone (getScalingDecision's call into the strategy, without
// the clamp to >= 0): `running` and `max` are already net of
// minReplicaCount. Eager replaces *scale_to with max. Custom with an
// unparsable percentage behaves as default.
int64_t EffectiveMaxScale(const ScaledJobSpec& sj, int64_t max_scale, int64_t running,
                          int64_t pending, int64_t max, int64_t* scale_to);

// One poll: combine the readings, apply minReplicaCount and the strategy,
// and say how many Jobs to start (0 when inactive). `running` counts the
// unfinished Jobs (pending ones included), `pending` those not started.
JobScaleDecision DecideJobs(const ScaledJobSpec& sj, absl::Span<const ScalerReading> readings,
                            int64_t running, int64_t pending);

// The ScaledJob on the policy seam. metrics(): one External metric per
// trigger that is not cpu/memory (KEDA ignores those for ScaledJobs) or
// cron (read from the clock at `now`, as ScaledObjectPolicy reads it:
// desiredReplicas while the window is open, 0 and inactive otherwise).
// Decide() polls when a pollingInterval has passed since the last poll (the
// first call polls); between polls it holds. A poll reads each trigger's
// value (a failed read skips the trigger), counts running Jobs
// (obs.current_replicas) and pending ones (pods not Running, or lacking the
// pendingPodConditions), and decides desired_replicas = running + jobs to
// start. Decision::family_note says why; DecisionPath is kFamily.
class ScaledJobPolicy final : public Policy {
 public:
  static absl::StatusOr<std::unique_ptr<ScaledJobPolicy>> Create(ScaledJobSpec spec);

  const ScaledJobSpec& spec() const { return spec_; }
  std::string family() const override { return "keda-job"; }
  int32_t min_replicas() const override { return 0; }
  int32_t max_replicas() const override;
  const std::vector<hpa::MetricSpec>& metrics() const override { return metrics_; }
  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override;
  absl::Status Commit(Decision& decision) override;
  absl::Status CommitFailed(Decision& decision, const absl::Status& error) override;
  // Own state: {"next_poll", "last_active"} (RFC 3339, absent until set).
  PolicyState ExportPolicyState() const override;
  absl::Status ImportPolicyState(const PolicyState& state) override;
  std::unique_ptr<Policy> Clone() const override;

  const JobScaleDecision& last_poll() const { return last_; }

 private:
  explicit ScaledJobPolicy(ScaledJobSpec spec);
  ScaledJobSpec spec_;
  std::vector<hpa::MetricSpec> metrics_;
  std::vector<int> trigger_of_metric_;
  std::vector<ScalerReading> readings_;
  // Cron triggers: index, and the window (unset: its zone did not load,
  // so every read fails).
  std::vector<std::pair<int, std::optional<schedule::CronWindow>>> crons_;
  std::optional<absl::Time> next_poll_;
  std::optional<absl::Time> last_active_;
  std::optional<absl::Time> last_decide_;
  JobScaleDecision last_;
};

}  // namespace agentscale::keda

#endif  // AGENTSCALE_KEDA_SCALED_JOB_H_
