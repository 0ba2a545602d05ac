// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Not API: the UTF-8 check every loader of outside text shares, so that
// text with invalid bytes is refused where it enters, with the source, line
// and column, and never reaches a caller (Python's str) that would fail on
// it later.
#ifndef AGENTSCALE_SRC_COMMON_UTF8_H_
#define AGENTSCALE_SRC_COMMON_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

namespace agentscale::internal {

// Well-formed UTF-8 (Unicode 15, table 3-7), as Go's utf8.Valid: no
// overlong forms, no
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

// OK, or InvalidArgument "<source>:<line>:<column>: invalid UTF-8 (byte
// 0xFF); the file must be UTF-8 text" at the first invalid byte (lines and
// columns count from 1; the column counts bytes).
inline absl::Status CheckUtf8(absl::string_view text, absl::string_view source) {
  const size_t at = FindInvalidUtf8(text);
  if (at == text.size()) return absl::OkStatus();
  size_t line = 1, line_start = 0;
  for (size_t i = 0; i < at; ++i) {
    if (text[i] == '\n') {
      ++line;
      line_start = i + 1;
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      source, ":", line, ":", at - line_start + 1, ": invalid UTF-8 (byte ",
      absl::StrFormat("0x%02X", static_cast<unsigned char>(text[at])),
      "); the input must be UTF-8 text"));
}

}  // namespace agentscale::internal

#endif  // AGENTSCALE_SRC_COMMON_UTF8_H_
