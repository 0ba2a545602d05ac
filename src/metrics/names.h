// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Not API: Prometheus name rules (and its UTF-8 rule for label values)
// shared by the metrics sources.
#ifndef AGENTSCALE_SRC_METRICS_NAMES_H_
#define AGENTSCALE_SRC_METRICS_NAMES_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "utf8.h"

namespace agentscale::metrics::internal {

inline bool IsMetricNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == ':';
}
inline bool IsMetricNameChar(char c) {
  return IsMetricNameStart(c) || (c >= '0' && c <= '9');
}
inline bool IsLabelNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool IsLabelNameChar(char c) {
  return IsLabelNameStart(c) || (c >= '0' && c <= '9');
}

// [a-zA-Z_:][a-zA-Z0-9_:]*
inline bool IsValidMetricName(absl::string_view s) {
  if (s.empty() || !IsMetricNameStart(s[0])) return false;
  for (char c : s) {
    if (!IsMetricNameChar(c)) return false;
  }
  return true;
}
// [a-zA-Z_][a-zA-Z0-9_]*
inline bool IsValidLabelName(absl::string_view s) {
  if (s.empty() || !IsLabelNameStart(s[0])) return false;
  for (char c : s) {
    if (!IsLabelNameChar(c)) return false;
  }
  return true;
}

// Prometheus applies Go's utf8.Valid to label values and HELP text.
using ::agentscale::internal::FindInvalidUtf8;
using ::agentscale::internal::IsValidUtf8;

}  // namespace agentscale::metrics::internal

#endif  // AGENTSCALE_SRC_METRICS_NAMES_H_
