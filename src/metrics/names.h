// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Not API: Prometheus name rules (and its UTF-8 rule for label values)
// shared by the metrics sources.
#ifndef AGENTSCALE_SRC_METRICS_NAMES_H_
#define AGENTSCALE_SRC_METRICS_NAMES_H_

#include <cstddef>

#include "absl/strings/string_view.h"

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

// Well-formed UTF-8 (Unicode 15, table 3-7), as Go's utf8.Valid, which
// Prometheus applies to label values and HELP text: no overlong forms, no
// surrogates (U+D800..U+DFFF), nothing above U+10FFFF. Returns the offset
// of the first byte of the first invalid sequence, or s.size() if none.
inline size_t FindInvalidUtf8(absl::string_view s) {
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    // The allowed range of the second byte depends on the first; the
    // third and fourth are always 80..BF.
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // no overlong 3-byte forms
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // no overlong 4-byte forms
      if (c == 0xF4) hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return i;  // 80..C1, F5..FF never start a sequence
    }
    if (n - i < len) return i;
    const unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi) return i;
    for (size_t k = 2; k < len; ++k) {
      const unsigned char ck = static_cast<unsigned char>(s[i + k]);
      if (ck < 0x80 || ck > 0xBF) return i;
    }
    i += len;
  }
  return n;
}
inline bool IsValidUtf8(absl::string_view s) {
  return FindInvalidUtf8(s) == s.size();
}

}  // namespace agentscale::metrics::internal

#endif  // AGENTSCALE_SRC_METRICS_NAMES_H_
