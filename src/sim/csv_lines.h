// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The line reader both trace CSV parsers share (trace.cc, trace_io.cc); not
// installed.
#ifndef AGENTSCALE_SRC_SIM_CSV_LINES_H_
#define AGENTSCALE_SRC_SIM_CSV_LINES_H_

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"

namespace agentscale::sim::internal {

// The next data line of `text` from *pos into *line, without its "\r".
// Blank lines are skipped; '#' lines go to *comments without the '#' and one
// following space. *line_no counts every line read. False at the end.
inline bool NextDataLine(const std::string& text, size_t* pos, int* line_no,
                         std::vector<std::string>* comments, absl::string_view* line) {
  while (*pos < text.size()) {
    size_t nl = text.find('\n', *pos);
    if (nl == std::string::npos) nl = text.size();
    absl::string_view l(text.data() + *pos, nl - *pos);
    *pos = nl + 1;
    ++*line_no;
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    if (absl::StripAsciiWhitespace(l).empty()) continue;
    if (l[0] == '#') {
      absl::string_view c = l.substr(1);
      absl::ConsumePrefix(&c, " ");
      comments->emplace_back(c);
      continue;
    }
    *line = l;
    return true;
  }
  return false;
}

}  // namespace agentscale::sim::internal

#endif  // AGENTSCALE_SRC_SIM_CSV_LINES_H_
