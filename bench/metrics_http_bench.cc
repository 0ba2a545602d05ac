// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The metrics layer over HTTP, on loopback: the scraper (cpp-httplib servers
// on 127.0.0.1 serving a realistic /metrics page of ~N series; a round of
// ScrapeAll() over 1 or 8 targets per iteration, staleness tracking
// included), and the Prometheus query client (parsing an /api/v1/query
// vector response, and a full round trip against a fake Prometheus server
// on 127.0.0.1). Wall-clock time (UseRealTime): the work spans threads and
// sockets. Report-only; the figures depend on the machine's cores, since
// the servers, the scraper's workers and the benchmark share them.
//
//   scrapes_per_second: targets scraped per second
//   items_per_second:   samples appended per second (scraper) or series
//                       parsed per second (query client)
//   bytes_per_second:   /metrics or JSON bytes per second

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "agentscale/metrics/query_client.h"
#include "agentscale/metrics/scraper.h"
#include "agentscale/metrics/series_store.h"
#include "benchmark/benchmark.h"
#include "httplib.h"

namespace {

using agentscale::metrics::InstantSample;
using agentscale::metrics::PrometheusClient;
using agentscale::metrics::QueryClientOptions;
using agentscale::metrics::ScrapeResult;
using agentscale::metrics::Scraper;
using agentscale::metrics::ScraperOptions;
using agentscale::metrics::ScrapeTarget;
using agentscale::metrics::SeriesStore;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

// An HTTP server on a free loopback port that answers GET `path` with
// `body`.
class LoopbackServer {
 public:
  LoopbackServer(const std::string& path, std::string body,
                 const std::string& content_type)
      : body_(std::move(body)) {
    port_ = server_.bind_to_any_port("127.0.0.1");
    server_.Get(path, [this, content_type](const httplib::Request&,
                                           httplib::Response& res) {
      res.set_content(body_, content_type);
    });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~LoopbackServer() {
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  size_t body_size() const { return body_.size(); }

 private:
  const std::string body_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
};

// An agent's page of about `series` series, shaped like what real agents
// serve: the seed's two gauges, per-queue gauges and counters, and request
// latency histograms per route and method (10 buckets + +Inf, _sum,
// _count), with HELP and TYPE lines.
std::string AgentPage(int series) {
  std::string s =
      "# HELP app_active_task_count Tasks the agent is working on.\n"
      "# TYPE app_active_task_count gauge\n"
      "app_active_task_count 42\n"
      "# HELP app_active_request_count Requests in flight.\n"
      "# TYPE app_active_request_count gauge\n"
      "app_active_request_count 17\n";
  int written = 2;
  const int queues = series / 10 + 1;
  s += "# HELP agent_queue_depth Items waiting per queue.\n"
       "# TYPE agent_queue_depth gauge\n";
  for (int q = 0; q < queues && written < series; ++q, ++written) {
    absl::StrAppend(&s, "agent_queue_depth{queue=\"queue-", q,
                    "\",priority=\"", q % 3, "\"} ", q * 7 % 101, "\n");
  }
  s += "# HELP agent_tasks_processed_total Tasks finished.\n"
       "# TYPE agent_tasks_processed_total counter\n";
  for (int q = 0; q < queues && written < series; ++q, ++written) {
    absl::StrAppend(&s, "agent_tasks_processed_total{queue=\"queue-", q,
                    "\",outcome=\"", q % 2 ? "ok" : "error", "\"} ",
                    q * 12345 + 17, "\n");
  }
  s += "# HELP http_request_duration_seconds Request latency.\n"
       "# TYPE http_request_duration_seconds histogram\n";
  static const char* const kLe[] = {"0.005", "0.01", "0.025", "0.05", "0.1",
                                    "0.25",  "0.5",  "1",     "2.5",  "5",
                                    "+Inf"};
  static const char* const kMethods[] = {"GET", "POST", "PUT", "DELETE"};
  for (int r = 0; written < series; ++r) {
    const std::string labels =
        absl::StrCat("route=\"/v1/tasks/", r / 4, "\",method=\"",
                     kMethods[r % 4], "\"");
    int64_t cumulative = 0;
    for (const char* le : kLe) {
      cumulative += r % 5 + 1;
      absl::StrAppend(&s, "http_request_duration_seconds_bucket{", labels,
                      ",le=\"", le, "\"} ", cumulative, "\n");
    }
    absl::StrAppend(&s, "http_request_duration_seconds_sum{", labels, "} ",
                    absl::StrFormat("%.3f", cumulative * 0.042), "\n");
    absl::StrAppend(&s, "http_request_duration_seconds_count{", labels, "} ",
                    cumulative, "\n");
    written += 13;
  }
  return s;
}

// One ScrapeAll() of `targets` agents serving ~`series` series each per
// iteration, into one store (timestamps advance 15 s per round, as a
// Prometheus scrape interval).
void BM_Scraper_ScrapeAll(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const int n_targets = static_cast<int>(state.range(1));
  const std::string page = AgentPage(series);
  std::vector<std::unique_ptr<LoopbackServer>> servers;
  std::vector<ScrapeTarget> targets;
  for (int i = 0; i < n_targets; ++i) {
    servers.push_back(std::make_unique<LoopbackServer>(
        "/metrics", page, "text/plain; version=0.0.4"));
    ScrapeTarget t;
    t.port = servers.back()->port();
    t.labels = {{"namespace", "default"}, {"pod", absl::StrCat("agent-", i)}};
    targets.push_back(t);
  }
  SeriesStore store;
  ScraperOptions options;
  options.parallelism = n_targets;
  absl::StatusOr<std::unique_ptr<Scraper>> scraper =
      Scraper::Create(targets, options, &store);
  if (!scraper.ok()) {
    state.SkipWithError(std::string(scraper.status().message()).c_str());
    return;
  }
  int64_t round = 0, samples = 0, scrapes = 0;
  for (auto _ : state) {
    ++round;
    for (const ScrapeResult& r :
         (*scraper)->ScrapeAll(kT0 + absl::Seconds(15 * round))) {
      if (!r.status.ok()) {
        state.SkipWithError(std::string(r.status.message()).c_str());
        return;
      }
      samples += r.counts.appended;
      ++scrapes;
    }
  }
  state.SetItemsProcessed(samples);
  state.SetBytesProcessed(scrapes * static_cast<int64_t>(page.size()));
  state.counters["scrapes_per_second"] =
      benchmark::Counter(static_cast<double>(scrapes), benchmark::Counter::kIsRate);
  state.counters["series_per_target"] =
      static_cast<double>(store.Stats().series) / n_targets;
  state.counters["page_bytes"] = static_cast<double>(page.size());
}
BENCHMARK(BM_Scraper_ScrapeAll)
    ->ArgNames({"series", "targets"})
    ->Args({100, 1})
    ->Args({1000, 1})
    ->Args({10000, 1})
    ->Args({100, 8})
    ->Args({1000, 8})
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

// An /api/v1/query response with `series` elements, as Prometheus writes
// it (the labels a scraped pod series carries; values as strings).
std::string QueryResponse(int series) {
  std::string s =
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
      "\"result\":[";
  for (int i = 0; i < series; ++i) {
    absl::StrAppend(
        &s, i ? "," : "",
        "{\"metric\":{\"__name__\":\"app_active_task_count\",\"instance\":"
        "\"10.0.",
        i / 250, ".", i % 250,
        ":8000\",\"job\":\"agents\",\"namespace\":\"default\",\"pod\":"
        "\"agent-",
        i, "\"},\"value\":[1700000000.123,\"",
        absl::StrFormat("%.4f", 40 + (i % 97) * 0.37), "\"]}");
  }
  s += "]}}";
  return s;
}

void BM_QueryClient_ParseInstantQueryResponse(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  const std::string body = QueryResponse(series);
  for (auto _ : state) {
    absl::StatusOr<std::vector<InstantSample>> r =
        agentscale::metrics::ParseInstantQueryResponse(body);
    if (!r.ok() || static_cast<int>(r->size()) != series) {
      state.SkipWithError("unexpected parse result");
      return;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * series);
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(body.size()));
}
BENCHMARK(BM_QueryClient_ParseInstantQueryResponse)
    ->ArgName("series")
    ->Arg(10)
    ->Arg(1000);

// Query() against a fake Prometheus on loopback: request, response,
// parse. A new connection per query, as PrometheusClient makes.
void BM_QueryClient_RoundTrip(benchmark::State& state) {
  const int series = static_cast<int>(state.range(0));
  LoopbackServer server("/api/v1/query", QueryResponse(series),
                        "application/json");
  QueryClientOptions options;
  options.port = server.port();
  PrometheusClient client(options);
  const std::string query =
      "avg_over_time(app_active_task_count{namespace=\"default\"}[1m])";
  for (auto _ : state) {
    absl::StatusOr<std::vector<InstantSample>> r = client.Query(query, kT0);
    if (!r.ok() || static_cast<int>(r->size()) != series) {
      state.SkipWithError(
          r.ok() ? "wrong series count" : std::string(r.status().message()).c_str());
      return;
    }
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * series);
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(server.body_size()));
}
BENCHMARK(BM_QueryClient_RoundTrip)
    ->ArgName("series")
    ->Arg(10)
    ->Arg(1000)
    ->UseRealTime()
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
