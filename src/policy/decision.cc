// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/policy/decision.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace agentscale {
namespace {

// 66667 -> "66.667", 70000 -> "70": plain units for people.
std::string Plain(int64_t milli) {
  std::string s = absl::StrCat(milli / 1000);
  int64_t frac = milli % 1000;
  if (frac < 0) frac = -frac;
  if (frac != 0) {
    std::string f = absl::StrFormat("%03d", frac);
    while (!f.empty() && f.back() == '0') f.pop_back();
    absl::StrAppend(&s, ".", f);
  }
  return s;
}

}  // namespace

const char* DecisionPathName(DecisionPath path) {
  switch (path) {
    case DecisionPath::kMetrics:
      return "metrics";
    case DecisionPath::kAboveMax:
      return "above-max";
    case DecisionPath::kBelowMin:
      return "below-min";
    case DecisionPath::kScalingDisabled:
      return "scaling-disabled";
    case DecisionPath::kMetricsFailed:
      return "metrics-failed";
    case DecisionPath::kSelectorInvalid:
      return "selector-invalid";
    case DecisionPath::kScaleTargetError:
      return "scale-target-error";
    case DecisionPath::kFamily:
      return "family";
  }
  return "unknown";
}

const char* AdjustmentKindName(AdjustmentKind kind) {
  switch (kind) {
    case AdjustmentKind::kBounds:
      return "bounds";
    case AdjustmentKind::kFloor:
      return "floor";
    case AdjustmentKind::kMaxOf:
      return "max-of";
    case AdjustmentKind::kActivation:
      return "activation";
  }
  return "unknown";
}

const hpa::Condition* Decision::FindCondition(hpa::ConditionType type) const {
  for (const hpa::Condition& c : conditions) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

std::string Decision::RescaleReason() const {
  switch (path) {
    case DecisionPath::kAboveMax:
      return "Current number of replicas above Spec.MaxReplicas";
    case DecisionPath::kBelowMin:
      return "Current number of replicas below Spec.MinReplicas";
    case DecisionPath::kMetrics:
      break;
    default:
      return "";
  }
  if (metric_replicas > current_replicas && winning_metric >= 0 && spec) {
    return absl::StrCat(spec->metrics[winning_metric].Describe(),
                        " above target");
  }
  if (metric_replicas >= 0 && metric_replicas < current_replicas) {
    return "All metrics below target";
  }
  return "";
}

void Decision::ResetToHold(absl::Time at, int32_t current, DecisionPath how) {
  time = at;
  path = how;
  current_replicas = current;
  desired_replicas = current;
  status_desired_replicas = current;
  rescale = false;
  metric_replicas = -1;
  winning_metric = -1;
  stabilized_replicas = current;
  limit_reason = hpa::Reason::kNone;
  metrics.clear();
  conditions.clear();
  error = absl::OkStatus();
  committed = false;
  adjustments.clear();
  fallback = false;
  family_note.clear();
  spec = nullptr;
}

std::string Decision::Explain() const {
  // Explains the decision of the wrapped policy, then what combinators did.
  // The head ("3 -> 5 (scale up)") is the final count.
  std::string out = ExplainPolicy();
  for (const Adjustment& a : adjustments) {
    if (a.from == a.to) continue;
    absl::StrAppend(&out, "; ", AdjustmentKindName(a.kind), " ", a.by,
                    a.to > a.from ? " raised " : " lowered ", a.from, " to ",
                    a.to);
  }
  return out;
}

std::string Decision::ExplainPolicy() const {
  std::string out = absl::StrCat(current_replicas, " -> ", desired_replicas);
  if (desired_replicas > current_replicas) {
    out += " (scale up)";
  } else if (desired_replicas < current_replicas) {
    out += " (scale down)";
  } else {
    out += " (hold)";
  }
  out += ": ";
  if (!family_note.empty()) {
    out += family_note;
    if (path == DecisionPath::kFamily) return out;
    out += "; hpa: ";
  }
  switch (path) {
    case DecisionPath::kFamily:
      return out;
    case DecisionPath::kAboveMax:
    case DecisionPath::kBelowMin:
      absl::StrAppend(&out, RescaleReason());
      return out;
    case DecisionPath::kScalingDisabled:
      absl::StrAppend(&out, "scaling is disabled at zero replicas");
      return out;
    case DecisionPath::kScaleTargetError:
      absl::StrAppend(&out, "cannot read the target's scale: ",
                      error.message());
      return out;
    case DecisionPath::kSelectorInvalid:
    case DecisionPath::kMetricsFailed: {
      const hpa::Condition* c = FindCondition(hpa::ConditionType::kScalingActive);
      absl::StrAppend(&out, "held, ", c ? c->ReasonName() : "error", ": ",
                      c ? c->detail : std::string(error.message()));
      return out;
    }
    case DecisionPath::kMetrics:
      break;
  }
  bool first = true;
  for (const MetricResult& m : metrics) {
    if (!first) out += "; ";
    first = false;
    const hpa::MetricSpec* ms =
        spec && m.spec_index < static_cast<int>(spec->metrics.size())
            ? &spec->metrics[m.spec_index]
            : nullptr;
    const std::string name = ms ? ms->Describe() : absl::StrCat("metric #", m.spec_index);
    if (!m.valid) {
      absl::StrAppend(&out, name, " failed (", hpa::ReasonName(m.failure_reason),
                      ": ", m.error.message(), ")");
      if (m.first_failure.has_value() && ms && ms->fallback) {
        absl::StrAppend(&out, ", failing for ", absl::FormatDuration(time - *m.first_failure),
                        " of the ", absl::FormatDuration(ms->fallback->failure_duration),
                        " before its fallback");
      }
      continue;
    }
    if (m.fallback && ms && ms->fallback) {
      absl::StrAppend(&out, name, " failing for ",
                      absl::FormatDuration(time - m.first_failure.value_or(time)), " (",
                      hpa::ReasonName(m.failure_reason), ": ", m.error.message(),
                      "): fallback proposes ", m.proposal);
      if (m.spec_index == winning_metric && metrics.size() > 1) out += " (highest)";
      continue;
    }
    if (m.utilization.has_value() && ms && ms->target.average_utilization) {
      absl::StrAppend(&out, name, " ", *m.utilization, "%/",
                      *ms->target.average_utilization, "%");
    } else if (ms) {
      const std::optional<int64_t>& target =
          ms->target.average_value_milli.has_value() ? ms->target.average_value_milli
                                                     : ms->target.value_milli;
      absl::StrAppend(&out, name, " ", Plain(m.value_milli), "/",
                      target ? Plain(*target) : "?");
    }
    absl::StrAppend(&out, " proposes ", m.proposal);
    if (m.stale_samples > 0) {
      absl::StrAppend(&out, " (", m.stale_samples, " stale sample",
                      m.stale_samples == 1 ? "" : "s", " left out)");
    }
    if (m.spec_index == winning_metric && metrics.size() > 1) out += " (highest)";
  }
  if (stabilized_replicas != metric_replicas) {
    const hpa::Condition* c = FindCondition(hpa::ConditionType::kAbleToScale);
    absl::StrAppend(&out, "; stabilized to ", stabilized_replicas);
    if (c && (c->reason == hpa::Reason::kScaleDownStabilized ||
              c->reason == hpa::Reason::kScaleUpStabilized)) {
      absl::StrAppend(&out, " (", c->ReasonName(), ")");
    }
  }
  if (limit_reason != hpa::Reason::kDesiredWithinRange &&
      limit_reason != hpa::Reason::kNone) {
    absl::StrAppend(&out, "; limited to ",
                    rescale ? desired_replicas : current_replicas, " (",
                    hpa::ReasonName(limit_reason), ")");
  }
  if (!error.ok()) absl::StrAppend(&out, "; error: ", error.message());
  return out;
}

}  // namespace agentscale
