// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for prometheus-adapter rule files (MetricAdapter::
// FromConfig) and the regular expressions in them (RE2: name.matches, the
// =~ and !~ matchers of seriesQuery and metricsQuery). Any bytes must load or
// fail with InvalidArgument, never crash, hang or grow without bound; what
// loads names a few series and fills a metric. A first line "#<selector>" (a
// YAML comment) is also read as a series selector and matched against the
// same series, so fuzzed regexes meet label values too. Built with clang when
// AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target adapter_rules_fuzz
//   /tmp/fuzz/tests/fuzz/adapter_rules_fuzz -max_total_time=60 \
//     -timeout=10 -rss_limit_mb=2048 /tmp/scratch tests/fuzz/corpus/adapter_rules

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/metrics/series_store.h"
#include "agentscale/observation.h"

namespace {

namespace mx = agentscale::metrics;

const absl::Time kNow = absl::FromUnixSeconds(1'700'000'000);

// Series the rules name: the seed's gauges, prometheus-adapter's documented
// examples, an external metric, and awkward label values.
void Fill(mx::SeriesStore* store) {
  const std::vector<std::pair<std::string, mx::Labels>> series = {
      {"app_active_task_count", {{"namespace", "ml"}, {"pod", "agent-0"}}},
      {"app_active_task_count", {{"namespace", "ml"}, {"pod", "agent-1"}}},
      {"app_active_request_count", {{"namespace", "ml"}, {"pod", "agent-0"}}},
      {"http_requests_total", {{"namespace", "web"}, {"pod", "web-0"}, {"service", "front"}}},
      {"container_cpu_usage_seconds_total",
       {{"namespace", "ml"}, {"pod", "agent-0"}, {"container", "agent"}}},
      {"broker_orders_lag", {{"queue", "orders"}, {"namespace", "q"}}},
      {"m", {{"pod", std::string(300, 'a')}, {"namespace", "a\nb"}}},
  };
  for (const auto& [name, labels] : series) {
    store->Append(name, labels, kNow - absl::Seconds(30), 1);
    store->Append(name, labels, kNow, 2);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Room for the 100 KB regression input (a long name.matches); the regex
  // limit (kMaxRegexBytes) is below that.
  if (size > 128 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  mx::SeriesStore store;
  Fill(&store);

  // A first line "#<selector>" (a YAML comment) is also a series selector.
  absl::StatusOr<mx::SeriesSelector> sel = absl::InvalidArgumentError("none");
  if (!text.empty() && text[0] == '#') {
    sel = mx::ParseSeriesSelector(text.substr(1, text.find('\n') - 1));
  }
  if (sel.ok()) {
    size_t n = 0;
    for (const mx::SeriesInfo& s : store.Select(sel->metric)) {
      n += sel->Matches(s.metric, s.labels) ? 1 : 0;
    }
    if (n > 7) std::abort();
  } else if (sel.status().code() != absl::StatusCode::kInvalidArgument) {
    std::abort();
  }

  absl::StatusOr<mx::MetricAdapter> a = mx::MetricAdapter::FromConfig(text);
  if (!a.ok()) {
    if (a.status().code() != absl::StatusCode::kInvalidArgument ||
        a.status().message().empty()) {
      std::abort();
    }
    return 0;
  }
  a->RegisterWindows(&store);
  const std::vector<agentscale::hpa::Pod> pods = {agentscale::hpa::Pod::Ready("agent-0"),
                                                  agentscale::hpa::Pod::Ready("web-0")};
  size_t filled = 0;
  for (const std::string& name : a->MetricNames(store)) {
    if (++filled > 4) break;
    agentscale::MetricObservation m;
    m.metric = name;
    a->Fill(store, kNow, pods, "", &m);
  }
  for (const std::string& name : a->ExternalMetricNames(store)) {
    if (++filled > 8) break;
    agentscale::MetricObservation m;
    m.metric = name;
    a->FillExternal(store, kNow, "q", agentscale::hpa::LabelSelector{}, &m);
  }
  return 0;
}
