// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Mirrors the normalization functions of Kubernetes' horizontal.go; the
// section numbers refer to the HPA spec.

#include "agentscale/hpa/normalize.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "agentscale/hpa/replica_calculator.h"

namespace agentscale::hpa {
namespace {

constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();
constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();

// int32(x) for a float64 already rounded; saturating outside the range.
int32_t TruncToInt32(double x) {
  if (std::isnan(x)) return 0;
  if (x >= static_cast<double>(kInt32Max)) return kInt32Max;
  if (x <= static_cast<double>(kInt32Min)) return kInt32Min;
  return static_cast<int32_t>(x);
}

void Record(absl::Time now, int32_t desired, bool found_old, size_t old_index,
            std::vector<Recommendation>* history) {
  if (found_old) {
    (*history)[old_index] = Recommendation{desired, now};
  } else {
    history->push_back(Recommendation{desired, now});
  }
}

}  // namespace

int32_t StabilizeLegacy(absl::Time now, absl::Duration window, int32_t desired,
                        std::vector<Recommendation>* history) {
  int32_t max_recommendation = desired;
  bool found_old = false;
  size_t old_index = 0;
  const absl::Time cutoff = now - window;
  for (size_t i = 0; i < history->size(); ++i) {
    const Recommendation& rec = (*history)[i];
    if (rec.timestamp < cutoff) {
      found_old = true;
      old_index = i;
    } else if (rec.replicas > max_recommendation) {
      max_recommendation = rec.replicas;
    }
  }
  Record(now, desired, found_old, old_index, history);
  return max_recommendation;
}

Limited ConvertWithLegacyRules(int32_t current, int32_t desired,
                               int32_t min_replicas, int32_t max_replicas,
                               double scale_up_limit_factor,
                               double scale_up_limit_minimum) {
  const int32_t scale_up_limit = TruncToInt32(
      std::max(scale_up_limit_factor * static_cast<double>(current),
               scale_up_limit_minimum));
  int32_t max_allowed;
  Reason reason;
  if (max_replicas > scale_up_limit) {
    max_allowed = scale_up_limit;
    reason = Reason::kScaleUpLimit;
  } else {
    max_allowed = max_replicas;
    reason = Reason::kTooManyReplicas;
  }
  if (desired < min_replicas) return {min_replicas, Reason::kTooFewReplicas};
  if (desired > max_allowed) return {max_allowed, reason};
  return {desired, Reason::kDesiredWithinRange};
}

int32_t StabilizeWithBehavior(absl::Time now, absl::Duration up_window,
                              absl::Duration down_window, int32_t current,
                              int32_t desired,
                              std::vector<Recommendation>* history) {
  const absl::Time up_cutoff = now - up_window;
  const absl::Time down_cutoff = now - down_window;
  int32_t up_recommendation = desired;
  int32_t down_recommendation = desired;
  bool found_old = false;
  size_t old_index = 0;
  const absl::Time older_cutoff = std::min(up_cutoff, down_cutoff);
  for (size_t i = 0; i < history->size(); ++i) {
    const Recommendation& rec = (*history)[i];
    if (rec.timestamp < older_cutoff) {  // before both cutoffs: old
      found_old = true;
      old_index = i;
      continue;
    }
    if (rec.timestamp > up_cutoff) {
      up_recommendation = std::min(up_recommendation, rec.replicas);
    }
    if (rec.timestamp > down_cutoff) {
      down_recommendation = std::max(down_recommendation, rec.replicas);
    }
  }
  int32_t recommendation = current;
  if (recommendation < up_recommendation) recommendation = up_recommendation;
  if (recommendation > down_recommendation) {
    recommendation = down_recommendation;
  }
  Record(now, desired, found_old, old_index, history);
  return recommendation;
}

namespace {

// The change recorded in `events` strictly after `cutoff`.
int32_t ReplicasChangeAfter(absl::Time cutoff, const std::vector<ScaleEvent>& events) {
  int64_t replicas = 0;
  for (const ScaleEvent& e : events) {
    if (e.timestamp > cutoff) replicas += e.replica_change;
  }
  return static_cast<int32_t>(
      std::clamp<int64_t>(replicas, kInt32Min, kInt32Max));
}

}  // namespace

int32_t ReplicasChangeInPeriod(absl::Time now, absl::Duration period,
                               const std::vector<ScaleEvent>& events) {
  return ReplicasChangeAfter(now - period, events);
}

int32_t ScaleUpLimit(absl::Time now, int32_t current,
                     const std::vector<ScaleEvent>& up_events,
                     const std::vector<ScaleEvent>& down_events,
                     const ScalingRules& rules) {
  if (rules.select_policy == SelectPolicy::kDisabled) return current;
  const bool pick_min = rules.select_policy == SelectPolicy::kMin;
  int32_t result = pick_min ? kInt32Max : kInt32Min;
  for (const ScalingPolicy& policy : rules.policies) {
    // One cutoff for both lists (a Time subtraction is a call into Abseil).
    const absl::Time cutoff = now - policy.period;
    const int64_t added = ReplicasChangeAfter(cutoff, up_events);
    const int64_t deleted = ReplicasChangeAfter(cutoff, down_events);
    const int64_t period_start = current - added + deleted;
    int64_t proposed;
    if (policy.type == PolicyType::kPods) {
      proposed = period_start + policy.value;
    } else {
      // Rounded up so that a small percentage still adds a replica.
      proposed = CeilToInt32(static_cast<double>(period_start) *
                             (1 + static_cast<double>(policy.value) / 100));
    }
    const int32_t p = static_cast<int32_t>(
        std::clamp<int64_t>(proposed, kInt32Min, kInt32Max));
    result = pick_min ? std::min(result, p) : std::max(result, p);
  }
  return result;
}

int32_t ScaleDownLimit(absl::Time now, int32_t current,
                       const std::vector<ScaleEvent>& up_events,
                       const std::vector<ScaleEvent>& down_events,
                       const ScalingRules& rules) {
  if (rules.select_policy == SelectPolicy::kDisabled) return current;
  // Min means the smallest removal, so the largest remaining count.
  const bool pick_min_change = rules.select_policy == SelectPolicy::kMin;
  int32_t result = pick_min_change ? kInt32Min : kInt32Max;
  for (const ScalingPolicy& policy : rules.policies) {
    // One cutoff for both lists (a Time subtraction is a call into Abseil).
    const absl::Time cutoff = now - policy.period;
    const int64_t added = ReplicasChangeAfter(cutoff, up_events);
    const int64_t deleted = ReplicasChangeAfter(cutoff, down_events);
    const int64_t period_start = current - added + deleted;
    int64_t proposed;
    if (policy.type == PolicyType::kPods) {
      proposed = period_start - policy.value;
    } else {
      // Truncated, unlike the scale-up direction.
      proposed = TruncToInt32(static_cast<double>(period_start) *
                              (1 - static_cast<double>(policy.value) / 100));
    }
    const int32_t p = static_cast<int32_t>(
        std::clamp<int64_t>(proposed, kInt32Min, kInt32Max));
    result = pick_min_change ? std::max(result, p) : std::min(result, p);
  }
  return result;
}

Limited ConvertWithBehaviorRate(absl::Time now, int32_t current,
                                int32_t stabilized, int32_t min_replicas,
                                int32_t max_replicas,
                                const ScalingRules& scale_up,
                                const ScalingRules& scale_down,
                                const std::vector<ScaleEvent>& up_events,
                                const std::vector<ScaleEvent>& down_events) {
  if (stabilized > current) {
    int32_t limit = ScaleUpLimit(now, current, up_events, down_events, scale_up);
    // History can hold back further scale-up until old events expire.
    if (limit < current) limit = current;
    int32_t max_allowed = max_replicas;
    Reason reason;
    if (max_allowed > limit) {
      max_allowed = limit;
      reason = Reason::kScaleUpLimit;
    } else {
      reason = Reason::kTooManyReplicas;
    }
    if (stabilized > max_allowed) return {max_allowed, reason};
  } else if (stabilized < current) {
    int32_t limit =
        ScaleDownLimit(now, current, up_events, down_events, scale_down);
    if (limit > current) limit = current;
    int32_t min_allowed = min_replicas;
    Reason reason;
    if (min_allowed < limit) {
      min_allowed = limit;
      reason = Reason::kScaleDownLimit;
    } else {
      reason = Reason::kTooFewReplicas;
    }
    if (stabilized < min_allowed) return {min_allowed, reason};
  }
  return {stabilized, Reason::kDesiredWithinRange};
}

void StoreScaleEvent(absl::Time now, const ScalingRules& rules, int32_t prev,
                     int32_t next, std::vector<ScaleEvent>* events) {
  absl::Duration longest = absl::ZeroDuration();
  for (const ScalingPolicy& p : rules.policies) longest = std::max(longest, p.period);
  const absl::Time cutoff = now - longest;
  bool found_old = false;
  size_t old_index = 0;
  for (size_t i = 0; i < events->size(); ++i) {
    ScaleEvent& e = (*events)[i];
    if (e.timestamp < cutoff) e.outdated = true;
    if (e.outdated) {
      found_old = true;
      old_index = i;
    }
  }
  const int32_t change = next > prev ? next - prev : prev - next;
  if (found_old) {
    (*events)[old_index] = ScaleEvent{change, now, false};
  } else {
    events->push_back(ScaleEvent{change, now, false});
  }
}

}  // namespace agentscale::hpa
