// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Schedules from YAML (schedule/schedule.h gives their meaning;
// docs/schedules.md the rules):
//   * the seed's predictive ConfigMap (kind ConfigMap, apiVersion v1) as
//     users have it, its data read by schedule::ScheduleFromConfigMap;
//   * agentscale's own form, kind Schedule (agentscale.dev/v1alpha1), which
//     says how many as well as when:
//
//       apiVersion: agentscale.dev/v1alpha1
//       kind: Schedule
//       metadata: {name: business-hours}
//       spec:
//         timezone: America/New_York
//         rules:
//         - {name: week, start: "0 8 * * 1", end: "0 18 * * 5", minReplicas: 6}
//         - {name: month_end_surge, days: "28-31", minReplicas: 8}
//
// The first ConfigMap or Schedule of a file is read; other documents are
// skipped. Errors are `<file>:<line>:<col>: <path>: <problem>`, every
// problem of a Schedule at once.
#ifndef AGENTSCALE_CONFIG_SCHEDULE_H_
#define AGENTSCALE_CONFIG_SCHEDULE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "agentscale/config/yaml_limits.h"
#include "agentscale/schedule/schedule.h"

namespace agentscale::config {

inline constexpr char kScheduleApiVersion[] = "agentscale.dev/v1alpha1";
inline constexpr char kScheduleKind[] = "Schedule";

// What a ConfigMap does not say: its zone and how many replicas its rules
// hold (a Schedule says both itself; these are not used for one).
struct ScheduleLoadOptions {
  std::string timezone = "UTC";
  int32_t min_replicas = 1;
  // Bounds on the YAML itself (size, depth, nodes, documents).
  YamlLimits yaml_limits;
};

// How many replicas a ConfigMap's rules hold when nobody says (the command
// line's default): half the policy's maximum, rounded up, at least 1.
int32_t ConfigMapDefaultMinReplicas(int32_t policy_max_replicas);

absl::StatusOr<schedule::ScheduleSpec> LoadScheduleString(const std::string& yaml,
                                                          const std::string& source_name,
                                                          const ScheduleLoadOptions& options = {});
absl::StatusOr<schedule::ScheduleSpec> LoadScheduleFile(const std::string& path,
                                                        const ScheduleLoadOptions& options = {});

// A schedule as a kind Schedule document; loading it gives the same
// schedule.
std::string DumpSchedule(const schedule::ScheduleSpec& spec);

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_SCHEDULE_H_
