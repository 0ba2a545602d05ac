// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ScaledObjectPolicy: a KEDA ScaledObject and the HPA it creates, as one
// Policy (policy/policy.h). It keeps KEDA's two clocks itself: the operator
// polls the triggers every pollingInterval and owns 0 <-> 1 (activation,
// cooldown, idle), and the HPA syncs every 15 s and owns 1 <-> N, exactly as
// HorizontalAutoscaler does (KEDA_REPLAY.md; PEER_FORMULAS.md §1).
//
//   absl::StatusOr<std::unique_ptr<agentscale::keda::ScaledObjectPolicy>> p =
//       agentscale::keda::ScaledObjectPolicy::Create(scaled_object);
//   // Call Decide at every instant either clock may fire (every
//   // PollAndSyncStep(), e.g. 15 s for a 30 s poll); instants that are
//   // neither a poll nor a sync hold.
//   agentscale::Observation obs;  // one External metric per trigger, named
//                                 // after Trigger::metric_name ("s0-prometheus")
//   agentscale::Decision d;
//   (*p)->Decide(now, obs, &d);
//   std::cout << d.Explain();
//   // "0 -> 4 (scale up): keda: active (s0-prometheus 400 > activation 0),
//   //  scaled from zero to 1; hpa: external metric s0-prometheus 400/50 ..."
//
// At one instant, in order (KEDA_REPLAY.md §4): the poll, if due, then the
// HPA sync, if due, which sees the count the poll left. The first Decide is
// both (the ScaledObject is created then, unless options.created says when).
//
// Reading the triggers: an External trigger's value is the sum of the
// series its observation carries, in plain units; a read error, or no
// observation for it, is a failed trigger. A cron trigger reads the clock:
// `now` is the wall-clock instant (a replay's trace timestamps are Unix
// seconds), its window is KEDA's (schedule/cron.h), and a zone the system
// does not know makes every read of it fail, as in KEDA; metrics() leaves
// cron triggers out, since no driver observes them. The HPA gets each value in
// milli-units truncated toward zero (KEDA's GenerateMetricInMili).
//
// Fallback (PEER_FORMULAS.md §1): failures are counted per trigger at each
// HPA sync (KEDA counts them when the HPA asks for the metric); once a
// trigger has failed more than failureThreshold times in a row, the HPA
// gets target x R for it (AverageValue; target x R / current for Value),
// where R follows fallback.behavior. With scalingModifiers a failed trigger
// enters the formula as nil; a nil composite falls back to
// fallback.replicas x target.
//
// Hot path: Decide allocates nothing in steady state (reused scratch).
// Thread safety: as any Policy (not internally synchronized).
#ifndef AGENTSCALE_KEDA_POLICY_H_
#define AGENTSCALE_KEDA_POLICY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/keda/formula.h"
#include "agentscale/keda/scaled_object.h"
#include "agentscale/observation.h"
#include "agentscale/policy/decision.h"
#include "agentscale/policy/policy.h"
#include "agentscale/policy/state.h"
#include "agentscale/schedule/cron.h"

namespace agentscale::keda {

struct ScaledObjectOptions {
  // The HPA controller's sync period and settings.
  absl::Duration hpa_sync_period = absl::Seconds(15);
  hpa::ControllerConfig config;
  // When the ScaledObject was created (initialCooldownPeriod counts from
  // it); unset: the first Decide.
  std::optional<absl::Time> created;
};

// What KEDA's side did at the last Decide.
struct KedaStep {
  bool polled = false;   // a poll ran
  bool synced = false;   // an HPA sync ran
  bool active = false;   // the last poll's verdict
  bool fallback = false;  // some trigger was served its fallback value
  int32_t replicas_before_poll = 0;
  int32_t replicas_after_poll = 0;
};

// What one poll found and did (internal to ScaledObjectPolicy; its note is
// formatted from it).
struct PollOutcome {
  enum Source : uint8_t {
    kTrigger, kAllFailed, kForced, kResourceOnly, kComposite, kFormulaNil, kFormulaError
  };
  enum Action : uint8_t {
    kNone, kFromZero, kFromIdle, kScaleOutPaused, kErrorHold, kCoolingDown, kScaleInPaused,
    kToIdle, kToMin, kRaisedToMin, kHeldAtZero
  };
  bool active = false;
  Source source = kTrigger;
  Action action = kNone;
  int shown = -1;      // the trigger the note shows (kTrigger)
  double value = 0;    // its value, or the composite
  double threshold = 0;
  int32_t to = 0;      // the count set, or the cooldown's seconds left

  friend bool operator==(const PollOutcome& a, const PollOutcome& b) {
    return a.active == b.active && a.source == b.source && a.action == b.action &&
           a.shown == b.shown && a.value == b.value && a.threshold == b.threshold &&
           a.to == b.to;
  }
};

class ScaledObjectPolicy final : public Policy {
 public:
  static absl::StatusOr<std::unique_ptr<ScaledObjectPolicy>> Create(
      ScaledObjectSpec spec, ScaledObjectOptions options = {});

  const ScaledObjectSpec& spec() const { return spec_; }
  const HorizontalAutoscaler& hpa() const { return hpa_; }
  // gcd(pollingInterval, HPA sync period): calling Decide this often (from
  // the creation time) meets every poll and every sync at its instant.
  absl::Duration PollAndSyncStep() const;

  std::string family() const override { return "keda"; }
  // The range KEDA scales in: idle (or min) up to max.
  int32_t min_replicas() const override;
  int32_t max_replicas() const override { return spec_.max_replica_count; }
  // One entry per trigger a driver observes: External (metric_name, the
  // trigger's target) or Resource (cpu/memory); cron triggers are not
  // listed (the policy reads them from the clock).
  const std::vector<hpa::MetricSpec>& metrics() const override { return metrics_; }

  using Policy::Decide;
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override;
  absl::Status Commit(Decision& decision) override;
  absl::Status CommitFailed(Decision& decision, const absl::Status& error) override;
  // Own state: {"created", "next_poll", "next_sync", "last_active" (RFC
  // 3339, each absent until set), "failures": [per trigger]}; the HPA's
  // state is the one child.
  PolicyState ExportPolicyState() const override;
  absl::Status ImportPolicyState(const PolicyState& state) override;
  std::unique_ptr<Policy> Clone() const override;

  const KedaStep& last_step() const { return step_; }
  // Consecutive failures per trigger (the composite's, with
  // scalingModifiers, is the last entry).
  const std::vector<int32_t>& failures() const { return failures_; }
  std::optional<absl::Time> last_active() const { return last_active_; }

 private:
  ScaledObjectPolicy(ScaledObjectSpec spec, ScaledObjectOptions options,
                     HorizontalAutoscaler hpa);
  absl::Status ReadTriggers(absl::Time now, const Observation& obs);
  void Poll(absl::Time now, int32_t* replicas);
  void BuildHpaObservation(const Observation& obs, int32_t replicas);
  int32_t FallbackReplicas(int32_t current) const;
  void Hold(absl::Time now, int32_t current, Decision* out) const;

  ScaledObjectSpec spec_;
  ScaledObjectOptions options_;
  HorizontalAutoscaler hpa_;
  std::optional<Formula> formula_;
  std::vector<hpa::MetricSpec> metrics_;
  int32_t resource_triggers_ = 0;
  // Index in the HPA's metrics of each trigger's metric (-1: none, as for
  // an External trigger under scalingModifiers), and of the composite.
  std::vector<int> hpa_metric_of_trigger_;
  int composite_hpa_metric_ = -1;

  // Clocks and memory.
  std::optional<absl::Time> created_;
  std::optional<absl::Time> next_poll_;
  std::optional<absl::Time> next_sync_;
  std::optional<absl::Time> last_active_;
  std::optional<absl::Time> last_decide_;
  std::vector<int32_t> failures_;
  KedaStep step_;

  // Scratch, reused across decisions.
  std::vector<std::optional<double>> values_;  // per trigger; nullopt: failed
  std::vector<int> obs_index_;                 // per trigger: index in obs, or -1
  // Cron triggers: the window (cron_ set) or why the zone did not load
  // (cron_error_), and whether it was open at the last read.
  std::vector<std::optional<schedule::CronWindow>> cron_;
  std::vector<std::string> cron_error_;
  std::vector<char> cron_open_;
  bool has_cron_ = false;
  Observation hpa_obs_;
  Decision hpa_decision_;  // the HPA's decision when it is not the policy's
  bool hpa_decided_ = false;
  bool hpa_copy_ = false;
  bool hpa_rescale_ = false;
  int32_t hpa_desired_ = 0;
  std::string note_;          // the last poll's explanation
  PollOutcome last_outcome_;  // what note_ explains
};

}  // namespace agentscale::keda

#endif  // AGENTSCALE_KEDA_POLICY_H_
