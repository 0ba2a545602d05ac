// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// SeriesStore: in-memory time series of metric samples, one series per
// (metric name, label set), with the window functions the HPA's metrics
// pipeline needs, evaluated at a caller-given `now` with Prometheus'
// semantics: avg/max/min/last/count/sum_over_time, and rate/increase for
// counters, counter resets and extrapolation included.
//
//   agentscale::metrics::SeriesStore store;
//   absl::StatusOr<agentscale::metrics::SeriesRef> ref = store.GetOrCreate(
//       "app_active_task_count", {{"pod", "agent-0"}, {"namespace", "ml"}});
//   store.Append(*ref, now - absl::Seconds(15), 70);
//   store.Append(*ref, now, 90);
//   std::optional<double> avg = store.Query(
//       *ref, agentscale::metrics::Aggregation::kAvgOverTime,
//       absl::Minutes(1), now);                        // 80
//
// Rules beyond plain storage, and why:
//
// - Missing is never zero. A query returns std::nullopt when the series has
//   no sample in its window, and also (SeriesStoreOptions::require_fresh,
//   on by default) when the series' newest sample at or before `now` is
//   older than the lookback (5 min, as Prometheus' lookback delta) or is a
//   staleness marker (MarkStale(), e.g. after a failed scrape). The HPA then
//   applies its missing-pod rules instead of reading a dead agent as idle.
// - Samples of one series must arrive in time order. An older timestamp
//   (kOutOfOrder) or an equal one (kDuplicate) is rejected and counted,
//   never merged, as Prometheus' TSDB does.
// - Memory per series is bounded in time: a series keeps the samples of the
//   last max(lookback, longest registered window) before its newest sample.
//   RegisterWindow() raises that bound; so does any Query() with a longer
//   window (for later appends: samples already dropped do not come back).
// - Series that stop receiving samples are collected by CollectGarbage():
//   a series whose newest sample is older than gc_after is removed, and its
//   SeriesRef becomes invalid (appends to it return kUnknownSeries).
//
// Ranges and the lookback are left-open, (now - window, now], as in
// Prometheus 3, or closed, [now - window, now], as in Prometheus 2.x (the
// version Debian ships) with SeriesStoreOptions::prometheus_version;
// timestamps are whole milliseconds, as in Prometheus.
//
// Thread safety: every method may be called from any number of threads at
// once. Appends and CollectGarbage() take the store's lock exclusively (a
// batch takes it once); queries, Find(), Select() and Stats() share it, so
// concurrent queries do not block each other. A query sees each append
// entirely or not at all. A SeriesRef stays usable until the series is
// garbage-collected; using it afterwards is safe and reports kUnknownSeries
// or std::nullopt, even if the slot was reused for another series.
#ifndef AGENTSCALE_METRICS_SERIES_STORE_H_
#define AGENTSCALE_METRICS_SERIES_STORE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/metrics/extrapolation.h"

namespace agentscale::metrics {

struct Label {
  std::string name;
  std::string value;
  friend bool operator==(const Label& a, const Label& b) {
    return a.name == b.name && a.value == b.value;
  }
  friend bool operator<(const Label& a, const Label& b) {
    return a.name != b.name ? a.name < b.name : a.value < b.value;
  }
};
// A label set. The store keeps labels sorted by name and drops labels whose
// value is empty (Prometheus: an empty value is the same as no label).
using Labels = std::vector<Label>;

// The value of `name` in `labels`, or nullptr.
const std::string* FindLabel(const Labels& labels, absl::string_view name);

// Milliseconds since the Unix epoch, the store's time unit (floor).
inline int64_t ToMillis(absl::Time t) { return absl::ToUnixMillis(t); }

// Prometheus' staleness marker: a NaN with this exact bit pattern, written
// when a series disappears. Distinct from an ordinary NaN value.
double StaleMarker();
bool IsStaleMarker(double value);

// A handle to one series; cheap to copy. Default-constructed: no series.
class SeriesRef {
 public:
  SeriesRef() = default;
  bool valid() const { return generation_ != 0; }
  // The handle as one integer (generation in the high 32 bits, slot in the
  // low), for arrays of refs (the Python bindings' batch appends);
  // FromId(ref.id()) == ref, and any id is safe to use (an id the store did
  // not hand out reads as an unknown series). The default ref's id is 0.
  uint64_t id() const { return (uint64_t{generation_} << 32) | index_; }
  static SeriesRef FromId(uint64_t id) {
    return SeriesRef(static_cast<uint32_t>(id),
                     static_cast<uint32_t>(id >> 32));
  }
  friend bool operator==(SeriesRef a, SeriesRef b) {
    return a.index_ == b.index_ && a.generation_ == b.generation_;
  }
  friend bool operator!=(SeriesRef a, SeriesRef b) { return !(a == b); }

 private:
  friend class SeriesStore;
  SeriesRef(uint32_t index, uint32_t generation)
      : index_(index), generation_(generation) {}
  uint32_t index_ = 0;
  uint32_t generation_ = 0;
};

struct Sample {
  int64_t timestamp_ms = 0;
  double value = 0;
};

// One sample of a pre-resolved series, for AppendBatch().
struct RefSample {
  SeriesRef ref;
  int64_t timestamp_ms = 0;
  double value = 0;
};

// One sample addressed by metric name and labels (views: the caller keeps
// them alive for the call), for AppendBatch().
struct LabeledSample {
  absl::string_view metric;
  absl::Span<const Label> labels;
  int64_t timestamp_ms = 0;
  double value = 0;
};

enum class AppendResult {
  kOk,
  kOutOfOrder,     // older than the series' newest sample
  kDuplicate,      // same timestamp as the series' newest sample
  kUnknownSeries,  // invalid or garbage-collected SeriesRef
  kInvalidSeries,  // (by labels) an invalid metric or label name, or a
                   // label value that is not valid UTF-8
};
const char* AppendResultName(AppendResult result);

// What one AppendBatch() did.
struct AppendCounts {
  int64_t appended = 0;
  int64_t out_of_order = 0;
  int64_t duplicate = 0;
  int64_t unknown_series = 0;
  int64_t invalid_series = 0;
  int64_t created_series = 0;
  int64_t rejected() const {
    return out_of_order + duplicate + unknown_series + invalid_series;
  }
};

// The window functions. Names follow PromQL (ParseAggregation accepts them).
enum class Aggregation {
  kAvgOverTime,
  kMaxOverTime,
  kMinOverTime,
  kSumOverTime,
  kLastOverTime,
  kCountOverTime,
  kRate,      // per-second, counter resets and extrapolation as Prometheus
  kIncrease,  // rate * window
  kLatest,    // instant vector selector: newest sample within the lookback
};
// "avg_over_time", ..., "rate", "increase"; kLatest is "" (no function).
const char* AggregationName(Aggregation aggregation);
absl::StatusOr<Aggregation> ParseAggregation(absl::string_view name);

// The window functions over samples in time order (stale markers already
// removed), at `now_ms` over (now_ms - window_ms, now_ms] (Prometheus 3), or
// [now_ms - window_ms, now_ms] with PrometheusVersion::k2. Exposed for tests
// and for callers with their own storage. std::nullopt when PromQL returns
// no sample (empty range; fewer than two samples for rate/increase).
std::optional<double> EvaluateWindow(
    Aggregation aggregation, absl::Span<const Sample> samples, int64_t now_ms,
    int64_t window_ms, PrometheusVersion version = PrometheusVersion::k3);

struct SeriesStoreOptions {
  // Prometheus' lookback delta: a series whose newest sample is older than
  // this is missing.
  absl::Duration lookback = absl::Minutes(5);
  // Apply the lookback and staleness markers to window queries too (see the
  // file comment). Off: window functions see every sample in their range,
  // exactly as PromQL.
  bool require_fresh = true;
  // CollectGarbage() removes series whose newest sample is older than this.
  // Must be at least `lookback`.
  absl::Duration gc_after = absl::Minutes(10);
  // Range and lookback semantics: left-open (3) or closed (2).
  PrometheusVersion prometheus_version = PrometheusVersion::k3;
};

struct SeriesInfo {
  SeriesRef ref;
  std::string metric;
  Labels labels;
};

struct StoreStats {
  int64_t series = 0;
  int64_t samples = 0;
  // Cumulative counters.
  int64_t appended = 0;
  int64_t out_of_order = 0;
  int64_t duplicate = 0;
  int64_t unknown_series = 0;
  int64_t invalid_series = 0;
  int64_t collected_series = 0;
  // An estimate of the heap the store uses (sample buffers, keys, labels,
  // index); bytes_per_series() divides it by `series`.
  int64_t memory_bytes = 0;
  double bytes_per_series() const {
    return series == 0 ? 0.0 : static_cast<double>(memory_bytes) / series;
  }
};

class SeriesStore {
 public:
  // Default options.
  SeriesStore();
  // Checks `options` (positive lookback, gc_after >= lookback).
  static absl::StatusOr<std::unique_ptr<SeriesStore>> Create(
      SeriesStoreOptions options);

  SeriesStore(const SeriesStore&) = delete;
  SeriesStore& operator=(const SeriesStore&) = delete;

  const SeriesStoreOptions& options() const { return options_; }

  // The series for (metric, labels), created if absent. Errors name the
  // invalid metric or label name, a label value that is not valid UTF-8, a
  // duplicate label, or a `__name__` label.
  absl::StatusOr<SeriesRef> GetOrCreate(absl::string_view metric,
                                        absl::Span<const Label> labels);
  // The series if it exists.
  std::optional<SeriesRef> Find(absl::string_view metric,
                                absl::Span<const Label> labels) const;

  AppendResult Append(SeriesRef ref, absl::Time timestamp, double value);
  AppendResult Append(SeriesRef ref, int64_t timestamp_ms, double value);
  // By label lookup, creating the series if need be.
  AppendResult Append(absl::string_view metric, absl::Span<const Label> labels,
                      absl::Time timestamp, double value);
  // Batches take the lock once. Samples are applied in order; a rejected
  // sample does not stop the batch.
  AppendCounts AppendBatch(absl::Span<const RefSample> samples);
  AppendCounts AppendBatch(absl::Span<const LabeledSample> samples);
  // Appends a staleness marker: the series reads as missing from
  // `timestamp` until a newer sample arrives.
  AppendResult MarkStale(SeriesRef ref, absl::Time timestamp);

  // Keeps at least `window` of samples per series from now on.
  void RegisterWindow(absl::Duration window);
  // How much history each series keeps: max(lookback, longest window).
  absl::Duration retention() const;

  // `aggregation` over (now - window, now], or [now - window, now] with
  // SeriesStoreOptions::prometheus_version 2 (window ignored for kLatest).
  std::optional<double> Query(SeriesRef ref, Aggregation aggregation,
                              absl::Duration window, absl::Time now) const;
  // The newest sample at or before `now` within the lookback (PromQL's
  // instant selector).
  std::optional<double> Latest(SeriesRef ref, absl::Time now) const {
    return Query(ref, Aggregation::kLatest, absl::ZeroDuration(), now);
  }

  // Every series of `metric` (all series when empty) for which `filter`
  // returns true (all when null). `filter` runs under the shared lock: it
  // must not call back into the store.
  std::vector<SeriesInfo> Select(
      absl::string_view metric,
      const std::function<bool(const Labels&)>& filter = nullptr) const;
  // The samples a series currently holds (for tests and debugging).
  std::vector<Sample> Samples(SeriesRef ref) const;

  // Removes series whose newest sample is older than now - gc_after (a
  // series that never received a sample is removed by the second call that
  // sees it empty), and shrinks oversized sample buffers. Returns how many
  // series it removed.
  int64_t CollectGarbage(absl::Time now);

  StoreStats Stats() const;

 private:
  explicit SeriesStore(SeriesStoreOptions options);

  // A ring buffer of samples in time order; capacity a power of two.
  struct Ring {
    std::unique_ptr<Sample[]> buf;
    uint32_t cap = 0;
    uint32_t head = 0;
    uint32_t size = 0;
    const Sample& at(uint32_t i) const { return buf[(head + i) & (cap - 1)]; }
    void Push(const Sample& s);
    void PopFront() {
      head = (head + 1) & (cap - 1);
      --size;
    }
    void Reserve(uint32_t want);
  };
  struct Series {
    uint32_t generation = 1;  // bumped when the slot is freed
    bool live = false;
    bool gc_marked = false;
    int64_t newest_ms = std::numeric_limits<int64_t>::min();
    Ring ring;
    std::string metric;
    Labels labels;
  };

  Series* Resolve(SeriesRef ref) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Series* Resolve(SeriesRef ref) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  AppendResult AppendLocked(Series* s, int64_t ts, double value,
                            int64_t retention_ms)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Looks up or creates a series; nullptr (with `error`, if not null) for
  // invalid names.
  Series* GetOrCreateLocked(absl::string_view metric,
                            absl::Span<const Label> labels, bool* created,
                            SeriesRef* ref, absl::Status* error)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void CountResult(AppendResult r) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const SeriesStoreOptions options_;
  const int64_t lookback_ms_;
  std::atomic<int64_t> retention_ms_;

  // A std::shared_mutex rather than absl::Mutex: ThreadSanitizer understands
  // pthread locks, while Debian's Abseil is built without its TSan
  // annotations, so absl::Mutex would make every guarded access a reported
  // race in the TSan job.
  mutable std::shared_mutex mu_;
  std::vector<Series> series_ ABSL_GUARDED_BY(mu_);
  std::vector<uint32_t> free_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, uint32_t> index_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<std::string, std::vector<uint32_t>> by_metric_
      ABSL_GUARDED_BY(mu_);
  int64_t live_series_ ABSL_GUARDED_BY(mu_) = 0;
  StoreStats counters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_METRICS_SERIES_STORE_H_
