// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/sim/keda_replay.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "agentscale/keda/policy.h"
#include "agentscale/metrics/instant_query.h"
#include "agentscale/status_macros.h"
#include "scheduled.h"

namespace agentscale::sim {

namespace {

// Keeps the entries of `v` at `keep`.
template <typename T>
void Keep(std::vector<T>* v, const std::vector<size_t>& keep) {
  if (v->empty()) return;
  for (size_t j = 0; j < keep.size(); ++j) (*v)[j] = (*v)[keep[j]];
  v->resize(keep.size());
}

}  // namespace

absl::StatusOr<FluidResult> ReplayScaledObject(const keda::ScaledObjectSpec& scaled_object,
                                               const MetricTraces& traces,
                                               const FluidOptions& options) {
  if (traces.empty()) {
    return absl::InvalidArgumentError("KEDA replay needs at least one trace");
  }
  if (options.period <= absl::ZeroDuration() ||
      options.period % absl::Seconds(1) != absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the HPA sync period must be a positive whole number of seconds, got ",
                     absl::FormatDuration(options.period)));
  }
  keda::ScaledObjectOptions po;
  po.hpa_sync_period = options.period;
  po.config = options.config;
  AGENTSCALE_ASSIGN_OR_RETURN(std::unique_ptr<keda::ScaledObjectPolicy> policy,
                              keda::ScaledObjectPolicy::Create(scaled_object, po));
  const keda::ScaledObjectSpec& so = policy->spec();

  // Each trace to its trigger; null samples as the trigger reads them.
  std::vector<Trace> owned;
  owned.reserve(traces.size());
  MetricTraces named;
  bool failed_reads = false;
  for (const auto& [name, trace] : traces) {
    if (trace == nullptr) return absl::InvalidArgumentError("a null trace");
    const keda::Trigger* trigger = nullptr;
    for (const keda::Trigger& t : so.triggers) {
      if (!name.empty() && (name == t.metric_name || name == t.name)) trigger = &t;
    }
    if (name.empty() && traces.size() == 1) {
      for (const keda::Trigger& t : so.triggers) {
        if (trigger == nullptr && t.kind == keda::TriggerKind::kExternal && !t.cron) trigger = &t;
      }
    }
    if (trigger != nullptr && trigger->cron.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "a trace is given for the cron trigger \"", name, "\" of ScaledObject ", so.name,
          ", which reads the clock (the trace's timestamps), not a metric"));
    }
    if (trigger == nullptr && name.empty() && traces.size() == 1 &&
        policy->metrics().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ScaledObject ", so.name,
          " has only cron triggers, which read the clock: the fluid replay has no metric to "
          "drive; the agent model (simulate) shows how its schedule serves the trace"));
    }
    if (trigger == nullptr) {
      std::vector<std::string> names;
      for (const keda::Trigger& t : so.triggers) {
        names.push_back(t.name.empty() ? t.metric_name : t.name + " (" + t.metric_name + ")");
      }
      return absl::InvalidArgumentError(absl::StrCat(
          "a trace is given for \"", name, "\", which is not a trigger of ScaledObject ",
          so.name, " (its triggers: ", absl::StrJoin(names, ", "), ")"));
    }
    const Trace* use = trace;
    const bool has_null =
        std::any_of(trace->values.begin(), trace->values.end(), [](double v) { return std::isnan(v); });
    if (has_null) {
      if (trigger->kind == keda::TriggerKind::kExternal && trigger->ignore_null_values) {
        owned.push_back(*trace);
        for (double& v : owned.back().values) {
          if (std::isnan(v)) v = 0;
        }
        use = &owned.back();
      } else {
        failed_reads = true;
      }
    }
    named.emplace_back(trigger->metric_name, use);
  }

  FluidOptions fo = options;
  fo.period = policy->PollAndSyncStep();
  fo.external_rounding = MilliRounding::kTruncate;
  fo.null_is_failed_read = options.null_is_failed_read || failed_reads;
  if (fo.initial_replicas < 0) fo.initial_replicas = std::max(so.min_replica_count, 1);
  internal::ClearWrappers(&fo);
  double t0 = std::numeric_limits<double>::infinity();
  double t_end = -std::numeric_limits<double>::infinity();
  for (const auto& [name, trace] : named) {
    if (trace->empty()) continue;
    t0 = std::min(t0, trace->start());
    t_end = std::max(t_end, trace->end());
  }
  AGENTSCALE_ASSIGN_OR_RETURN(internal::Wrapped run,
                              internal::Scheduled(std::move(policy), options, t0, t_end));
  AGENTSCALE_ASSIGN_OR_RETURN(FluidResult result,
                              internal::WithScore(FluidReplay(*run.policy, named, fo), run));

  if (fo.period != options.period && !result.time_seconds.empty()) {
    // Only the HPA's sync instants are recorded.
    const double t0 = result.time_seconds.front();
    const double sync = absl::ToDoubleSeconds(options.period);
    std::vector<size_t> keep;
    for (size_t i = 0; i < result.time_seconds.size(); ++i) {
      if (std::fmod(result.time_seconds[i] - t0, sync) == 0) keep.push_back(i);
    }
    Keep(&result.time_seconds, keep);
    Keep(&result.demand, keep);
    Keep(&result.replicas, keep);
    Keep(&result.metric_value, keep);
    Keep(&result.limit_reason, keep);
    Keep(&result.path, keep);
    Keep(&result.current_replicas, keep);
    // "Before the sync" is now what the previous recorded instant left.
    for (size_t j = 1; j < result.current_replicas.size(); ++j) {
      result.current_replicas[j] = result.replicas[j - 1];
    }
    result.period_seconds = absl::ToDoubleSeconds(options.period);
  }
  return result;
}

absl::StatusOr<AgentModelResult> RunAgentModel(const keda::ScaledObjectSpec& scaled_object,
                                               const Trace& trace,
                                               const AgentModelOptions& options) {
  keda::ScaledObjectOptions po;
  po.hpa_sync_period = options.sync_period;
  po.config = options.config;
  AGENTSCALE_ASSIGN_OR_RETURN(std::unique_ptr<keda::ScaledObjectPolicy> policy,
                              keda::ScaledObjectPolicy::Create(scaled_object, po));
  // Cron triggers read the clock; of the others, one is the queue.
  const keda::Trigger* queue = nullptr;
  for (const keda::Trigger& t : policy->spec().triggers) {
    if (t.cron.has_value()) continue;
    if (t.kind != keda::TriggerKind::kExternal || queue != nullptr) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ScaledObject ", scaled_object.name,
          ": the agent model drives one trigger besides cron triggers, read as its queue of "
          "waiting tasks; this object has ", policy->metrics().size(), " such triggers",
          t.kind == keda::TriggerKind::kExternal ? "" : " (cpu/memory among them)"));
    }
    queue = &t;
  }
  AgentModelOptions o = options;
  o.sync_period = policy->PollAndSyncStep();
  if (o.initial_replicas < 0) o.initial_replicas = std::max(scaled_object.min_replica_count, 1);
  internal::ClearWrappers(&o);
  const double end = internal::ScheduleEnd(trace, options);
  if (queue == nullptr) {
    AGENTSCALE_ASSIGN_OR_RETURN(
        internal::Wrapped run,
        internal::Scheduled(std::move(policy), options, trace.empty() ? 0 : trace.start(), end));
    return internal::WithScore(RunAgentModel(*run.policy, trace, o), run);
  }
  o.queue_metric = queue->metric_name;
  // A prometheus query in the subset the model evaluates reads the model's
  // own series (the seed's sum(app_pending_tasks) is the queue); any other
  // trigger reads the queue of waiting tasks.
  auto query = queue->metadata.find("query");
  if (queue->type == "prometheus" && query != queue->metadata.end() &&
      metrics::InstantQuery::Parse(query->second).ok()) {
    o.external_queries.push_back({queue->metric_name, query->second, queue->ignore_null_values});
  }
  AGENTSCALE_ASSIGN_OR_RETURN(
      internal::Wrapped run,
      internal::Scheduled(std::move(policy), options, trace.empty() ? 0 : trace.start(), end));
  return internal::WithScore(RunAgentModel(*run.policy, trace, o), run);
}

absl::StatusOr<AgentModelResult> RunAgentModel(const keda::ScaledJobSpec& scaled_job,
                                               const Trace& trace,
                                               const AgentModelOptions& options) {
  AGENTSCALE_ASSIGN_OR_RETURN(std::unique_ptr<keda::ScaledJobPolicy> policy,
                              keda::ScaledJobPolicy::Create(scaled_job));
  if (policy->metrics().size() > 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ScaledJob ", scaled_job.name,
        ": the agent model drives one trigger besides cron triggers, read as its queue of "
        "waiting tasks; this object has ", policy->metrics().size(), " such triggers"));
  }
  AgentModelOptions o = options;
  o.jobs = true;
  o.slots = 1;
  if (!policy->metrics().empty()) o.queue_metric = policy->metrics().front().name;
  for (const keda::Trigger& t : policy->spec().triggers) {
    auto query = t.metadata.find("query");
    if (t.metric_name == o.queue_metric && t.type == "prometheus" &&
        query != t.metadata.end() && metrics::InstantQuery::Parse(query->second).ok()) {
      o.external_queries.push_back({t.metric_name, query->second, t.ignore_null_values});
    }
  }
  o.sync_period = absl::Seconds(scaled_job.polling_interval_seconds);
  o.initial_replicas = 0;  // the first poll starts what minReplicaCount asks
  internal::ClearWrappers(&o);
  AGENTSCALE_ASSIGN_OR_RETURN(
      internal::Wrapped run,
      internal::Scheduled(std::move(policy), options, trace.empty() ? 0 : trace.start(),
                          internal::ScheduleEnd(trace, options)));
  return internal::WithScore(RunAgentModel(*run.policy, trace, o), run);
}

}  // namespace agentscale::sim
