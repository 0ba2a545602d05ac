// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/config/presets.h"

#include <cstdint>
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
  int32_t min_replicas;
  int32_t max_replicas;
  int64_t tasks_target;  // units (not milli)
  int64_t scale_up_window_s;
  int64_t scale_down_window_s;
};

// The seed's numbers; keep them exact (ARCHITECTURE.md, "The seed's
// scenario").
constexpr Profile kProfiles[] = {
    {"production", 2, 10, 70, 60, 300},
    {"development", 1, 5, 10, 0, 180},
    {"high-volume", 5, 15, 80, 60, 600},
    {"bursty", 1, 20, 30, 30, 300},
    {"testing", 1, 3, 10, 60, 300},
};

// Production's request-count target, inherited by every profile.
constexpr int64_t kRequestsTarget = 50;

hpa::AutoscalerSpec Build(const Profile& p) {
  hpa::AutoscalerSpec spec;
  spec.name = absl::StrCat("agents-", p.name);
  spec.namespace_name = "default";
  spec.scale_target_ref =
      hpa::ObjectReference{"apps/v1", "Deployment", "agents"};
  spec.min_replicas = p.min_replicas;
  spec.max_replicas = p.max_replicas;
  spec.metrics = {
      hpa::MetricSpec::PodsAverageValue("app_active_task_count",
                                        p.tasks_target * 1000),
      hpa::MetricSpec::PodsAverageValue("app_active_request_count",
                                        kRequestsTarget * 1000),
  };
  hpa::Behavior behavior;
  behavior.scale_up.stabilization_window = absl::Seconds(p.scale_up_window_s);
  behavior.scale_up.select_policy = hpa::SelectPolicy::kMax;
  behavior.scale_up.policies = {
      hpa::ScalingPolicy{hpa::PolicyType::kPods, 2, absl::Seconds(30)}};
  behavior.scale_down.stabilization_window =
      absl::Seconds(p.scale_down_window_s);
  behavior.scale_down.select_policy = hpa::SelectPolicy::kMin;
  behavior.scale_down.policies = {
      hpa::ScalingPolicy{hpa::PolicyType::kPods, 1, absl::Seconds(60)}};
  spec.behavior = behavior;
  return spec;
}

}  // namespace

absl::StatusOr<hpa::AutoscalerSpec> Preset(const std::string& name) {
  const std::string canonical =
      name == "high-volume-predictable" ? "high-volume" : name;
  for (const Profile& p : kProfiles) {
    if (canonical == p.name) return Build(p);
  }
  return absl::NotFoundError(absl::StrCat("unknown preset \"", name,
                                          "\"; valid presets: ",
                                          absl::StrJoin(PresetNames(), ", ")));
}

std::vector<std::string> PresetNames() {
  std::vector<std::string> names;
  for (const Profile& p : kProfiles) names.push_back(p.name);
  return names;
}

}  // namespace agentscale::config
