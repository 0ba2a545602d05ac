// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
#include "agentscale/serve/service.h"

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/serve/pass_through.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace agentscale::serve {
namespace {

using ::testing::HasSubstr;

// The seed's HPA: 10 tasks per agent on average, 1..20 agents, Kubernetes'
// default behavior (a 5-minute scale-down window).
std::unique_ptr<Policy> SeedHpa() {
  hpa::AutoscalerSpec spec;
  spec.name = "agents";
  spec.min_replicas = 1;
  spec.max_replicas = 20;
  spec.metrics = {hpa::MetricSpec::PodsAverageValue("app_active_task_count", 10'000)};
  spec.behavior = hpa::DefaultBehavior();
  absl::StatusOr<HorizontalAutoscaler> hpa = HorizontalAutoscaler::Create(spec);
  EXPECT_TRUE(hpa.ok()) << hpa.status();
  return std::make_unique<HorizontalAutoscaler>(std::move(*hpa));
}

// Always wants `n` replicas; its state is not the HPA's.
class FixedPolicy final : public Policy {
 public:
  explicit FixedPolicy(int32_t n) : n_(n) {
    metrics_.push_back(hpa::MetricSpec::PodsAverageValue("app_active_task_count", 10'000));
  }
  std::string family() const override { return "fixed"; }
  int32_t min_replicas() const override { return n_; }
  int32_t max_replicas() const override { return n_; }
  const std::vector<hpa::MetricSpec>& metrics() const override { return metrics_; }
  absl::Status Decide(absl::Time now, const Observation& obs, Decision* out) override {
    out->ResetToHold(now, obs.current_replicas, DecisionPath::kMetrics);
    out->desired_replicas = n_;
    out->rescale = n_ != obs.current_replicas;
    return absl::OkStatus();
  }
  absl::Status Commit(Decision&) override { return absl::OkStatus(); }
  absl::Status CommitFailed(Decision&, const absl::Status&) override { return absl::OkStatus(); }
  PolicyState ExportPolicyState() const override { return PolicyState{"fixed", "{}"}; }
  absl::Status ImportPolicyState(const PolicyState& state) override {
    if (state.family != "fixed") {
      return absl::InvalidArgumentError("the state of a " + state.family + " policy");
    }
    return absl::OkStatus();
  }
  std::unique_ptr<Policy> Clone() const override { return std::make_unique<FixedPolicy>(*this); }

 private:
  int32_t n_;
  std::vector<hpa::MetricSpec> metrics_;
};

// A fleet whose agents each report `per_pod` tasks, with as many agents as
// the last decision asked for (Kubernetes followed it).
struct FakeFleet {
  std::atomic<double> per_pod{5};
  std::atomic<int> replicas{2};
  std::atomic<bool> down{false};
  std::atomic<int> observed{0};

  std::shared_ptr<const ObservationSource> Source() {
    return std::make_shared<FunctionSource>(
        [this](absl::Time now, const ScaledObjectRef&, const Policy& policy,
               Observation* obs) -> absl::Status {
          ++observed;
          if (down) return absl::UnavailableError("connection refused");
          obs->current_replicas = replicas;
          obs->AddReadyPods(replicas);
          MetricObservation& m = obs->AddMetric(policy.metrics().at(0).name);
          for (int i = 0; i < replicas; ++i) {
            m.AddPodValue(absl::StrCat("agent-", i), per_pod, now);
          }
          return absl::OkStatus();
        },
        "fake agents");
  }
};

struct FakeClock {
  absl::Time now = absl::FromUnixSeconds(1'800'000'000);
  std::function<absl::Time()> Fn() {
    return [this] { return now; };
  }
};

ScaledObjectRef Ref(const std::string& name = "agents", const std::string& fleet = "seed") {
  ScaledObjectRef ref{name, "default", {}};
  if (!fleet.empty()) ref.scaler_metadata[kFleetKey] = fleet;
  return ref;
}

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/agentscale-serve-XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

int32_t Desired(ScalerService& s, const ScaledObjectRef& ref) {
  absl::StatusOr<std::vector<MetricValueAnswer>> v = s.GetMetrics(ref, kPassThroughMetricName);
  EXPECT_TRUE(v.ok()) << v.status();
  if (!v.ok() || v->size() != 1) return -1;
  EXPECT_EQ((*v)[0].metric_name, kPassThroughMetricName);
  EXPECT_EQ((*v)[0].value_float, static_cast<double>((*v)[0].value));
  return static_cast<int32_t>((*v)[0].value);
}

TEST(ScalerServiceTest, AnUnknownFleetIsNotFoundAndNamesTheScaledObject) {
  ScalerService s;
  FakeFleet fleet;
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  absl::StatusOr<bool> active = s.IsActive(Ref("agents", "nope"));
  ASSERT_EQ(active.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(active.status().message(), HasSubstr("default/agents"));
  EXPECT_THAT(active.status().message(), HasSubstr("\"nope\""));
  EXPECT_THAT(active.status().message(), HasSubstr("fleets served: seed"));
  // Without `fleet`, the ScaledObject's name is the fleet's.
  EXPECT_TRUE(s.IsActive(Ref("seed", "")).ok());
  EXPECT_EQ(s.IsActive(ScaledObjectRef{"", "default", {}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.AddFleet({"x", nullptr, fleet.Source()}).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ScalerServiceTest, TheMetricSpecIsThePassThroughOne) {
  ScalerService s;
  FakeFleet fleet;
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  absl::StatusOr<std::vector<MetricSpecAnswer>> spec = s.GetMetricSpec(Ref());
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->size(), 1u);
  EXPECT_EQ((*spec)[0].metric_name, kPassThroughMetricName);
  EXPECT_EQ((*spec)[0].target_size, kPassThroughTarget);
  EXPECT_EQ(s.GetMetrics(Ref(), "s0-replicas").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.GetMetricSpec(Ref("a", "b")).status().code(), absl::StatusCode::kNotFound);
}

TEST(ScalerServiceTest, DecisionsFollowTheLoadUpAndDown) {
  FakeClock clock;
  ServiceOptions options;
  options.clock = clock.Fn();
  std::vector<DecisionRecord> log;
  options.on_decision = [&log](const DecisionRecord& r) { log.push_back(r); };
  ScalerService s(options);
  FakeFleet fleet;
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());

  // 2 agents at 25 tasks each: 50 tasks want 5 agents.
  fleet.per_pod = 25;
  EXPECT_EQ(Desired(s, Ref()), 5);
  fleet.replicas = 5;
  EXPECT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].current_replicas, 2);
  EXPECT_EQ(log[0].desired_replicas, 5);
  EXPECT_THAT(log[0].why, HasSubstr("2 -> 5"));
  // Within the interval, polls answer the same decision without observing.
  const int observed = fleet.observed;
  clock.now += absl::Seconds(5);
  EXPECT_EQ(Desired(s, Ref()), 5);
  EXPECT_EQ(*s.IsActive(Ref()), true);
  EXPECT_EQ(fleet.observed, observed);
  // 15 s on: 5 agents at 16 tasks: 80 tasks want 8.
  clock.now += absl::Seconds(10);
  fleet.per_pod = 16;
  EXPECT_EQ(Desired(s, Ref()), 8);
  fleet.replicas = 8;
  // The load falls: 8 agents at 2 tasks want 2, but the 5-minute window
  // holds 8 until that recommendation ages out.
  fleet.per_pod = 2;
  for (int i = 0; i < 19; ++i) {
    clock.now += absl::Seconds(15);
    EXPECT_EQ(Desired(s, Ref()), 8) << "after " << (i + 1) * 15 << " s";
  }
  clock.now += absl::Seconds(15 * 2);
  EXPECT_EQ(Desired(s, Ref()), 2);
  ASSERT_TRUE(s.Latest("default/agents").has_value());
  EXPECT_EQ(s.Latest("default/agents")->desired_replicas, 2);
  const std::string line = DecisionLogLine(log.back());
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["scaledObject"], "default/agents");
  EXPECT_EQ(j["desired"], 2);
  EXPECT_EQ(j["current"], 8);
  EXPECT_EQ(j["fleet"], "seed");
}

TEST(ScalerServiceTest, AScaledObjectStaysWithTheFleetItWasFirstServedAs) {
  FakeClock clock;
  ServiceOptions options;
  options.clock = clock.Fn();
  ScalerService s(options);
  FakeFleet a, b;
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), a.Source()}).ok());
  ASSERT_TRUE(s.AddFleet({"other", SeedHpa(), b.Source()}).ok());
  a.per_pod = 25;
  EXPECT_EQ(Desired(s, Ref("agents", "seed")), 5);
  // Its metadata now names another fleet: refused, on the fast path too.
  int32_t desired = 0;
  EXPECT_FALSE(s.TryCurrent(Ref("agents", "other"), &desired));
  absl::StatusOr<std::vector<MetricValueAnswer>> moved =
      s.GetMetrics(Ref("agents", "other"), kPassThroughMetricName);
  ASSERT_EQ(moved.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(moved.status().message(), HasSubstr("served as fleet \"seed\""));
  EXPECT_THAT(moved.status().message(), HasSubstr("now names fleet \"other\""));
  EXPECT_EQ(s.engine_count(), 1u);
  EXPECT_EQ(Desired(s, Ref("agents", "seed")), 5);
}

TEST(ScalerServiceTest, EachScaledObjectHasItsOwnEngine) {
  FakeClock clock;
  ServiceOptions options;
  options.clock = clock.Fn();
  ScalerService s(options);
  FakeFleet a, b;
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), a.Source()}).ok());
  a.per_pod = 25;
  EXPECT_EQ(Desired(s, Ref("one")), 5);
  a.per_pod = 30;
  EXPECT_EQ(Desired(s, Ref("two")), 6);  // decided now, not the first one's answer
  EXPECT_EQ(Desired(s, Ref("one")), 5);  // still within its interval
  EXPECT_EQ(s.engine_count(), 2u);
}

TEST(ScalerServiceTest, AFailingSourceHoldsTheLastDecisionNeverScalesIn) {
  FakeClock clock;
  ServiceOptions options;
  options.clock = clock.Fn();
  ScalerService s(options);
  FakeFleet fleet;
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  fleet.down = true;
  absl::StatusOr<DecisionRecord> first = s.Poll(Ref());
  ASSERT_EQ(first.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(first.status().message(), HasSubstr("connection refused"));
  fleet.down = false;
  fleet.per_pod = 30;
  EXPECT_EQ(Desired(s, Ref()), 6);
  fleet.down = true;
  clock.now += absl::Seconds(15);
  absl::StatusOr<DecisionRecord> held = s.Poll(Ref());
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(held->held);
  EXPECT_EQ(held->desired_replicas, 6);
  EXPECT_THAT(held->why, HasSubstr("held at 6"));
  EXPECT_EQ(Desired(s, Ref()), 6);
}

TEST(ScalerServiceTest, ARestartInsideTheWindowKeepsTheWindow) {
  TempDir dir;
  FakeClock clock;
  FakeFleet fleet;
  {
    ServiceOptions options;
    options.clock = clock.Fn();
    options.state_dir = dir.path();
    ScalerService s(options);
    ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
    fleet.replicas = 4;
    fleet.per_pod = 20;  // 4 agents x 20 = 80 tasks: 8 agents
    EXPECT_EQ(Desired(s, Ref()), 8);
    fleet.replicas = 8;
    EXPECT_TRUE(std::filesystem::exists(s.StatePath(Ref())));
    fleet.per_pod = 1;  // the load falls right after: 8 tasks want 1 agent
    clock.now += absl::Seconds(15);
    EXPECT_EQ(Desired(s, Ref()), 8);
  }  // the service dies (its state is already on disk)
  clock.now += absl::Seconds(60);
  std::vector<std::string> warnings;
  ServiceOptions options;
  options.clock = clock.Fn();
  options.state_dir = dir.path();
  options.on_warning = [&warnings](const std::string& w) { warnings.push_back(w); };
  ScalerService restarted(options);
  ASSERT_TRUE(restarted.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  EXPECT_EQ(Desired(restarted, Ref()), 8);  // the window still holds
  EXPECT_TRUE(warnings.empty()) << warnings.at(0);
  // Kubernetes' controller forgets: a new one seeds its window with the
  // current count at its own start, so it holds too...
  ServiceOptions fresh_options;
  fresh_options.clock = clock.Fn();
  ScalerService fresh(fresh_options);
  ASSERT_TRUE(fresh.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  EXPECT_EQ(Desired(fresh, Ref()), 8);
  // ... but from the restart on: 315 s after the high recommendation the
  // restored window has passed and the restarted service scales in, while
  // the forgetful one holds until 300 s after its own start.
  clock.now += absl::Seconds(240);
  EXPECT_EQ(Desired(restarted, Ref()), 1);
  EXPECT_EQ(Desired(fresh, Ref()), 8);
}

TEST(ScalerServiceTest, AStateFileThatDoesNotLoadIsReportedAndIgnored) {
  TempDir dir;
  FakeClock clock;
  FakeFleet fleet;
  std::vector<std::string> warnings;
  ServiceOptions options;
  options.clock = clock.Fn();
  options.state_dir = dir.path();
  options.on_warning = [&warnings](const std::string& w) { warnings.push_back(w); };
  ScalerService probe(options);
  const std::string path = probe.StatePath(Ref());
  std::ofstream(path) << "{\"fleet\": \"seed\", \"policy\": 17";
  ScalerService s(options);
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  fleet.per_pod = 25;
  EXPECT_EQ(Desired(s, Ref()), 5);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr(path));
  EXPECT_THAT(warnings[0], HasSubstr("starts afresh"));
  // ... and is replaced by a good one.
  std::ifstream in(path);
  nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["fleet"], "seed");
  EXPECT_EQ(j["decision"]["desired"], 5);
}

TEST(ScalerServiceTest, StateFileNamesCannotEscapeTheDirectory) {
  ServiceOptions options;
  options.state_dir = "/state";
  ScalerService s(options);
  EXPECT_EQ(s.StatePath(ScaledObjectRef{"agents", "default", {}}), "/state/default.agents.json");
  EXPECT_EQ(s.StatePath(ScaledObjectRef{"../x", "a/b", {}}), "/state/a_2fb._2e_2e_2fx.json");
}

TEST(ScalerServiceTest, TheNumberOfEnginesIsBounded) {
  ServiceOptions options;
  options.max_scaled_objects = 3;
  ScalerService s(options);
  FakeFleet fleet;
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s.IsActive(Ref(absl::StrCat("so-", i))).ok());
  EXPECT_EQ(s.IsActive(Ref("so-3")).status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(s.IsActive(Ref("so-1")).ok());  // known ones still answer
}

TEST(ScalerServiceTest, ManyThreadsManyScaledObjects) {
  ServiceOptions options;
  options.decide_interval = absl::ZeroDuration();  // decide at every request
  std::atomic<int> decisions{0};
  options.on_decision = [&decisions](const DecisionRecord&) { ++decisions; };
  ScalerService s(options);
  FakeFleet fleet;
  fleet.replicas = 5;
  fleet.per_pod = 10;  // on target: 5 stays 5, nothing to commit
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&s, &failures, t] {
      for (int i = 0; i < 200; ++i) {
        ScaledObjectRef ref = Ref(absl::StrCat("so-", (i + t) % 8));
        absl::StatusOr<std::vector<MetricValueAnswer>> v = s.GetMetrics(ref, "replicas");
        if (!v.ok() || v->at(0).value != 5) ++failures;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(decisions, 800);
  EXPECT_EQ(s.engine_count(), 8u);
}

}  // namespace
}  // namespace agentscale::serve

namespace agentscale::serve {
namespace {

TEST(ScalerServiceReloadTest, EnginesKeepTheirStateAndGoneFleetsAreNotFound) {
  FakeClock clock;
  ServiceOptions options;
  options.clock = clock.Fn();
  std::vector<std::string> warnings;
  options.on_warning = [&warnings](const std::string& w) { warnings.push_back(w); };
  ScalerService s(options);
  FakeFleet fleet;
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  fleet.replicas = 4;
  fleet.per_pod = 20;  // 80 tasks: 8
  EXPECT_EQ(Desired(s, Ref()), 8);
  fleet.replicas = 8;
  fleet.per_pod = 1;  // the window holds 8

  // The same fleet reloaded: the engine keeps its window.
  std::vector<Fleet> same;
  same.push_back({"seed", SeedHpa(), fleet.Source()});
  ASSERT_TRUE(s.ReplaceFleets(std::move(same)).ok());
  clock.now += absl::Seconds(15);
  EXPECT_EQ(Desired(s, Ref()), 8);
  EXPECT_TRUE(warnings.empty());

  // A policy of another family does not take the HPA's state: it starts
  // afresh, with a warning.
  std::vector<Fleet> other;
  other.push_back({"seed", std::make_unique<FixedPolicy>(3), fleet.Source()});
  ASSERT_TRUE(s.ReplaceFleets(std::move(other)).ok());
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_THAT(warnings[0], HasSubstr("starts afresh"));
  EXPECT_EQ(Desired(s, Ref()), 3);  // decided at once: the interval restarted

  // The fleet leaves the configuration: its ScaledObjects are NOT_FOUND.
  std::vector<Fleet> none;
  none.push_back({"other", SeedHpa(), fleet.Source()});
  ASSERT_TRUE(s.ReplaceFleets(std::move(none)).ok());
  EXPECT_EQ(s.IsActive(Ref()).status().code(), absl::StatusCode::kNotFound);
  int32_t desired = 0;
  EXPECT_FALSE(s.TryCurrent(Ref(), &desired));

  // A configuration with a duplicate changes nothing.
  std::vector<Fleet> twice;
  twice.push_back({"a", SeedHpa(), fleet.Source()});
  twice.push_back({"a", SeedHpa(), fleet.Source()});
  EXPECT_EQ(s.ReplaceFleets(std::move(twice)).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.fleet_names(), (std::vector<std::string>{"other"}));
}

TEST(ScalerServiceTest, TryCurrentAnswersOnlyACurrentDecision) {
  FakeClock clock;
  ServiceOptions options;
  options.clock = clock.Fn();
  ScalerService s(options);
  FakeFleet fleet;
  ASSERT_TRUE(s.AddFleet({"seed", SeedHpa(), fleet.Source()}).ok());
  int32_t desired = -1;
  EXPECT_FALSE(s.TryCurrent(Ref(), &desired));  // no engine yet
  fleet.per_pod = 25;
  EXPECT_EQ(Desired(s, Ref()), 5);
  EXPECT_TRUE(s.TryCurrent(Ref(), &desired));
  EXPECT_EQ(desired, 5);
  EXPECT_FALSE(s.TryCurrent(Ref("agents", "other"), &desired));  // another fleet
  clock.now += absl::Seconds(15);
  EXPECT_FALSE(s.TryCurrent(Ref(), &desired));  // a decision is due
}

}  // namespace
}  // namespace agentscale::serve
