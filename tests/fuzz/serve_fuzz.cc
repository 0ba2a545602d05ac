// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for what `agentscale serve` reads from outside: its
// configuration (serve.yaml, config/serve.h) and KEDA's requests. The first
// byte picks which:
//   even: the rest is serve.yaml; it loads or fails with a status, never
//         crashes (policy files are looked up under a directory that does
//         not exist, so only the file's own parsing runs);
//   odd:  the rest is a GetMetricsRequest on the wire (protobuf); whatever
//         it holds goes through IsActive, GetMetricSpec and GetMetrics of a
//         service with one fleet, which answer or fail with a status, and
//         the state file a ScaledObject would get never leaves the state
//         directory.
// Built with clang when AGENTSCALE_BUILD_FUZZERS is ON (and gRPC found):
//
//   cmake --build /tmp/fuzz --target serve_fuzz
//   /tmp/fuzz/tests/fuzz/serve_fuzz -max_total_time=60 tests/fuzz/corpus/serve

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "agentscale/config/serve.h"
#include "agentscale/policy/policy.h"
#include "agentscale/serve/service.h"
#include "externalscaler.pb.h"

namespace {

using agentscale::Decision;
using agentscale::Observation;
using agentscale::Policy;
using agentscale::PolicyState;

// Asks for what it sees plus one.
class PlusOne final : public Policy {
 public:
  PlusOne() { metrics_.push_back(agentscale::hpa::MetricSpec::ExternalValue("load", 1000)); }
  std::string family() const override { return "plus-one"; }
  int32_t min_replicas() const override { return 0; }
  int32_t max_replicas() const override { return 100; }
  const std::vector<agentscale::hpa::MetricSpec>& metrics() const override { return metrics_; }
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override {
    out->ResetToHold(now, obs.current_replicas, agentscale::DecisionPath::kMetrics);
    out->desired_replicas = obs.current_replicas + 1;
    out->rescale = true;
    return absl::OkStatus();
  }
  absl::Status Commit(Decision&) override { return absl::OkStatus(); }
  absl::Status CommitFailed(Decision&, const absl::Status&) override { return absl::OkStatus(); }
  PolicyState ExportPolicyState() const override { return PolicyState{"plus-one", "{}"}; }
  absl::Status ImportPolicyState(const PolicyState&) override { return absl::OkStatus(); }
  std::unique_ptr<Policy> Clone() const override { return std::make_unique<PlusOne>(*this); }

 private:
  std::vector<agentscale::hpa::MetricSpec> metrics_;
};

agentscale::serve::ScalerService& Service() {
  static agentscale::serve::ScalerService* service = [] {
    agentscale::serve::ServiceOptions options;
    options.max_scaled_objects = 2000;
    options.state_dir = "/state";  // never written: StatePath only
    options.decide_interval = absl::Hours(1);
    auto* s = new agentscale::serve::ScalerService(options);
    auto source = std::make_shared<agentscale::serve::FunctionSource>(
        [](absl::Time, const agentscale::serve::ScaledObjectRef& ref, const Policy&,
           Observation* obs) {
          obs->current_replicas = static_cast<int32_t>(ref.scaler_metadata.size() % 50);
          obs->AddMetric("load").AddExternalValue(1.0);
          return absl::OkStatus();
        },
        "fuzz");
    if (!s->AddFleet({"seed", std::make_unique<PlusOne>(), source}).ok()) std::abort();
    return s;
  }();
  return *service;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64 * 1024) return 0;
  const std::string rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if ((data[0] & 1) == 0) {
    absl::StatusOr<agentscale::config::ServeConfig> cfg =
        agentscale::config::LoadServeConfigString(rest, "fuzz.yaml", "/nonexistent-serve-dir");
    if (cfg.ok() && cfg->fleets.empty()) std::abort();  // a config serves something
    return 0;
  }
  externalscaler::GetMetricsRequest request;
  if (!request.ParseFromString(rest)) return 0;
  agentscale::serve::ScaledObjectRef ref;
  ref.name = request.scaledobjectref().name();
  ref.namespace_name = request.scaledobjectref().namespace_();
  for (const auto& [k, v] : request.scaledobjectref().scalermetadata()) {
    ref.scaler_metadata.emplace(k, v);
  }
  agentscale::serve::ScalerService& service = Service();
  absl::StatusOr<bool> active = service.IsActive(ref);
  absl::StatusOr<std::vector<agentscale::serve::MetricSpecAnswer>> spec =
      service.GetMetricSpec(ref);
  absl::StatusOr<std::vector<agentscale::serve::MetricValueAnswer>> values =
      service.GetMetrics(ref, request.metricname());
  if (active.ok() != spec.ok()) std::abort();  // both know the same ScaledObjects
  if (values.ok() && (values->size() != 1 || (*values)[0].value < 0)) std::abort();
  const std::string path = service.StatePath(ref);
  if (!absl::StartsWith(path, "/state/") ||
      path.find('/', sizeof("/state/") - 1) != std::string::npos) {
    std::abort();
  }
  return 0;
}
