// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Normalization of a metric-derived replica count (spec §6 and §7):
// stabilization over the recommendation history, rate limits over the scale
// event history, and the clamps to [minReplicas, maxReplicas]. These are the
// controller's own functions as pure math on plain history values; the
// engine (hpa/autoscaler.h) owns one history per target and calls them.
//
//   std::vector<agentscale::hpa::Recommendation> history;
//   int32_t stabilized = agentscale::hpa::StabilizeWithBehavior(
//       now, absl::Seconds(0), absl::Seconds(300), /*current=*/10,
//       /*desired=*/8, &history);
#ifndef AGENTSCALE_HPA_NORMALIZE_H_
#define AGENTSCALE_HPA_NORMALIZE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/time/time.h"
#include "agentscale/hpa/conditions.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::hpa {

// One entry of the recommendation history: the *unstabilized* desired count
// of a past sync.
struct Recommendation {
  int32_t replicas = 0;
  absl::Time timestamp;
  friend bool operator==(const Recommendation& a, const Recommendation& b) {
    return a.replicas == b.replicas && a.timestamp == b.timestamp;
  }
};

// One applied rescale in one direction (replica_change >= 0). `outdated`
// marks an entry older than the direction's longest policy period, kept for
// reuse (the flag is sticky).
struct ScaleEvent {
  int32_t replica_change = 0;
  absl::Time timestamp;
  bool outdated = false;
  friend bool operator==(const ScaleEvent& a, const ScaleEvent& b) {
    return a.replica_change == b.replica_change && a.timestamp == b.timestamp &&
           a.outdated == b.outdated;
  }
};

// A normalized count and the ScalingLimited reason that produced it.
struct Limited {
  int32_t replicas = 0;
  Reason reason = Reason::kDesiredWithinRange;
};

// §6 step 1: max of `desired` and the history inside `window`; records
// `desired` (reusing the last entry older than the window).
int32_t StabilizeLegacy(absl::Time now, absl::Duration window, int32_t desired,
                        std::vector<Recommendation>* history);

// §6 step 3: the legacy clamp with scaleUpLimit = max(factor x current,
// minimum).
Limited ConvertWithLegacyRules(int32_t current, int32_t desired,
                               int32_t min_replicas, int32_t max_replicas,
                               double scale_up_limit_factor,
                               double scale_up_limit_minimum);

// §7.2: `current` clamped into [min over the up window, max over the down
// window] of the history and `desired`; records `desired`.
int32_t StabilizeWithBehavior(absl::Time now, absl::Duration up_window,
                              absl::Duration down_window, int32_t current,
                              int32_t desired,
                              std::vector<Recommendation>* history);

// An index over one recommendation history that lets StabilizeWithBehavior
// answer without scanning it: the entries inside each window held in
// monotone queues (the window's minimum or maximum at the front), the
// entries not yet old in time order, and the old ones as a set of
// positions. Each sync then costs a few queue operations instead of a pass
// over the window, with exactly the plain function's result and history.
//
// The index follows the changes the overload below makes itself. It is
// rebuilt (one sort) on first use, when the windows change, when the
// history's size is not the one it left, or after Invalidate(); a caller
// that changes the history any other way (imports it, edits it, seeds it)
// calls Invalidate(). The queues hold only while `now` never decreases
// and no recommendation was recorded after it; time going backwards makes
// the overload rebuild, and a recommendation after `now` makes it scan the
// history as the plain function does.
// Copying gives an index that rebuilds on first use. The engine keeps one
// per target; not thread-safe, like the history it indexes.
class StabilizationIndex {
 public:
  StabilizationIndex();
  ~StabilizationIndex();
  StabilizationIndex(const StabilizationIndex&);
  StabilizationIndex& operator=(const StabilizationIndex&);
  StabilizationIndex(StabilizationIndex&&) noexcept;
  StabilizationIndex& operator=(StabilizationIndex&&) noexcept;

  void Invalidate();

  struct Impl;

 private:
  friend int32_t StabilizeWithBehavior(absl::Time, absl::Duration,
                                       absl::Duration, int32_t, int32_t,
                                       std::vector<Recommendation>*,
                                       StabilizationIndex*);
  std::unique_ptr<Impl> impl_;
};

// StabilizeWithBehavior through `index` (above): the same result and the
// same history as the overload without it.
int32_t StabilizeWithBehavior(absl::Time now, absl::Duration up_window,
                              absl::Duration down_window, int32_t current,
                              int32_t desired,
                              std::vector<Recommendation>* history,
                              StabilizationIndex* index);

// Σ replica_change of events after now - period.
int32_t ReplicasChangeInPeriod(absl::Time now, absl::Duration period,
                               const std::vector<ScaleEvent>& events);

// §7.4 policy limits.
int32_t ScaleUpLimit(absl::Time now, int32_t current,
                     const std::vector<ScaleEvent>& up_events,
                     const std::vector<ScaleEvent>& down_events,
                     const ScalingRules& rules);
int32_t ScaleDownLimit(absl::Time now, int32_t current,
                       const std::vector<ScaleEvent>& up_events,
                       const std::vector<ScaleEvent>& down_events,
                       const ScalingRules& rules);

// §7.3: rate limits and the min/max clamp for a stabilized count.
Limited ConvertWithBehaviorRate(absl::Time now, int32_t current,
                                int32_t stabilized, int32_t min_replicas,
                                int32_t max_replicas,
                                const ScalingRules& scale_up,
                                const ScalingRules& scale_down,
                                const std::vector<ScaleEvent>& up_events,
                                const std::vector<ScaleEvent>& down_events);

// §7.5: records an applied rescale from `prev` to `next` in the event list of
// its direction. `rules` is that direction's rules (its longest period
// decides which events are outdated).
void StoreScaleEvent(absl::Time now, const ScalingRules& rules, int32_t prev,
                     int32_t next, std::vector<ScaleEvent>* events);

}  // namespace agentscale::hpa

#endif  // AGENTSCALE_HPA_NORMALIZE_H_
