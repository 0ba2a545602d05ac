// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/keda/policy.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <numeric>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agentscale/status_macros.h"
#include "agentscale/time_bounds.h"
#include "nlohmann/json.hpp"

namespace agentscale::keda {

namespace {

int64_t Milli(double value) { return static_cast<int64_t>(value * 1000.0); }

// The first instant of `start + k * step` (k >= 1) after `now`.
absl::Time NextAfter(absl::Time start, absl::Duration step, absl::Time now) {
  if (start > now) return start;
  const absl::Time next = start + step;  // the usual case: called every step
  if (next > now) return next;
  absl::Duration rem;  // Debian's Abseil needs the remainder's slot
  const int64_t k = absl::IDivDuration(now - start, step, &rem) + 1;
  return start + k * step;
}

// Trigger values are mostly whole numbers (tasks, messages): those take the
// integer formatter, which is several times faster than the double one.
void AppendValue(std::string* out, double v) {
  if (v == std::trunc(v) && std::fabs(v) < 1e15) {
    absl::StrAppend(out, static_cast<int64_t>(v));
  } else {
    absl::StrAppend(out, v);
  }
}

// The policy's own memory, as its state document.
struct KedaMemory {
  std::optional<absl::Time> created, next_poll, next_sync, last_active;
  std::vector<int32_t> failures;
};

std::string KedaMemoryToJson(const KedaMemory& m) {
  nlohmann::json j = nlohmann::json::object();
  auto put = [&](const char* key, const std::optional<absl::Time>& t) {
    if (t) j[key] = absl::FormatTime(absl::RFC3339_full, *t, absl::UTCTimeZone());
  };
  put("created", m.created);
  put("next_poll", m.next_poll);
  put("next_sync", m.next_sync);
  put("last_active", m.last_active);
  j["failures"] = m.failures;
  return j.dump();
}

absl::StatusOr<KedaMemory> KedaMemoryFromJson(const std::string& text) {
  nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("keda state: not a JSON object");
  }
  KedaMemory m;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    if (key == "failures") {
      if (!it.value().is_array()) {
        return absl::InvalidArgumentError("keda state: failures: must be a list");
      }
      for (const nlohmann::json& v : it.value()) {
        if (!v.is_number_integer() || v.get<int64_t>() < 0 || v.get<int64_t>() > 2147483647) {
          return absl::InvalidArgumentError(
              "keda state: failures: each entry must be a count (0 to 2147483647)");
        }
        m.failures.push_back(static_cast<int32_t>(v.get<int64_t>()));
      }
      continue;
    }
    std::optional<absl::Time>* slot = key == "created"       ? &m.created
                                      : key == "next_poll"   ? &m.next_poll
                                      : key == "next_sync"   ? &m.next_sync
                                      : key == "last_active" ? &m.last_active
                                                             : nullptr;
    if (slot == nullptr) {
      return absl::InvalidArgumentError("keda state: " + key + ": unknown field");
    }
    absl::Time t;
    std::string err;
    if (!it.value().is_string() ||
        !absl::ParseTime(absl::RFC3339_full, it.value().get<std::string>(), &t, &err) ||
        !IsAcceptedTime(t)) {
      return absl::InvalidArgumentError("keda state: " + key +
                                        ": must be an RFC 3339 time from 1677-09-21 to 2262-04-11 "
                                        "(int64 nanoseconds since the Unix epoch)");
    }
    *slot = t;
  }
  return m;
}

}  // namespace

absl::StatusOr<std::unique_ptr<ScaledObjectPolicy>> ScaledObjectPolicy::Create(
    ScaledObjectSpec spec, ScaledObjectOptions options) {
  if (options.hpa_sync_period <= absl::ZeroDuration() ||
      options.hpa_sync_period % absl::Seconds(1) != absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the HPA sync period must be a positive whole number of seconds, got ",
        absl::FormatDuration(options.hpa_sync_period)));
  }
  // Every trigger needs its metric name: KEDA's "s<i>-<type>" unless set.
  for (size_t i = 0; i < spec.triggers.size(); ++i) {
    spec.triggers[i].metric_name = TriggerMetricName(spec.triggers[i], i);
  }
  AGENTSCALE_ASSIGN_OR_RETURN(hpa::AutoscalerSpec generated, GeneratedHpa(spec));
  AGENTSCALE_ASSIGN_OR_RETURN(HorizontalAutoscaler hpa,
                              HorizontalAutoscaler::Create(std::move(generated), options.config));
  std::optional<Formula> formula;
  if (spec.scaling_modifiers.has_value()) {
    std::vector<std::string> names;
    for (const Trigger& t : spec.triggers) names.push_back(t.name);
    absl::StatusOr<Formula> f = Formula::Parse(spec.scaling_modifiers->formula, names);
    absl::Status st = f.ok() ? f->CheckKedaAdmission() : f.status();
    if (!st.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("spec.advanced.scalingModifiers.formula: ", st.message()));
    }
    formula = std::move(*f);
  }
  auto p = std::unique_ptr<ScaledObjectPolicy>(
      new ScaledObjectPolicy(std::move(spec), std::move(options), std::move(hpa)));
  p->formula_ = std::move(formula);
  return p;
}

ScaledObjectPolicy::ScaledObjectPolicy(ScaledObjectSpec spec, ScaledObjectOptions options,
                                       HorizontalAutoscaler hpa)
    : spec_(std::move(spec)), options_(std::move(options)), hpa_(std::move(hpa)) {
  const std::vector<hpa::MetricSpec>& hm = hpa_.spec().metrics;
  cron_.resize(spec_.triggers.size());
  cron_error_.resize(spec_.triggers.size());
  cron_open_.assign(spec_.triggers.size(), 0);
  for (size_t i = 0; i < spec_.triggers.size(); ++i) {
    const Trigger& t = spec_.triggers[i];
    int index = -1;
    for (size_t k = 0; k < hm.size(); ++k) {
      if (hm[k].name == t.metric_name) index = static_cast<int>(k);
    }
    hpa_metric_of_trigger_.push_back(index);
    if (t.cron.has_value()) {
      has_cron_ = true;
      absl::StatusOr<schedule::CronWindow> w =
          schedule::CronWindow::Create(t.cron->start, t.cron->end, t.cron->timezone);
      if (w.ok()) {
        cron_[i] = std::move(*w);
      } else {
        cron_error_[i] = std::string(w.status().message());
      }
      continue;  // read from the clock, not observed
    }
    if (t.kind == TriggerKind::kResource) {
      ++resource_triggers_;
      metrics_.push_back(hm[static_cast<size_t>(index)]);
    } else if (index >= 0) {
      metrics_.push_back(hm[static_cast<size_t>(index)]);
    } else {
      // Under scalingModifiers the trigger is read by the policy, not the
      // HPA: its own target, for explanations.
      metrics_.push_back(t.metric_type == hpa::MetricTargetType::kValue
                             ? hpa::MetricSpec::ExternalValue(t.metric_name, Milli(t.target))
                             : hpa::MetricSpec::ExternalAverageValue(t.metric_name,
                                                                     Milli(t.target)));
    }
  }
  for (size_t k = 0; k < hm.size(); ++k) {
    if (hm[k].name == kCompositeMetricName) composite_hpa_metric_ = static_cast<int>(k);
  }
  failures_.assign(spec_.triggers.size(), 0);
  values_.assign(spec_.triggers.size(), std::nullopt);
  obs_index_.assign(spec_.triggers.size(), -1);
}

absl::Duration ScaledObjectPolicy::PollAndSyncStep() const {
  const int64_t poll = spec_.polling_interval_seconds;
  const int64_t sync = absl::ToInt64Seconds(options_.hpa_sync_period);
  return absl::Seconds(std::gcd(poll, sync));
}

int32_t ScaledObjectPolicy::min_replicas() const {
  if (spec_.paused_replicas.has_value()) return *spec_.paused_replicas;
  if (spec_.idle_replica_count.has_value()) return *spec_.idle_replica_count;
  return spec_.min_replica_count;
}

absl::Status ScaledObjectPolicy::ReadTriggers(absl::Time now, const Observation& obs) {
  size_t matched = 0;
  for (size_t i = 0; i < spec_.triggers.size(); ++i) {
    const Trigger& t = spec_.triggers[i];
    values_[i].reset();
    if (t.kind == TriggerKind::kResource) continue;
    if (t.cron.has_value()) {
      if (!cron_[i].has_value()) continue;  // the zone did not load: failed
      const bool open = cron_[i]->Contains(now);
      cron_open_[i] = open ? 1 : 0;
      values_[i] = open ? static_cast<double>(t.cron->desired_replicas) : 0.0;
      continue;
    }
    // The observation is usually laid out as at the last decision.
    int k = obs_index_[i];
    const auto is_mine = [&](size_t j) {
      const MetricObservation& mo = obs.metrics[j];
      return mo.metric == t.metric_name || (mo.metric.empty() && j == i);
    };
    if (k < 0 || static_cast<size_t>(k) >= obs.metrics.size() ||
        !is_mine(static_cast<size_t>(k))) {
      k = -1;
      for (size_t j = 0; j < obs.metrics.size(); ++j) {
        if (is_mine(j)) {
          k = static_cast<int>(j);
          break;
        }
      }
      obs_index_[i] = k;
    }
    if (k < 0) continue;  // not observed: failed
    ++matched;
    const MetricObservation& mo = obs.metrics[static_cast<size_t>(k)];
    if (!mo.error.ok()) continue;
    int64_t milli = 0;
    if (mo.object_value_milli.has_value()) milli += *mo.object_value_milli;
    for (int64_t v : mo.external_values_milli) milli += v;
    for (const hpa::PodSample& s : mo.pod_samples) milli += s.value_milli;
    values_[i] = static_cast<double>(milli) / 1000.0;
  }
  if (matched == obs.metrics.size()) return absl::OkStatus();
  // Something else is observed too: it must be a metric a trigger reads
  // (cpu/memory, for the HPA).
  for (const MetricObservation& mo : obs.metrics) {
    bool known = mo.metric.empty();
    for (const hpa::MetricSpec& m : metrics_) known = known || m.name == mo.metric;
    for (const Trigger& t : spec_.triggers) known = known || t.metric_name == mo.metric;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ScaledObject ", spec_.name, ": the observation has a metric \"", mo.metric,
          "\" that no trigger reads"));
    }
  }
  return absl::OkStatus();
}

// KEDA's poll (KEDA_REPLAY.md §6; scale_handler.go getScaledObjectState and
// scale_scaledobjects.go RequestScale). What it found and did is a
// PollOutcome; the note that explains it is formatted only when the outcome
// differs from the last poll's (most polls repeat the last one).
void ScaledObjectPolicy::Poll(absl::Time now, int32_t* replicas) {
  step_.polled = true;
  PollOutcome o;
  bool error = false;
  bool external = false;
  for (const Trigger& t : spec_.triggers) external = external || t.kind == TriggerKind::kExternal;
  absl::Status formula_error;
  if (spec_.force_activation) {
    o.active = true;
    o.source = PollOutcome::kForced;
  } else if (!external) {
    o.active = true;
    o.source = PollOutcome::kResourceOnly;
  } else if (formula_.has_value()) {
    absl::StatusOr<std::optional<double>> result = formula_->EvaluateComposite(values_);
    for (const auto& v : values_) error = error || !v.has_value();
    o.source = PollOutcome::kComposite;
    o.threshold = spec_.scaling_modifiers->activation_target;
    if (!result.ok()) {
      formula_error = result.status();
      o.source = PollOutcome::kFormulaError;
      error = true;
    } else if (!result->has_value()) {
      o.source = PollOutcome::kFormulaNil;
      error = true;
    } else {
      o.value = **result;
      o.active = o.value > o.threshold;
    }
  } else {
    // Active if any trigger is (strict >); a failed trigger is not. The
    // note shows the first active trigger, else the first that was read.
    for (size_t i = 0; i < spec_.triggers.size(); ++i) {
      const Trigger& t = spec_.triggers[i];
      if (t.kind != TriggerKind::kExternal) continue;
      if (!values_[i].has_value()) {
        error = true;
        continue;
      }
      // The cron scaler reports its window as the activity.
      const bool active =
          t.cron.has_value() ? cron_open_[i] != 0 : *values_[i] > t.activation_target;
      if ((active && !o.active) || o.shown < 0) {
        o.shown = static_cast<int>(i);
        o.value = *values_[i];
        o.threshold = t.activation_target;
      }
      o.active = o.active || active;
    }
    o.source = o.shown >= 0 ? PollOutcome::kTrigger : PollOutcome::kAllFailed;
  }
  step_.active = o.active;

  const int32_t mn = spec_.min_replica_count;
  const std::optional<int32_t>& idle = spec_.idle_replica_count;
  if (o.active) {
    if (*replicas == 0 || (idle.has_value() && *replicas < mn)) {
      if (spec_.paused_scale_out) {
        o.action = PollOutcome::kScaleOutPaused;
      } else {
        o.action = *replicas == 0 ? PollOutcome::kFromZero : PollOutcome::kFromIdle;
        *replicas = std::max(mn, 1);
        o.to = *replicas;
      }
    }
    last_active_ = now;
  } else if (error && spec_.fallback.has_value() && spec_.fallback->replicas != 0) {
    // KEDA does not scale to zero on an error when a fallback is set (that
    // would disable the HPA that serves the fallback).
    o.action = PollOutcome::kErrorHold;
  } else if ((idle.has_value() && *replicas > *idle) || (*replicas > 0 && mn == 0)) {
    const absl::Time since =
        last_active_.has_value()
            ? *last_active_ + absl::Seconds(spec_.cooldown_period_seconds)
            : *created_ + absl::Seconds(spec_.initial_cooldown_period_seconds);
    if (!(since < now)) {
      o.action = PollOutcome::kCoolingDown;
      o.to = static_cast<int32_t>(std::min<int64_t>(absl::ToInt64Seconds(since - now), 2147483647));
    } else if (spec_.paused_scale_in) {
      o.action = PollOutcome::kScaleInPaused;
    } else {
      o.action = idle.has_value() ? PollOutcome::kToIdle : PollOutcome::kToMin;
      *replicas = idle.value_or(mn);
      o.to = *replicas;
    }
  } else if (!idle.has_value() && *replicas < mn) {
    *replicas = mn;
    o.action = PollOutcome::kRaisedToMin;
    o.to = mn;
  } else if (*replicas == 0) {
    o.action = PollOutcome::kHeldAtZero;
  }

  if (o == last_outcome_ && formula_error.ok() && !note_.empty()) return;
  last_outcome_ = o;
  std::string& note = note_;
  note.clear();
  note += "keda: ";
  note += o.active ? "active (" : "inactive (";
  switch (o.source) {
    case PollOutcome::kForced:
      note += "force-activation";
      break;
    case PollOutcome::kResourceOnly:
      note += "cpu/memory triggers only";
      break;
    case PollOutcome::kFormulaError:
      absl::StrAppend(&note, "formula failed: ", formula_error.message());
      break;
    case PollOutcome::kFormulaNil:
      note += "formula gave nil";
      break;
    case PollOutcome::kTrigger:
      if (const Trigger& t = spec_.triggers[static_cast<size_t>(o.shown)]; t.cron.has_value()) {
        absl::StrAppend(&note, "cron ", t.cron->start, " .. ", t.cron->end, " ",
                        t.cron->timezone.empty() ? "UTC" : t.cron->timezone,
                        o.active ? " open: " : " closed: ");
        AppendValue(&note, o.value);
        break;
      }
      [[fallthrough]];
    case PollOutcome::kComposite:
      note += o.source == PollOutcome::kComposite
                  ? std::string("composite")
                  : spec_.triggers[static_cast<size_t>(o.shown)].metric_name;
      note += " ";
      AppendValue(&note, o.value);
      note += o.active ? " > activation " : " <= activation ";
      AppendValue(&note, o.threshold);
      break;
    case PollOutcome::kAllFailed:
      note += "every trigger failed";
      break;
  }
  note += ")";
  switch (o.action) {
    case PollOutcome::kNone:
      break;
    case PollOutcome::kFromZero:
      absl::StrAppend(&note, ", scaled from zero to ", o.to);
      break;
    case PollOutcome::kFromIdle:
      absl::StrAppend(&note, ", scaled from idle to ", o.to);
      break;
    case PollOutcome::kScaleOutPaused:
      note += ", scale-out paused";
      break;
    case PollOutcome::kErrorHold:
      note += ", error with fallback set: not scaled in";
      break;
    case PollOutcome::kCoolingDown:
      absl::StrAppend(&note, ", cooling down for ", o.to, " s more");
      break;
    case PollOutcome::kScaleInPaused:
      note += ", scale-in paused";
      break;
    case PollOutcome::kToIdle:
    case PollOutcome::kToMin:
      absl::StrAppend(&note, ", cooldown ", spec_.cooldown_period_seconds,
                      " s passed: scaled to ", o.action == PollOutcome::kToIdle ? "idle " : "min ",
                      o.to);
      break;
    case PollOutcome::kRaisedToMin:
      absl::StrAppend(&note, ", raised to min ", o.to);
      break;
    case PollOutcome::kHeldAtZero:
      note += ", held at 0";
      break;
  }
}

int32_t ScaledObjectPolicy::FallbackReplicas(int32_t current) const {
  const Fallback& f = *spec_.fallback;
  switch (f.behavior) {
    case FallbackBehavior::kStatic:
      return f.replicas;
    case FallbackBehavior::kCurrentReplicas:
      return current;
    case FallbackBehavior::kCurrentReplicasIfHigher:
      return std::max(current, f.replicas);
    case FallbackBehavior::kCurrentReplicasIfLower:
      return std::min(current, f.replicas);
  }
  return f.replicas;
}

void ScaledObjectPolicy::Hold(absl::Time now, int32_t current, Decision* out) const {
  out->ResetToHold(now, current, DecisionPath::kFamily);
  out->status_desired_replicas = hpa_.state().desired_replicas.value_or(current);
}

void ScaledObjectPolicy::BuildHpaObservation(const Observation& obs, int32_t replicas) {
  hpa_obs_.current_replicas = replicas;
  hpa_obs_.status_replicas = replicas;
  hpa_obs_.pods.assign(obs.pods.begin(), obs.pods.end());
  // A replica KEDA has just started counts as Running and Ready at once
  // (KEDA_REPLAY.md §7: every replica Running and Ready).
  for (int32_t i = static_cast<int32_t>(hpa_obs_.pods.size()); i < replicas; ++i) {
    hpa_obs_.pods.push_back(hpa::Pod::Ready(absl::StrCat("keda-started-", i)));
  }
  const std::vector<hpa::MetricSpec>& hm = hpa_.spec().metrics;
  hpa_obs_.metrics.resize(hm.size());
  for (size_t k = 0; k < hm.size(); ++k) {
    MetricObservation& dst = hpa_obs_.metrics[k];
    dst.metric = hm[k].name;
    dst.error = absl::OkStatus();
    dst.pod_samples.clear();
    dst.resource_samples.clear();
    dst.object_value_milli.reset();
    dst.external_values_milli.clear();
  }
  for (size_t i = 0; i < spec_.triggers.size(); ++i) {
    const int k = hpa_metric_of_trigger_[i];
    if (k < 0) continue;
    MetricObservation& dst = hpa_obs_.metrics[static_cast<size_t>(k)];
    if (spec_.triggers[i].cron.has_value()) {
      // KEDA's GenerateMetricInMili of the window's value.
      if (values_[i].has_value()) {
        dst.external_values_milli.assign(1, Milli(*values_[i]));
      } else {
        dst.error = absl::UnavailableError(cron_error_[i]);
      }
      continue;
    }
    if (obs_index_[i] < 0) {
      dst.error = absl::UnavailableError("no observation of this trigger");
      continue;
    }
    const MetricObservation& src = obs.metrics[static_cast<size_t>(obs_index_[i])];
    dst.error = src.error;
    dst.pod_samples = src.pod_samples;
    dst.resource_samples = src.resource_samples;
    dst.object_value_milli = src.object_value_milli;
    dst.external_values_milli = src.external_values_milli;
  }
}

absl::Status ScaledObjectPolicy::Decide(absl::Time now, const Observation& obs, Decision* out) {
  if (!IsAcceptedTime(now)) {
    return CheckTime(now, absl::StrCat("ScaledObject ", spec_.name, ": now"));
  }
  // Time may stand still (several calls at one instant) but not go back.
  if (last_decide_.has_value() && now < *last_decide_) {
    return absl::InvalidArgumentError(
        absl::StrCat("ScaledObject ", spec_.name, ": time went backwards, from ",
                     absl::FormatTime(*last_decide_), " to ", absl::FormatTime(now)));
  }
  if (now == absl::InfiniteFuture() || now == absl::InfinitePast()) {
    return absl::InvalidArgumentError("the decision time must be finite");
  }
  if (obs.current_replicas < 0) {
    return absl::InvalidArgumentError("current_replicas must not be negative");
  }
  AGENTSCALE_RETURN_IF_ERROR(ReadTriggers(now, obs));
  if (!created_.has_value()) created_ = options_.created.value_or(now);
  last_decide_ = now;
  if (!next_poll_.has_value()) next_poll_ = now;
  if (!next_sync_.has_value()) next_sync_ = now;
  // An imported state may hold times this clock has not reached: a poll or
  // sync is never more than its period away, and nothing was created or
  // active after now. Such times are brought back to now, so that no state
  // can hold the policy (a run never produces them).
  if (*next_poll_ > now + absl::Seconds(spec_.polling_interval_seconds)) next_poll_ = now;
  if (*next_sync_ > now + options_.hpa_sync_period) next_sync_ = now;
  if (*created_ > now) created_ = now;
  if (last_active_.has_value() && *last_active_ > now) last_active_ = now;

  const int32_t current = obs.current_replicas;
  step_ = KedaStep{};
  step_.replicas_before_poll = current;
  hpa_decided_ = false;

  if (spec_.paused_replicas.has_value() || spec_.paused) {
    // KEDA removes the HPA and leaves the target at the paused count (or
    // where it is).
    Hold(now, current, out);
    const int32_t to = spec_.paused_replicas.value_or(current);
    out->desired_replicas = to;
    out->rescale = to != current;
    out->family_note = spec_.paused_replicas.has_value()
                           ? absl::StrCat("keda: paused at ", to, " replicas")
                           : std::string("keda: paused");
    step_.replicas_after_poll = to;
    return absl::OkStatus();
  }

  int32_t replicas = current;
  const bool poll_due = now >= *next_poll_;
  const bool sync_due = now >= *next_sync_;
  if (poll_due) {
    Poll(now, &replicas);
    next_poll_ = NextAfter(*next_poll_, absl::Seconds(spec_.polling_interval_seconds), now);
  }
  step_.replicas_after_poll = replicas;

  if (!sync_due || replicas == 0) {
    if (sync_due) {
      step_.synced = true;
      next_sync_ = NextAfter(*next_sync_, options_.hpa_sync_period, now);
    }
    Hold(now, current, out);
    out->desired_replicas = replicas;
    out->rescale = replicas != current;
    if (step_.polled) {
      out->family_note = note_;
    } else if (replicas == 0) {
      out->family_note = "keda: held at 0 (no poll due; the HPA is idle at zero)";
    } else {
      out->family_note = "keda: no poll or HPA sync due";
    }
    return absl::OkStatus();
  }
  step_.synced = true;
  next_sync_ = NextAfter(*next_sync_, options_.hpa_sync_period, now);

  // Failures are counted when the HPA asks for the metrics (fallback.go).
  bool any_failed_over = false;
  int failed_over = -1;
  for (size_t i = 0; i < spec_.triggers.size(); ++i) {
    if (spec_.triggers[i].kind != TriggerKind::kExternal) continue;
    if (values_[i].has_value()) {
      failures_[i] = 0;
    } else {
      ++failures_[i];
      if (spec_.fallback.has_value() && failures_[i] > spec_.fallback->failure_threshold) {
        any_failed_over = true;
        if (failed_over < 0) failed_over = static_cast<int>(i);
      }
    }
  }

  const Observation* view = &obs;
  const bool rewrite =
      replicas != current || formula_.has_value() || any_failed_over || has_cron_;
  if (rewrite) {
    BuildHpaObservation(obs, replicas);
    view = &hpa_obs_;
    const int32_t fb = spec_.fallback.has_value() ? FallbackReplicas(replicas) : 0;
    if (any_failed_over && !formula_.has_value()) {
      for (size_t i = 0; i < spec_.triggers.size(); ++i) {
        const Trigger& t = spec_.triggers[i];
        if (t.kind != TriggerKind::kExternal || values_[i].has_value() ||
            failures_[i] <= spec_.fallback->failure_threshold) {
          continue;
        }
        MetricObservation& dst = hpa_obs_.metrics[static_cast<size_t>(hpa_metric_of_trigger_[i])];
        const int64_t target = Milli(t.target);
        int64_t value = target * fb;
        if (t.metric_type == hpa::MetricTargetType::kValue) {
          value = replicas > 0 ? static_cast<int64_t>(static_cast<double>(target) * fb /
                                                      static_cast<double>(replicas))
                               : 0;
        }
        dst.error = absl::OkStatus();
        dst.pod_samples.clear();
        dst.object_value_milli.reset();
        dst.external_values_milli.assign(1, value);
      }
    }
    if (formula_.has_value()) {
      MetricObservation& dst = hpa_obs_.metrics[static_cast<size_t>(composite_hpa_metric_)];
      absl::StatusOr<std::optional<double>> result = formula_->EvaluateComposite(values_);
      const absl::Status st = result.status();
      const std::optional<double> composite = st.ok() ? *result : std::nullopt;
      const ScalingModifiers& m = *spec_.scaling_modifiers;
      if (st.ok() && composite.has_value() && *composite >= 0 && std::isfinite(*composite)) {
        dst.external_values_milli.assign(1, Milli(*composite));
      } else if (any_failed_over) {
        const int64_t target = Milli(m.target);
        dst.external_values_milli.assign(
            1, m.metric_type == hpa::MetricTargetType::kValue
                   ? static_cast<int64_t>(static_cast<double>(target) *
                                          spec_.fallback->replicas /
                                          static_cast<double>(std::max(replicas, 1)))
                   : target * spec_.fallback->replicas);
      } else {
        dst.error = !st.ok() ? st
                             : absl::UnavailableError(
                                   composite.has_value()
                                       ? "the formula gave a negative or non-finite value"
                                       : "the formula gave nil");
      }
    }
  }
  // Where KEDA left the count alone (the common case) the HPA's decision is
  // the policy's, made in place; where the poll changed it, the HPA's own
  // decision is kept for Commit and the policy's is a copy.
  hpa_copy_ = replicas != current;
  Decision* hpa_out = hpa_copy_ ? &hpa_decision_ : out;
  AGENTSCALE_RETURN_IF_ERROR(hpa_.Evaluate(now, *view, hpa_out));
  hpa_decided_ = true;
  hpa_rescale_ = hpa_out->rescale;
  hpa_desired_ = hpa_out->desired_replicas;
  step_.fallback = any_failed_over;
  if (hpa_copy_) {
    *out = hpa_decision_;
    out->current_replicas = current;
    out->desired_replicas = hpa_decision_.desired_replicas;
    out->rescale = out->desired_replicas != current;
  }
  // After the copy: the HPA's decision does not know KEDA's fallback.
  out->fallback = any_failed_over;
  if (step_.polled) {
    out->family_note = note_;
  } else {
    out->family_note.clear();
  }
  if (any_failed_over) {
    const Trigger& t = spec_.triggers[static_cast<size_t>(failed_over)];
    if (!out->family_note.empty()) out->family_note += "; ";
    absl::StrAppend(&out->family_note, "keda: fallback for ", t.metric_name, ": ",
                    failures_[static_cast<size_t>(failed_over)], " failures > threshold ",
                    spec_.fallback->failure_threshold, ", ",
                    FallbackBehaviorName(spec_.fallback->behavior), " ",
                    FallbackReplicas(replicas), " replicas");
  }
  if (out->family_note.empty() && replicas != current) {
    absl::StrAppend(&out->family_note, "keda: ", current, " -> ", replicas);
  }
  return absl::OkStatus();
}

absl::Status ScaledObjectPolicy::Commit(Decision& decision) {
  if (!decision.rescale || decision.committed) {
    return absl::FailedPreconditionError(
        "Commit() takes this policy's latest decision that asked for a rescale, once");
  }
  if (hpa_decided_ && hpa_rescale_ && hpa_desired_ == decision.desired_replicas) {
    if (hpa_copy_) {
      AGENTSCALE_RETURN_IF_ERROR(hpa_.Commit(hpa_decision_));
      decision.conditions = hpa_decision_.conditions;
      decision.committed = true;
      return absl::OkStatus();
    }
    return hpa_.Commit(decision);  // the HPA's own decision, in place
  }
  decision.committed = true;
  return absl::OkStatus();
}

absl::Status ScaledObjectPolicy::CommitFailed(Decision& decision, const absl::Status& error) {
  if (!decision.rescale || decision.committed) {
    return absl::FailedPreconditionError(
        "CommitFailed() takes this policy's latest decision that asked for a rescale, once");
  }
  if (hpa_decided_ && hpa_rescale_ && hpa_desired_ == decision.desired_replicas) {
    if (hpa_copy_) {
      AGENTSCALE_RETURN_IF_ERROR(hpa_.CommitFailed(hpa_decision_, error));
      decision.conditions = hpa_decision_.conditions;
      decision.error = hpa_decision_.error;
      decision.committed = true;
      return absl::OkStatus();
    }
    return hpa_.CommitFailed(decision, error);
  }
  decision.committed = true;
  return absl::OkStatus();
}

PolicyState ScaledObjectPolicy::ExportPolicyState() const {
  KedaMemory m;
  m.created = created_;
  m.next_poll = next_poll_;
  m.next_sync = next_sync_;
  m.last_active = last_active_;
  m.failures = failures_;
  PolicyState s;
  s.family = family();
  s.state_json = KedaMemoryToJson(m);
  s.children.push_back(hpa_.ExportPolicyState());
  return s;
}

absl::Status ScaledObjectPolicy::ImportPolicyState(const PolicyState& state) {
  AGENTSCALE_RETURN_IF_ERROR(CheckPolicyState(state, family(), 1));
  AGENTSCALE_ASSIGN_OR_RETURN(KedaMemory m, KedaMemoryFromJson(state.state_json));
  if (m.failures.size() != spec_.triggers.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "keda state: \"failures\" has ", m.failures.size(), " entries, the ScaledObject has ",
        spec_.triggers.size(), " triggers"));
  }
  HorizontalAutoscaler staged = hpa_;
  AGENTSCALE_RETURN_IF_ERROR(staged.ImportPolicyState(state.children[0]));
  hpa_ = std::move(staged);
  last_decide_.reset();
  created_ = m.created;
  next_poll_ = m.next_poll;
  next_sync_ = m.next_sync;
  last_active_ = m.last_active;
  failures_ = std::move(m.failures);
  hpa_decided_ = false;
  return absl::OkStatus();
}

std::unique_ptr<Policy> ScaledObjectPolicy::Clone() const {
  return std::unique_ptr<Policy>(new ScaledObjectPolicy(*this));
}

}  // namespace agentscale::keda
