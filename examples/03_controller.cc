// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// A controller loop: every sync period, read the agents' load, evaluate the
// seed manifest and print the decision with its explanation. The load comes
// either straight from the agents (scraping their /metrics, as a Prometheus
// server would, into an in-process SeriesStore read through the seed's
// adapter rule avg_over_time(metric[WINDOW])) or from a Prometheus server
// (instant queries avg_over_time(metric{namespace="NS"}[WINDOW]) per pod).
//
//   03_controller --targets 127.0.0.1:8000,127.0.0.1:8001 --cycles 4
//   03_controller --prometheus 127.0.0.1:9090 --pods agent-0,agent-1 \
//       --window 5s --sync-period 1 --cycles 1
//
// Flags:
//   --manifest PATH     the HPA manifest (default examples/hpa.yaml)
//   --targets LIST      agent endpoints host:port[/path], or pod=host:port;
//                       pods are named agent-0, agent-1, ... by default
//   --prometheus H:P    read the load from this Prometheus server instead
//   --pods LIST         pod names (with --prometheus)
//   --namespace NS      the pods' namespace label (default "default")
//   --window DUR        the avg_over_time window (default 1m, as the seed)
//   --sync-period S     seconds between syncs (default 15, as Kubernetes)
//   --cycles N          stop after N syncs (default 0: run until killed)
//   --current N         the replica count the target runs (default: the
//                       number of pods)
//   --self-metrics      print agentscale's own metrics (Prometheus text
//                       format) after the last sync
//   --metrics-port N    serve those metrics at http://127.0.0.1:N/metrics
//                       while running (default: not served; 0 picks a free
//                       port). Loopback only: put a proxy in front to
//                       expose it.
//   --metrics-port-file PATH   write the port served on to PATH (once it
//                       listens), for scripts that use --metrics-port 0
//   --linger S          with --metrics-port: keep serving S seconds after
//                       the last sync (default 0), so that a scraper reads
//                       the final values; SIGTERM or SIGINT ends it early
//   --write-alert-rules PATH   write the seed's alert rules file and exit
//                       (examples/alerts.yml is made this way)
//
// The controller does not change the fleet (it has nothing to scale): it
// prints what it would do. Each sync prints one line starting "decision ".
//
// What the served metrics time: reconciliation_duration_seconds covers a
// sync's metric fetches (the adapter reading the store, or the Prometheus
// queries) and Evaluate(), as Kubernetes' covers its reconcile;
// metric_computation_duration_seconds covers each metric's fetch (see
// agentscale/drivers/self_metrics.h). Scraping the agents is Prometheus'
// work in Kubernetes and is timed by neither.

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/metrics/query_client.h"
#include "agentscale/metrics/scraper.h"
#include "agentscale/drivers/self_metrics.h"
#include "agentscale/metrics/series_store.h"
#include "httplib.h"

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

// Sleeps `seconds`, waking early when a signal asked to stop.
void SleepUnlessStopped(double seconds) {
  const auto until = std::chrono::steady_clock::now() +
                     std::chrono::duration<double>(seconds);
  while (!g_stop && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

namespace metrics = agentscale::metrics;

struct Flags {
  std::string manifest = "examples/hpa.yaml";
  std::vector<std::string> targets;
  std::string prometheus;
  std::vector<std::string> pods;
  std::string ns = "default";
  std::string window = "1m";
  double sync_period = 15;
  int cycles = 0;
  int current = -1;
  bool self_metrics = false;
  int metrics_port = -1;  // -1: do not serve
  std::string metrics_port_file;
  double linger = 0;
};

[[noreturn]] void Fail(const std::string& error) {
  std::cerr << "03_controller: " << error << "\n";
  std::exit(2);
}

Flags ParseFlags(int argc, char** argv) {
  Flags f;
  for (int i = 1; i < argc; ++i) {
    std::string name = argv[i], value;
    if (name == "--self-metrics") {
      f.self_metrics = true;
      continue;
    }
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      Fail(name + " needs a value");
    }
    auto list = [&] {
      return std::vector<std::string>(absl::StrSplit(value, ',',
                                                     absl::SkipEmpty()));
    };
    auto integer = [&](int* out) {
      if (!absl::SimpleAtoi(value, out) || *out < 0) {
        Fail(absl::StrCat(name, ": \"", value, "\" is not an integer >= 0"));
      }
    };
    if (name == "--manifest") {
      f.manifest = value;
    } else if (name == "--targets") {
      f.targets = list();
    } else if (name == "--prometheus") {
      f.prometheus = value;
    } else if (name == "--pods") {
      f.pods = list();
    } else if (name == "--namespace") {
      f.ns = value;
    } else if (name == "--window") {
      f.window = value;
    } else if (name == "--sync-period") {
      if (!absl::SimpleAtod(value, &f.sync_period) || !(f.sync_period > 0)) {
        Fail("--sync-period: want seconds > 0, got \"" + value + "\"");
      }
    } else if (name == "--cycles") {
      integer(&f.cycles);
    } else if (name == "--current") {
      integer(&f.current);
    } else if (name == "--metrics-port") {
      integer(&f.metrics_port);
      if (f.metrics_port > 65535) Fail("--metrics-port: want 0..65535");
    } else if (name == "--metrics-port-file") {
      f.metrics_port_file = value;
    } else if (name == "--linger") {
      if (!absl::SimpleAtod(value, &f.linger) || !(f.linger >= 0)) {
        Fail("--linger: want seconds >= 0, got \"" + value + "\"");
      }
    } else if (name == "--write-alert-rules") {
      absl::Status st = metrics::WriteAlertRules(value);
      if (!st.ok()) Fail(std::string(st.message()));
      std::exit(0);
    } else {
      Fail("unknown flag " + name);
    }
  }
  if (f.targets.empty() == f.prometheus.empty()) {
    Fail("give either --targets or --prometheus");
  }
  if (!f.prometheus.empty() && f.pods.empty()) {
    Fail("--prometheus needs --pods");
  }
  if (f.metrics_port < 0 && (!f.metrics_port_file.empty() || f.linger > 0)) {
    Fail("--metrics-port-file and --linger need --metrics-port");
  }
  return f;
}

// The seed's adapter rule for one metric, with the window from --window.
std::string AdapterConfig(const std::vector<std::string>& names,
                          const std::string& window) {
  std::string yaml = "rules:\n";
  for (const std::string& n : names) {
    absl::StrAppend(&yaml, "- seriesQuery: '", n,
                    "{namespace!=\"\",pod!=\"\"}'\n"
                    "  resources:\n"
                    "    overrides:\n"
                    "      namespace: {resource: \"namespace\"}\n"
                    "      pod: {resource: \"pod\"}\n"
                    "  metricsQuery: 'avg_over_time(<<.Series>>{<<."
                    "LabelMatchers>>}[",
                    window, "])'\n");
  }
  return yaml;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags = ParseFlags(argc, argv);
  absl::StatusOr<agentscale::hpa::AutoscalerSpec> spec =
      agentscale::config::LoadSingleAutoscaler(flags.manifest);
  if (!spec.ok()) Fail(std::string(spec.status().message()));
  absl::StatusOr<agentscale::HorizontalAutoscaler> hpa =
      agentscale::HorizontalAutoscaler::Create(*spec);
  if (!hpa.ok()) Fail(std::string(hpa.status().message()));
  // The autoscaler's own spec.syncPeriodSeconds, when its gate is on, takes
  // the place of --sync-period.
  if (std::optional<absl::Duration> period = hpa->sync_period()) {
    flags.sync_period = absl::ToDoubleSeconds(*period);
  }
  std::vector<std::string> metric_names;
  for (const agentscale::hpa::MetricSpec& m : spec->metrics) {
    if (m.type != agentscale::hpa::MetricSourceType::kPods) {
      Fail("only Pods metrics are read by this example; " + m.Describe() +
           " is not one");
    }
    metric_names.push_back(m.name);
  }
  absl::StatusOr<absl::Duration> window =
      metrics::ParsePromDuration(flags.window);
  if (!window.ok()) Fail("--window: " + std::string(window.status().message()));

  // Scrape mode: targets -> store -> adapter.
  metrics::SeriesStore store;
  std::unique_ptr<metrics::Scraper> scraper;
  std::unique_ptr<metrics::MetricAdapter> adapter;
  std::unique_ptr<metrics::PrometheusClient> prometheus;
  if (!flags.targets.empty()) {
    std::vector<metrics::ScrapeTarget> targets;
    for (size_t i = 0; i < flags.targets.size(); ++i) {
      std::string pod = absl::StrCat("agent-", i);
      std::string address = flags.targets[i];
      const size_t eq = address.find('=');
      if (eq != std::string::npos) {
        pod = address.substr(0, eq);
        address = address.substr(eq + 1);
      }
      absl::StatusOr<metrics::ScrapeTarget> t = metrics::ParseScrapeTarget(
          address, {{"namespace", flags.ns}, {"pod", pod}});
      if (!t.ok()) Fail(std::string(t.status().message()));
      targets.push_back(*t);
      flags.pods.push_back(pod);
    }
    metrics::ScraperOptions options;
    options.connect_timeout = absl::Seconds(1);
    options.read_timeout = absl::Seconds(2);
    absl::StatusOr<std::unique_ptr<metrics::Scraper>> s =
        metrics::Scraper::Create(targets, options, &store);
    if (!s.ok()) Fail(std::string(s.status().message()));
    scraper = std::move(*s);
    absl::StatusOr<metrics::MetricAdapter> a = metrics::MetricAdapter::FromConfig(
        AdapterConfig(metric_names, flags.window));
    if (!a.ok()) Fail(std::string(a.status().message()));
    adapter = std::make_unique<metrics::MetricAdapter>(std::move(*a));
    adapter->RegisterWindows(&store);
  } else {
    absl::StatusOr<metrics::ScrapeTarget> server =
        metrics::ParseScrapeTarget(flags.prometheus);
    if (!server.ok()) Fail("--prometheus: " + std::string(server.status().message()));
    metrics::QueryClientOptions options;
    options.host = server->host;
    options.port = server->port;
    prometheus = std::make_unique<metrics::PrometheusClient>(options);
  }
  const int current =
      flags.current >= 0 ? flags.current : static_cast<int>(flags.pods.size());
  std::cout << "controller: autoscaler " << spec->name << " (min "
            << spec->min_replicas << ", max " << spec->max_replicas << "), "
            << flags.pods.size() << " pods, "
            << (scraper ? "scraping the agents" : "querying " + flags.prometheus)
            << ", window " << flags.window << ", sync every "
            << flags.sync_period << " s" << std::endl;

  agentscale::Decision decision;
  metrics::SelfMetrics self;
  std::signal(SIGTERM, OnSignal);
  std::signal(SIGINT, OnSignal);

  // agentscale's own metrics over HTTP, for a Prometheus server to scrape.
  // SelfMetrics is thread-safe: the server's threads render while the loop
  // records.
  httplib::Server metrics_server;
  std::thread metrics_listener;
  if (flags.metrics_port >= 0) {
    metrics_server.Get("/metrics", [&self](const httplib::Request&,
                                           httplib::Response& res) {
      res.set_content(self.Render(), "text/plain; version=0.0.4; charset=utf-8");
    });
    int port = flags.metrics_port;
    if (port == 0) {
      port = metrics_server.bind_to_any_port("127.0.0.1");
    } else if (!metrics_server.bind_to_port("127.0.0.1", port)) {
      port = -1;
    }
    if (port <= 0) {
      Fail(absl::StrCat("--metrics-port: cannot listen on 127.0.0.1:",
                        flags.metrics_port));
    }
    metrics_listener = std::thread([&] { metrics_server.listen_after_bind(); });
    while (!metrics_server.is_running()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (!flags.metrics_port_file.empty()) {
      const std::string tmp = flags.metrics_port_file + ".tmp";
      std::ofstream(tmp) << port << "\n";
      std::rename(tmp.c_str(), flags.metrics_port_file.c_str());
    }
    std::cout << "controller: serving agentscale's metrics at http://127.0.0.1:"
              << port << "/metrics" << std::endl;
  }

  for (int cycle = 1;
       !g_stop && (flags.cycles == 0 || cycle <= flags.cycles); ++cycle) {
    if (cycle > 1) {
      SleepUnlessStopped(flags.sync_period);
      if (g_stop) break;
    }
    const absl::Time now = absl::Now();
    agentscale::Observation obs;
    obs.current_replicas = current;
    for (const std::string& pod : flags.pods) {
      obs.pods.push_back(agentscale::hpa::Pod::Ready(pod));
    }
    for (const std::string& name : metric_names) obs.AddMetric(name);
    if (scraper) {
      for (const metrics::ScrapeResult& r : scraper->ScrapeAll(now)) {
        if (!r.status.ok()) std::cout << "  scrape failed: " << r.status.message() << "\n";
      }
    }
    // The reconcile, timed as Kubernetes times it: the metric fetches, each
    // also timed on its own (obs.metrics[i] is spec.metrics[i]), then
    // Evaluate().
    const absl::Time start = absl::Now();
    std::vector<absl::Duration> fetch_durations;
    for (agentscale::MetricObservation& m : obs.metrics) {
      const absl::Time fetch_start = absl::Now();
      if (scraper) {
        adapter->Fill(store, now, obs.pods, flags.ns, &m);
      } else {
        const std::string query = absl::StrCat(
            "avg_over_time(", m.metric, "{namespace=\"", flags.ns, "\"}[",
            flags.window, "])");
        absl::Status st = prometheus->FillPodValues(query, now, "pod", &m, *window);
        if (!st.ok()) std::cout << "  query failed: " << st.message() << "\n";
      }
      fetch_durations.push_back(absl::Now() - fetch_start);
    }
    absl::Status st = hpa->Evaluate(now, obs, &decision);
    if (st.ok()) {
      self.Record(decision, absl::Now() - start, fetch_durations);
    } else {
      self.RecordError(*spec, absl::Now() - start);
    }
    for (const agentscale::MetricObservation& m : obs.metrics) {
      std::cout << "  " << m.metric << ":";
      for (const agentscale::hpa::PodSample& s : m.pod_samples) {
        std::cout << " " << s.pod << "=" << s.value_milli / 1000.0;
      }
      if (!m.error.ok()) std::cout << " (error: " << m.error.message() << ")";
      std::cout << "\n";
    }
    if (!st.ok()) {
      std::cout << "decision " << cycle << ": error: " << st.message() << std::endl;
      continue;
    }
    std::cout << "decision " << cycle << ": " << decision.Explain() << std::endl;
  }
  if (flags.self_metrics) std::cout << self.Render();
  if (metrics_listener.joinable()) {
    SleepUnlessStopped(flags.linger);
    metrics_server.stop();
    metrics_listener.join();
  }
  return 0;
}
