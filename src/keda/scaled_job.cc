// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/keda/scaled_job.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace agentscale::keda {

const char* ScalingStrategyName(ScalingStrategy s) {
  switch (s) {
    case ScalingStrategy::kDefault:
      return "default";
    case ScalingStrategy::kCustom:
      return "custom";
    case ScalingStrategy::kAccurate:
      return "accurate";
    case ScalingStrategy::kEager:
      return "eager";
  }
  return "default";
}

const char* MultipleScalersCalculationName(MultipleScalersCalculation c) {
  switch (c) {
    case MultipleScalersCalculation::kMax:
      return "max";
    case MultipleScalersCalculation::kMin:
      return "min";
    case MultipleScalersCalculation::kAvg:
      return "avg";
    case MultipleScalersCalculation::kSum:
      return "sum";
  }
  return "max";
}

int32_t EffectiveMinReplicaCount(const ScaledJobSpec& sj) {
  const int32_t mn = sj.min_replica_count.value_or(0);
  if (sj.max_replica_count.has_value() && mn > *sj.max_replica_count) {
    return *sj.max_replica_count;
  }
  return mn;
}

int32_t EffectiveMaxReplicaCount(const ScaledJobSpec& sj) {
  if (!sj.max_replica_count.has_value()) return 100;
  const int32_t mn = sj.min_replica_count.value_or(0);
  if (mn > *sj.max_replica_count) return *sj.max_replica_count;
  return *sj.max_replica_count - mn;
}

std::vector<hpa::FieldError> ValidateScaledJob(const ScaledJobSpec& sj) {
  std::vector<hpa::FieldError> errors;
  auto add = [&](std::string path, std::string message) {
    errors.push_back(hpa::FieldError{std::move(path), std::move(message)});
  };
  if (sj.polling_interval_seconds < 1) {
    add("spec.pollingInterval",
        absl::StrCat("must be at least 1, got ", sj.polling_interval_seconds));
  }
  if (sj.successful_jobs_history_limit < 0) {
    add("spec.successfulJobsHistoryLimit", "must not be negative");
  }
  if (sj.failed_jobs_history_limit < 0) add("spec.failedJobsHistoryLimit", "must not be negative");
  if (sj.min_replica_count.value_or(0) < 0) add("spec.minReplicaCount", "must not be negative");
  if (sj.max_replica_count.has_value() && *sj.max_replica_count < 1) {
    add("spec.maxReplicaCount",
        absl::StrCat("must be at least 1, got ", *sj.max_replica_count));
  }
  if (sj.triggers.empty()) add("spec.triggers", "at least one trigger is required");
  for (size_t i = 0; i < sj.triggers.size(); ++i) {
    const Trigger& t = sj.triggers[i];
    const std::string path = absl::StrCat("spec.triggers[", i, "]");
    for (size_t j = 0; j < i; ++j) {
      if (!t.name.empty() && t.name == sj.triggers[j].name) {
        add(path + ".name", absl::StrCat("duplicate trigger name \"", t.name, "\""));
      }
    }
    if (t.kind == TriggerKind::kExternal &&
        (!std::isfinite(t.target) || !(t.target > 0))) {
      add(path + ".metadata", absl::StrCat("the target must be a positive number, got ", t.target));
    }
    if (t.cron.has_value()) {
      for (hpa::FieldError& e : ValidateCronTrigger(*t.cron, path)) errors.push_back(std::move(e));
    }
  }
  return errors;
}

int64_t EffectiveMaxScale(const ScaledJobSpec& sj, int64_t max_scale, int64_t running,
                          int64_t pending, int64_t max, int64_t* scale_to) {
  switch (sj.strategy) {
    case ScalingStrategy::kCustom: {
      double percentage = 0;
      if (sj.custom_running_job_percentage.empty() ||
          !absl::SimpleAtod(sj.custom_running_job_percentage, &percentage)) {
        return max_scale - running;  // KEDA falls back to the default strategy
      }
      const int64_t deduction = sj.custom_queue_length_deduction.value_or(0);
      return std::min(
          max_scale - deduction -
              static_cast<int64_t>(static_cast<double>(running) * percentage),
          max);
    }
    case ScalingStrategy::kAccurate:
      return max_scale + running - pending > max ? max - running : max_scale - pending;
    case ScalingStrategy::kEager:
      *scale_to = max;
      return std::min(max - running - pending, max_scale);
    case ScalingStrategy::kDefault:
      break;
  }
  return max_scale - running;
}

JobScaleDecision DecideJobs(const ScaledJobSpec& sj, absl::Span<const ScalerReading> readings,
                            int64_t running, int64_t pending) {
  JobScaleDecision d;
  const int64_t max = EffectiveMaxReplicaCount(sj);
  const int64_t min = EffectiveMinReplicaCount(sj);
  // Each active scaler: its queue length and its max value,
  // min(queue / target, max) (IsScaledJobActive, CalculateQueueLengthAndMaxValue).
  double queue = 0;
  double value = 0;
  int active = 0;
  bool first = true;
  for (const ScalerReading& r : readings) {
    if (!r.active) continue;
    const double q = std::isfinite(r.queue_length) && r.queue_length > 0 ? r.queue_length : 0;
    const double v =
        r.target_average != 0 ? std::min(q / r.target_average, static_cast<double>(max)) : 0;
    ++active;
    switch (sj.multiple_scalers_calculation) {
      case MultipleScalersCalculation::kMax:
        // The scaler with the strictly largest queue, its pair (q, v).
        if (q > queue) {
          queue = q;
          value = v;
        }
        break;
      case MultipleScalersCalculation::kMin:
        // The smallest queue; a current 0 is always replaced.
        if (first || queue == 0 || q < queue) {
          queue = q;
          value = v;
        }
        break;
      case MultipleScalersCalculation::kAvg:
      case MultipleScalersCalculation::kSum:
        queue += q;
        value += v;
        break;
    }
    first = false;
  }
  if (sj.multiple_scalers_calculation == MultipleScalersCalculation::kAvg && active > 0) {
    queue /= active;
    value /= active;
  }
  d.active = queue > 0 || (sj.multiple_scalers_calculation != MultipleScalersCalculation::kMax &&
                           active > 0);
  if (min > 0) d.active = true;
  value = std::min(value, static_cast<double>(max));
  d.scale_to = static_cast<int64_t>(std::ceil(queue));
  d.max_scale = static_cast<int64_t>(std::ceil(value));
  // getScalingDecision: below minReplicaCount, top up to it; otherwise the
  // strategy, with the first `min` running Jobs not counted.
  int64_t effective;
  if (running < min) {
    d.scale_to = min - running;
    effective = min - running;
  } else {
    effective = EffectiveMaxScale(sj, d.max_scale, running - min, pending, max, &d.scale_to);
  }
  d.effective_max = std::max<int64_t>(effective, 0);
  if (d.active && d.effective_max > 0) {
    d.jobs_to_create = std::min(d.scale_to, d.effective_max);
  }
  return d;
}

}  // namespace agentscale::keda
