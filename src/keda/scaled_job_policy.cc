// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ScaledJobPolicy: the ScaledJob on the policy seam (keda/scaled_job.h).

#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agentscale/keda/scaled_job.h"
#include "agentscale/time_bounds.h"
#include "agentscale/status_macros.h"
#include "nlohmann/json.hpp"

namespace agentscale::keda {

namespace {

int64_t JobTargetMilli(double v) { return static_cast<int64_t>(v * 1000.0); }

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
}

}  // namespace

absl::StatusOr<std::unique_ptr<ScaledJobPolicy>> ScaledJobPolicy::Create(ScaledJobSpec spec) {
  for (size_t i = 0; i < spec.triggers.size(); ++i) {
    spec.triggers[i].metric_name = TriggerMetricName(spec.triggers[i], i);
  }
  std::vector<hpa::FieldError> errors = ValidateScaledJob(spec);
  if (!errors.empty()) {
    std::string text;
    for (const hpa::FieldError& e : errors) {
      absl::StrAppend(&text, text.empty() ? "" : "; ", e.path, ": ", e.message);
    }
    return absl::InvalidArgumentError(absl::StrCat("ScaledJob ", spec.name, ": ", text));
  }
  return std::unique_ptr<ScaledJobPolicy>(new ScaledJobPolicy(std::move(spec)));
}

ScaledJobPolicy::ScaledJobPolicy(ScaledJobSpec spec) : spec_(std::move(spec)) {
  for (size_t i = 0; i < spec_.triggers.size(); ++i) {
    const Trigger& t = spec_.triggers[i];
    if (t.kind != TriggerKind::kExternal) continue;  // KEDA skips cpu/memory here
    if (t.cron.has_value()) {
      absl::StatusOr<schedule::CronWindow> w =
          schedule::CronWindow::Create(t.cron->start, t.cron->end, t.cron->timezone);
      crons_.emplace_back(static_cast<int>(i),
                          w.ok() ? std::optional<schedule::CronWindow>(std::move(*w))
                                 : std::nullopt);
      continue;
    }
    metrics_.push_back(
        hpa::MetricSpec::ExternalAverageValue(t.metric_name, JobTargetMilli(t.target)));
    trigger_of_metric_.push_back(static_cast<int>(i));
  }
  readings_.resize(metrics_.size() + crons_.size());
}

int32_t ScaledJobPolicy::max_replicas() const {
  return EffectiveMaxReplicaCount(spec_) + EffectiveMinReplicaCount(spec_);
}

absl::Status ScaledJobPolicy::Decide(absl::Time now, const Observation& obs, Decision* out) {
  if (!IsAcceptedTime(now)) return CheckTime(now, absl::StrCat("ScaledJob ", spec_.name, ": now"));
  if (last_decide_.has_value() && now < *last_decide_) {
    return absl::InvalidArgumentError(absl::StrCat("ScaledJob ", spec_.name,
                                                   ": time went backwards, from ",
                                                   absl::FormatTime(*last_decide_), " to ",
                                                   absl::FormatTime(now)));
  }
  if (obs.current_replicas < 0) {
    return absl::InvalidArgumentError("current_replicas must not be negative");
  }
  last_decide_ = now;
  // An imported state may hold times this clock has not reached (see
  // ScaledObjectPolicy::Decide): brought back to now.
  if (next_poll_.has_value() &&
      *next_poll_ > now + absl::Seconds(spec_.polling_interval_seconds)) {
    next_poll_ = now;
  }
  if (last_active_.has_value() && *last_active_ > now) last_active_ = now;
  const int32_t running = obs.current_replicas;
  out->ResetToHold(now, running, DecisionPath::kFamily);
  if (spec_.paused) {
    out->family_note = "keda: ScaledJob paused";
    return absl::OkStatus();
  }
  if (next_poll_.has_value() && now < *next_poll_) {
    out->family_note = "keda: no poll due";
    return absl::OkStatus();
  }
  const absl::Duration interval = absl::Seconds(spec_.polling_interval_seconds);
  next_poll_ = next_poll_.has_value() && *next_poll_ + interval > now ? *next_poll_ + interval
                                                                       : now + interval;
  // The readings: a failed or missing trigger is skipped (not active).
  for (size_t k = 0; k < metrics_.size(); ++k) {
    const Trigger& t = spec_.triggers[static_cast<size_t>(trigger_of_metric_[k])];
    ScalerReading& r = readings_[k];
    r = ScalerReading{0, t.target, false};
    const MetricObservation* mo = nullptr;
    for (size_t j = 0; j < obs.metrics.size(); ++j) {
      if (obs.metrics[j].metric == metrics_[k].name || (obs.metrics[j].metric.empty() && j == k)) {
        mo = &obs.metrics[j];
        break;
      }
    }
    if (mo == nullptr || !mo->error.ok()) continue;
    int64_t milli = 0;
    if (mo->object_value_milli.has_value()) milli += *mo->object_value_milli;
    for (int64_t v : mo->external_values_milli) milli += v;
    r.queue_length = static_cast<double>(milli) / 1000.0;
    r.active = r.queue_length > t.activation_target;
  }
  for (size_t c = 0; c < crons_.size(); ++c) {
    const Trigger& t = spec_.triggers[static_cast<size_t>(crons_[c].first)];
    ScalerReading& r = readings_[metrics_.size() + c];
    r = ScalerReading{0, t.target, false};
    if (!crons_[c].second.has_value()) continue;  // failed: skipped
    r.active = crons_[c].second->Contains(now);
    r.queue_length = r.active ? static_cast<double>(t.cron->desired_replicas) : 0.0;
  }
  // Pending: a Job whose pod has not started (not Running; with
  // pendingPodConditions, not Ready: agentscale's pods carry only Ready).
  int64_t pending = 0;
  for (const hpa::Pod& p : obs.pods) {
    const bool started = spec_.pending_pod_conditions.empty()
                             ? p.phase == hpa::PodPhase::kRunning ||
                                   p.phase == hpa::PodPhase::kSucceeded
                             : p.ready.has_value() && p.ready->status == hpa::ConditionStatus::kTrue;
    pending += !started;
  }
  pending = std::min<int64_t>(pending, running);
  last_ = DecideJobs(spec_, readings_, running, pending);
  if (last_.active) last_active_ = now;
  const int64_t desired =
      std::min<int64_t>(static_cast<int64_t>(running) + last_.jobs_to_create, 2147483647);
  out->desired_replicas = static_cast<int32_t>(desired);
  out->status_desired_replicas = out->desired_replicas;
  out->rescale = out->desired_replicas != running;
  out->family_note.clear();
  absl::StrAppend(&out->family_note, "keda: ", last_.active ? "active" : "inactive", ", ",
                  running, " jobs running (", pending, " pending); queue ", last_.scale_to,
                  ", max scale ", last_.max_scale, ", ", ScalingStrategyName(spec_.strategy),
                  " strategy allows ", last_.effective_max, ": start ", last_.jobs_to_create);
  return absl::OkStatus();
}

absl::Status ScaledJobPolicy::Commit(Decision& decision) {
  if (!decision.rescale || decision.committed) {
    return absl::FailedPreconditionError(
        "Commit() takes this policy's latest decision that asked for a rescale, once");
  }
  decision.committed = true;
  return absl::OkStatus();
}

absl::Status ScaledJobPolicy::CommitFailed(Decision& decision, const absl::Status& error) {
  if (!decision.rescale || decision.committed) {
    return absl::FailedPreconditionError(
        "CommitFailed() takes this policy's latest decision that asked for a rescale, once");
  }
  decision.error = error;
  decision.committed = true;
  return absl::OkStatus();
}

PolicyState ScaledJobPolicy::ExportPolicyState() const {
  nlohmann::json j = nlohmann::json::object();
  if (next_poll_) j["next_poll"] = Rfc3339(*next_poll_);
  if (last_active_) j["last_active"] = Rfc3339(*last_active_);
  PolicyState s;
  s.family = family();
  s.state_json = j.dump();
  return s;
}

absl::Status ScaledJobPolicy::ImportPolicyState(const PolicyState& state) {
  AGENTSCALE_RETURN_IF_ERROR(CheckPolicyState(state, family(), 0));
  nlohmann::json j = nlohmann::json::parse(state.state_json, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("keda-job state: not a JSON object");
  }
  std::optional<absl::Time> next_poll, last_active;
  for (auto it = j.begin(); it != j.end(); ++it) {
    std::optional<absl::Time>* slot = it.key() == "next_poll"     ? &next_poll
                                      : it.key() == "last_active" ? &last_active
                                                                  : nullptr;
    if (slot == nullptr) {
      return absl::InvalidArgumentError("keda-job state: " + it.key() + ": unknown field");
    }
    absl::Time t;
    std::string err;
    if (!it.value().is_string() ||
        !absl::ParseTime(absl::RFC3339_full, it.value().get<std::string>(), &t, &err) ||
        !IsAcceptedTime(t)) {
      return absl::InvalidArgumentError("keda-job state: " + it.key() +
                                        ": must be an RFC 3339 time from 1677-09-21 to 2262-04-11 "
                                        "(int64 nanoseconds since the Unix epoch)");
    }
    *slot = t;
  }
  next_poll_ = next_poll;
  last_active_ = last_active;
  last_decide_.reset();
  return absl::OkStatus();
}

std::unique_ptr<Policy> ScaledJobPolicy::Clone() const {
  return std::unique_ptr<Policy>(new ScaledJobPolicy(*this));
}

}  // namespace agentscale::keda
