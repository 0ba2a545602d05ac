// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The PromQL subset of an instant query that KEDA's prometheus trigger (or
// any scaler-style consumer) sends: a series selector, optionally under one
// aggregation over all series:
//
//   sum(app_pending_tasks)
//   avg(app_active_task_count{namespace="agents", pod=~"agent-.*"})
//   max(queue_depth)   min(...)   count(...)   queue_depth{queue="a"}
//
// evaluated over the newest sample of each series (within the store's
// lookback, PromQL's instant-vector semantics), or over values a simulation
// provides. The result is a value, or nothing when no series matched (an
// empty result; an aggregation over nothing is empty too, as in PromQL).
// A bare selector that matches several series is an error, as KEDA's
// prometheus scaler reports one ("returned multiple elements").
//
//   absl::StatusOr<agentscale::metrics::InstantQuery> q =
//       agentscale::metrics::InstantQuery::Parse("sum(app_pending_tasks)");
//   absl::StatusOr<std::optional<double>> v = q->Evaluate(store, now);
#ifndef AGENTSCALE_METRICS_INSTANT_QUERY_H_
#define AGENTSCALE_METRICS_INSTANT_QUERY_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/metrics/series_store.h"

namespace agentscale::metrics {

class InstantQuery {
 public:
  enum class Aggregation { kNone, kSum, kAvg, kMax, kMin, kCount };

  // Errors name what is outside the subset ("rate(...) is not supported;
  // supported: a selector, or sum/avg/max/min/count of one").
  static absl::StatusOr<InstantQuery> Parse(absl::string_view text);

  // One series' value as a simulation has it.
  struct Sample {
    absl::string_view metric;
    const Labels* labels = nullptr;  // null: no labels
    double value = 0;
  };
  // Over the given samples (one per series).
  absl::StatusOr<std::optional<double>> Evaluate(absl::Span<const Sample> samples) const;
  // Over a store at `now`: each matching series' newest sample within the
  // lookback.
  absl::StatusOr<std::optional<double>> Evaluate(const SeriesStore& store, absl::Time now) const;

  Aggregation aggregation() const { return aggregation_; }
  const SeriesSelector& selector() const { return selector_; }
  const std::string& text() const { return text_; }

 private:
  InstantQuery() = default;
  struct Fold;
  Aggregation aggregation_ = Aggregation::kNone;
  SeriesSelector selector_;
  std::string text_;
};

}  // namespace agentscale::metrics

#endif  // AGENTSCALE_METRICS_INSTANT_QUERY_H_
