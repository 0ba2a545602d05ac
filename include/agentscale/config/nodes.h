// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Node pools from a file (nodes/spec.h gives their meaning, docs/nodes.md
// the rules): agentscale's kind NodePools, in YAML or JSON. The autoscaler
// profile takes AKS's own keys and value forms (those of `az aks update
// --cluster-autoscaler-profile`), over a preset:
//
//   apiVersion: agentscale.dev/v1alpha1
//   kind: NodePools
//   metadata: {name: aks-agents}
//   spec:
//     scheduling: first-fit          # best-fit, least-allocated
//     autoscalerProfile:             # or just a preset's name
//       preset: aks                  # aks-aggressive, aks-bursty, upstream
//       scan-interval: 30s
//       scale-down-unneeded-time: 3m
//       scale-down-utilization-threshold: 0.5
//       expander: least-waste
//     pools:
//     - name: agentpool
//       vmSize: Standard_D4s_v4      # or cpu, memory, pricePerHour
//       minCount: 2                  #    (and reservation: aks|eks|none)
//       maxCount: 20
//       nodeCount: 3
//       maxPods: 30                  # default: the size's
//       provisioningDelay: 3m
//       priority: 0                  # for the priority expander
//
// A kind NodePool document is one pool: its spec holds the pool's fields
// (and, optionally, autoscalerProfile and scheduling). AKS profile keys
// this model does not simulate (balance-similar-node-groups,
// skip-nodes-with-local-storage, ok-total-unready-count, ...) are accepted
// with a warning. The first NodePools or NodePool document of a stream is
// read. Errors are `<file>:<line>:<col>: <path>: <problem>`; the stream is
// held to config/yaml_limits.h's defaults and at most 64 pools.
#ifndef AGENTSCALE_CONFIG_NODES_H_
#define AGENTSCALE_CONFIG_NODES_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "agentscale/nodes/scheduler.h"
#include "agentscale/nodes/spec.h"

namespace agentscale::config {

inline constexpr char kNodePoolsApiVersion[] = "agentscale.dev/v1alpha1";

struct LoadedNodePools {
  std::string name = "nodes";
  std::vector<nodes::NodePoolSpec> pools;
  nodes::AutoscalerProfile profile;
  std::string profile_preset = "aks";
  nodes::FitStrategy strategy = nodes::FitStrategy::kFirstFit;
  // Accepted but not simulated, each `<file>:<line>:<col>: <path>: <what>`.
  std::vector<std::string> warnings;
};

absl::StatusOr<LoadedNodePools> LoadNodePoolsString(const std::string& text,
                                                    const std::string& source_name);
absl::StatusOr<LoadedNodePools> LoadNodePoolsFile(const std::string& path);

// Built-in node setups by name: "seed" (the seed's AKS default_node_pool
// under AKS's default profile) and "seed-aggressive" (the same pool under
// AKS's aggressive scale-down profile).
absl::StatusOr<LoadedNodePools> NodePoolsPreset(const std::string& name);

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_NODES_H_
