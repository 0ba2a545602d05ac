// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Not API: what the scraper needs from the exposition code to track which
// series each scrape wrote (for Prometheus' staleness markers on series that
// vanish from a successful scrape).
#ifndef AGENTSCALE_SRC_METRICS_SCRAPE_INTERNAL_H_
#define AGENTSCALE_SRC_METRICS_SCRAPE_INTERNAL_H_

#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agentscale/metrics/series_store.h"

namespace agentscale::metrics::internal {

// AppendExposition(), and when `series_keys` is not null, the series key
// (below) of every sample that has no timestamp of its own (Prometheus
// writes no staleness markers for series exposed with explicit timestamps)
// appended to it. Keys may repeat when a page repeats a series.
absl::StatusOr<AppendCounts> AppendScrape(absl::string_view text,
                                          const Labels& target_labels,
                                          absl::Time scrape_time,
                                          SeriesStore* store,
                                          std::vector<std::string>* series_keys);

// A series key is a series' identity as bytes: the metric, then its labels
// (target labels included) sorted by name, empty values dropped as the
// store drops them; every string length-prefixed by AppendKeyPart() so
// that any bytes decode back unambiguously.
inline void AppendKeyPart(absl::string_view s, std::string* key) {
  const uint32_t n = static_cast<uint32_t>(s.size());
  char len[4];
  std::memcpy(len, &n, 4);
  key->append(len, 4);
  key->append(s.data(), s.size());
}

// Decodes a series key; false if `key` is not one.
inline bool DecodeSeriesKey(absl::string_view key, std::string* metric,
                            Labels* labels) {
  auto next = [&key](std::string* out) {
    if (key.size() < 4) return false;
    uint32_t n;
    std::memcpy(&n, key.data(), 4);
    key.remove_prefix(4);
    if (key.size() < n) return false;
    out->assign(key.data(), n);
    key.remove_prefix(n);
    return true;
  };
  labels->clear();
  if (!next(metric)) return false;
  while (!key.empty()) {
    Label l;
    if (!next(&l.name) || !next(&l.value)) return false;
    labels->push_back(std::move(l));
  }
  return true;
}

}  // namespace agentscale::metrics::internal

#endif  // AGENTSCALE_SRC_METRICS_SCRAPE_INTERNAL_H_
