// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the observation JSON format (`agentscale explain
// --observation`, ObservationFromJson). Any bytes must load or fail with an
// InvalidArgument error that starts with the source, never crash, hang or
// grow without bound; an observation that loads is one the HPA evaluates
// or refuses with InvalidArgument (a time outside the accepted range, a
// negative replica count), and an engine that refused goes on deciding.
//
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build build-fuzz --target observation_json_fuzz
//   build-fuzz/tests/fuzz/observation_json_fuzz -max_total_time=60 \
//     tests/fuzz/corpus/observation_json

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/policy/observation_json.h"

namespace {

std::vector<agentscale::hpa::MetricSpec> Metrics() {
  using agentscale::hpa::MetricSourceType;
  using agentscale::hpa::MetricTargetType;
  std::vector<agentscale::hpa::MetricSpec> out(4);
  out[0].type = MetricSourceType::kPods;
  out[0].name = "app_active_task_count";
  out[0].target.type = MetricTargetType::kAverageValue;
  out[0].target.average_value_milli = 70000;
  out[1].type = MetricSourceType::kExternal;
  out[1].name = "agent_queue_depth";
  out[1].target.type = MetricTargetType::kAverageValue;
  out[1].target.average_value_milli = 30000;
  out[2].type = MetricSourceType::kResource;
  out[2].name = "cpu";
  out[2].target.type = MetricTargetType::kUtilization;
  out[2].target.average_utilization = 70;
  out[3].type = MetricSourceType::kObject;
  out[3].name = "requests";
  out[3].described_object = {"v1", "Service", "agents"};
  out[3].target.type = MetricTargetType::kValue;
  out[3].target.value_milli = 100000;
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<agentscale::hpa::MetricSpec> metrics = Metrics();
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<agentscale::TimedObservation> o =
      agentscale::ObservationFromJson(text, metrics, "obs.json", absl::FromUnixSeconds(1000));
  if (!o.ok()) {
    if (o.status().code() != absl::StatusCode::kInvalidArgument ||
        !absl::StartsWith(o.status().message(), "obs.json")) {
      std::abort();
    }
    return 0;
  }
  agentscale::hpa::AutoscalerSpec spec;
  spec.name = "agents";
  spec.min_replicas = 1;
  spec.max_replicas = 50;
  spec.metrics = metrics;
  absl::StatusOr<agentscale::HorizontalAutoscaler> hpa =
      agentscale::HorizontalAutoscaler::CreateUnvalidated(spec);
  if (!hpa.ok()) std::abort();
  absl::StatusOr<agentscale::Decision> d = hpa->Evaluate(o->time, o->observation);
  if (!d.ok()) {
    if (d.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    agentscale::Observation empty;
    empty.current_replicas = 1;
    if (!hpa->Evaluate(absl::FromUnixSeconds(1000), empty).ok()) std::abort();
    return 0;
  }
  if (d->desired_replicas < 0 || d->desired_replicas > spec.max_replicas) std::abort();
  return 0;
}
