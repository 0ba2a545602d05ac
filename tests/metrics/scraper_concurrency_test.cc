// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The scraper under concurrency (run under ThreadSanitizer by the `tsan`
// stage): ScrapeAll() scrapes targets on several threads while other
// threads scrape single targets, read the stats and query the store.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/metrics/scraper.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

TEST(ScraperConcurrencyTest, ParallelScrapesStatsAndQueries) {
  httplib::Server server;
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::atomic<int> served{0};
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(
        absl::StrCat("app_active_task_count ", served.fetch_add(1) % 100, "\n"),
        "text/plain");
  });
  std::thread listener([&] { server.listen_after_bind(); });
  for (int i = 0; i < 5000 && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  SeriesStore store;
  constexpr int kTargets = 4;
  std::vector<ScrapeTarget> targets(kTargets);
  for (int i = 0; i < kTargets; ++i) {
    targets[i].port = port;
    targets[i].labels = {{"pod", absl::StrCat("agent-", i)}};
  }
  ScraperOptions options;
  options.parallelism = 4;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create(targets, options, &store));

  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  constexpr int kRounds = 10;
  std::atomic<bool> done{false};
  std::thread all([&] {
    for (int r = 0; r < kRounds; ++r) {
      for (const ScrapeResult& result :
           scraper->ScrapeAll(t0 + absl::Seconds(2 * r))) {
        EXPECT_OK(result.status);
      }
    }
    done = true;
  });
  std::thread single([&] {
    for (int r = 0; r < kRounds; ++r) {
      // Odd seconds: never the same timestamp as ScrapeAll's.
      EXPECT_OK(scraper->Scrape(r % kTargets, t0 + absl::Seconds(2 * r + 1))
                    .status);
    }
  });
  std::thread reader([&] {
    while (!done) {
      for (const TargetStats& s : scraper->Stats()) {
        EXPECT_EQ(s.scrape_failures_total, 0);
      }
      for (const SeriesInfo& s : store.Select("app_active_task_count")) {
        store.Query(s.ref, Aggregation::kAvgOverTime, absl::Minutes(1),
                    t0 + absl::Seconds(2 * kRounds));
      }
      std::this_thread::yield();
    }
  });
  all.join();
  single.join();
  reader.join();
  server.stop();
  listener.join();

  int64_t scrapes = 0;
  for (const TargetStats& s : scraper->Stats()) scrapes += s.scrapes_total;
  EXPECT_EQ(scrapes, kTargets * kRounds + kRounds);
  EXPECT_EQ(store.Select("app_active_task_count").size(),
            static_cast<size_t>(kTargets));
}

// Staleness tracking under concurrency: several threads scrape the same
// target, whose page alternates between two sets of series, at distinct
// timestamps. A target's results are applied one at a time under its lock;
// every scrape must succeed and the vanishing series must get markers.
TEST(ScraperConcurrencyTest, ConcurrentScrapesOfOneTargetTrackStaleness) {
  httplib::Server server;
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::atomic<int> served{0};
  server.Get("/metrics", [&](const httplib::Request&, httplib::Response& res) {
    const int n = served.fetch_add(1);
    res.set_content(n % 2 == 0 ? "always 1\nsometimes 2\n" : "always 1\n",
                    "text/plain");
  });
  std::thread listener([&] { server.listen_after_bind(); });
  for (int i = 0; i < 5000 && !server.is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  SeriesStore store;
  std::vector<ScrapeTarget> targets(1);
  targets[0].port = port;
  targets[0].labels = {{"pod", "agent-0"}};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create(targets, {}, &store));
  const absl::Time t0 = absl::FromUnixSeconds(1'700'000'000);
  constexpr int kThreads = 4;
  constexpr int kRounds = 12;
  std::atomic<int64_t> marked{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      for (int r = 0; r < kRounds; ++r) {
        ScrapeResult result =
            scraper->Scrape(0, t0 + absl::Seconds(kThreads * r + w));
        EXPECT_OK(result.status);
        marked += result.stale_marked;
      }
    });
  }
  std::thread reader([&] {
    for (int i = 0; i < 50; ++i) {
      for (const SeriesInfo& s : store.Select("")) {
        store.Latest(s.ref, t0 + absl::Seconds(kThreads * kRounds));
      }
      scraper->Stats();
      std::this_thread::yield();
    }
  });
  for (std::thread& t : threads) t.join();
  reader.join();
  server.stop();
  listener.join();

  EXPECT_GT(marked.load(), 0);
  EXPECT_EQ(scraper->Stats()[0].scrapes_total, kThreads * kRounds);
  EXPECT_EQ(scraper->Stats()[0].scrape_failures_total, 0);
  // `always` is never marked; `up` never either.
  for (const char* metric : {"always", "up"}) {
    std::optional<SeriesRef> ref = store.Find(metric, {{"pod", "agent-0"}});
    ASSERT_TRUE(ref.has_value()) << metric;
    for (const Sample& x : store.Samples(*ref)) {
      EXPECT_FALSE(IsStaleMarker(x.value)) << metric;
    }
  }
}

}  // namespace
}  // namespace agentscale::metrics
