// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Shared by the adapter's sources (not installed): what promql.cc gives the
// adapter beyond the public API in agentscale/metrics/adapter.h.
#ifndef AGENTSCALE_SRC_METRICS_PROMQL_H_
#define AGENTSCALE_SRC_METRICS_PROMQL_H_

#include <memory>
#include <regex>
#include <string>

#include "absl/status/statusor.h"

namespace agentscale::metrics::internal {

// `pattern` compiled (anchored: the whole value must match, as PromQL's =~).
absl::StatusOr<std::shared_ptr<const std::regex>> CompileRegex(
    const std::string& pattern, bool anchored);

// prometheus-adapter's `as` template (Go's ${1}) in std::regex's format ($1).
std::string ConvertAsTemplate(const std::string& as);

}  // namespace agentscale::metrics::internal

#endif  // AGENTSCALE_SRC_METRICS_PROMQL_H_
