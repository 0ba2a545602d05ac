// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the agent model's inputs: a trace (CSV, any values
// the loader accepts, up to 1e300 tasks a row) and the options the command
// line sets (arrivals, service model, slots, startup, scale-in, queue
// capacity, drain), and the resource model under a CPU policy. Any input
// must run or fail with an InvalidArgument status, never crash, hang or
// grow without bound: a trace over the task limit is refused before
// anything is simulated. A run keeps its counters
// (arrived == completed + queued + running + lost; the wait figures cover
// every task not dropped). Built with clang when AGENTSCALE_BUILD_FUZZERS
// is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target agent_model_fuzz
//   /tmp/fuzz/tests/fuzz/agent_model_fuzz -max_total_time=30 tests/fuzz/corpus/agent_model
//
// Input: 8 option bytes, then the trace CSV.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/trace.h"
#include "agentscale/sim/trace_io.h"

namespace {

agentscale::hpa::AutoscalerSpec Spec(uint8_t b) {
  agentscale::hpa::AutoscalerSpec spec;
  spec.name = "fuzz";
  spec.min_replicas = 1 + (b & 1);
  spec.max_replicas = 1 + (b >> 1) % 12;
  spec.metrics.push_back(
      agentscale::hpa::MetricSpec::PodsAverageValue("app_active_task_count", 1000 * (1 + b % 50)));
  return spec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 8 || size > 16 * 1024) return 0;
  agentscale::sim::TraceCsvOptions csv;
  csv.max_rows = 2000;
  csv.max_bytes = 16 * 1024;
  const std::string text(reinterpret_cast<const char*>(data + 8), size - 8);
  absl::StatusOr<agentscale::sim::Trace> trace =
      agentscale::sim::ParseTraceCsv(text, csv, "fuzz.csv");
  if (!trace.ok()) return 0;
  // A bounded simulated span: the model's work grows with it.
  if (trace->end() - trace->start() > 3 * 86400) return 0;

  using agentscale::sim::AgentModelOptions;
  AgentModelOptions o;
  o.arrivals = static_cast<agentscale::sim::ArrivalShape>(data[1] % 3);
  o.service = static_cast<agentscale::sim::ServiceTimeModel>(data[2] % 4);
  o.service_seconds = 1 + data[3] * 4;
  o.slots = 1 + data[4] % 20;
  o.startup_delay = absl::Seconds(data[5] % 4 * 30);
  o.scale_in = data[6] & 1 ? agentscale::sim::ScaleInMode::kKill
                           : agentscale::sim::ScaleInMode::kDrain;
  o.victims = data[6] & 2 ? agentscale::sim::VictimPolicy::kFewestActive
                          : agentscale::sim::VictimPolicy::kNewestFirst;
  o.queue_capacity = data[6] & 4 ? data[7] * 10 : -1;
  o.jobs = (data[6] & 8) != 0;
  o.drain_limit = absl::Seconds((data[7] % 8) * (data[7] & 8 ? 4 : 450));  // some under a sync
  o.max_tasks = 20000;  // the limit under test, small enough to run fast
  o.trace_value_factor = 0.5;
  o.interval = data[5] & 16 ? absl::Seconds(60) : absl::ZeroDuration();

  agentscale::hpa::AutoscalerSpec spec = Spec(data[0]);
  if (data[6] & 32) {
    // The resource model, read by a CPU policy beside the task count.
    o.resources.emplace();
    o.resources->memory_model = data[6] & 64 ? agentscale::sim::MemoryModel::kDataSet
                                             : agentscale::sim::MemoryModel::kWork;
    o.resources->gc_spikes = static_cast<agentscale::sim::GcSpikes>(data[3] % 3);
    o.resources->gc_interval = absl::Seconds(1 + data[4] % 64 * 10);
    o.resources->gc_spike_duration = absl::Seconds(1 + data[4] % 8);
    spec.metrics.push_back(agentscale::hpa::MetricSpec::ResourceUtilization("cpu", 70));
  }
  absl::StatusOr<agentscale::sim::AgentModelResult> r =
      agentscale::sim::RunAgentModel(spec, *trace, o);
  if (!r.ok()) {
    if (r.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  if (r->tasks_arrived !=
      r->tasks_completed + r->tasks_queued_at_end + r->tasks_running_at_end + r->tasks_lost) {
    std::abort();
  }
  if (o.resources.has_value() && r->cpu_utilization.size() != r->time_seconds.size()) {
    std::abort();
  }
  if (r->summary.has_waits &&
      r->summary.wait_tasks != static_cast<int64_t>(r->waits_seconds.size() +
                                                    r->unserved_waits_seconds.size())) {
    std::abort();
  }
  // The run ends one sync period after its last sync (syncs are at the
  // trace's start plus whole periods, so a fractional start leaves a
  // rounding error of a few ulps in the difference).
  if (r->drain_seconds < 0 ||
      r->drain_seconds > absl::ToDoubleSeconds(o.drain_limit + o.sync_period) + 1e-6) {
    std::abort();
  }
  return 0;
}
