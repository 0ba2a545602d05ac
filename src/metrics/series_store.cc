// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/metrics/series_store.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "agentscale/metrics/extrapolation.h"
#include "names.h"

namespace agentscale::metrics {
namespace {

constexpr uint64_t kStaleBits = 0x7ff0000000000002ULL;

int64_t DurationMillis(absl::Duration d) {
  return absl::ToInt64Milliseconds(d);
}

// The labels that count (non-empty values), sorted by name, as pointers.
using SortedLabels = absl::InlinedVector<const Label*, 16>;
void SortLabels(absl::Span<const Label> labels, SortedLabels* out) {
  out->clear();
  for (const Label& l : labels) {
    if (!l.value.empty()) out->push_back(&l);
  }
  auto by_name = [](const Label* a, const Label* b) { return a->name < b->name; };
  if (!std::is_sorted(out->begin(), out->end(), by_name)) {
    std::sort(out->begin(), out->end(), by_name);
  }
}

// The index key: metric, then each label as name '\0' <4-byte length> value.
// Names cannot contain '\0' or '\xff', so the encoding is unambiguous.
void BuildKey(absl::string_view metric, const SortedLabels& labels,
              std::string* key) {
  key->clear();
  key->append(metric.data(), metric.size());
  for (const Label* l : labels) {
    key->push_back('\xff');
    key->append(l->name);
    key->push_back('\0');
    const uint32_t n = static_cast<uint32_t>(l->value.size());
    char len[4];
    std::memcpy(len, &n, 4);
    key->append(len, 4);
    key->append(l->value);
  }
}

absl::Status ValidateSeries(absl::string_view metric,
                            const SortedLabels& labels) {
  if (!internal::IsValidMetricName(metric)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid metric name \"", absl::CHexEscape(metric),
                     "\": must match [a-zA-Z_:][a-zA-Z0-9_:]*"));
  }
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::string& name = labels[i]->name;
    if (!internal::IsValidLabelName(name)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric ", metric, ": invalid label name \"",
          absl::CHexEscape(name), "\": must match [a-zA-Z_][a-zA-Z0-9_]*"));
    }
    if (name == "__name__") {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric ", metric,
          ": label __name__ is reserved; pass the metric name separately"));
    }
    if (i > 0 && labels[i - 1]->name == name) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric ", metric, ": duplicate label name \"", name, "\""));
    }
    // Prometheus' rule (labels.Labels.IsValid): values are UTF-8.
    const std::string& value = labels[i]->value;
    const size_t bad = internal::FindInvalidUtf8(value);
    if (bad != value.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "metric ", metric, ": the value of label ", name,
          " is not valid UTF-8 (byte ", bad + 1, "): \"",
          absl::CHexEscape(value.size() > 40 ? value.substr(0, 40) : value),
          value.size() > 40 ? "...\"" : "\""));
    }
  }
  return absl::OkStatus();
}

// Prometheus' kahanSumInc (Neumaier's variant).
inline void KahanSumInc(double inc, double* sum, double* c) {
  const double t = *sum + inc;
  if (std::fabs(*sum) >= std::fabs(inc)) {
    *c += (*sum - t) + inc;
  } else {
    *c += (inc - t) + *sum;
  }
  *sum = t;
}

double ExtrapolatedRate(absl::Span<const Sample> s, int64_t now_ms,
                        int64_t window_ms, bool is_rate) {
  const Sample& first = s.front();
  const Sample& last = s.back();
  double correction = 0;
  double prev = first.value;
  for (const Sample& x : s) {
    if (x.value < prev) correction += prev;  // counter reset
    prev = x.value;
  }
  double result = ExtrapolatedIncrease(
      {static_cast<double>(first.timestamp_ms) / 1000.0, first.value},
      {static_cast<double>(last.timestamp_ms) / 1000.0, last.value}, correction,
      s.size(), static_cast<double>(now_ms - window_ms) / 1000.0,
      static_cast<double>(now_ms) / 1000.0);
  if (is_rate) result /= static_cast<double>(window_ms) / 1000.0;
  return result;
}

}  // namespace

const std::string* FindLabel(const Labels& labels, absl::string_view name) {
  for (const Label& l : labels) {
    if (l.name == name) return &l.value;
  }
  return nullptr;
}

double StaleMarker() {
  double d;
  std::memcpy(&d, &kStaleBits, sizeof d);
  return d;
}

bool IsStaleMarker(double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits == kStaleBits;
}

const char* AppendResultName(AppendResult result) {
  switch (result) {
    case AppendResult::kOk:
      return "ok";
    case AppendResult::kOutOfOrder:
      return "out of order";
    case AppendResult::kDuplicate:
      return "duplicate timestamp";
    case AppendResult::kUnknownSeries:
      return "unknown series";
    case AppendResult::kInvalidSeries:
      return "invalid series";
  }
  return "?";
}

const char* AggregationName(Aggregation aggregation) {
  switch (aggregation) {
    case Aggregation::kAvgOverTime:
      return "avg_over_time";
    case Aggregation::kMaxOverTime:
      return "max_over_time";
    case Aggregation::kMinOverTime:
      return "min_over_time";
    case Aggregation::kSumOverTime:
      return "sum_over_time";
    case Aggregation::kLastOverTime:
      return "last_over_time";
    case Aggregation::kCountOverTime:
      return "count_over_time";
    case Aggregation::kRate:
      return "rate";
    case Aggregation::kIncrease:
      return "increase";
    case Aggregation::kLatest:
      return "";
  }
  return "?";
}

absl::StatusOr<Aggregation> ParseAggregation(absl::string_view name) {
  for (Aggregation a :
       {Aggregation::kAvgOverTime, Aggregation::kMaxOverTime,
        Aggregation::kMinOverTime, Aggregation::kSumOverTime,
        Aggregation::kLastOverTime, Aggregation::kCountOverTime,
        Aggregation::kRate, Aggregation::kIncrease}) {
    if (name == AggregationName(a)) return a;
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "unsupported range function \"", absl::CHexEscape(name),
      "\": supported are avg_over_time, max_over_time, min_over_time, "
      "sum_over_time, last_over_time, count_over_time, rate, increase"));
}

std::optional<double> EvaluateWindow(Aggregation aggregation,
                                     absl::Span<const Sample> samples,
                                     int64_t now_ms, int64_t window_ms,
                                     PrometheusVersion version) {
  // Only the samples inside (now - window, now], or [now - window, now] in
  // Prometheus 2.
  const int64_t start = now_ms - window_ms;
  auto lo = std::partition_point(samples.begin(), samples.end(), [&](const Sample& s) {
    return !InRange(version, s.timestamp_ms, start);
  });
  auto hi = std::upper_bound(
      lo, samples.end(), now_ms,
      [](int64_t t, const Sample& s) { return t < s.timestamp_ms; });
  const absl::Span<const Sample> s = samples.subspan(
      static_cast<size_t>(lo - samples.begin()), static_cast<size_t>(hi - lo));
  if (s.empty()) return std::nullopt;
  switch (aggregation) {
    case Aggregation::kAvgOverTime: {
      // Prometheus' incremental mean with Kahan compensation.
      double mean = 0, c = 0, count = 0;
      for (const Sample& x : s) {
        count += 1;
        if (std::isinf(mean)) {
          if (std::isinf(x.value) && (mean > 0) == (x.value > 0)) continue;
          if (!std::isinf(x.value) && !std::isnan(x.value)) continue;
        }
        KahanSumInc(x.value / count - mean / count, &mean, &c);
      }
      if (std::isinf(mean)) return mean;
      return mean + c;
    }
    case Aggregation::kSumOverTime: {
      double sum = 0, c = 0;
      for (const Sample& x : s) KahanSumInc(x.value, &sum, &c);
      if (std::isinf(sum)) return sum;
      return sum + c;
    }
    case Aggregation::kMaxOverTime: {
      double m = s.front().value;
      for (const Sample& x : s) {
        if (x.value > m || std::isnan(m)) m = x.value;
      }
      return m;
    }
    case Aggregation::kMinOverTime: {
      double m = s.front().value;
      for (const Sample& x : s) {
        if (x.value < m || std::isnan(m)) m = x.value;
      }
      return m;
    }
    case Aggregation::kLastOverTime:
    case Aggregation::kLatest:
      return s.back().value;
    case Aggregation::kCountOverTime:
      return static_cast<double>(s.size());
    case Aggregation::kRate:
    case Aggregation::kIncrease:
      if (s.size() < 2 || window_ms <= 0) return std::nullopt;
      return ExtrapolatedRate(s, now_ms, window_ms,
                              aggregation == Aggregation::kRate);
  }
  return std::nullopt;
}

// --- Ring --------------------------------------------------------------------

void SeriesStore::Ring::Reserve(uint32_t want) {
  uint32_t n = 4;
  while (n < want) n <<= 1;
  if (n == cap) return;
  std::unique_ptr<Sample[]> next(new Sample[n]);
  for (uint32_t i = 0; i < size; ++i) next[i] = at(i);
  buf = std::move(next);
  cap = n;
  head = 0;
}

void SeriesStore::Ring::Push(const Sample& s) {
  if (size == cap) Reserve(cap == 0 ? 4 : cap * 2);
  buf[(head + size) & (cap - 1)] = s;
  ++size;
}

// --- SeriesStore -------------------------------------------------------------

SeriesStore::SeriesStore() : SeriesStore(SeriesStoreOptions{}) {}

SeriesStore::SeriesStore(SeriesStoreOptions options)
    : options_(options),
      lookback_ms_(DurationMillis(options.lookback)),
      retention_ms_(DurationMillis(options.lookback)) {}

absl::StatusOr<std::unique_ptr<SeriesStore>> SeriesStore::Create(
    SeriesStoreOptions options) {
  if (options.lookback < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError(
        absl::StrCat("lookback: must be at least 1ms, got ",
                     absl::FormatDuration(options.lookback)));
  }
  if (options.gc_after < options.lookback) {
    return absl::InvalidArgumentError(absl::StrCat(
        "gc_after: must be at least the lookback (",
        absl::FormatDuration(options.lookback), "), got ",
        absl::FormatDuration(options.gc_after)));
  }
  return std::unique_ptr<SeriesStore>(new SeriesStore(options));
}

void SeriesStore::RegisterWindow(absl::Duration window) {
  const int64_t ms = DurationMillis(window);
  int64_t cur = retention_ms_.load(std::memory_order_relaxed);
  while (ms > cur && !retention_ms_.compare_exchange_weak(
                         cur, ms, std::memory_order_relaxed)) {
  }
}

absl::Duration SeriesStore::retention() const {
  return absl::Milliseconds(retention_ms_.load(std::memory_order_relaxed));
}

SeriesStore::Series* SeriesStore::Resolve(SeriesRef ref) {
  if (ref.index_ >= series_.size()) return nullptr;
  Series& s = series_[ref.index_];
  if (!s.live || s.generation != ref.generation_) return nullptr;
  return &s;
}

const SeriesStore::Series* SeriesStore::Resolve(SeriesRef ref) const {
  if (ref.index_ >= series_.size()) return nullptr;
  const Series& s = series_[ref.index_];
  if (!s.live || s.generation != ref.generation_) return nullptr;
  return &s;
}

inline AppendResult SeriesStore::AppendLocked(Series* s, int64_t ts,
                                              double value,
                                              int64_t retention_ms) {
  if (ts <= s->newest_ms) {
    return ts == s->newest_ms ? AppendResult::kDuplicate
                              : AppendResult::kOutOfOrder;
  }
  s->newest_ms = ts;
  s->gc_marked = false;
  Ring& r = s->ring;
  const int64_t oldest_kept = ts - retention_ms;
  while (r.size > 0 && r.at(0).timestamp_ms < oldest_kept) r.PopFront();
  r.Push(Sample{ts, value});
  return AppendResult::kOk;
}

void SeriesStore::CountResult(AppendResult r) {
  switch (r) {
    case AppendResult::kOk:
      ++counters_.appended;
      break;
    case AppendResult::kOutOfOrder:
      ++counters_.out_of_order;
      break;
    case AppendResult::kDuplicate:
      ++counters_.duplicate;
      break;
    case AppendResult::kUnknownSeries:
      ++counters_.unknown_series;
      break;
    case AppendResult::kInvalidSeries:
      ++counters_.invalid_series;
      break;
  }
}

SeriesStore::Series* SeriesStore::GetOrCreateLocked(
    absl::string_view metric, absl::Span<const Label> labels, bool* created,
    SeriesRef* ref, absl::Status* error) {
  thread_local SortedLabels sorted;
  thread_local std::string key;
  SortLabels(labels, &sorted);
  BuildKey(metric, sorted, &key);
  *created = false;
  auto it = index_.find(key);
  if (it != index_.end()) {
    *ref = SeriesRef(it->second, series_[it->second].generation);
    return &series_[it->second];
  }
  absl::Status st = ValidateSeries(metric, sorted);
  if (!st.ok()) {
    if (error != nullptr) *error = std::move(st);
    return nullptr;
  }
  uint32_t index;
  if (!free_.empty()) {
    index = free_.back();
    free_.pop_back();
  } else {
    index = static_cast<uint32_t>(series_.size());
    series_.emplace_back();
  }
  Series& s = series_[index];
  s.live = true;
  s.gc_marked = false;
  s.newest_ms = std::numeric_limits<int64_t>::min();
  s.metric.assign(metric.data(), metric.size());
  s.labels.clear();
  s.labels.reserve(sorted.size());
  for (const Label* l : sorted) s.labels.push_back(*l);
  index_.emplace(key, index);
  by_metric_[s.metric].push_back(index);
  ++live_series_;
  *created = true;
  *ref = SeriesRef(index, s.generation);
  return &s;
}

absl::StatusOr<SeriesRef> SeriesStore::GetOrCreate(
    absl::string_view metric, absl::Span<const Label> labels) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  bool created;
  SeriesRef ref;
  absl::Status error;
  if (GetOrCreateLocked(metric, labels, &created, &ref, &error) == nullptr) {
    return error;
  }
  return ref;
}

std::optional<SeriesRef> SeriesStore::Find(
    absl::string_view metric, absl::Span<const Label> labels) const {
  thread_local SortedLabels sorted;
  thread_local std::string key;
  SortLabels(labels, &sorted);
  BuildKey(metric, sorted, &key);
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  return SeriesRef(it->second, series_[it->second].generation);
}

AppendResult SeriesStore::Append(SeriesRef ref, absl::Time timestamp,
                                 double value) {
  return Append(ref, ToMillis(timestamp), value);
}

AppendResult SeriesStore::Append(SeriesRef ref, int64_t timestamp_ms,
                                 double value) {
  const int64_t retention = retention_ms_.load(std::memory_order_relaxed);
  std::unique_lock<std::shared_mutex> lock(mu_);
  Series* s = Resolve(ref);
  const AppendResult r = s == nullptr
                             ? AppendResult::kUnknownSeries
                             : AppendLocked(s, timestamp_ms, value, retention);
  CountResult(r);
  return r;
}

AppendResult SeriesStore::Append(absl::string_view metric,
                                 absl::Span<const Label> labels,
                                 absl::Time timestamp, double value) {
  const int64_t retention = retention_ms_.load(std::memory_order_relaxed);
  std::unique_lock<std::shared_mutex> lock(mu_);
  bool created;
  SeriesRef ref;
  Series* s = GetOrCreateLocked(metric, labels, &created, &ref, nullptr);
  const AppendResult r =
      s == nullptr ? AppendResult::kInvalidSeries
                   : AppendLocked(s, ToMillis(timestamp), value, retention);
  CountResult(r);
  return r;
}

namespace {

// Counts one append's outcome into a batch's counts.
void Tally(AppendResult r, AppendCounts* c) {
  switch (r) {
    case AppendResult::kOk:
      ++c->appended;
      break;
    case AppendResult::kDuplicate:
      ++c->duplicate;
      break;
    default:
      ++c->out_of_order;
      break;
  }
}

}  // namespace

AppendCounts SeriesStore::AppendBatch(absl::Span<const RefSample> samples) {
  AppendCounts c;
  const int64_t retention = retention_ms_.load(std::memory_order_relaxed);
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const RefSample& x : samples) {
    Series* s = Resolve(x.ref);
    if (s == nullptr) {
      ++c.unknown_series;
      continue;
    }
    Tally(AppendLocked(s, x.timestamp_ms, x.value, retention), &c);
  }
  counters_.appended += c.appended;
  counters_.duplicate += c.duplicate;
  counters_.out_of_order += c.out_of_order;
  counters_.unknown_series += c.unknown_series;
  return c;
}

AppendCounts SeriesStore::AppendBatch(absl::Span<const LabeledSample> samples) {
  AppendCounts c;
  const int64_t retention = retention_ms_.load(std::memory_order_relaxed);
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (const LabeledSample& x : samples) {
    bool created;
    SeriesRef ref;
    Series* s = GetOrCreateLocked(x.metric, x.labels, &created, &ref, nullptr);
    if (s == nullptr) {
      ++c.invalid_series;
      continue;
    }
    if (created) ++c.created_series;
    Tally(AppendLocked(s, x.timestamp_ms, x.value, retention), &c);
  }
  counters_.appended += c.appended;
  counters_.duplicate += c.duplicate;
  counters_.out_of_order += c.out_of_order;
  counters_.invalid_series += c.invalid_series;
  return c;
}

AppendResult SeriesStore::MarkStale(SeriesRef ref, absl::Time timestamp) {
  return Append(ref, ToMillis(timestamp), StaleMarker());
}

std::optional<double> SeriesStore::Query(SeriesRef ref,
                                         Aggregation aggregation,
                                         absl::Duration window,
                                         absl::Time now) const {
  const int64_t window_ms = DurationMillis(window);
  const bool is_range = aggregation != Aggregation::kLatest;
  if (is_range) {
    if (window_ms <= 0) return std::nullopt;
    const_cast<SeriesStore*>(this)->RegisterWindow(window);
  }
  const int64_t now_ms = ToMillis(now);
  thread_local std::vector<Sample> scratch;
  std::shared_lock<std::shared_mutex> lock(mu_);
  const Series* s = Resolve(ref);
  if (s == nullptr || s->ring.size == 0) return std::nullopt;
  const Ring& r = s->ring;
  // The first sample after `now`.
  uint32_t lo = 0, hi = r.size;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (r.at(mid).timestamp_ms <= now_ms) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  const uint32_t end = lo;
  if (end == 0) return std::nullopt;
  const Sample& newest = r.at(end - 1);
  if (!is_range || options_.require_fresh) {
    if (!InRange(options_.prometheus_version, newest.timestamp_ms,
                 now_ms - lookback_ms_) ||
        IsStaleMarker(newest.value)) {
      return std::nullopt;
    }
  }
  if (!is_range) return newest.value;
  // The first sample inside the range (after now - window; at it too in
  // Prometheus 2).
  const int64_t start_ms = now_ms - window_ms;
  const PrometheusVersion version = options_.prometheus_version;
  lo = 0;
  hi = end;
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo) / 2;
    if (!InRange(version, r.at(mid).timestamp_ms, start_ms)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  scratch.clear();
  for (uint32_t i = lo; i < end; ++i) {
    const Sample& x = r.at(i);
    if (!IsStaleMarker(x.value)) scratch.push_back(x);
  }
  return EvaluateWindow(aggregation, scratch, now_ms, window_ms, version);
}

std::vector<SeriesInfo> SeriesStore::Select(
    absl::string_view metric,
    const std::function<bool(const Labels&)>& filter) const {
  std::vector<SeriesInfo> out;
  // `filter` runs under the read lock, once per series: appends wait for it.
  // Label matchers there are fine: their regexes are RE2 (src/metrics/
  // regex.h), linear in the label value whatever the pattern, so a hostile
  // selector cannot hold the lock for long.
  std::shared_lock<std::shared_mutex> lock(mu_);
  auto add = [&](uint32_t i) {
    const Series& s = series_[i];
    if (!s.live) return;
    if (filter && !filter(s.labels)) return;
    out.push_back(SeriesInfo{SeriesRef(i, s.generation), s.metric, s.labels});
  };
  if (metric.empty()) {
    for (uint32_t i = 0; i < series_.size(); ++i) add(i);
  } else {
    auto it = by_metric_.find(metric);
    if (it != by_metric_.end()) {
      for (uint32_t i : it->second) add(i);
    }
  }
  return out;
}

std::vector<Sample> SeriesStore::Samples(SeriesRef ref) const {
  std::vector<Sample> out;
  std::shared_lock<std::shared_mutex> lock(mu_);
  const Series* s = Resolve(ref);
  if (s == nullptr) return out;
  out.reserve(s->ring.size);
  for (uint32_t i = 0; i < s->ring.size; ++i) out.push_back(s->ring.at(i));
  return out;
}

int64_t SeriesStore::CollectGarbage(absl::Time now) {
  const int64_t cutoff = ToMillis(now) - DurationMillis(options_.gc_after);
  int64_t removed = 0;
  SortedLabels sorted;
  std::string key;
  std::unique_lock<std::shared_mutex> lock(mu_);
  for (uint32_t i = 0; i < series_.size(); ++i) {
    Series& s = series_[i];
    if (!s.live) continue;
    bool remove = false;
    if (s.ring.size == 0 &&
        s.newest_ms == std::numeric_limits<int64_t>::min()) {
      remove = s.gc_marked;
      s.gc_marked = true;
    } else {
      remove = s.newest_ms < cutoff;
    }
    if (!remove) {
      // Give back buffers a burst left oversized.
      if (s.ring.cap > 8 && s.ring.size * 4 < s.ring.cap) {
        s.ring.Reserve(s.ring.size * 2);
      }
      continue;
    }
    SortLabels(s.labels, &sorted);
    BuildKey(s.metric, sorted, &key);
    index_.erase(key);
    auto it = by_metric_.find(s.metric);
    if (it != by_metric_.end()) {
      std::vector<uint32_t>& v = it->second;
      auto pos = std::find(v.begin(), v.end(), i);
      if (pos != v.end()) {
        *pos = v.back();
        v.pop_back();
      }
      if (v.empty()) by_metric_.erase(it);
    }
    s.live = false;
    s.gc_marked = false;
    if (++s.generation == 0) s.generation = 1;
    s.ring = Ring{};
    s.metric = std::string();
    s.labels = Labels();
    s.newest_ms = std::numeric_limits<int64_t>::min();
    free_.push_back(i);
    --live_series_;
    ++removed;
  }
  counters_.collected_series += removed;
  return removed;
}

StoreStats SeriesStore::Stats() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  StoreStats st = counters_;
  st.series = live_series_;
  int64_t bytes = static_cast<int64_t>(series_.capacity() * sizeof(Series) +
                                       free_.capacity() * sizeof(uint32_t));
  auto str_heap = [](const std::string& s) -> int64_t {
    return s.capacity() > 15 ? static_cast<int64_t>(s.capacity() + 1) : 0;
  };
  for (const Series& s : series_) {
    if (!s.live) continue;
    st.samples += s.ring.size;
    bytes += static_cast<int64_t>(s.ring.cap) * sizeof(Sample);
    bytes += str_heap(s.metric);
    bytes += static_cast<int64_t>(s.labels.capacity() * sizeof(Label));
    for (const Label& l : s.labels) bytes += str_heap(l.name) + str_heap(l.value);
  }
  // The index: one slot (key string + value + control byte) per bucket.
  bytes += static_cast<int64_t>(index_.capacity() *
                                (sizeof(std::pair<std::string, uint32_t>) + 1));
  for (const auto& [key, index] : index_) bytes += str_heap(key);
  for (const auto& [metric, v] : by_metric_) {
    bytes += static_cast<int64_t>(v.capacity() * sizeof(uint32_t));
  }
  bytes += static_cast<int64_t>(
      by_metric_.capacity() *
      (sizeof(std::pair<std::string, std::vector<uint32_t>>) + 1));
  st.memory_bytes = bytes;
  return st;
}

}  // namespace agentscale::metrics
