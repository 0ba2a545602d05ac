// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The scraper under concurrency (run under ThreadSanitizer by the `tsan`
// stage): ScrapeAll() scrapes targets on several threads while other
// threads scrape single targets, read the stats and query the store.

#include <atomic>
#include <chrono>
#include <memory>
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

}  // namespace
}  // namespace agentscale::metrics
