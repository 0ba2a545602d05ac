// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/presets.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::config {
namespace {

struct Profile {
  const char* name;
  HpaValues values;
};

HpaRulesValues Window(int64_t seconds) {
  HpaRulesValues rules;
  rules.stabilization_window = absl::Seconds(seconds);
  return rules;
}

HpaValues Values(int32_t min, int32_t max, int64_t tasks, HpaRulesValues down,
                 HpaRulesValues up) {
  HpaValues v;
  v.min_replicas = min;
  v.max_replicas = max;
  v.tasks_target_milli = tasks * 1000;
  v.scale_down = down;
  v.scale_up = up;
  return v;
}

// The seed's `hpa:` blocks, field for field: a block that does not write a
// window leaves it unset here too (ARCHITECTURE.md, "The seed's scenario").
const std::vector<Profile>& Profiles() {
  static const std::vector<Profile>* const kProfiles = new std::vector<Profile>{
      {"production", Values(2, 10, 70, Window(300), Window(60))},
      {"development", Values(1, 5, 10, Window(180), Window(0))},
      {"high-volume", Values(5, 15, 80, Window(600), {})},
      {"bursty", Values(1, 20, 30, {}, Window(30))},
      {"testing", Values(1, 3, 10, {}, {})},
  };
  return *kProfiles;
}

// What the production chart fixes and no `hpa:` block of the seed changes.
constexpr int64_t kRequestsTargetMilli = 50'000;
constexpr int32_t kScaleUpPods = 2;
constexpr int64_t kScaleUpPeriodS = 30;
constexpr int32_t kScaleDownPods = 1;
constexpr int64_t kScaleDownPeriodS = 60;

void Overlay(const HpaRulesValues& values, hpa::ScalingRules* rules) {
  if (values.stabilization_window) rules->stabilization_window = *values.stabilization_window;
  if (values.select_policy) rules->select_policy = *values.select_policy;
  if (values.policies) rules->policies = *values.policies;
}

// The production chart with production's own values.
hpa::AutoscalerSpec ProductionChart(const HpaValues& production) {
  hpa::AutoscalerSpec spec;
  spec.namespace_name = "default";
  spec.scale_target_ref = hpa::ObjectReference{"apps/v1", "Deployment", "agents"};
  spec.min_replicas = *production.min_replicas;
  spec.max_replicas = *production.max_replicas;
  spec.metrics = {
      hpa::MetricSpec::PodsAverageValue("app_active_task_count",
                                        *production.tasks_target_milli),
      hpa::MetricSpec::PodsAverageValue("app_active_request_count", kRequestsTargetMilli),
  };
  hpa::Behavior behavior;
  behavior.scale_up.stabilization_window = *production.scale_up.stabilization_window;
  behavior.scale_up.select_policy = hpa::SelectPolicy::kMax;
  behavior.scale_up.policies = {
      hpa::ScalingPolicy{hpa::PolicyType::kPods, kScaleUpPods, absl::Seconds(kScaleUpPeriodS)}};
  behavior.scale_down.stabilization_window = *production.scale_down.stabilization_window;
  behavior.scale_down.select_policy = hpa::SelectPolicy::kMin;
  behavior.scale_down.policies = {hpa::ScalingPolicy{hpa::PolicyType::kPods, kScaleDownPods,
                                                     absl::Seconds(kScaleDownPeriodS)}};
  spec.behavior = behavior;
  return spec;
}

std::string Canonical(const std::string& name) {
  return name == "high-volume-predictable" ? "high-volume" : name;
}

}  // namespace

hpa::AutoscalerSpec SpecFromHpaValues(const HpaValues& values, const std::string& name) {
  hpa::AutoscalerSpec spec = ProductionChart(Profiles().front().values);
  spec.name = name;
  if (values.min_replicas) spec.min_replicas = *values.min_replicas;
  if (values.max_replicas) spec.max_replicas = *values.max_replicas;
  if (values.tasks_target_milli) {
    spec.metrics[0].target.average_value_milli = *values.tasks_target_milli;
  }
  Overlay(values.scale_up, &spec.behavior->scale_up);
  Overlay(values.scale_down, &spec.behavior->scale_down);
  return spec;
}

absl::StatusOr<HpaValues> PresetValues(const std::string& name) {
  const std::string canonical = Canonical(name);
  for (const Profile& p : Profiles()) {
    if (canonical == p.name) return p.values;
  }
  return absl::NotFoundError(absl::StrCat("unknown preset \"", name, "\"; valid presets: ",
                                          absl::StrJoin(PresetNames(), ", ")));
}

absl::StatusOr<hpa::AutoscalerSpec> Preset(const std::string& name) {
  absl::StatusOr<HpaValues> values = PresetValues(name);
  if (!values.ok()) return values.status();
  return SpecFromHpaValues(*values, absl::StrCat("agents-", Canonical(name)));
}

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const Profile& p : Profiles()) names.push_back(p.name);
  return names;
}

}  // namespace agentscale::config
