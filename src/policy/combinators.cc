// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/policy/combinators.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "agentscale/time_bounds.h"
#include "nlohmann/json.hpp"

namespace agentscale {
namespace {

// True when `metrics` names exactly the observations of `obs`, in order, so
// that `obs` can be passed on as it is.
bool SameMetrics(const Observation& obs, const std::vector<hpa::MetricSpec>& metrics) {
  if (obs.metrics.size() != metrics.size()) return false;
  for (size_t i = 0; i < metrics.size(); ++i) {
    const std::string& name = obs.metrics[i].metric;
    if (!name.empty() && name != metrics[i].name) return false;
  }
  return true;
}

}  // namespace

namespace combinator {

bool Contains(const std::vector<hpa::MetricSpec>& metrics, const std::string& name) {
  for (const hpa::MetricSpec& m : metrics) {
    if (m.name == name) return true;
  }
  return false;
}

void Adjust(Decision* out, AdjustmentKind kind, const std::string& by, int32_t to) {
  const int32_t from = out->desired_replicas;
  if (to == from) return;
  out->desired_replicas = to;
  out->rescale = to != out->current_replicas;
  out->adjustments.push_back(Adjustment{kind, from, to, by});
}

absl::Status CommitInner(Policy& inner, bool inner_rescale, int32_t inner_desired,
                         Decision& decision) {
  if (!decision.rescale || decision.committed) {
    return absl::FailedPreconditionError(
        "Commit() takes this policy's latest decision that asked for a rescale, once");
  }
  if (inner_rescale && inner_desired == decision.desired_replicas) {
    absl::Status st = inner.Commit(decision);
    if (!st.ok()) return st;
  }
  decision.committed = true;
  return absl::OkStatus();
}

absl::Status CommitFailedInner(Policy& inner, bool inner_rescale,
                               int32_t inner_desired, Decision& decision,
                               const absl::Status& error) {
  if (!decision.rescale || decision.committed) {
    return absl::FailedPreconditionError(
        "CommitFailed() takes this policy's latest decision that asked for a "
        "rescale, once");
  }
  if (inner_rescale && inner_desired == decision.desired_replicas) {
    absl::Status st = inner.CommitFailed(decision, error);
    if (!st.ok()) return st;
  }
  decision.committed = true;
  return absl::OkStatus();
}

std::optional<double> ObservedTotal(const Observation& obs, const std::string& metric,
                                    bool* failed) {
  for (const MetricObservation& mo : obs.metrics) {
    if (mo.metric != metric) continue;
    if (failed != nullptr) *failed = !mo.error.ok();
    int64_t milli = 0;
    if (mo.object_value_milli.has_value()) milli += *mo.object_value_milli;
    for (int64_t v : mo.external_values_milli) milli += v;
    for (const hpa::PodSample& s : mo.pod_samples) milli += s.value_milli;
    return static_cast<double>(milli) / 1000.0;
  }
  return std::nullopt;
}

}  // namespace combinator

namespace {

using combinator::Adjust;
using combinator::CommitFailedInner;
using combinator::CommitInner;
using combinator::Contains;

PolicyState Wrap(const std::string& family, const Policy& inner,
                 std::string own = "{}") {
  PolicyState s;
  s.family = family;
  s.state_json = std::move(own);
  s.children.push_back(inner.ExportPolicyState());
  return s;
}

}  // namespace

void ProjectObservation(const Observation& in,
                        const std::vector<hpa::MetricSpec>& metrics,
                        Observation* out) {
  out->current_replicas = in.current_replicas;
  out->status_replicas = in.status_replicas;
  out->scale_error = in.scale_error;
  out->pods = in.pods;
  out->selector = in.selector;
  // Keeps the deque's elements (and their buffers) across calls.
  size_t n = 0;
  for (const hpa::MetricSpec& m : metrics) {
    for (const MetricObservation& mo : in.metrics) {
      if (mo.metric != m.name) continue;
      if (n < out->metrics.size()) {
        out->metrics[n] = mo;
      } else {
        out->metrics.push_back(mo);
      }
      ++n;
      break;
    }
  }
  out->metrics.resize(n);
}

// --- BoundsOverride ----------------------------------------------------------

absl::StatusOr<std::unique_ptr<BoundsOverride>> BoundsOverride::Create(
    std::unique_ptr<Policy> inner, std::vector<BoundsWindow> windows) {
  if (inner == nullptr) return absl::InvalidArgumentError("bounds: no policy to wrap");
  for (size_t i = 0; i < windows.size(); ++i) {
    const BoundsWindow& w = windows[i];
    const std::string field = absl::StrCat("windows[", i, "] (", w.name, ")");
    if (w.end < w.start) {
      return absl::InvalidArgumentError(field + ": ends before it starts");
    }
    if ((w.min_replicas && *w.min_replicas < 0) || (w.max_replicas && *w.max_replicas < 0)) {
      return absl::InvalidArgumentError(field + ": replica bounds must not be negative");
    }
  }
  return std::unique_ptr<BoundsOverride>(
      new BoundsOverride(std::move(inner), std::move(windows)));
}

int32_t BoundsOverride::min_replicas() const {
  int32_t lo = inner_->min_replicas();
  for (const BoundsWindow& w : windows_) {
    if (w.max_replicas) lo = std::min(lo, *w.max_replicas);
  }
  return lo;
}

int32_t BoundsOverride::max_replicas() const {
  int32_t hi = inner_->max_replicas();
  for (const BoundsWindow& w : windows_) {
    if (w.min_replicas) hi = std::max(hi, *w.min_replicas);
  }
  return hi;
}

absl::Status BoundsOverride::Decide(absl::Time now, const Observation& obs,
                                    Decision* out) {
  if (!IsAcceptedTime(now)) return CheckTime(now, "now");
  if (absl::Status st = inner_->Decide(now, obs, out); !st.ok()) return st;
  inner_desired_ = out->desired_replicas;
  inner_rescale_ = out->rescale;
  const BoundsWindow* low = nullptr;
  const BoundsWindow* high = nullptr;
  for (const BoundsWindow& w : windows_) {
    if (now < w.start || now >= w.end) continue;
    if (w.max_replicas && (high == nullptr || *w.max_replicas < *high->max_replicas)) {
      high = &w;
    }
    if (w.min_replicas && (low == nullptr || *w.min_replicas > *low->min_replicas)) {
      low = &w;
    }
  }
  if (high != nullptr && out->desired_replicas > *high->max_replicas) {
    Adjust(out, AdjustmentKind::kBounds, high->name, *high->max_replicas);
  }
  if (low != nullptr && out->desired_replicas < *low->min_replicas) {
    Adjust(out, AdjustmentKind::kBounds, low->name, *low->min_replicas);
  }
  return absl::OkStatus();
}

absl::Status BoundsOverride::Commit(Decision& decision) {
  return CommitInner(*inner_, inner_rescale_, inner_desired_, decision);
}

absl::Status BoundsOverride::CommitFailed(Decision& decision, const absl::Status& error) {
  return CommitFailedInner(*inner_, inner_rescale_, inner_desired_, decision, error);
}

PolicyState BoundsOverride::ExportPolicyState() const { return Wrap(family(), *inner_); }

absl::Status BoundsOverride::ImportPolicyState(const PolicyState& state) {
  if (absl::Status st = CheckPolicyState(state, family(), 1); !st.ok()) return st;
  return inner_->ImportPolicyState(state.children[0]);
}

std::unique_ptr<Policy> BoundsOverride::Clone() const {
  auto copy = std::unique_ptr<BoundsOverride>(new BoundsOverride(inner_->Clone(), windows_));
  copy->inner_desired_ = inner_desired_;
  copy->inner_rescale_ = inner_rescale_;
  return copy;
}

// --- FloorFrom ------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<FloorFrom>> FloorFrom::Create(
    std::unique_ptr<Policy> inner, std::string name, FloorAt floor) {
  if (inner == nullptr) return absl::InvalidArgumentError("floor: no policy to wrap");
  if (!floor) return absl::InvalidArgumentError("floor " + name + ": no floor function");
  return std::unique_ptr<FloorFrom>(
      new FloorFrom(std::move(inner), std::move(name), std::move(floor)));
}

absl::Status FloorFrom::Decide(absl::Time now, const Observation& obs, Decision* out) {
  if (!IsAcceptedTime(now)) return CheckTime(now, "now");
  if (absl::Status st = inner_->Decide(now, obs, out); !st.ok()) return st;
  inner_desired_ = out->desired_replicas;
  inner_rescale_ = out->rescale;
  std::optional<int32_t> floor = floor_(now);
  if (!floor.has_value()) return absl::OkStatus();
  const int32_t capped = std::min(*floor, inner_->max_replicas());
  if (out->desired_replicas < capped) {
    Adjust(out, AdjustmentKind::kFloor, name_, capped);
  }
  return absl::OkStatus();
}

absl::Status FloorFrom::Commit(Decision& decision) {
  return CommitInner(*inner_, inner_rescale_, inner_desired_, decision);
}

absl::Status FloorFrom::CommitFailed(Decision& decision, const absl::Status& error) {
  return CommitFailedInner(*inner_, inner_rescale_, inner_desired_, decision, error);
}

PolicyState FloorFrom::ExportPolicyState() const { return Wrap(family(), *inner_); }

absl::Status FloorFrom::ImportPolicyState(const PolicyState& state) {
  if (absl::Status st = CheckPolicyState(state, family(), 1); !st.ok()) return st;
  return inner_->ImportPolicyState(state.children[0]);
}

std::unique_ptr<Policy> FloorFrom::Clone() const {
  auto copy = std::unique_ptr<FloorFrom>(new FloorFrom(inner_->Clone(), name_, floor_));
  copy->inner_desired_ = inner_desired_;
  copy->inner_rescale_ = inner_rescale_;
  return copy;
}

// --- MaxOf ------------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<MaxOf>> MaxOf::Create(
    std::vector<std::unique_ptr<Policy>> policies) {
  if (policies.empty()) return absl::InvalidArgumentError("max-of: no policies");
  std::vector<const hpa::MetricSpec*> seen;
  for (size_t i = 0; i < policies.size(); ++i) {
    if (policies[i] == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("max-of: policy #", i, " is null"));
    }
    for (const hpa::MetricSpec& m : policies[i]->metrics()) {
      for (const hpa::MetricSpec* s : seen) {
        if (s->name == m.name && s->type != m.type) {
          return absl::InvalidArgumentError(absl::StrCat(
              "max-of: policy #", i, " reads ", m.Describe(), ", another reads ",
              s->Describe(), " under the same name"));
        }
      }
      seen.push_back(&m);
    }
  }
  return std::unique_ptr<MaxOf>(new MaxOf(std::move(policies)));
}

MaxOf::MaxOf(std::vector<std::unique_ptr<Policy>> policies)
    : policies_(std::move(policies)) {
  for (const auto& p : policies_) {
    for (const hpa::MetricSpec& m : p->metrics()) {
      if (!Contains(metrics_, m.name)) metrics_.push_back(m);
    }
  }
  needs_projection_.assign(policies_.size(), true);
  projected_.resize(policies_.size());
  decisions_.resize(policies_.size());
}

int32_t MaxOf::min_replicas() const {
  int32_t lo = policies_[0]->min_replicas();
  for (const auto& p : policies_) lo = std::max(lo, p->min_replicas());
  return lo;
}

int32_t MaxOf::max_replicas() const {
  int32_t hi = policies_[0]->max_replicas();
  for (const auto& p : policies_) hi = std::max(hi, p->max_replicas());
  return hi;
}

absl::Status MaxOf::Decide(absl::Time now, const Observation& obs, Decision* out) {
  if (!IsAcceptedTime(now)) return CheckTime(now, "now");
  size_t winner = 0;
  for (size_t i = 0; i < policies_.size(); ++i) {
    Policy& p = *policies_[i];
    const Observation* view = &obs;
    if (!SameMetrics(obs, p.metrics())) {
      ProjectObservation(obs, p.metrics(), &projected_[i]);
      view = &projected_[i];
    }
    absl::Status st = p.Decide(now, *view, &decisions_[i]);
    if (!st.ok()) {
      return absl::Status(st.code(), absl::StrCat("max-of policy #", i, " (",
                                                  p.family(), "): ", st.message()));
    }
    if (decisions_[i].desired_replicas > decisions_[winner].desired_replicas) winner = i;
  }
  *out = decisions_[winner];
  if (winner != 0) {
    out->adjustments.push_back(Adjustment{AdjustmentKind::kMaxOf,
                                          decisions_[0].desired_replicas,
                                          decisions_[winner].desired_replicas,
                                          absl::StrCat("policy #", winner)});
  }
  return absl::OkStatus();
}

absl::Status MaxOf::Commit(Decision& decision) {
  if (!decision.rescale || decision.committed) {
    return absl::FailedPreconditionError(
        "Commit() takes this policy's latest decision that asked for a rescale, once");
  }
  for (size_t i = 0; i < policies_.size(); ++i) {
    Decision& d = decisions_[i];
    if (d.rescale && !d.committed && d.desired_replicas == decision.desired_replicas) {
      if (absl::Status st = policies_[i]->Commit(d); !st.ok()) return st;
    }
  }
  decision.committed = true;
  return absl::OkStatus();
}

absl::Status MaxOf::CommitFailed(Decision& decision, const absl::Status& error) {
  if (!decision.rescale || decision.committed) {
    return absl::FailedPreconditionError(
        "CommitFailed() takes this policy's latest decision that asked for a "
        "rescale, once");
  }
  for (size_t i = 0; i < policies_.size(); ++i) {
    Decision& d = decisions_[i];
    if (d.rescale && !d.committed && d.desired_replicas == decision.desired_replicas) {
      if (absl::Status st = policies_[i]->CommitFailed(d, error); !st.ok()) return st;
    }
  }
  decision.committed = true;
  return absl::OkStatus();
}

PolicyState MaxOf::ExportPolicyState() const {
  PolicyState s;
  s.family = family();
  for (const auto& p : policies_) s.children.push_back(p->ExportPolicyState());
  return s;
}

absl::Status MaxOf::ImportPolicyState(const PolicyState& state) {
  if (absl::Status st = CheckPolicyState(state, family(), policies_.size()); !st.ok()) {
    return st;
  }
  // All or nothing: the children import into copies first.
  std::vector<std::unique_ptr<Policy>> staged;
  for (size_t i = 0; i < policies_.size(); ++i) {
    staged.push_back(policies_[i]->Clone());
    absl::Status st = staged.back()->ImportPolicyState(state.children[i]);
    if (!st.ok()) {
      return absl::Status(st.code(), absl::StrCat("children[", i, "]: ", st.message()));
    }
  }
  policies_ = std::move(staged);
  return absl::OkStatus();
}

std::unique_ptr<Policy> MaxOf::Clone() const {
  std::vector<std::unique_ptr<Policy>> copies;
  for (const auto& p : policies_) copies.push_back(p->Clone());
  auto copy = std::unique_ptr<MaxOf>(new MaxOf(std::move(copies)));
  copy->decisions_ = decisions_;
  return copy;
}

std::optional<absl::Duration> MaxOf::sync_period() const {
  std::optional<absl::Duration> shortest;
  for (const auto& p : policies_) {
    const std::optional<absl::Duration> period = p->sync_period();
    if (period.has_value() && (!shortest.has_value() || *period < *shortest)) shortest = period;
  }
  return shortest;
}

// --- Activation -------------------------------------------------------------------

absl::StatusOr<std::unique_ptr<Activation>> Activation::Create(
    std::unique_ptr<Policy> inner, ActivationOptions options) {
  if (inner == nullptr) return absl::InvalidArgumentError("activation: no policy to wrap");
  if (!(options.activation_threshold >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "activation: activation_threshold must not be negative, got ",
        options.activation_threshold));
  }
  if (options.idle_replicas < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "activation: idle_replicas must not be negative, got ", options.idle_replicas));
  }
  if (options.idle_replicas >= std::max(1, inner->min_replicas())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "activation: idle_replicas (", options.idle_replicas,
        ") must be below the wrapped policy's minimum (",
        std::max(1, inner->min_replicas()), ")"));
  }
  if (options.cooldown < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("activation: cooldown must not be negative");
  }
  if (options.metric.name.empty()) {
    return absl::InvalidArgumentError("activation: the metric needs a name");
  }
  return std::unique_ptr<Activation>(new Activation(std::move(inner), std::move(options)));
}

Activation::Activation(std::unique_ptr<Policy> inner, ActivationOptions options)
    : inner_(std::move(inner)), options_(std::move(options)) {
  metrics_ = inner_->metrics();
  needs_projection_ = !Contains(metrics_, options_.metric.name);
  if (needs_projection_) metrics_.push_back(options_.metric);
}

absl::Status Activation::Decide(absl::Time now, const Observation& obs, Decision* out) {
  if (!IsAcceptedTime(now)) return CheckTime(now, "now");
  // The activation metric's value, as KEDA's IsActive sees it.
  bool failed = false;
  const std::optional<double> total = combinator::ObservedTotal(obs, options_.metric.name, &failed);
  const double value = total.value_or(0);
  if (!total.has_value()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "activation: the observation has no metric \"", options_.metric.name, "\""));
  }
  if (!first_decision_.has_value()) first_decision_ = now;
  // An imported state may hold times this clock has not reached: brought
  // back to now, so that no state can hold the cooldown for ever.
  if (*first_decision_ > now) first_decision_ = now;
  if (last_active_.has_value() && *last_active_ > now) last_active_ = now;
  // A failed read is not activity, and not idleness either: hold.
  active_ = !failed && value > options_.activation_threshold;
  if (active_) last_active_ = now;
  const int32_t current = obs.current_replicas;

  inner_decided_ = false;
  inner_rescale_ = false;
  if (current >= 1) {
    const Observation* view = &obs;
    if (needs_projection_) {
      ProjectObservation(obs, inner_->metrics(), &projected_);
      view = &projected_;
    }
    if (absl::Status st = inner_->Decide(now, *view, out); !st.ok()) return st;
    inner_decided_ = true;
    inner_desired_ = out->desired_replicas;
    inner_rescale_ = out->rescale;
  } else {
    // Not asked: a held decision at the current count.
    out->ResetToHold(now, current, DecisionPath::kScalingDisabled);
  }
  if (failed) return absl::OkStatus();
  const std::string& name = options_.metric.name;
  if (active_ && current < 1) {
    Adjust(out, AdjustmentKind::kActivation, name,
           std::max(1, inner_->min_replicas()));
  } else if (!active_ && current > options_.idle_replicas) {
    const absl::Time since = last_active_.value_or(*first_decision_);
    if (now - since >= options_.cooldown) {
      Adjust(out, AdjustmentKind::kActivation, name, options_.idle_replicas);
    }
  }
  return absl::OkStatus();
}

absl::Status Activation::Commit(Decision& decision) {
  if (!inner_decided_) {
    if (!decision.rescale || decision.committed) {
      return absl::FailedPreconditionError(
          "Commit() takes this policy's latest decision that asked for a rescale, once");
    }
    decision.committed = true;
    return absl::OkStatus();
  }
  return CommitInner(*inner_, inner_rescale_, inner_desired_, decision);
}

absl::Status Activation::CommitFailed(Decision& decision, const absl::Status& error) {
  if (!inner_decided_) {
    if (!decision.rescale || decision.committed) {
      return absl::FailedPreconditionError(
          "CommitFailed() takes this policy's latest decision that asked for a "
          "rescale, once");
    }
    decision.committed = true;
    return absl::OkStatus();
  }
  return CommitFailedInner(*inner_, inner_rescale_, inner_desired_, decision, error);
}

PolicyState Activation::ExportPolicyState() const {
  nlohmann::json own = nlohmann::json::object();
  auto time = [](absl::Time t) {
    return absl::FormatTime(absl::RFC3339_full, t, absl::UTCTimeZone());
  };
  if (last_active_) own["last_active"] = time(*last_active_);
  if (first_decision_) own["first_decision"] = time(*first_decision_);
  return Wrap(family(), *inner_, own.dump());
}

absl::Status Activation::ImportPolicyState(const PolicyState& state) {
  if (absl::Status st = CheckPolicyState(state, family(), 1); !st.ok()) return st;
  nlohmann::json own = nlohmann::json::parse(state.state_json, nullptr, false);
  if (own.is_discarded() || !own.is_object()) {
    return absl::InvalidArgumentError("activation state: not a JSON object");
  }
  std::optional<absl::Time> last_active, first_decision;
  for (auto it = own.begin(); it != own.end(); ++it) {
    std::optional<absl::Time>* slot = it.key() == "last_active"      ? &last_active
                                      : it.key() == "first_decision" ? &first_decision
                                                                     : nullptr;
    if (slot == nullptr) {
      return absl::InvalidArgumentError("activation state: " + it.key() + ": unknown field");
    }
    absl::Time t;
    std::string err;
    if (!it.value().is_string() ||
        !absl::ParseTime(absl::RFC3339_full, it.value().get<std::string>(), &t, &err) ||
        !IsAcceptedTime(t)) {
      return absl::InvalidArgumentError("activation state: " + it.key() +
                                        ": must be an RFC 3339 time from 1677-09-21 to "
                                        "2262-04-11 (int64 nanoseconds since the Unix epoch)");
    }
    *slot = t;
  }
  std::unique_ptr<Policy> staged = inner_->Clone();
  if (absl::Status st = staged->ImportPolicyState(state.children[0]); !st.ok()) return st;
  inner_ = std::move(staged);
  last_active_ = last_active;
  first_decision_ = first_decision;
  return absl::OkStatus();
}

std::unique_ptr<Policy> Activation::Clone() const {
  auto copy = std::unique_ptr<Activation>(new Activation(inner_->Clone(), options_));
  copy->last_active_ = last_active_;
  copy->first_decision_ = first_decision_;
  copy->active_ = active_;
  copy->inner_decided_ = inner_decided_;
  copy->inner_desired_ = inner_desired_;
  copy->inner_rescale_ = inner_rescale_;
  return copy;
}

}  // namespace agentscale
