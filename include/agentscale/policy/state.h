// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// PolicyState: a policy's memory as a plain value, for every family and
// combinator alike. A family keeps its own state document (the HPA's is
// hpa/state_json.h's "agentscale.state/v1"); a combinator keeps its own and
// one child per wrapped policy, in order.
//
//   agentscale::PolicyState s = policy.ExportPolicyState();
//   std::string saved = agentscale::PolicyStateToJson(s);
//   ...  // after a restart, with a policy built from the same config:
//   absl::StatusOr<agentscale::PolicyState> back =
//       agentscale::PolicyStateFromJson(saved);
//   if (back.ok()) policy.ImportPolicyState(*back);
//
// The JSON document is
//   {"format": "agentscale.policy-state/v1", "family": "...",
//    "state": <the family's document, an object>, "children": [ ... ]}
// where each child has the same shape without "format". Unknown fields are
// errors; documents over 64 MiB or nested deeper than 64 policies are
// refused.
#ifndef AGENTSCALE_POLICY_STATE_H_
#define AGENTSCALE_POLICY_STATE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace agentscale {

struct PolicyState {
  std::string family;
  // The family's own state document: a JSON object, in compact form.
  std::string state_json = "{}";
  std::vector<PolicyState> children;

  friend bool operator==(const PolicyState& a, const PolicyState& b) {
    return a.family == b.family && a.state_json == b.state_json &&
           a.children == b.children;
  }
  friend bool operator!=(const PolicyState& a, const PolicyState& b) {
    return !(a == b);
  }
};

std::string PolicyStateToJson(const PolicyState& state, int indent = 2);
// Errors name the path ("children[1].family: ...").
absl::StatusOr<PolicyState> PolicyStateFromJson(const std::string& json);

// Checks that `state` is for `family` with `children` children.
absl::Status CheckPolicyState(const PolicyState& state,
                              const std::string& family, size_t children);

}  // namespace agentscale

#endif  // AGENTSCALE_POLICY_STATE_H_
