// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for engine state JSON: the HPA's agentscale.state/v1
// (StateFromJson) and the policy seam's agentscale.policy-state/v1
// (PolicyStateFromJson). Any bytes must load or fail with InvalidArgument,
// never crash, hang or grow without bound. A state that loads writes back
// to JSON that loads to the same state, imports into an engine, and leaves
// that engine able to decide at its last evaluation (the clock is never
// held where no later time can follow).
//
//   cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build build-fuzz --target state_json_fuzz
//   build-fuzz/tests/fuzz/state_json_fuzz -max_total_time=60 tests/fuzz/corpus/state_json

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/hpa/state_json.h"
#include "agentscale/policy/state.h"
#include "agentscale/time_bounds.h"

namespace {

agentscale::hpa::AutoscalerSpec Spec() {
  agentscale::hpa::AutoscalerSpec spec;
  spec.name = "agents";
  spec.min_replicas = 1;
  spec.max_replicas = 10;
  agentscale::hpa::MetricSpec m;
  m.type = agentscale::hpa::MetricSourceType::kPods;
  m.name = "app_active_task_count";
  m.target.type = agentscale::hpa::MetricTargetType::kAverageValue;
  m.target.average_value_milli = 70000;
  spec.metrics.push_back(m);
  return spec;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);

  absl::StatusOr<agentscale::AutoscalerState> s = agentscale::StateFromJson(text, "fuzz");
  if (!s.ok()) {
    if (s.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
  } else {
    absl::StatusOr<agentscale::AutoscalerState> back =
        agentscale::StateFromJson(agentscale::StateToJson(*s), "fuzz");
    if (!back.ok() || !(*back == *s)) std::abort();
    absl::StatusOr<agentscale::HorizontalAutoscaler> hpa =
        agentscale::HorizontalAutoscaler::CreateUnvalidated(Spec());
    if (!hpa.ok()) std::abort();
    if (!hpa->ImportState(*s).ok()) std::abort();  // StateFromJson checked it
    const absl::Time now = s->last_evaluation.value_or(absl::UnixEpoch());
    if (!agentscale::IsAcceptedTime(now)) std::abort();
    agentscale::Observation obs;
    obs.current_replicas = 2;
    absl::StatusOr<agentscale::Decision> d = hpa->Evaluate(now, obs);
    if (!d.ok()) std::abort();
  }

  absl::StatusOr<agentscale::PolicyState> p = agentscale::PolicyStateFromJson(text);
  if (!p.ok()) {
    if (p.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
  } else {
    absl::StatusOr<agentscale::PolicyState> back =
        agentscale::PolicyStateFromJson(agentscale::PolicyStateToJson(*p));
    if (!back.ok() || back->family != p->family || back->children.size() != p->children.size()) {
      std::abort();
    }
  }
  return 0;
}
