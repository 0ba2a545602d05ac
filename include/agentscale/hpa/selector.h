// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Label selectors, for the controller's selector checks (spec §5 step 1):
// the target's scale reports its selector as a string ("app=agent,tier in
// (a,b)"), and another autoscaler in the namespace that selects one of the
// same pods makes the selection ambiguous.
//
//   absl::StatusOr<agentscale::hpa::Selector> s =
//       agentscale::hpa::Selector::Parse("app=agent,tier!=canary");
//   bool hit = s->Matches(pod.labels);
#ifndef AGENTSCALE_HPA_SELECTOR_H_
#define AGENTSCALE_HPA_SELECTOR_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::hpa {

using Labels = std::vector<std::pair<std::string, std::string>>;

class Selector {
 public:
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist };
  struct Requirement {
    std::string key;
    Op op = Op::kEquals;
    std::vector<std::string> values;
  };

  // Parses Kubernetes' selector string syntax: comma-separated `k=v`,
  // `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`. An empty
  // string selects everything.
  static absl::StatusOr<Selector> Parse(const std::string& text);
  // A metav1.LabelSelector (matchLabels and matchExpressions).
  static absl::StatusOr<Selector> FromLabelSelector(const LabelSelector& s);

  bool Matches(const Labels& labels) const;
  bool empty() const { return requirements_.empty(); }
  const std::vector<Requirement>& requirements() const { return requirements_; }

 private:
  std::vector<Requirement> requirements_;
};

}  // namespace agentscale::hpa

#endif  // AGENTSCALE_HPA_SELECTOR_H_
