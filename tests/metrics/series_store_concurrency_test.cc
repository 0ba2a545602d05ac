// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// SeriesStore under concurrent appends, queries and garbage collection.
// Runs in every build and under ThreadSanitizer (ctest label `tsan`).

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/metrics/series_store.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

TEST(SeriesStoreConcurrencyTest, AppendsQueriesAndGcInParallel) {
  SeriesStore store;
  static constexpr int kWriters = 4;
  static constexpr int kSeriesPerWriter = 16;
  static constexpr int kSteps = 300;
  std::atomic<bool> writers_done{false};
  std::atomic<int64_t> queried{0};

  // Every series exists with one sample (at t0 - 1 s) before the threads
  // start: a series that never received a sample is collected by the second
  // CollectGarbage() that sees it, which a slow (TSan) run could hit.
  for (int w = 0; w < kWriters; ++w) {
    for (int i = 0; i < kSeriesPerWriter; ++i) {
      ASSERT_EQ(store.Append("tasks", {{"pod", absl::StrCat("w", w, "-", i)}},
                             kT0 - absl::Seconds(1), 0.0),
                AppendResult::kOk);
    }
  }
  std::vector<std::thread> threads;
  // Writers: half by pre-resolved batches, half by label lookup, each on its
  // own pods, one sample per series per step in time order.
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&store, w] {
      std::vector<SeriesRef> refs;
      std::vector<Labels> labels;
      for (int i = 0; i < kSeriesPerWriter; ++i) {
        labels.push_back({{"pod", absl::StrCat("w", w, "-", i)}});
        refs.push_back(*store.GetOrCreate("tasks", labels.back()));
      }
      std::vector<RefSample> batch;
      for (int step = 0; step < kSteps; ++step) {
        const int64_t ts = ToMillis(kT0 + absl::Seconds(step));
        if (w % 2 == 0) {
          batch.clear();
          for (SeriesRef r : refs) batch.push_back({r, ts, double(step)});
          AppendCounts c = store.AppendBatch(batch);
          EXPECT_EQ(c.appended, kSeriesPerWriter);
        } else {
          for (const Labels& l : labels) {
            EXPECT_EQ(store.Append("tasks", l, kT0 + absl::Seconds(step),
                                   double(step)),
                      AppendResult::kOk);
          }
        }
      }
    });
  }
  // Readers: window queries over whatever is there.
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (!writers_done.load()) {
        for (const SeriesInfo& s : store.Select("tasks")) {
          std::optional<double> v =
              store.Query(s.ref, Aggregation::kAvgOverTime, absl::Minutes(1),
                          kT0 + absl::Seconds(kSteps));
          if (v.has_value()) {
            EXPECT_GE(*v, 0);
            queried.fetch_add(1);
          }
        }
        (void)store.Stats();
      }
    });
  }
  // A collector: nothing is old enough to go, but it walks every series.
  threads.emplace_back([&] {
    while (!writers_done.load()) {
      EXPECT_EQ(store.CollectGarbage(kT0), 0);
      std::this_thread::yield();
    }
  });
  for (int w = 0; w < kWriters; ++w) threads[w].join();
  writers_done.store(true);
  for (size_t i = kWriters; i < threads.size(); ++i) threads[i].join();

  const StoreStats st = store.Stats();
  EXPECT_EQ(st.series, kWriters * kSeriesPerWriter);
  EXPECT_EQ(st.appended,
            int64_t{kWriters} * kSeriesPerWriter * (kSteps + 1));
  EXPECT_EQ(st.out_of_order + st.duplicate + st.unknown_series, 0);
  // Every series ends with the same window: steps 240..299 (the range is
  // left-open, as in Prometheus 3) -> mean 269.5.
  for (const SeriesInfo& s : store.Select("tasks")) {
    EXPECT_EQ(store.Query(s.ref, Aggregation::kAvgOverTime, absl::Minutes(1),
                          kT0 + absl::Seconds(kSteps - 1)),
              std::optional<double>(269.5));
  }
}

TEST(SeriesStoreConcurrencyTest, CreateAndCollectRace) {
  SeriesStore store;
  std::atomic<bool> done{false};
  std::thread collector([&] {
    int64_t now_s = 0;
    while (!done.load()) {
      // Far in the future: every series with samples is old.
      store.CollectGarbage(kT0 + absl::Hours(1) + absl::Seconds(++now_s));
    }
  });
  std::vector<std::thread> writers;
  for (int w = 0; w < 3; ++w) {
    writers.emplace_back([&store, w] {
      for (int i = 0; i < 2000; ++i) {
        const Labels l = {{"pod", absl::StrCat("p", w, "-", i % 50)}};
        absl::StatusOr<SeriesRef> ref = store.GetOrCreate("m", l);
        ASSERT_OK(ref);
        // The series may be collected between the two calls: the append
        // then reports kUnknownSeries rather than touching a reused slot.
        const AppendResult r =
            store.Append(*ref, kT0 + absl::Milliseconds(i), 1.0);
        EXPECT_TRUE(r == AppendResult::kOk ||
                    r == AppendResult::kUnknownSeries ||
                    r == AppendResult::kOutOfOrder ||
                    r == AppendResult::kDuplicate)
            << AppendResultName(r);
        (void)store.Latest(*ref, kT0 + absl::Milliseconds(i));
      }
    });
  }
  for (std::thread& t : writers) t.join();
  done.store(true);
  collector.join();
  const StoreStats st = store.Stats();
  EXPECT_EQ(st.appended + st.unknown_series + st.out_of_order + st.duplicate,
            3 * 2000);
}

}  // namespace
}  // namespace agentscale::metrics
