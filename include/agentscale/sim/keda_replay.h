// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The fluid replay of a KEDA ScaledObject (KEDA_REPLAY.md): a trace drives
// each trigger's value (the fleet total a query returns, independent of the
// replica count); KEDA's poll and the HPA's sync run at their own instants
// (keda/policy.h); one entry is recorded per HPA sync instant, after
// everything that happened at it.
//
//   absl::StatusOr<agentscale::sim::FluidResult> r =
//       agentscale::sim::ReplayScaledObject(scaled_object, {{"", &trace}});
//   // r->time_seconds: t0, t0 + 15, ...; r->replicas: R after each instant.
//
// Traces are matched to triggers by the trigger's metric name
// ("s0-prometheus") or its `name`; one unnamed trace drives the first
// trigger that is not cpu/memory. A NaN value in a trace (a null sample,
// trace_io.h allow_null_values) reads as 0 for a prometheus trigger with
// ignoreNullValues true (the default) and as a failed read otherwise, which
// exercises fallback. options.period is the HPA's sync period (15 s);
// options.initial_replicas, if not -1, replaces the starting count
// max(minReplicaCount, 1); options.external_rounding is ignored (KEDA
// truncates). The cost figures in `summary` count every poll and sync
// instant, so a scale between two syncs is billed from when it happened.
#ifndef AGENTSCALE_SIM_KEDA_REPLAY_H_
#define AGENTSCALE_SIM_KEDA_REPLAY_H_

#include "absl/status/statusor.h"
#include "agentscale/keda/scaled_job.h"
#include "agentscale/keda/scaled_object.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/fluid.h"

namespace agentscale::sim {

absl::StatusOr<FluidResult> ReplayScaledObject(const keda::ScaledObjectSpec& scaled_object,
                                               const MetricTraces& traces,
                                               const FluidOptions& options = {});

// The agent model (sim/agent_model.h) scaled by a ScaledObject: its one
// External trigger reads the queue of waiting tasks (the seed's
// sum(app_pending_tasks)); the model syncs every
// gcd(pollingInterval, options.sync_period) so that both KEDA's polls and
// the HPA's syncs (every options.sync_period) happen at their instants.
// options.queue_metric is ignored. Errors: no External trigger, or more
// than one, or cpu/memory triggers (the agent model reports neither).
absl::StatusOr<AgentModelResult> RunAgentModel(const keda::ScaledObjectSpec& scaled_object,
                                               const Trace& trace,
                                               const AgentModelOptions& options = {});

// The agent model under a ScaledJob: every agent is a Job (options.jobs)
// that takes one task and exits; the ScaledJobPolicy polls every
// pollingInterval (the model's sync period), reads its one trigger as the
// queue of waiting tasks, and starts Jobs as its strategy says. The summary
// counts Job-hours as replica-hours. options.queue_metric, sync_period,
// slots, jobs and initial_replicas are set here.
absl::StatusOr<AgentModelResult> RunAgentModel(const keda::ScaledJobSpec& scaled_job,
                                               const Trace& trace,
                                               const AgentModelOptions& options = {});

}  // namespace agentscale::sim

#endif  // AGENTSCALE_SIM_KEDA_REPLAY_H_
