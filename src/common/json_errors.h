// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Not API: nlohmann::json's exceptions as the loaders' one error format,
// "<source>:<line>:<column>: invalid JSON: <why>" (without a position when
// the exception has none: a number too large for a double, for instance,
// is out_of_range 406, not a parse error). Only for sources that link
// nlohmann_json; the text must already be known to be UTF-8 (utf8.h), since
// the message may quote it.
#ifndef AGENTSCALE_SRC_COMMON_JSON_ERRORS_H_
#define AGENTSCALE_SRC_COMMON_JSON_ERRORS_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "utf8.h"

namespace agentscale::internal {

// 1-based line and byte column of `offset` in `text`.
inline std::pair<size_t, size_t> LineColumn(absl::string_view text, size_t offset) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return {line, col};
}

inline absl::Status JsonError(absl::string_view source, absl::string_view text,
                              const nlohmann::json::exception& e) {
  std::string what = e.what();
  // "[json.exception.parse_error.101] parse error at line 1, column 2: why"
  const size_t colon = what.find(": ", what.find(']'));
  if (colon != std::string::npos && what.find("parse error") != std::string::npos) {
    what = what.substr(colon + 2);
  } else if (const size_t bracket = what.find("] "); bracket != std::string::npos) {
    what = what.substr(bracket + 2);
  }
  if (const auto* p = dynamic_cast<const nlohmann::json::parse_error*>(&e)) {
    const auto [line, col] = LineColumn(text, p->byte > 0 ? p->byte - 1 : 0);
    return absl::InvalidArgumentError(
        absl::StrCat(source, ":", line, ":", col, ": invalid JSON: ", what));
  }
  return absl::InvalidArgumentError(absl::StrCat(source, ": invalid JSON: ", what));
}

// Parses UTF-8 `text` (checked first) into *out, refusing nesting deeper than
// `max_depth` while parsing, before it is built: "<source>: nested deeper
// than N levels", or JsonError's form for anything else.
// `Json` is nlohmann::json or nlohmann::ordered_json.
template <typename Json>
absl::Status ParseBoundedJson(const std::string& text, absl::string_view source, int max_depth,
                              Json* out) {
  if (absl::Status st = CheckUtf8(text, source); !st.ok()) return st;
  bool too_deep = false;
  typename Json::parser_callback_t bound = [&](int depth, typename Json::parse_event_t, Json&) {
    if (depth > max_depth) too_deep = true;
    return !too_deep;
  };
  auto deep = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(source, ": nested deeper than ", max_depth, " levels"));
  };
  try {
    *out = Json::parse(text, bound);
  } catch (const nlohmann::json::exception& e) {
    if (too_deep) return deep();
    return JsonError(source, text, e);
  }
  if (too_deep || out->is_discarded()) return deep();
  return absl::OkStatus();
}

}  // namespace agentscale::internal

#endif  // AGENTSCALE_SRC_COMMON_JSON_ERRORS_H_
