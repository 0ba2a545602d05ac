// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/metrics/scraper.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <iterator>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "agentscale/metrics/exposition.h"
#include "httplib.h"
#include "scrape_internal.h"

namespace agentscale::metrics {
namespace {

constexpr char kUp[] = "up";

std::chrono::microseconds ToChrono(absl::Duration d) {
  return std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

}  // namespace

// Also used by the query client (query_client.cc).
std::string DescribeHttpError(httplib::Error error, absl::Duration connect,
                              absl::Duration read) {
  switch (error) {
    case httplib::Error::Connection:
      return "connection failed (refused or unreachable)";
    case httplib::Error::ConnectionTimeout:
      return absl::StrCat("connect timed out after ",
                          absl::FormatDuration(connect));
    case httplib::Error::Read:
      return absl::StrCat("read failed or timed out after ",
                          absl::FormatDuration(read));
    case httplib::Error::Write:
      return "write failed";
    default:
      return absl::StrCat("HTTP client error ", httplib::to_string(error));
  }
}

struct Scraper::TargetState {
  // Serializes the target's result application: appends, staleness markers
  // and `up`. Held while touching the store, never during the HTTP request.
  std::mutex mu;
  // The series key (scrape_internal.h) of every series the last successful
  // scrape wrote without an explicit timestamp; guarded by mu.
  absl::flat_hash_set<std::string> series;
};

std::string ScrapeTarget::Name() const {
  return absl::StrCat(host, ":", port, path);
}

absl::StatusOr<ScrapeTarget> ParseScrapeTarget(absl::string_view address,
                                               Labels labels) {
  ScrapeTarget t;
  t.labels = std::move(labels);
  absl::string_view rest = absl::StripAsciiWhitespace(address);
  absl::ConsumePrefix(&rest, "http://");
  if (absl::StartsWith(rest, "https://")) {
    return absl::InvalidArgumentError(
        absl::StrCat("scrape target \"", std::string(address),
                     "\": https is not supported"));
  }
  const size_t slash = rest.find('/');
  if (slash != absl::string_view::npos) {
    t.path = std::string(rest.substr(slash));
    rest = rest.substr(0, slash);
  }
  const size_t colon = rest.rfind(':');
  if (colon != absl::string_view::npos) {
    int port = 0;
    if (!absl::SimpleAtoi(rest.substr(colon + 1), &port) || port < 1 ||
        port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          "scrape target \"", std::string(address),
          "\": port must be a number in 1..65535"));
    }
    t.port = port;
    rest = rest.substr(0, colon);
  }
  if (rest.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "scrape target \"", std::string(address), "\": host is empty"));
  }
  t.host = std::string(rest);
  return t;
}

absl::StatusOr<std::unique_ptr<Scraper>> Scraper::Create(
    std::vector<ScrapeTarget> targets, ScraperOptions options,
    SeriesStore* store) {
  if (store == nullptr) {
    return absl::InvalidArgumentError("Scraper: store is null");
  }
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "ScraperOptions.connect_timeout must be positive");
  }
  if (options.read_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "ScraperOptions.read_timeout must be positive");
  }
  if (options.parallelism < 1) {
    return absl::InvalidArgumentError(
        "ScraperOptions.parallelism must be at least 1");
  }
  for (size_t i = 0; i < targets.size(); ++i) {
    const ScrapeTarget& t = targets[i];
    const std::string where = absl::StrCat("targets[", i, "]");
    if (t.host.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ".host is empty"));
    }
    if (t.port < 1 || t.port > 65535) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".port is ", t.port, "; must be in 1..65535"));
    }
    if (t.path.empty() || t.path[0] != '/') {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".path \"", t.path, "\" must start with '/'"));
    }
  }
  return std::unique_ptr<Scraper>(
      new Scraper(std::move(targets), options, store));
}

Scraper::Scraper(std::vector<ScrapeTarget> targets, ScraperOptions options,
                 SeriesStore* store)
    : targets_([&] {
        // A target without labels gets Prometheus' `instance` label, so
        // that its series (and a failure's staleness markers) stay its own.
        for (ScrapeTarget& t : targets) {
          if (t.labels.empty()) {
            t.labels.push_back(
                Label{"instance", absl::StrCat(t.host, ":", t.port)});
          }
        }
        return std::move(targets);
      }()),
      options_(options),
      store_(store),
      state_(new TargetState[targets_.size()]) {
  stats_.resize(targets_.size());
  for (size_t i = 0; i < targets_.size(); ++i) {
    stats_[i].target = targets_[i].Name();
    stats_[i].labels = targets_[i].labels;
  }
}

Scraper::~Scraper() = default;

int64_t Scraper::MarkTargetStale(size_t index, absl::Time now) {
  const Labels& want = targets_[index].labels;
  std::vector<SeriesInfo> series =
      store_->Select("", [&want](const Labels& labels) {
        for (const Label& l : want) {
          const std::string* v = FindLabel(labels, l.name);
          if (v == nullptr || *v != l.value) return false;
        }
        return true;
      });
  int64_t marked = 0;
  for (const SeriesInfo& s : series) {
    if (s.metric == kUp) continue;
    // A series that already reads as missing (marked by an earlier failure,
    // or silent beyond the lookback) needs no second marker.
    if (!store_->Latest(s.ref, now).has_value()) continue;
    if (store_->MarkStale(s.ref, now) == AppendResult::kOk) ++marked;
  }
  return marked;
}

ScrapeResult Scraper::Scrape(size_t index, absl::Time now) {
  ScrapeResult result;
  if (index >= targets_.size()) {
    result.status = absl::InvalidArgumentError(absl::StrCat(
        "Scrape: target index ", index, " out of range (", targets_.size(),
        " targets)"));
    return result;
  }
  const ScrapeTarget& target = targets_[index];
  const std::string name = target.Name();

  std::string body;
  bool too_big = false;
  const absl::Time start = absl::Now();
  {
    httplib::Client client(target.host, target.port);
    client.set_connection_timeout(ToChrono(options_.connect_timeout));
    client.set_read_timeout(ToChrono(options_.read_timeout));
    client.set_write_timeout(ToChrono(options_.read_timeout));
    client.set_keep_alive(false);
    httplib::Headers headers = {
        {"Accept", "text/plain;version=0.0.4;q=1,*/*;q=0.1"},
        {"X-Prometheus-Scrape-Timeout-Seconds",
         absl::StrCat(absl::ToDoubleSeconds(options_.read_timeout))}};
    const size_t limit = options_.max_body_bytes;
    httplib::Result res = client.Get(
        target.path, headers, [&](const char* data, size_t n) {
          if (body.size() + n > limit) {
            too_big = true;
            return false;
          }
          body.append(data, n);
          return true;
        });
    result.duration = absl::Now() - start;
    if (res) result.http_status = res->status;
    if (too_big) {
      result.status = absl::ResourceExhaustedError(absl::StrCat(
          "scrape ", name, ": body larger than ", limit, " bytes"));
    } else if (!res) {
      result.status = absl::UnavailableError(absl::StrCat(
          "scrape ", name, ": ",
          DescribeHttpError(res.error(), options_.connect_timeout,
                            options_.read_timeout)));
    } else if (res->status != 200) {
      result.status = absl::UnavailableError(absl::StrCat(
          "scrape ", name, ": HTTP status ", res->status));
    }
  }
  {
    TargetState& state = state_[index];
    std::lock_guard<std::mutex> target_lock(state.mu);
    if (result.status.ok()) {
      std::vector<std::string> keys;
      absl::StatusOr<AppendCounts> counts =
          internal::AppendScrape(body, target.labels, now, store_, &keys);
      if (counts.ok()) {
        result.counts = *counts;
        // Prometheus' staleness on success: what the previous successful
        // scrape wrote and this one did not is marked stale at `now`.
        absl::flat_hash_set<std::string> current(
            std::make_move_iterator(keys.begin()),
            std::make_move_iterator(keys.end()));
        std::string metric;
        Labels labels;
        for (const std::string& key : state.series) {
          if (current.contains(key)) continue;
          if (!internal::DecodeSeriesKey(key, &metric, &labels)) continue;
          if (metric == kUp) continue;  // `up` is the scraper's own
          std::optional<SeriesRef> ref = store_->Find(metric, labels);
          if (ref.has_value() &&
              store_->MarkStale(*ref, now) == AppendResult::kOk) {
            ++result.stale_marked;
          }
        }
        state.series = std::move(current);
      } else {
        result.status = absl::InvalidArgumentError(absl::StrCat(
            "scrape ", name, ": ", counts.status().message()));
      }
    }
    if (!result.status.ok()) {
      result.stale_marked = MarkTargetStale(index, now);
      // Every series is stale now; the next success starts afresh.
      state.series.clear();
    }
    // `up`, as Prometheus records it per scrape. Its append can only fail on
    // a repeated `now`, which is fine to ignore.
    store_->Append(kUp, target.labels, now, result.status.ok() ? 1.0 : 0.0);
  }

  std::lock_guard<std::mutex> lock(mu_);
  TargetStats& st = stats_[index];
  ++st.scrapes_total;
  if (!result.status.ok()) ++st.scrape_failures_total;
  st.last_error = result.status;
  return result;
}

std::vector<ScrapeResult> Scraper::ScrapeAll(absl::Time now) {
  std::vector<ScrapeResult> results(targets_.size());
  const size_t workers =
      std::min(targets_.size(), static_cast<size_t>(options_.parallelism));
  if (workers <= 1) {
    for (size_t i = 0; i < targets_.size(); ++i) results[i] = Scrape(i, now);
    return results;
  }
  std::atomic<size_t> next{0};
  std::vector<std::thread> threads;
  threads.reserve(workers);
  for (size_t w = 0; w < workers; ++w) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < targets_.size(); i = next++) {
        results[i] = Scrape(i, now);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  return results;
}

std::vector<TargetStats> Scraper::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

}  // namespace agentscale::metrics
