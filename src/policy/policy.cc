// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/policy/policy.h"

namespace agentscale {

absl::StatusOr<Decision> Policy::Decide(absl::Time now, const Observation& obs) {
  Decision d;
  absl::Status st = Decide(now, obs, &d);
  if (!st.ok()) return st;
  return d;
}

}  // namespace agentscale
