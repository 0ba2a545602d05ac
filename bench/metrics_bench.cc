// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Metric ingestion: appends (pre-resolved handles, label lookup), window
// queries, exposition parsing, and memory per series (reported as the
// counter bytes_per_series). Targets from issue 4: >= 50 M samples/s for
// batch appends with handles, >= 5 M/s with label lookup, >= 200 MB/s
// parsing, on one core. Label matchers (=~): RE2 against the former
// std::regex implementation, kept here only as the baseline.

#include <memory>
#include <regex>  // the baseline only (BM_LabelMatcher_StdRegex)
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/metrics/exposition.h"
#include "agentscale/metrics/series_store.h"
#include "benchmark/benchmark.h"

namespace {

using agentscale::metrics::Aggregation;
using agentscale::metrics::Label;
using agentscale::metrics::Labels;
using agentscale::metrics::LabeledSample;
using agentscale::metrics::RefSample;
using agentscale::metrics::SeriesRef;
using agentscale::metrics::SeriesStore;

const int64_t kT0Ms = 1'700'000'000'000;
constexpr int64_t kScrapeMs = 15'000;

Labels PodLabels(int i) {
  return {{"namespace", "default"},
          {"pod", absl::StrCat("agent-", i)},
          {"job", "agents"}};
}

// One scrape of `series` series per batch, timestamps advancing by 15 s.
void BM_SeriesStore_AppendBatchHandles(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  SeriesStore store;
  std::vector<SeriesRef> refs;
  for (int i = 0; i < n; ++i) {
    refs.push_back(*store.GetOrCreate("app_active_task_count", PodLabels(i)));
  }
  std::vector<RefSample> batch(n);
  for (int i = 0; i < n; ++i) batch[i].ref = refs[i];
  int64_t ts = kT0Ms;
  for (auto _ : state) {
    ts += kScrapeMs;
    for (int i = 0; i < n; ++i) {
      batch[i].timestamp_ms = ts;
      batch[i].value = static_cast<double>(i & 127);
    }
    benchmark::DoNotOptimize(store.AppendBatch(batch));
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["bytes_per_series"] = store.Stats().bytes_per_series();
}
BENCHMARK(BM_SeriesStore_AppendBatchHandles)->Arg(100)->Arg(1000)->Arg(10000);

void BM_SeriesStore_AppendBatchLabels(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  SeriesStore store;
  std::vector<Labels> labels;
  for (int i = 0; i < n; ++i) labels.push_back(PodLabels(i));
  std::vector<LabeledSample> batch(n);
  for (int i = 0; i < n; ++i) {
    batch[i].metric = "app_active_task_count";
    batch[i].labels = labels[i];
  }
  int64_t ts = kT0Ms;
  for (auto _ : state) {
    ts += kScrapeMs;
    for (int i = 0; i < n; ++i) {
      batch[i].timestamp_ms = ts;
      batch[i].value = static_cast<double>(i & 127);
    }
    benchmark::DoNotOptimize(store.AppendBatch(batch));
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SeriesStore_AppendBatchLabels)->Arg(100)->Arg(1000)->Arg(10000);

void BM_SeriesStore_AppendOneLabels(benchmark::State& state) {
  const int n = 1000;
  SeriesStore store;
  std::vector<Labels> labels;
  for (int i = 0; i < n; ++i) labels.push_back(PodLabels(i));
  int64_t step = 0;
  for (auto _ : state) {
    ++step;
    const absl::Time t = absl::FromUnixMillis(kT0Ms + step * kScrapeMs);
    for (int i = 0; i < n; ++i) {
      benchmark::DoNotOptimize(
          store.Append("app_active_task_count", labels[i], t, 1.0));
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SeriesStore_AppendOneLabels);

// A window query per pod, with `range(0)` samples in the window.
void BM_SeriesStore_Query(benchmark::State& state) {
  const int per_window = static_cast<int>(state.range(0));
  const Aggregation agg = static_cast<Aggregation>(state.range(1));
  const int n = 1000;
  SeriesStore store;
  const int64_t spacing_ms = 60'000 / per_window;
  std::vector<SeriesRef> refs;
  for (int i = 0; i < n; ++i) {
    refs.push_back(*store.GetOrCreate("app_active_task_count", PodLabels(i)));
    for (int k = 0; k < 4 * per_window; ++k) {
      store.Append(refs.back(), kT0Ms + k * spacing_ms, k);
    }
  }
  const absl::Time now =
      absl::FromUnixMillis(kT0Ms + (4 * per_window - 1) * spacing_ms);
  for (auto _ : state) {
    for (SeriesRef r : refs) {
      benchmark::DoNotOptimize(store.Query(r, agg, absl::Minutes(1), now));
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.SetLabel(agentscale::metrics::AggregationName(agg));
}
BENCHMARK(BM_SeriesStore_Query)
    ->Args({4, static_cast<int>(Aggregation::kAvgOverTime)})
    ->Args({60, static_cast<int>(Aggregation::kAvgOverTime)})
    ->Args({4, static_cast<int>(Aggregation::kRate)})
    ->Args({4, static_cast<int>(Aggregation::kLatest)});

std::string AgentPage(int series) {
  std::string s =
      "# HELP app_active_task_count Tasks the agent is working on.\n"
      "# TYPE app_active_task_count gauge\n";
  for (int i = 0; i < series; ++i) {
    absl::StrAppend(&s, "app_active_task_count{queue=\"q", i,
                    "\",worker=\"w-", i % 7, "\"} ", i * 3 + 0.5, "\n");
  }
  absl::StrAppend(&s,
                  "# TYPE rpc_seconds histogram\n"
                  "rpc_seconds_bucket{le=\"0.1\"} 3\n"
                  "rpc_seconds_bucket{le=\"+Inf\"} 5\n"
                  "rpc_seconds_sum 0.7\nrpc_seconds_count 5\n");
  return s;
}

void BM_Exposition_Parse(benchmark::State& state) {
  const std::string page = AgentPage(static_cast<int>(state.range(0)));
  agentscale::metrics::ExpositionParser parser;
  int64_t samples = 0;
  for (auto _ : state) {
    absl::Status st = parser.Parse(
        page, [&](const agentscale::metrics::SampleView& s) {
          benchmark::DoNotOptimize(s.value);
          ++samples;
        });
    if (!st.ok()) state.SkipWithError(std::string(st.message()).c_str());
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(page.size()));
  state.SetItemsProcessed(samples);
}
BENCHMARK(BM_Exposition_Parse)->Arg(10)->Arg(1000);

void BM_Exposition_AppendToStore(benchmark::State& state) {
  const std::string page = AgentPage(static_cast<int>(state.range(0)));
  SeriesStore store;
  const Labels target = {{"pod", "agent-0"}, {"namespace", "default"}};
  int64_t step = 0;
  for (auto _ : state) {
    ++step;
    benchmark::DoNotOptimize(agentscale::metrics::AppendExposition(
        page, target, absl::FromUnixMillis(kT0Ms + step * kScrapeMs), &store));
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(page.size()));
}
BENCHMARK(BM_Exposition_AppendToStore)->Arg(100);

// Memory: 10,000 series at a 15 s scrape interval with the seed's 1m
// window (retention = 5 min lookback: 21 samples kept per series).
void BM_SeriesStore_MemoryPerSeries(benchmark::State& state) {
  const int n = 10000;
  for (auto _ : state) {
    SeriesStore store;
    std::vector<RefSample> batch(n);
    for (int i = 0; i < n; ++i) {
      batch[i].ref =
          *store.GetOrCreate("app_active_task_count", PodLabels(i));
    }
    for (int k = 0; k < 40; ++k) {
      for (int i = 0; i < n; ++i) {
        batch[i].timestamp_ms = kT0Ms + k * kScrapeMs;
        batch[i].value = k;
      }
      store.AppendBatch(batch);
    }
    const auto st = store.Stats();
    state.counters["bytes_per_series"] = st.bytes_per_series();
    state.counters["samples_per_series"] =
        static_cast<double>(st.samples) / st.series;
  }
}
BENCHMARK(BM_SeriesStore_MemoryPerSeries)->Iterations(1)->Unit(benchmark::kMillisecond);

// --- Label matchers: RE2 (LabelMatcher) against std::regex ---------------------
//
// The baseline is the former implementation, kept here only for comparison:
// std::regex with ECMAScript syntax, the pattern wrapped in ^(?:...)$, and
// std::regex_match on the label value. It is neither linear-time nor
// stack-bounded (see docs/input-limits.md); the library no longer uses it.
class StdRegexMatcher {
 public:
  StdRegexMatcher(std::string name, const std::string& pattern)
      : name_(std::move(name)),
        re_(std::make_shared<const std::regex>("^(?:" + pattern + ")$",
                                               std::regex::ECMAScript)) {}
  bool Matches(const Labels& labels) const {
    const std::string* v = agentscale::metrics::FindLabel(labels, name_);
    const std::string empty;
    const std::string& s = v != nullptr ? *v : empty;
    return std::regex_match(s.begin(), s.end(), *re_);
  }

 private:
  std::string name_;
  std::shared_ptr<const std::regex> re_;
};

// Typical pod=~ patterns: a prefix, a short alternation (what an HPA
// selector's In becomes), and ten alternatives with a numeric suffix.
const char* const kMatcherPatterns[] = {
    "agent-.*",
    "a|b|c",
    "(web|api|worker|batch|cron|etl|ingest|export|report|agent)-[0-9]+",
};
const char* const kMatcherPatternNames[] = {"prefix", "alt3", "alt10"};

// Typical pod names (Deployment and StatefulSet), some matching each pattern.
std::vector<Labels> MatcherValues() {
  std::vector<Labels> out;
  const char* const kinds[] = {"agent", "web", "api", "worker", "etl", "b", "db"};
  for (int i = 0; i < 64; ++i) {
    const std::string base = kinds[i % 7];
    const std::string pod = i % 2 == 0 ? absl::StrCat(base, "-", i)
                                       : absl::StrCat(base, "-7f9c8d", i, "-x2k4p");
    out.push_back({{"namespace", "default"}, {"pod", base == "b" ? "b" : pod}});
  }
  return out;
}

void BM_LabelMatcher_StdRegex(benchmark::State& state) {
  const StdRegexMatcher m("pod", kMatcherPatterns[state.range(0)]);
  const std::vector<Labels> values = MatcherValues();
  for (auto _ : state) {
    for (const Labels& l : values) benchmark::DoNotOptimize(m.Matches(l));
  }
  state.SetItemsProcessed(state.iterations() * values.size());
  state.SetLabel(kMatcherPatternNames[state.range(0)]);
}
BENCHMARK(BM_LabelMatcher_StdRegex)->DenseRange(0, 2);

void BM_LabelMatcher_Re2(benchmark::State& state) {
  const agentscale::metrics::LabelMatcher m = *agentscale::metrics::LabelMatcher::Create(
      "pod", agentscale::metrics::LabelMatcher::Op::kRegexMatch,
      kMatcherPatterns[state.range(0)]);
  const std::vector<Labels> values = MatcherValues();
  for (auto _ : state) {
    for (const Labels& l : values) benchmark::DoNotOptimize(m.Matches("m", l));
  }
  state.SetItemsProcessed(state.iterations() * values.size());
  state.SetLabel(kMatcherPatternNames[state.range(0)]);
}
BENCHMARK(BM_LabelMatcher_Re2)->DenseRange(0, 2);

// A selection over a store of range(0) series: app_active_task_count{pod=~
// "agent-1.*"} as a query runs it (Select by name, then the matcher on each
// series' labels), about 1 in 9 kept.
SeriesStore* StoreOf(int n) {
  auto* store = new SeriesStore();
  for (int i = 0; i < n; ++i) {
    store->GetOrCreate("app_active_task_count", PodLabels(i)).IgnoreError();
  }
  return store;
}

void BM_SeriesStore_SelectRegex_StdRegex(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::unique_ptr<SeriesStore> store(StoreOf(n));
  const StdRegexMatcher m("pod", "agent-1.*");
  size_t kept = 0;
  for (auto _ : state) {
    kept = 0;
    for (const auto& info : store->Select("app_active_task_count")) kept += m.Matches(info.labels);
    benchmark::DoNotOptimize(kept);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["kept"] = static_cast<double>(kept);
}
BENCHMARK(BM_SeriesStore_SelectRegex_StdRegex)->Arg(1000)->Arg(10000);

void BM_SeriesStore_SelectRegex_Re2(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  std::unique_ptr<SeriesStore> store(StoreOf(n));
  const agentscale::metrics::SeriesSelector sel =
      *agentscale::metrics::ParseSeriesSelector("app_active_task_count{pod=~\"agent-1.*\"}");
  size_t kept = 0;
  for (auto _ : state) {
    kept = 0;
    for (const auto& info : store->Select(sel.metric)) kept += sel.Matches(info.metric, info.labels);
    benchmark::DoNotOptimize(kept);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["kept"] = static_cast<double>(kept);
}
BENCHMARK(BM_SeriesStore_SelectRegex_Re2)->Arg(1000)->Arg(10000);

}  // namespace

BENCHMARK_MAIN();
