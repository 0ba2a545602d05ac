// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The agent model: a discrete, per-task simulation of a fleet of agents
// under an autoscaler spec, driven by a workload trace.
//
// Tasks arrive (a per-interval count spread evenly or as a Poisson process,
// or one task per trace row); each has a service time (fixed, exponential,
// lognormal, or the row's value times a factor). Each ready agent runs at
// most `slots` tasks at once; the rest wait in one FIFO queue, and an
// arriving task goes to the least busy ready agent. New agents become ready
// `startup_delay` after they are created. Scale-in picks victims (agents
// still starting first, then newest first as Kubernetes does, or fewest
// active tasks) and either drains them (no new tasks; gone when empty) or
// kills them (running tasks go back to the front of the queue, and the work
// done on them is lost).
//
// Between the agents and the engine runs the seed's metrics pipeline: every
// `scrape_interval` each ready agent's app_active_task_count (its running
// tasks) is scraped; at every `sync_period` the adapter serves per agent the
// average of its scrapes over `adapter_window` (avg_over_time) — an agent
// with no scrape in the window is missing — and the engine evaluates, and a
// rescale is applied at once and committed. app_active_request_count is
// running tasks x `requests_per_task`; the queue length is the External
// metric `queue_metric`.
//
// With a resource model (ResourceModel below), each scrape also records
// every ready agent's CPU and memory use: the Resource metrics cpu and
// memory (and ContainerResource on the agent's one container) then read
// those per-agent samples against the agents' requests, as the HPA reads
// metrics-server and as ECS computes ECSServiceAverageCPUUtilization and
// ECSServiceAverageMemoryUtilization (docs/aws.md), and the result carries
// the fleet's mean CPU and memory utilization per sync.
//
// When the trace ends with tasks still queued, the run goes on with no new
// arrivals and the policy still deciding, until the queue is empty or
// `drain_limit` has passed; the summary's wait figures cover every task
// that arrived and was not dropped, the never-started ones with their time
// in the queue (docs/summary.md). A run brings at most `max_tasks` tasks.
//
// Everything random comes from one seeded generator of the library's own,
// drawn in arrival order, so the same seed gives the same tasks whatever the
// spec, and the same output on every platform.
//
//   agentscale::sim::AgentModelOptions opt;
//   opt.service_seconds = 60;
//   absl::StatusOr<agentscale::sim::AgentModelResult> r =
//       agentscale::sim::RunAgentModel(spec, trace, opt);
//   std::cout << r->summary.wait_p99 << "\n";
#ifndef AGENTSCALE_SIM_AGENT_MODEL_H_
#define AGENTSCALE_SIM_AGENT_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/metrics/extrapolation.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/policy/policy.h"
#include "agentscale/schedule/schedule.h"
#include "agentscale/sim/faults.h"
#include "agentscale/sim/summary.h"
#include "agentscale/sim/trace.h"

namespace agentscale::sim {

enum class ArrivalShape { kUniform, kPoisson, kPerRow };
enum class ServiceTimeModel { kFixed, kExponential, kLognormal, kTraceValue };
enum class VictimPolicy { kNewestFirst, kFewestActive };
enum class ScaleInMode { kDrain, kKill };

const char* ArrivalShapeName(ArrivalShape v);         // "uniform", ...
const char* ServiceTimeModelName(ServiceTimeModel v);  // "exponential", ...
const char* VictimPolicyName(VictimPolicy v);          // "newest-first", ...
const char* ScaleInModeName(ScaleInMode v);            // "drain", "kill"

// The metric names the model reports.
inline constexpr const char kTaskMetric[] = "app_active_task_count";
inline constexpr const char kRequestMetric[] = "app_active_request_count";

inline constexpr int64_t kMaxTasksLimit = 1'000'000'000'000;  // 1e12

// What an agent's memory follows besides its idle baseline.
enum class MemoryModel {
  // Memory in use follows the work: memory_per_task_mib per running task.
  kWork,
  // The work's share plus a data set the agent holds on to: every task it
  // finishes leaves data_set_mib_per_task resident (cached data, a heap
  // that does not shrink), up to data_set_cap_mib; only a new agent starts
  // empty. Memory then tracks the data the agent has seen, not its load.
  kDataSet,
};
// Garbage-collection pauses that burn CPU whatever the load.
enum class GcSpikes {
  kNone,
  // Every agent spikes every gc_interval for gc_spike_duration, each at its
  // own phase (drawn when the agent is created).
  kPeriodic,
  // Each agent's spikes start at random: between the end of one and the
  // start of the next is exponential with mean gc_interval.
  kRandom,
};
const char* MemoryModelName(MemoryModel v);  // "work", "data-set"
const char* GcSpikesName(GcSpikes v);        // "none", "periodic", "random"

// Per-agent CPU and memory: what an agent requests (its pod's requests, its
// ECS task's reservation) and what it uses. At a scrape, a ready agent with
// n running tasks uses
//   cpu    = min(cpu_limit, idle_cpu + n x cpu_per_task + spike)
//   memory = idle_memory + n x memory_per_task (+ its data set, kDataSet)
// where spike is gc_spike_millicores while a GC spike is in progress. Both
// are read at the scrape's instant (metrics-server's latest sample) and the
// Resource metrics serve each agent's latest scrape. Memory has no limit:
// an agent over its request is not killed.
//
// The seed gives the targets (ECS CPU 70 %, memory 80 %; the HPA's memory
// averageUtilization 80) but not the agents' requests or use: every default
// below is ours, chosen so that the seed's targets meet near one load. An
// agent running 70 tasks (the seed's app_active_task_count target) uses
// 70 + 70 x 9 = 700 m of its 1000 m CPU request (70 %) and 256 + 70 x 8 =
// 816 MiB of its 1024 MiB memory request (79.7 %).
struct ResourceModel {
  double cpu_request_millicores = 1000;
  // CPU use never exceeds this (a pod's limit, a Fargate task's size); at
  // least the request; infinity: no limit.
  double cpu_limit_millicores = 2000;
  double memory_request_mib = 1024;
  double idle_cpu_millicores = 70;
  double idle_memory_mib = 256;
  double cpu_per_task_millicores = 9;
  double memory_per_task_mib = 8;
  MemoryModel memory_model = MemoryModel::kWork;
  double data_set_mib_per_task = 4;
  // The most data set an agent holds; infinity: no cap.
  double data_set_cap_mib = 768;
  GcSpikes gc_spikes = GcSpikes::kNone;
  double gc_spike_millicores = 800;
  absl::Duration gc_spike_duration = absl::Seconds(30);
  absl::Duration gc_interval = absl::Minutes(10);
  // The name of the agent's one container (ContainerResource metrics).
  std::string container = "agent";
};

struct AgentModelOptions {
  ArrivalShape arrivals = ArrivalShape::kUniform;
  // The time each row of a per-interval trace covers; zero means the
  // trace's median row spacing.
  absl::Duration interval = absl::ZeroDuration();
  ServiceTimeModel service = ServiceTimeModel::kExponential;
  double service_seconds = 300;     // fixed value, or the mean
  double lognormal_sigma = 1.0;     // sigma of the underlying normal
  double trace_value_factor = 1.0;  // kTraceValue: seconds per unit of value
  int32_t slots = 100;
  absl::Duration startup_delay = absl::Seconds(60);
  VictimPolicy victims = VictimPolicy::kNewestFirst;
  ScaleInMode scale_in = ScaleInMode::kDrain;
  absl::Duration scrape_interval = absl::Seconds(15);
  absl::Duration adapter_window = absl::Minutes(1);
  // The controller's sync period; a policy's own (Policy::sync_period())
  // wins.
  absl::Duration sync_period = absl::Seconds(15);
  double requests_per_task = 0.6;
  std::string queue_metric = "agent_queue_depth";
  // Tasks arriving while this many wait are lost; negative: no limit.
  int64_t queue_capacity = -1;
  // Agents before the first sync (ready from the start); -1: minReplicas.
  int32_t initial_replicas = -1;
  // The most syncs a run may take, the drain included (per-sync records are
  // allocated up front): 5,000,000 is 2.4 years at 15 s. A longer run fails
  // before allocating, naming this limit; raise it for longer runs.
  size_t max_syncs = 5'000'000;
  uint64_t seed = 1;
  // When the trace ends with tasks still queued, the fleet and the policy
  // run on, syncing every sync_period with no new arrivals, until the queue
  // is empty or this long has passed. Tasks still queued then never started
  // ("unserved"); their time in the queue counts in the wait figures as a
  // lower bound of their wait. Zero: the run stops at the trace's end.
  absl::Duration drain_limit = absl::Hours(24);
  // The most tasks one run may bring, 1 to kMaxTasksLimit. A trace over it
  // is an error naming the row where it passes the limit (nothing is
  // simulated): memory grows with the tasks in flight, about 32 bytes per
  // task. Poisson arrivals are checked on their expected count, and the run
  // stops with an error if chance brings more than 1.1 x max_tasks + 1000.
  int64_t max_tasks = 20'000'000;
  double price_per_replica_hour = 1.0;
  double wait_slo_seconds = 60;
  // The Prometheus whose range semantics the summary's alerts follow.
  metrics::PrometheusVersion prometheus_version = metrics::PrometheusVersion::k3;
  bool record_waits = true;
  hpa::ControllerConfig config;
  // Windows in which reading a metric fails (sim/faults.h).
  std::vector<MetricOutage> outages;
  // A schedule of bounds over the policy (schedule/schedule.h), expanded
  // from the trace's start to 30 days after the drain limit. Only the spec-based
  // entry points take it; to schedule a Policy, wrap it with
  // schedule::WithSchedule.
  std::optional<schedule::ScheduleSpec> schedule;
  // A forecast floor around the policy (forecast/policy.h), inside the
  // schedule; the same entry points take it (forecast::WithForecast wraps a
  // Policy).
  std::optional<forecast::ForecastSpec> forecast;
  // Each agent is a Job (a KEDA ScaledJob's): it takes one task (one slot,
  // whatever `slots` says), exits when the task finishes, and exits at once
  // if it finds no task when it becomes ready. A decision below the current
  // count removes nothing (Jobs are not scaled in).
  bool jobs = false;
  // External metrics computed by a query (metrics/instant_query.h: a
  // selector, or sum/avg/max/min/count of one) over the model's own series
  // instead of the queue: app_pending_tasks (the queue, no labels),
  // app_active_task_count and app_active_request_count (one series per
  // ready agent, label pod). An empty result is 0 when empty_as_zero (KEDA's
  // ignoreNullValues), else a failed read.
  struct ExternalQuery {
    std::string metric;  // the External metric's name, e.g. "s0-prometheus"
    std::string query;   // e.g. "sum(app_active_task_count{pod=~\"agent-.*\"})"
    bool empty_as_zero = true;
  };
  std::vector<ExternalQuery> external_queries;
  // Per-agent CPU and memory (ResourceModel). Unset: the model has none,
  // unless the policy reads the Resource metric cpu or memory, which then
  // reads a ResourceModel with its defaults (the result says so in
  // resource_reading).
  std::optional<ResourceModel> resources;
};

struct AgentModelResult {
  // How the trace was read (sim/trace.h): arrivals per row.
  TraceMeaning trace_meaning = TraceMeaning::kArrivals;
  std::string trace_reading;
  // One entry per sync.
  std::vector<double> time_seconds;
  std::vector<double> demand;              // the trace value in force (0 in the drain)
  std::vector<int32_t> ready_replicas;     // ready agents (not draining)
  std::vector<int32_t> desired_replicas;   // spec.replicas after the sync
  std::vector<int32_t> alive_replicas;     // starting + ready + draining
  std::vector<int64_t> queue_length;
  std::vector<int64_t> running_tasks;
  // Per spec metric, the value the engine saw (plain units; NaN when the
  // metric failed): metric_values[m][sync].
  std::vector<std::string> metric_names;
  std::vector<std::vector<double>> metric_values;
  // With a resource model, per sync: the mean over ready agents with a
  // scrape of CPU and memory use in percent of the request, as the policy
  // saw them before it decided (NaN with no such agent; ECS's utilization
  // metrics are exactly these); empty without one.
  std::vector<double> cpu_utilization;
  std::vector<double> memory_utilization;
  // Their means over the syncs that have a value (NaN if none), and the
  // highest value.
  double cpu_utilization_mean = 0;
  double cpu_utilization_max = 0;
  double memory_utilization_mean = 0;
  double memory_utilization_max = 0;
  // The resource model in use in one line, or empty without one.
  std::string resource_reading;
  std::vector<int32_t> limit_reason;  // hpa::Reason of ScalingLimited
  std::vector<int32_t> path;          // DecisionPath
  // Per started task, in start order: seconds from arrival to first start.
  std::vector<double> waits_seconds;
  // Per task still queued at the end that never started (unserved), in
  // queue order: its time in the queue (a lower bound of its wait).
  std::vector<double> unserved_waits_seconds;
  // Time simulated after the trace's end to drain the queue (drain_limit).
  double drain_seconds = 0;
  // Counters; arrived == completed + queued + running + lost.
  int64_t tasks_arrived = 0;
  int64_t tasks_completed = 0;
  // Still queued when the run ended, after the drain: the never served
  // (unserved_waits_seconds), and killed tasks waiting to restart.
  int64_t tasks_queued_at_end = 0;
  int64_t tasks_running_at_end = 0;
  int64_t tasks_lost = 0;       // dropped: the queue was full
  int64_t tasks_restarted = 0;  // killed while running and re-queued
  double lost_work_seconds = 0;
  RunSummary summary;
};

absl::StatusOr<AgentModelResult> RunAgentModel(const hpa::AutoscalerSpec& spec,
                                               const Trace& trace,
                                               const AgentModelOptions& options = {});

// The same run with any policy (policy/policy.h), which keeps its state.
// The policy's metrics must be ones the model reports (above);
// options.config is not used (the policy has its own).
absl::StatusOr<AgentModelResult> RunAgentModel(Policy& policy, const Trace& trace,
                                               const AgentModelOptions& options = {});

}  // namespace agentscale::sim

#endif  // AGENTSCALE_SIM_AGENT_MODEL_H_
