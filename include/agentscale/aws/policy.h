// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ScalableTargetPolicy: an Application Auto Scaling scalable target with its
// target tracking and step scaling policies and its scheduled actions, as
// one Policy (policy/policy.h). docs/aws.md states each rule and whether it
// is AWS's documented behaviour or an assumption of this model.
//
//   absl::StatusOr<std::unique_ptr<agentscale::aws::ScalableTargetPolicy>> p =
//       agentscale::aws::ScalableTargetPolicy::Create(spec);
//   agentscale::Observation obs;  // one observation per entry of metrics()
//   agentscale::Decision d;
//   (*p)->Decide(now, obs, &d);   // call at least once a minute
//   if (d.rescale) (*p)->Commit(d);
//   std::cout << d.Explain();
//   // "3 -> 5 (scale up): aws: cpu AlarmHigh 3/3 datapoints
//   //  ECSServiceAverageCPUUtilization > 70 (latest 95.2): ceil(3 x 95.2 / 70) = 5"
//
// The clock: each Decide reads every metric once; the readings are grouped
// into one-minute periods aligned on the Unix minute (CloudWatch's
// periods), one datapoint per period (the mean of its readings, their
// minimum for Minimum and maximum for Maximum). A period closes at the
// first Decide in a later minute; the alarms are evaluated then, on the
// newest datapoints, and a minute with no reading is a missing datapoint
// (an alarm that needs it is not in ALARM). An alarm that stays in ALARM
// invokes its policy again at each evaluation; cooldowns decide whether
// that scales.
//
// Scheduled actions fire at the first Decide at or after their time, set
// the target's min/max, and clamp the capacity into them at once (they
// ignore cooldowns and start none).
//
// Hot path: Decide with a reused Decision allocates nothing in steady
// state: each metric keeps its last 64 datapoints in a fixed ring.
// Thread safety: as any Policy (not internally synchronized).
#ifndef AGENTSCALE_AWS_POLICY_H_
#define AGENTSCALE_AWS_POLICY_H_

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/aws/schedule_expression.h"
#include "agentscale/aws/spec.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/observation.h"
#include "agentscale/policy/decision.h"
#include "agentscale/policy/policy.h"
#include "agentscale/policy/state.h"

namespace agentscale::aws {

// Target tracking's alarms (PEER_FORMULAS.md §3, reported, not
// configurable): AlarmHigh when 3 of 3 datapoints are above the target,
// AlarmLow when 15 of 15 are below 0.9 x target.
inline constexpr int kHighAlarmPeriods = 3;
inline constexpr int kLowAlarmPeriods = 15;
inline constexpr double kLowAlarmFraction = 0.9;
// Datapoints kept per metric (step alarms may look back this far).
inline constexpr int kDatapointRing = 64;

// One metric's datapoints: minute m (minutes since the Unix epoch) lives in
// slot m % kDatapointRing when minute[slot] == m.
struct DatapointRing {
  std::array<int64_t, kDatapointRing> minute;
  std::array<double, kDatapointRing> value;
  DatapointRing() { minute.fill(INT64_MIN); value.fill(0); }
  void Put(int64_t m, double v);
  // The datapoint of minute m, if present.
  bool Get(int64_t m, double* v) const;
  friend bool operator==(const DatapointRing& a, const DatapointRing& b) {
    return a.minute == b.minute && a.value == b.value;
  }
};

// The open period of one metric.
struct MinuteBucket {
  int64_t minute = INT64_MIN;  // INT64_MIN: none open
  int32_t count = 0;
  double sum = 0, min = 0, max = 0;
};

class ScalableTargetPolicy final : public Policy {
 public:
  static absl::StatusOr<std::unique_ptr<ScalableTargetPolicy>> Create(ScalableTargetSpec spec);

  const ScalableTargetSpec& spec() const { return spec_; }

  std::string family() const override { return "aws"; }
  // The registered range, as the scheduled actions have left it.
  int32_t min_replicas() const override { return min_capacity_; }
  int32_t max_replicas() const override { return max_capacity_; }
  // One entry per distinct metric the policies and alarms read.
  const std::vector<hpa::MetricSpec>& metrics() const override { return metric_specs_; }

  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override;
  absl::Status Commit(Decision& decision) override;
  absl::Status CommitFailed(Decision& decision, const absl::Status& error) override;
  // Own state: {"last_decide", "scale_out": {"time", "base"}, "scale_in":
  // {"time"}, "min", "max", "metrics": [{"bucket": {...}, "datapoints":
  // [[minute, value], ...]}], "scheduled": [{"next", "anchor"}]} (times
  // RFC 3339, each absent until set).
  PolicyState ExportPolicyState() const override;
  absl::Status ImportPolicyState(const PolicyState& state) override;
  std::unique_ptr<Policy> Clone() const override;

  // For tests and tools: the datapoint of `minute` of metric `metric`.
  std::optional<double> Datapoint(int metric, int64_t minute) const;

 private:
  explicit ScalableTargetPolicy(ScalableTargetSpec spec);
  absl::Status Init();

  // Fires the scheduled actions due at `now`; appends what they did.
  void ApplySchedules(absl::Time now, std::string* note);
  bool ReadMetric(int metric, const Observation& obs, int obs_index, double* value) const;
  void CloseBuckets(int64_t minute);
  // The alarms on the last closed minute: the capacity they ask for, and
  // why (appended to `note`).
  int32_t Evaluate(absl::Time now, int32_t current, std::string* note);
  // How many of the `periods` datapoints ending at minute `last` breach
  // the threshold (a missing datapoint does not).
  int CountBreaching(int metric, int64_t last, int periods, bool above, double threshold,
                     bool inclusive) const;

  ScalableTargetSpec spec_;
  std::vector<MetricSource> metric_sources_;
  std::vector<hpa::MetricSpec> metric_specs_;
  std::shared_ptr<const hpa::AutoscalerSpec> decision_spec_;
  std::vector<int> tt_metric_;    // per target tracking policy: metric index
  std::vector<int> step_metric_;  // per step policy: metric index
  std::vector<ScheduleExpression> schedules_;

  // State.
  int32_t min_capacity_ = 0;
  int32_t max_capacity_ = 0;
  std::optional<absl::Time> last_decide_;
  std::optional<absl::Time> last_out_;
  int32_t out_base_ = 0;  // capacity before the scale-out that set last_out_
  std::optional<absl::Time> last_in_;
  std::vector<MinuteBucket> buckets_;
  std::vector<DatapointRing> rings_;
  std::vector<std::optional<absl::Time>> next_fire_;
  std::vector<std::optional<absl::Time>> anchor_;
  int64_t last_closed_minute_ = INT64_MIN;

  // The pending decision Commit accepts.
  bool pending_ = false;
  absl::Time pending_time_;
  int32_t pending_from_ = 0;
  int32_t pending_to_ = 0;
  bool pending_starts_cooldown_ = false;
  bool pending_in_out_cooldown_ = false;

  // Scratch.
  std::vector<int> obs_index_;
  std::vector<double> reading_;
  std::vector<char> has_reading_;
};

}  // namespace agentscale::aws

#endif  // AGENTSCALE_AWS_POLICY_H_
