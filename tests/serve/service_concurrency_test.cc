// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ScalerService under concurrent requests, reloads, metric renders and
// state writes (the TSan stage runs it: label tsan). It compiles the
// service's source with a small policy of its own, so that the TSan build
// needs only the policy layer.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/policy/policy.h"
#include "agentscale/serve/service.h"
#include "gtest/gtest.h"

namespace agentscale::serve {
namespace {

// Wants one replica more than it sees, up to 50; remembers how many times
// it was committed.
class StepPolicy final : public Policy {
 public:
  StepPolicy() { metrics_.push_back(hpa::MetricSpec::ExternalValue("load", 1000)); }
  std::string family() const override { return "step"; }
  int32_t min_replicas() const override { return 1; }
  int32_t max_replicas() const override { return 50; }
  const std::vector<hpa::MetricSpec>& metrics() const override { return metrics_; }
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override {
    out->ResetToHold(now, obs.current_replicas, DecisionPath::kMetrics);
    out->desired_replicas = std::min(obs.current_replicas + 1, 50);
    out->rescale = out->desired_replicas != obs.current_replicas;
    return absl::OkStatus();
  }
  absl::Status Commit(Decision&) override {
    ++commits_;
    return absl::OkStatus();
  }
  absl::Status CommitFailed(Decision&, const absl::Status&) override { return absl::OkStatus(); }
  PolicyState ExportPolicyState() const override {
    PolicyState s;
    s.family = "step";
    s.state_json = absl::StrCat("{\"commits\":", commits_, "}");
    return s;
  }
  absl::Status ImportPolicyState(const PolicyState& state) override {
    if (state.family != "step") return absl::InvalidArgumentError("not a step state");
    return absl::OkStatus();
  }
  std::unique_ptr<Policy> Clone() const override { return std::make_unique<StepPolicy>(*this); }

 private:
  std::vector<hpa::MetricSpec> metrics_;
  int64_t commits_ = 0;
};

std::shared_ptr<const ObservationSource> Source() {
  return std::make_shared<FunctionSource>(
      [](absl::Time, const ScaledObjectRef& ref, const Policy&, Observation* obs) {
        obs->current_replicas = static_cast<int32_t>(ref.name.size());
        obs->AddMetric("load").AddExternalValue(1.0);
        return absl::OkStatus();
      },
      "sizes");
}

TEST(ScalerServiceConcurrencyTest, RequestsReloadsRendersAndStateWrites) {
  char tmpl[] = "/tmp/agentscale-serve-tsan-XXXXXX";
  const std::string dir = ::mkdtemp(tmpl);
  ServiceOptions options;
  options.state_dir = dir;
  options.decide_interval = absl::ZeroDuration();
  std::atomic<int> logged{0};
  options.on_decision = [&logged](const DecisionRecord&) { ++logged; };
  ScalerService service(options);
  ASSERT_TRUE(service.AddFleet({"step", std::make_unique<StepPolicy>(), Source()}).ok());

  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        ScaledObjectRef ref{absl::StrCat("so", std::string((i + t) % 6, 'x')), "default",
                            {{kFleetKey, "step"}}};
        absl::StatusOr<std::vector<MetricValueAnswer>> v = service.GetMetrics(ref, "replicas");
        if (!v.ok() || v->at(0).value != static_cast<int64_t>(ref.name.size()) + 1) ++failures;
        if (!service.IsActive(ref).ok() || !service.GetMetricSpec(ref).ok()) ++failures;
      }
    });
  }
  threads.emplace_back([&] {
    while (!stop) {
      std::vector<Fleet> fleets;
      fleets.push_back({"step", std::make_unique<StepPolicy>(), Source()});
      if (!service.ReplaceFleets(std::move(fleets)).ok()) ++failures;
    }
  });
  threads.emplace_back([&] {
    while (!stop) {
      if (service.RenderMetrics().empty()) ++failures;
      service.Latest("default/sox");
      service.engine_count();
    }
  });
  for (int t = 0; t < 4; ++t) threads[t].join();
  stop = true;
  for (size_t t = 4; t < threads.size(); ++t) threads[t].join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(logged, 4 * 300 * 2);  // GetMetrics and IsActive each decide
  EXPECT_EQ(service.engine_count(), 6u);
  for (int n = 0; n < 6; ++n) {
    EXPECT_TRUE(std::filesystem::exists(
        service.StatePath(ScaledObjectRef{absl::StrCat("so", std::string(n, 'x')), "default",
                                          {}})));
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace agentscale::serve
