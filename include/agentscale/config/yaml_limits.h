// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The bounds every YAML loader of the config layer holds its input to, so
// that any input (a typo, a fuzzer's mutation, a "billion laughs" document)
// ends within bounded time and memory with an error naming the line:
//
//   agentscale::config::LoadOptions options;
//   options.yaml_limits.max_bytes = 64 << 20;  // a 40 MiB generated manifest
//   auto loaded = agentscale::config::LoadManifestFile("big.yaml", options);
//   // Past a limit, e.g. "big.yaml:9:14: more than 256 nested YAML sequences
//   // and mappings, aliases expanded (the limit)".
//
// Loaders that take options (LoadOptions, ScheduleLoadOptions) carry one;
// the others (forecasts, alert rules, the metrics adapter's rules) use these
// defaults. docs/input-limits.md lists the limits and their error texts.
#ifndef AGENTSCALE_CONFIG_YAML_LIMITS_H_
#define AGENTSCALE_CONFIG_YAML_LIMITS_H_

#include <cstddef>

namespace agentscale::config {

struct YamlLimits {
  // Bytes of text (a file is read no further than one byte past this).
  size_t max_bytes = size_t{16} << 20;
  // Nested sequences and mappings, counted with aliases expanded.
  int max_depth = 256;
  // Nodes (scalars, nulls, sequences, mappings) in the whole stream, counted
  // with aliases expanded: aliases share nodes in memory, but every walk of
  // the tree (validation, dumping) visits each use.
  size_t max_nodes = 1000000;
  // Documents in one stream.
  size_t max_documents = 10000;
};

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_YAML_LIMITS_H_
