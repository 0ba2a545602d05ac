// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/metrics/instant_query.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "agentscale/status_macros.h"

namespace agentscale::metrics {

// Folds values into the aggregation.
struct InstantQuery::Fold {
  Aggregation aggregation;
  int64_t count = 0;
  double acc = 0;

  void Add(double v) {
    switch (aggregation) {
      case Aggregation::kMax:
        acc = count == 0 || v > acc || std::isnan(acc) ? v : acc;
        break;
      case Aggregation::kMin:
        acc = count == 0 || v < acc || std::isnan(acc) ? v : acc;
        break;
      case Aggregation::kCount:
        break;
      default:
        acc += v;
    }
    ++count;
  }
  std::optional<double> Result() const {
    if (count == 0) return std::nullopt;
    switch (aggregation) {
      case Aggregation::kAvg:
        return acc / static_cast<double>(count);
      case Aggregation::kCount:
        return static_cast<double>(count);
      default:
        return acc;
    }
  }
};

absl::StatusOr<InstantQuery> InstantQuery::Parse(absl::string_view text) {
  InstantQuery q;
  q.text_ = std::string(text);
  absl::string_view body = absl::StripAsciiWhitespace(text);
  static constexpr std::pair<const char*, Aggregation> kAggregations[] = {
      {"sum", Aggregation::kSum},   {"avg", Aggregation::kAvg}, {"max", Aggregation::kMax},
      {"min", Aggregation::kMin},   {"count", Aggregation::kCount}};
  const size_t paren = body.find('(');
  if (paren != absl::string_view::npos) {
    const absl::string_view name = absl::StripAsciiWhitespace(body.substr(0, paren));
    bool known = false;
    for (const auto& [n, a] : kAggregations) {
      if (name == n) {
        q.aggregation_ = a;
        known = true;
      }
    }
    if (!known || body.back() != ')') {
      return absl::InvalidArgumentError(absl::StrCat(
          "query \"", text, "\": ", name.empty() ? std::string("a parenthesis") : std::string(name),
          "(...) is not supported; supported: a series selector, or sum/avg/max/min/count "
          "of one"));
    }
    body = absl::StripAsciiWhitespace(body.substr(paren + 1, body.size() - paren - 2));
  }
  absl::StatusOr<SeriesSelector> sel = ParseSeriesSelector(body);
  if (!sel.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("query \"", text, "\": ", sel.status().message()));
  }
  q.selector_ = *std::move(sel);
  return q;
}

absl::StatusOr<std::optional<double>> InstantQuery::Evaluate(
    absl::Span<const Sample> samples) const {
  static const Labels kNoLabels;
  Fold fold{aggregation_ == Aggregation::kNone ? Aggregation::kSum : aggregation_};
  for (const Sample& s : samples) {
    if (!selector_.Matches(s.metric, s.labels != nullptr ? *s.labels : kNoLabels)) continue;
    fold.Add(s.value);
  }
  if (aggregation_ == Aggregation::kNone && fold.count > 1) {
    return absl::InvalidArgumentError(absl::StrCat("query \"", text_, "\" returned ", fold.count,
                                                   " series; a trigger needs one (aggregate "
                                                   "them, e.g. sum(...))"));
  }
  return fold.Result();
}

absl::StatusOr<std::optional<double>> InstantQuery::Evaluate(const SeriesStore& store,
                                                             absl::Time now) const {
  Fold fold{aggregation_ == Aggregation::kNone ? Aggregation::kSum : aggregation_};
  const std::string name = selector_.metric;
  for (const SeriesInfo& s : store.Select(name)) {
    if (!selector_.Matches(s.metric, s.labels)) continue;
    const std::optional<double> v = store.Latest(s.ref, now);
    if (!v.has_value()) continue;  // stale or absent at `now`
    fold.Add(*v);
  }
  if (aggregation_ == Aggregation::kNone && fold.count > 1) {
    return absl::InvalidArgumentError(absl::StrCat("query \"", text_, "\" returned ", fold.count,
                                                   " series; a trigger needs one (aggregate "
                                                   "them, e.g. sum(...))"));
  }
  return fold.Result();
}

}  // namespace agentscale::metrics
