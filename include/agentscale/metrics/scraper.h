// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Scraper: fetches agents' /metrics endpoints over HTTP (the Prometheus
// text exposition format, 0.0.4) and appends what they serve to a
// SeriesStore, with each target's labels (pod, namespace) added to every
// series, as a Prometheus server would.
//
//   agentscale::metrics::SeriesStore store;
//   std::vector<agentscale::metrics::ScrapeTarget> targets = {
//       {"10.0.0.7", 8000, "/metrics", {{"pod", "agent-0"}, {"namespace", "ml"}}},
//   };
//   absl::StatusOr<std::unique_ptr<agentscale::metrics::Scraper>> scraper =
//       agentscale::metrics::Scraper::Create(targets, {}, &store);
//   std::vector<agentscale::metrics::ScrapeResult> results =
//       (*scraper)->ScrapeAll(absl::Now());
//
// Rules, and why:
//
// - A failed scrape (connection refused, timeout, an HTTP status other than
//   200, a body that does not parse, a body over max_body_bytes) appends
//   nothing and writes a staleness marker (SeriesStore::MarkStale) into
//   every series of that target (that does not read as missing already),
//   so its pod reads as *missing* — never as zero — and the HPA's
//   missing-pod rules apply. A parse error appends nothing at all (never
//   half a scrape).
// - A series that vanishes from an otherwise successful scrape gets a
//   staleness marker at that scrape's `now`, as Prometheus writes them: the
//   scraper remembers, per target, the series the previous successful
//   scrape wrote, and marks those the current page no longer has. (A
//   failed scrape marks every series of the target, so the next success
//   starts from an empty set.) As in Prometheus, series exposed with
//   explicit timestamps are not tracked.
// - Every scrape also writes Prometheus' synthetic `up` series (1 or 0) with
//   the target's labels. `up` is never marked stale.
// - Each target counts its scrapes and failures (scrapes_total,
//   scrape_failures_total, as Prometheus' own prometheus_target_* counters).
// - `now` is passed in: it is the timestamp of the samples (those without
//   one of their own) and of the staleness markers. Network timeouts are
//   real time, from ScraperOptions.
//
// The HTTP client is cpp-httplib (plain HTTP only; no TLS, no gzip).
//
// Thread safety: a Scraper may be used from several threads at once;
// ScrapeAll() itself scrapes up to `parallelism` targets concurrently.
// Scrapes of different targets run fully in parallel; two scrapes of the
// same target fetch in parallel but apply their results (appends,
// staleness markers, `up`) one after the other, each under the target's
// own lock, so "the previous successful scrape" is the one applied last.
// The store must outlive the scraper.
#ifndef AGENTSCALE_METRICS_SCRAPER_H_
#define AGENTSCALE_METRICS_SCRAPER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "agentscale/metrics/series_store.h"

namespace agentscale::metrics {

struct ScrapeTarget {
  std::string host = "127.0.0.1";
  int port = 8000;  // the seed's agents serve /metrics on 8000
  std::string path = "/metrics";
  // Added to every scraped series (e.g. pod and namespace). When empty, the
  // scraper uses {instance="host:port"}, as Prometheus labels targets.
  Labels labels;

  // "host:port/path", for messages and stats.
  std::string Name() const;
};

// Parses "host[:port][/path]" (port 8000 and path /metrics by default;
// an optional "http://" prefix is accepted). `labels` are attached as is.
absl::StatusOr<ScrapeTarget> ParseScrapeTarget(absl::string_view address,
                                               Labels labels = {});

struct ScraperOptions {
  absl::Duration connect_timeout = absl::Seconds(2);
  absl::Duration read_timeout = absl::Seconds(5);
  // A body larger than this fails the scrape.
  size_t max_body_bytes = size_t{16} << 20;
  // How many targets ScrapeAll() fetches at once.
  int parallelism = 8;
};

struct ScrapeResult {
  // OK, or why the scrape failed (names the target).
  absl::Status status;
  int http_status = 0;  // 0 when no response arrived
  AppendCounts counts;  // samples appended (zero on failure)
  // Series given a staleness marker at `now`: on failure, every series of
  // the target (but `up`) that did not already read as missing; on success,
  // those the previous successful scrape wrote that this one did not.
  int64_t stale_marked = 0;
  absl::Duration duration;   // wall time of the HTTP request
};

struct TargetStats {
  std::string target;  // ScrapeTarget::Name()
  Labels labels;
  int64_t scrapes_total = 0;
  int64_t scrape_failures_total = 0;
  absl::Status last_error;  // OK after a successful scrape
};

class Scraper {
 public:
  // Checks the targets (host set, port in 1..65535, path starts with '/')
  // and options (positive timeouts, parallelism >= 1).
  static absl::StatusOr<std::unique_ptr<Scraper>> Create(
      std::vector<ScrapeTarget> targets, ScraperOptions options,
      SeriesStore* store);

  const std::vector<ScrapeTarget>& targets() const { return targets_; }

  // Scrapes target `index` once (an index out of range is an
  // InvalidArgument result, nothing else happens).
  ScrapeResult Scrape(size_t index, absl::Time now);
  // Scrapes every target; results in target order.
  std::vector<ScrapeResult> ScrapeAll(absl::Time now);

  // Per-target counters, in target order.
  std::vector<TargetStats> Stats() const;

  ~Scraper();

 private:
  // Per target: what staleness tracking needs (defined in scraper.cc).
  struct TargetState;

  Scraper(std::vector<ScrapeTarget> targets, ScraperOptions options,
          SeriesStore* store);
  // Marks every series of target `index` (but `up`) stale at `now`.
  int64_t MarkTargetStale(size_t index, absl::Time now);

  const std::vector<ScrapeTarget> targets_;
  const ScraperOptions options_;
  SeriesStore* const store_;
  const std::unique_ptr<TargetState[]> state_;  // one per target
  mutable std::mutex mu_;
  std::vector<TargetStats> stats_;  // guarded by mu_
};

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_METRICS_SCRAPER_H_
