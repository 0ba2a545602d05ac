// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the Prometheus text exposition parser: any bytes must
// parse or fail with a "line N: " status, never crash, hang or leak, and
// what it delivers (label values, HELP text) is well-formed UTF-8. Built
// with clang when AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target exposition_fuzz
//   /tmp/fuzz/tests/fuzz/exposition_fuzz -max_total_time=60 \
//     tests/fuzz/corpus/exposition

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/metrics/exposition.h"
#include "agentscale/metrics/series_store.h"
#include "names.h"  // src/metrics: internal::IsValidUtf8

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  agentscale::metrics::ExpositionParser parser;
  size_t samples = 0;
  const absl::Status st =
      parser.Parse(text, [&](const agentscale::metrics::SampleView& s) {
        // Touch every view so that ASan checks they point at live memory.
        size_t n = s.name.size() + s.family.size();
        for (const auto& l : s.labels) {
          n += l.name.size() + l.value.size();
          // Label values reach the caller only as well-formed UTF-8.
          if (!agentscale::metrics::internal::IsValidUtf8(l.value)) {
            std::abort();
          }
        }
        if (n == 0) std::abort();  // a sample always has a name
        ++samples;
      });
  if (!st.ok() && !absl::StartsWith(st.message(), "line ")) std::abort();
  for (const auto& f : parser.families()) {
    if (!agentscale::metrics::internal::IsValidUtf8(f.help)) std::abort();
  }
  // The owning form agrees with the streaming one.
  absl::StatusOr<agentscale::metrics::Exposition> e =
      agentscale::metrics::ParseExposition(text);
  if (e.ok() != st.ok()) std::abort();
  if (e.ok() && e->samples.size() != samples) std::abort();
  if (!e.ok()) return 0;
  // The parsed series in a store, selected with label matchers as a query
  // would: RE2 against whatever label values the parser let through.
  agentscale::metrics::SeriesStore store;
  const absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  size_t appended = 0;
  for (const auto& s : e->samples) {
    if (++appended > 64) break;
    store.Append(s.name, s.labels, now, 1);
  }
  static const auto* const kSelectors = [] {
    auto* v = new std::vector<agentscale::metrics::SeriesSelector>();
    for (const char* text :
         {"{__name__=~\".+\"}", "{__name__=~\"[a-z_]+_total|.*_count\"}",
          "{pod=~\"(a|a)*b\"}", "{__name__!~\"\", job=~\".*\\\\d.*\"}",
          "{le=~\"(?i)\\\\+inf|0\\\\..*\", quantile!~\"0\\\\.5\"}"}) {
      v->push_back(*agentscale::metrics::ParseSeriesSelector(text));
    }
    return v;
  }();
  size_t live = store.Select("").size();
  for (const auto& sel : *kSelectors) {
    size_t n = 0;
    for (const auto& info : store.Select(sel.metric)) n += sel.Matches(info.metric, info.labels);
    if (n > live) std::abort();
  }
  return 0;
}
