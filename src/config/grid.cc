// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/grid.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace agentscale::config {
namespace {

// Kubernetes' default period of a scaling policy (DefaultScaleUpRules and
// DefaultScaleDownRules both use 15 s).
constexpr absl::Duration kDefaultPolicyPeriod = absl::Seconds(15);

absl::Status Bad(const std::string& key, const std::string& why) {
  return absl::InvalidArgumentError(absl::StrCat("grid key \"", key, "\": ", why));
}

struct Parsed {
  bool target = false;
  std::string metric;  // target:<metric>
  bool up = false;
  std::string field;   // scale_* field, or min_replicas/max_replicas
};

bool Parse(const std::string& key, Parsed* out) {
  if (key == "target") {
    out->target = true;
    return true;
  }
  if (absl::StartsWith(key, "target:") && key.size() > 7) {
    out->target = true;
    out->metric = key.substr(7);
    return true;
  }
  if (key == "min_replicas" || key == "max_replicas") {
    out->field = key;
    return true;
  }
  for (const char* prefix : {"scale_up_", "scale_down_"}) {
    if (!absl::StartsWith(key, prefix)) continue;
    const std::string field = key.substr(std::string(prefix).size());
    if (field == "window_seconds" || field == "pods" || field == "percent" ||
        field == "period_seconds" || field == "select_policy") {
      out->up = std::string(prefix) == "scale_up_";
      out->field = field;
      return true;
    }
  }
  return false;
}

// A whole number in [lo, hi].
absl::Status Whole(const std::string& key, double v, int64_t lo, int64_t hi, int32_t* out) {
  if (!std::isfinite(v) || v != std::floor(v) || v < static_cast<double>(lo) ||
      v > static_cast<double>(hi)) {
    return Bad(key, absl::StrCat("must be a whole number in [", lo, ", ", hi, "], got ", v));
  }
  *out = static_cast<int32_t>(v);
  return absl::OkStatus();
}

// Kubernetes' validation: a stabilization window in [0, 3600] s, a policy
// period in (0, 1800] s.
absl::Status Seconds(const std::string& key, double v, double hi, absl::Duration* out) {
  if (!std::isfinite(v) || v < 0 || v > hi) {
    return Bad(key, absl::StrCat("must be seconds in [0, ", hi, "], got ", v));
  }
  *out = absl::Seconds(v);
  return absl::OkStatus();
}

hpa::ScalingRules& Rules(hpa::AutoscalerSpec* spec, bool up) {
  if (!spec->behavior.has_value()) spec->behavior = hpa::DefaultBehavior();
  return up ? spec->behavior->scale_up : spec->behavior->scale_down;
}

}  // namespace

bool IsSpecGridKey(const std::string& key) {
  Parsed p;
  return Parse(key, &p);
}

absl::Status ApplyGridSetting(const std::string& key, double value,
                              hpa::AutoscalerSpec* spec) {
  Parsed p;
  if (!Parse(key, &p)) return Bad(key, "not a spec setting");
  if (p.target) {
    hpa::MetricSpec* m = nullptr;
    const std::string name =
        p.metric.empty() && !spec->metrics.empty() ? spec->metrics[0].name : p.metric;
    for (hpa::MetricSpec& x : spec->metrics) {
      if (x.name == name) {
        m = &x;
        break;
      }
    }
    if (m == nullptr) return Bad(key, absl::StrCat("the spec has no metric \"", name, "\""));
    if (m->target.type == hpa::MetricTargetType::kUtilization) {
      int32_t percent = 0;
      if (absl::Status st = Whole(key, value, 1, 1000000000, &percent); !st.ok()) return st;
      m->target.average_utilization = percent;
      return absl::OkStatus();
    }
    if (!std::isfinite(value) || value <= 0 || value > 9e15) {
      return Bad(key, absl::StrCat("must be a positive target, got ", value));
    }
    const int64_t milli = static_cast<int64_t>(std::ceil(value * 1000.0));
    if (m->target.type == hpa::MetricTargetType::kValue) {
      m->target.value_milli = milli;
    } else {
      m->target.average_value_milli = milli;
    }
    return absl::OkStatus();
  }
  if (p.field == "min_replicas" || p.field == "max_replicas") {
    int32_t n = 0;
    if (absl::Status st = Whole(key, value, 0, 2147483647, &n); !st.ok()) return st;
    (p.field == "min_replicas" ? spec->min_replicas : spec->max_replicas) = n;
    return absl::OkStatus();
  }
  if (p.field == "select_policy") {
    return Bad(key, "takes Max, Min or Disabled, not a number");
  }
  absl::Duration d;
  int32_t n = 0;
  if (p.field == "window_seconds" || p.field == "period_seconds") {
    const double hi = p.field == "window_seconds" ? 3600 : 1800;
    if (absl::Status st = Seconds(key, value, hi, &d); !st.ok()) return st;
    if (p.field == "period_seconds" && d <= absl::ZeroDuration()) {
      return Bad(key, "a policy period must be positive");
    }
  } else if (absl::Status st = Whole(key, value, 1, 2147483647, &n); !st.ok()) {
    return st;
  }
  hpa::ScalingRules& rules = Rules(spec, p.up);
  if (p.field == "window_seconds") {
    rules.stabilization_window = d;
  } else if (p.field == "period_seconds") {
    for (hpa::ScalingPolicy& policy : rules.policies) policy.period = d;
  } else {
    const hpa::PolicyType type =
        p.field == "pods" ? hpa::PolicyType::kPods : hpa::PolicyType::kPercent;
    for (hpa::ScalingPolicy& policy : rules.policies) {
      if (policy.type == type) {
        policy.value = n;
        return absl::OkStatus();
      }
    }
    const absl::Duration period =
        rules.policies.empty() ? kDefaultPolicyPeriod : rules.policies.front().period;
    rules.policies.push_back(hpa::ScalingPolicy{type, n, period});
  }
  return absl::OkStatus();
}

absl::Status ApplyGridSetting(const std::string& key, const std::string& value,
                              hpa::AutoscalerSpec* spec) {
  Parsed p;
  if (!Parse(key, &p)) return Bad(key, "not a spec setting");
  if (p.field != "select_policy") {
    return Bad(key, absl::StrCat("takes a number, got \"", value, "\""));
  }
  hpa::SelectPolicy policy;
  if (value == "Max") {
    policy = hpa::SelectPolicy::kMax;
  } else if (value == "Min") {
    policy = hpa::SelectPolicy::kMin;
  } else if (value == "Disabled") {
    policy = hpa::SelectPolicy::kDisabled;
  } else {
    return Bad(key, absl::StrCat("must be Max, Min or Disabled, got \"", value, "\""));
  }
  Rules(spec, p.up).select_policy = policy;
  return absl::OkStatus();
}

namespace {

// The trigger a KEDA key names: the first, or by name or metric name.
absl::StatusOr<keda::Trigger*> FindTrigger(const std::string& key, const std::string& which,
                                           keda::ScaledObjectSpec* so) {
  if (so->triggers.empty()) return Bad(key, "the ScaledObject has no triggers");
  if (which.empty()) return &so->triggers.front();
  for (keda::Trigger& t : so->triggers) {
    if (t.name == which || t.metric_name == which) return &t;
  }
  return Bad(key, absl::StrCat("no trigger named \"", which, "\""));
}

absl::Status KedaSetting(const std::string& key, const double* number, const std::string* text,
                         keda::ScaledObjectSpec* so) {
  keda::ScaledObjectSpec out = *so;
  auto need_number = [&]() -> absl::Status {
    return number == nullptr ? Bad(key, "takes a number") : absl::OkStatus();
  };
  std::string trigger;
  const bool target = key == "target" || (absl::StartsWith(key, "target:") && key.size() > 7);
  const bool activation =
      key == "activation" || (absl::StartsWith(key, "activation:") && key.size() > 11);
  if (target || activation) {
    if (absl::Status st = need_number(); !st.ok()) return st;
    const size_t colon = key.find(':');
    if (colon != std::string::npos) trigger = key.substr(colon + 1);
    absl::StatusOr<keda::Trigger*> t = FindTrigger(key, trigger, &out);
    if (!t.ok()) return t.status();
    if ((*t)->cron.has_value()) {
      // A cron trigger's target is 1; what a sweep varies is desiredReplicas.
      if (activation) return Bad(key, "a cron trigger has no activation target");
      int32_t desired = 0;
      if (absl::Status st = Whole(key, *number, 1, 2147483647, &desired); !st.ok()) return st;
      (*t)->cron->desired_replicas = desired;
      (*t)->metadata["desiredReplicas"] = absl::StrCat(desired);
    } else {
      if (!std::isfinite(*number) || *number < 0) {
        return Bad(key, absl::StrCat("must be a finite number >= 0, got ", *number));
      }
      (target ? (*t)->target : (*t)->activation_target) = *number;
    }
  } else if (key == "min_replicas" || key == "max_replicas" ||
             key == "polling_interval_seconds" || key == "cooldown_period_seconds" ||
             key == "initial_cooldown_period_seconds") {
    if (absl::Status st = need_number(); !st.ok()) return st;
    int32_t* field = key == "min_replicas"               ? &out.min_replica_count
                     : key == "max_replicas"             ? &out.max_replica_count
                     : key == "polling_interval_seconds" ? &out.polling_interval_seconds
                     : key == "cooldown_period_seconds"  ? &out.cooldown_period_seconds
                                                         : &out.initial_cooldown_period_seconds;
    if (absl::Status st = Whole(key, *number, 0, 2147483647, field); !st.ok()) return st;
  } else if (absl::StartsWith(key, "scale_up_") || absl::StartsWith(key, "scale_down_")) {
    // The HPA's behavior keys, on the behavior KEDA passes through.
    hpa::AutoscalerSpec carrier;
    carrier.min_replicas = std::max(out.min_replica_count, 1);
    carrier.max_replicas = out.max_replica_count;
    carrier.behavior = out.behavior;
    absl::Status st = number != nullptr ? ApplyGridSetting(key, *number, &carrier)
                                        : ApplyGridSetting(key, *text, &carrier);
    if (!st.ok()) return st;
    out.behavior = carrier.behavior;
  } else {
    return Bad(key, "not a ScaledObject setting");
  }
  std::vector<hpa::FieldError> errors = keda::ValidateScaledObject(out);
  if (!errors.empty()) {
    return Bad(key, absl::StrCat("makes the ScaledObject invalid: ", errors[0].path, ": ",
                                 errors[0].message));
  }
  *so = std::move(out);
  return absl::OkStatus();
}

}  // namespace

bool IsScaledObjectGridKey(const std::string& key) {
  return key == "target" || absl::StartsWith(key, "target:") || key == "activation" ||
         absl::StartsWith(key, "activation:") || key == "min_replicas" ||
         key == "max_replicas" || key == "polling_interval_seconds" ||
         key == "cooldown_period_seconds" || key == "initial_cooldown_period_seconds" ||
         (IsSpecGridKey(key) && absl::StartsWith(key, "scale_"));
}

absl::Status ApplyGridSetting(const std::string& key, double value, keda::ScaledObjectSpec* so) {
  return KedaSetting(key, &value, nullptr, so);
}

absl::Status ApplyGridSetting(const std::string& key, const std::string& value,
                              keda::ScaledObjectSpec* so) {
  return KedaSetting(key, nullptr, &value, so);
}

}  // namespace agentscale::config
