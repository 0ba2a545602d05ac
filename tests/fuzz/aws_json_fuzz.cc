// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the AWS API JSON loader (config/aws.h): any bytes
// must load or fail with an InvalidArgument status, never crash, hang or
// grow without bound. A file that loads builds a ScalableTargetPolicy,
// which decides for an hour of minutes without error, never outside the
// range its scheduled actions leave, and whose state survives the JSON
// round trip. Built with clang when AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target aws_json_fuzz
//   /tmp/fuzz/tests/fuzz/aws_json_fuzz -max_total_time=60 tests/fuzz/corpus/aws_json

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/aws/policy.h"
#include "agentscale/config/aws.h"
#include "agentscale/policy/state.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<agentscale::aws::ScalableTargetSpec> spec =
      agentscale::config::LoadAwsScalingString(text, "fuzz.json");
  if (!spec.ok()) {
    if (spec.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  absl::StatusOr<std::unique_ptr<agentscale::aws::ScalableTargetPolicy>> p =
      agentscale::aws::ScalableTargetPolicy::Create(*spec);
  if (!p.ok()) std::abort();
  agentscale::aws::ScalableTargetPolicy& policy = **p;
  // An hour of minutes from a Friday evening, with every metric at a value
  // that moves with the input's length.
  const absl::Time start = absl::FromUnixSeconds(1774634400);  // 2026-03-27T18:00:00Z
  int32_t current = spec->min_capacity;
  agentscale::Decision d;
  for (int m = 0; m < 60; ++m) {
    agentscale::Observation obs;
    obs.current_replicas = current;
    obs.AddReadyPods(current);
    for (agentscale::hpa::Pod& pod : obs.pods) {
      pod.containers.push_back({"app", {int64_t{1000}, int64_t{1000000}}, false});
    }
    const double value = static_cast<double>((size * 7 + static_cast<size_t>(m) * 13) % 200);
    for (const agentscale::hpa::MetricSpec& ms : policy.metrics()) {
      agentscale::MetricObservation& mo = obs.AddMetric(ms.name);
      if (ms.type == agentscale::hpa::MetricSourceType::kExternal) {
        mo.AddExternalValue(value);
      } else {
        for (const agentscale::hpa::Pod& pod : obs.pods) {
          mo.AddPodValue(pod.name, value * 10, start);
        }
      }
    }
    const absl::Time now = start + absl::Minutes(m);
    if (!policy.Decide(now, obs, &d).ok()) std::abort();
    if (d.rescale) {
      if (d.desired_replicas < policy.min_replicas() || d.desired_replicas > policy.max_replicas()) {
        std::abort();
      }
      if (!policy.Commit(d).ok()) std::abort();
      current = d.desired_replicas;
    }
  }
  const agentscale::PolicyState state = policy.ExportPolicyState();
  absl::StatusOr<agentscale::PolicyState> back =
      agentscale::PolicyStateFromJson(agentscale::PolicyStateToJson(state));
  if (!back.ok()) std::abort();
  absl::StatusOr<std::unique_ptr<agentscale::aws::ScalableTargetPolicy>> q =
      agentscale::aws::ScalableTargetPolicy::Create(*spec);
  if (!q.ok() || !(*q)->ImportPolicyState(*back).ok()) std::abort();
  if ((*q)->ExportPolicyState() != state) std::abort();
  return 0;
}
