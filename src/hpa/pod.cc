// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/pod.h"

#include <utility>

#include "absl/time/civil_time.h"

namespace agentscale::hpa {

absl::Time GoZeroTime() {
  static const absl::Time kZero =
      absl::FromCivil(absl::CivilSecond(1, 1, 1, 0, 0, 0), absl::UTCTimeZone());
  return kZero;
}

Pod Pod::Ready(std::string name) {
  Pod p;
  p.name = std::move(name);
  p.phase = PodPhase::kRunning;
  p.start_time = GoZeroTime();
  p.ready = ReadyCondition{ConditionStatus::kTrue, GoZeroTime()};
  return p;
}

const char* PodPhaseName(PodPhase phase) {
  switch (phase) {
    case PodPhase::kPending:
      return "Pending";
    case PodPhase::kRunning:
      return "Running";
    case PodPhase::kSucceeded:
      return "Succeeded";
    case PodPhase::kFailed:
      return "Failed";
    case PodPhase::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

}  // namespace agentscale::hpa
