// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The scraper against an in-process HTTP server on 127.0.0.1: a good
// scrape, an HTTP 500, a slow endpoint (read timeout), a body that does not
// parse, a body over the size limit and a refused connection. A failed
// scrape must leave the pod's series missing (stale), never zero, and be
// counted.

#include "agentscale/metrics/scraper.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

constexpr char kGoodBody[] =
    "# HELP app_active_task_count Tasks in progress.\n"
    "# TYPE app_active_task_count gauge\n"
    "app_active_task_count 7\n"
    "# TYPE app_active_request_count gauge\n"
    "app_active_request_count 3\n";

enum class Mode {
  kOk, kStatus500, kSlow, kGarbage, kTooBig, kRefused,
  kBody,  // serves set_body()'s text
};

// An HTTP server on a free loopback port whose /metrics answers as `mode`.
class TestServer {
 public:
  TestServer() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    server_.Get("/metrics", [this](const httplib::Request&,
                                   httplib::Response& res) {
      switch (mode_.load()) {
        case Mode::kOk:
        case Mode::kRefused:
          res.set_content(kGoodBody, "text/plain; version=0.0.4");
          break;
        case Mode::kStatus500:
          res.status = 500;
          res.set_content("internal error", "text/plain");
          break;
        case Mode::kSlow:
          // Holds the response until the test ends (bounded: 5 s).
          for (int i = 0; i < 500 && !release_.load(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
          res.set_content(kGoodBody, "text/plain");
          break;
        case Mode::kGarbage:
          res.set_content("app_active_task_count 7\nthis is { not metrics\n",
                          "text/plain");
          break;
        case Mode::kTooBig:
          res.set_content(std::string(4096, '#') + "\n", "text/plain");
          break;
        case Mode::kBody: {
          std::lock_guard<std::mutex> lock(body_mu_);
          res.set_content(body_, "text/plain; version=0.0.4");
          break;
        }
      }
    });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // cpp-httplib 0.11 has no wait_until_ready(); stop() is a no-op until
    // the server runs, so wait for that (bounded).
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~TestServer() { Stop(); }
  void Stop() {
    release_ = true;
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }
  int port() const { return port_; }
  void set_mode(Mode m) { mode_ = m; }
  // Serves `body` from now on.
  void set_body(std::string body) {
    {
      std::lock_guard<std::mutex> lock(body_mu_);
      body_ = std::move(body);
    }
    mode_ = Mode::kBody;
  }

 private:
  std::mutex body_mu_;
  std::string body_;  // guarded by body_mu_
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::atomic<Mode> mode_{Mode::kOk};
  std::atomic<bool> release_{false};
};

struct FailureCase {
  std::string name;
  Mode mode;
  absl::StatusCode code;
  std::string message;  // substring of the scrape's error
  int http_status;
};

class ScraperFailureTest : public ::testing::TestWithParam<FailureCase> {};

TEST_P(ScraperFailureTest, MarksThePodMissingAndCountsTheFailure) {
  const FailureCase& c = GetParam();
  TestServer server;
  ASSERT_GT(server.port(), 0);
  SeriesStore store;
  ScraperOptions options;
  options.connect_timeout = absl::Milliseconds(500);
  options.read_timeout = absl::Milliseconds(300);
  options.max_body_bytes = 1024;
  ScrapeTarget target;
  target.port = server.port();
  target.labels = {{"namespace", "ml"}, {"pod", "agent-0"}};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create({target}, options, &store));

  // A good scrape first: the pod has values.
  ScrapeResult first = scraper->Scrape(0, kT0);
  ASSERT_OK(first.status);
  EXPECT_EQ(first.http_status, 200);
  EXPECT_EQ(first.counts.appended, 2);
  const Labels series_labels = {{"namespace", "ml"}, {"pod", "agent-0"}};
  std::optional<SeriesRef> tasks =
      store.Find("app_active_task_count", series_labels);
  ASSERT_TRUE(tasks.has_value());
  EXPECT_EQ(store.Latest(*tasks, kT0), 7.0);

  // Then the failing one.
  server.set_mode(c.mode);
  if (c.mode == Mode::kRefused) server.Stop();
  const absl::Time t1 = kT0 + absl::Seconds(15);
  ScrapeResult second = scraper->Scrape(0, t1);
  EXPECT_THAT(second.status, StatusIs(c.code, HasSubstr(c.message)));
  EXPECT_THAT(second.status.message(),
              HasSubstr("127.0.0.1:" + std::to_string(server.port())));
  EXPECT_EQ(second.http_status, c.http_status);
  EXPECT_EQ(second.counts.appended, 0);
  EXPECT_EQ(second.stale_marked, 2);
  // Missing, not zero: both gauges read as absent at and after t1, and a
  // window over the good sample still ends in the staleness marker.
  EXPECT_EQ(store.Latest(*tasks, t1), std::nullopt);
  EXPECT_EQ(store.Query(*tasks, Aggregation::kAvgOverTime, absl::Minutes(1),
                        t1),
            std::nullopt);
  std::optional<SeriesRef> requests =
      store.Find("app_active_request_count", series_labels);
  ASSERT_TRUE(requests.has_value());
  EXPECT_EQ(store.Latest(*requests, t1), std::nullopt);
  // `up` went 1 -> 0.
  std::optional<SeriesRef> up = store.Find("up", series_labels);
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(store.Latest(*up, kT0), 1.0);
  EXPECT_EQ(store.Latest(*up, t1), 0.0);

  std::vector<TargetStats> stats = scraper->Stats();
  ASSERT_EQ(stats.size(), 1u);
  EXPECT_EQ(stats[0].scrapes_total, 2);
  EXPECT_EQ(stats[0].scrape_failures_total, 1);
  EXPECT_THAT(stats[0].last_error, StatusIs(c.code));
}

INSTANTIATE_TEST_SUITE_P(
    Failures, ScraperFailureTest,
    ::testing::ValuesIn(std::vector<FailureCase>{
        {"Http500", Mode::kStatus500, absl::StatusCode::kUnavailable,
         "HTTP status 500", 500},
        {"SlowTimesOut", Mode::kSlow, absl::StatusCode::kUnavailable, "read failed or timed out after 300ms", 0},
        {"GarbageBody", Mode::kGarbage, absl::StatusCode::kInvalidArgument,
         "line 2", 200},
        {"BodyTooBig", Mode::kTooBig, absl::StatusCode::kResourceExhausted,
         "larger than 1024 bytes", 0},
        {"ConnectionRefused", Mode::kRefused, absl::StatusCode::kUnavailable,
         "connection failed", 0},
    }),
    [](const ::testing::TestParamInfo<FailureCase>& info) {
      return info.param.name;
    });

TEST(ScraperTest, RecoversAfterAFailure) {
  TestServer server;
  SeriesStore store;
  ScrapeTarget target;
  target.port = server.port();
  target.labels = {{"pod", "agent-0"}};
  ScraperOptions options;
  options.read_timeout = absl::Milliseconds(300);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create({target}, options, &store));
  server.set_mode(Mode::kStatus500);
  EXPECT_FALSE(scraper->Scrape(0, kT0).status.ok());
  server.set_mode(Mode::kOk);
  const absl::Time t1 = kT0 + absl::Seconds(15);
  ASSERT_OK(scraper->Scrape(0, t1).status);
  std::optional<SeriesRef> tasks =
      store.Find("app_active_task_count", {{"pod", "agent-0"}});
  ASSERT_TRUE(tasks.has_value());
  EXPECT_EQ(store.Latest(*tasks, t1), 7.0);
  EXPECT_EQ(scraper->Stats()[0].scrapes_total, 2);
  EXPECT_EQ(scraper->Stats()[0].scrape_failures_total, 1);
  EXPECT_OK(scraper->Stats()[0].last_error);
}

TEST(ScraperTest, ScrapeAllFetchesEveryTargetWithItsLabels) {
  TestServer a, b;
  SeriesStore store;
  std::vector<ScrapeTarget> targets(3);
  targets[0].port = a.port();
  targets[0].labels = {{"pod", "agent-0"}};
  targets[1].port = b.port();
  targets[1].labels = {{"pod", "agent-1"}};
  targets[2].port = b.port();
  targets[2].path = "/nothing-here";  // 404
  targets[2].labels = {{"pod", "agent-2"}};
  ScraperOptions options;
  options.parallelism = 2;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create(targets, options, &store));
  std::vector<ScrapeResult> results = scraper->ScrapeAll(kT0);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_OK(results[0].status);
  EXPECT_OK(results[1].status);
  EXPECT_THAT(results[2].status, StatusIs(absl::StatusCode::kUnavailable,
                                          HasSubstr("HTTP status 404")));
  for (const char* pod : {"agent-0", "agent-1"}) {
    std::optional<SeriesRef> r =
        store.Find("app_active_task_count", {{"pod", pod}});
    ASSERT_TRUE(r.has_value()) << pod;
    EXPECT_EQ(store.Latest(*r, kT0), 7.0) << pod;
  }
  EXPECT_FALSE(
      store.Find("app_active_task_count", {{"pod", "agent-2"}}).has_value());
}

TEST(ScraperTest, ATargetWithoutLabelsGetsInstanceAndKeepsItsSeriesApart) {
  TestServer server;
  SeriesStore store;
  // Another target's series must not be marked stale by this one's failure.
  const absl::Time t1 = kT0 + absl::Seconds(15);
  ASSERT_EQ(store.Append("app_active_task_count", {{"pod", "other"}}, kT0, 5),
            AppendResult::kOk);
  ScrapeTarget target;
  target.port = server.port();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create({target}, {}, &store));
  const Labels instance = {
      {"instance", "127.0.0.1:" + std::to_string(server.port())}};
  EXPECT_EQ(scraper->targets()[0].labels, instance);
  ASSERT_OK(scraper->Scrape(0, kT0).status);
  server.set_mode(Mode::kStatus500);
  ScrapeResult failed = scraper->Scrape(0, t1);
  EXPECT_FALSE(failed.status.ok());
  EXPECT_EQ(failed.stale_marked, 2);
  std::optional<SeriesRef> other =
      store.Find("app_active_task_count", {{"pod", "other"}});
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(store.Latest(*other, t1), 5.0);
}

// Prometheus' staleness on success: a series the previous successful scrape
// wrote and this one does not is marked stale at this scrape's `now`, once;
// it comes back as soon as the page serves it again.
TEST(ScraperStalenessTest, SeriesThatVanishFromASuccessfulScrapeGoStale) {
  TestServer server;
  SeriesStore store;
  ScrapeTarget target;
  target.port = server.port();
  target.labels = {{"pod", "agent-0"}};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create({target}, {}, &store));
  const std::string full =
      "# TYPE tasks gauge\n"
      "tasks{queue=\"a\"} 1\n"
      "tasks{queue=\"b\"} 2\n"
      "requests 3\n"
      "stamped 4 1699999999000\n";  // explicit timestamp: not tracked
  const std::string reduced = "# TYPE tasks gauge\ntasks{queue=\"a\"} 1\n";
  server.set_body(full);
  ScrapeResult r0 = scraper->Scrape(0, kT0);
  ASSERT_OK(r0.status);
  EXPECT_EQ(r0.counts.appended, 4);
  EXPECT_EQ(r0.stale_marked, 0);

  auto find = [&](const std::string& metric, Labels labels) {
    labels.push_back({"pod", "agent-0"});
    std::optional<SeriesRef> ref = store.Find(metric, labels);
    EXPECT_TRUE(ref.has_value()) << metric;
    return ref.value_or(SeriesRef());
  };
  const SeriesRef a = find("tasks", {{"queue", "a"}});
  const SeriesRef b = find("tasks", {{"queue", "b"}});
  const SeriesRef requests = find("requests", {});
  const SeriesRef stamped = find("stamped", {});
  const SeriesRef up = find("up", {});

  server.set_body(reduced);
  const absl::Time t1 = kT0 + absl::Seconds(15);
  ScrapeResult r1 = scraper->Scrape(0, t1);
  ASSERT_OK(r1.status);
  EXPECT_EQ(r1.counts.appended, 1);
  EXPECT_EQ(r1.stale_marked, 2);  // tasks{queue="b"} and requests
  EXPECT_EQ(store.Latest(a, t1), 1.0);
  EXPECT_EQ(store.Latest(b, t1), std::nullopt);
  EXPECT_EQ(store.Latest(requests, t1), std::nullopt);
  // Missing, not frozen at its last value, for the window functions too.
  EXPECT_EQ(store.Query(b, Aggregation::kAvgOverTime, absl::Minutes(1), t1),
            std::nullopt);
  // The marker is at the scrape's `now`: just before it, b still reads 2.
  EXPECT_EQ(store.Latest(b, t1 - absl::Milliseconds(1)), 2.0);
  std::vector<Sample> b_samples = store.Samples(b);
  ASSERT_EQ(b_samples.size(), 2u);
  EXPECT_EQ(b_samples[1].timestamp_ms, ToMillis(t1));
  EXPECT_TRUE(IsStaleMarker(b_samples[1].value));
  // Explicitly timestamped series get no marker (as in Prometheus).
  for (const Sample& x : store.Samples(stamped)) {
    EXPECT_FALSE(IsStaleMarker(x.value));
  }
  // `up` is the scraper's own and says the scrape succeeded.
  EXPECT_EQ(store.Latest(up, t1), 1.0);

  // Still gone: marked once, not again.
  const absl::Time t2 = t1 + absl::Seconds(15);
  ScrapeResult r2 = scraper->Scrape(0, t2);
  ASSERT_OK(r2.status);
  EXPECT_EQ(r2.stale_marked, 0);
  EXPECT_EQ(store.Samples(b).size(), 2u);

  // Back again: it reads its new value; nothing else is marked.
  server.set_body(full);
  const absl::Time t3 = t2 + absl::Seconds(15);
  ScrapeResult r3 = scraper->Scrape(0, t3);
  ASSERT_OK(r3.status);
  EXPECT_EQ(r3.stale_marked, 0);
  EXPECT_EQ(store.Latest(b, t3), 2.0);
  EXPECT_EQ(store.Latest(requests, t3), 3.0);
}

TEST(ScraperStalenessTest, LabelOrderAndEmptyValuesDoNotMakeANewSeries) {
  TestServer server;
  SeriesStore store;
  ScrapeTarget target;
  target.port = server.port();
  target.labels = {{"pod", "agent-0"}};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create({target}, {}, &store));
  server.set_body("m{x=\"1\",y=\"2\"} 1\n");
  ASSERT_OK(scraper->Scrape(0, kT0).status);
  // The same series, labels in another order and an empty-valued label
  // (Prometheus: the same as no label).
  server.set_body("m{z=\"\",y=\"2\",x=\"1\"} 2\n");
  const absl::Time t1 = kT0 + absl::Seconds(15);
  ScrapeResult r = scraper->Scrape(0, t1);
  ASSERT_OK(r.status);
  EXPECT_EQ(r.stale_marked, 0);
  std::optional<SeriesRef> m =
      store.Find("m", {{"x", "1"}, {"y", "2"}, {"pod", "agent-0"}});
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(store.Latest(*m, t1), 2.0);
}

TEST(ScraperStalenessTest, AFailureMarksEverythingAndTheNextSuccessStartsAfresh) {
  TestServer server;
  SeriesStore store;
  ScrapeTarget target;
  target.port = server.port();
  target.labels = {{"pod", "agent-0"}};
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create({target}, {}, &store));
  server.set_body("a 1\nb 2\n");
  ASSERT_OK(scraper->Scrape(0, kT0).status);
  server.set_mode(Mode::kStatus500);
  const absl::Time t1 = kT0 + absl::Seconds(15);
  ScrapeResult failed = scraper->Scrape(0, t1);
  EXPECT_FALSE(failed.status.ok());
  EXPECT_EQ(failed.stale_marked, 2);
  // Recovers with `b` gone: `b` is already stale (from t1), so nothing is
  // marked again and it keeps exactly one marker.
  server.set_body("a 1\n");
  const absl::Time t2 = t1 + absl::Seconds(15);
  ScrapeResult back = scraper->Scrape(0, t2);
  ASSERT_OK(back.status);
  EXPECT_EQ(back.stale_marked, 0);
  std::optional<SeriesRef> b = store.Find("b", {{"pod", "agent-0"}});
  ASSERT_TRUE(b.has_value());
  int markers = 0;
  for (const Sample& x : store.Samples(*b)) markers += IsStaleMarker(x.value);
  EXPECT_EQ(markers, 1);
  EXPECT_EQ(store.Latest(*b, t2), std::nullopt);
  // A parse failure is a failure too: `a` is marked, `up` reads 0.
  server.set_body("a 1\nnot a metric {\n");
  const absl::Time t3 = t2 + absl::Seconds(15);
  ScrapeResult garbage = scraper->Scrape(0, t3);
  EXPECT_THAT(garbage.status, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(garbage.stale_marked, 1);
  std::optional<SeriesRef> up = store.Find("up", {{"pod", "agent-0"}});
  ASSERT_TRUE(up.has_value());
  EXPECT_EQ(store.Latest(*up, t3), 0.0);
}

// ScrapeAll() reports each target's markers in its own result; one
// target's vanished series never touch another's.
TEST(ScraperStalenessTest, ScrapeAllTracksEachTargetApart) {
  TestServer a, b;
  SeriesStore store;
  std::vector<ScrapeTarget> targets(2);
  targets[0].port = a.port();
  targets[0].labels = {{"pod", "agent-0"}};
  targets[1].port = b.port();
  targets[1].labels = {{"pod", "agent-1"}};
  ScraperOptions options;
  options.parallelism = 2;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> scraper,
                       Scraper::Create(targets, options, &store));
  a.set_body("x 1\ny 1\n");
  b.set_body("x 2\ny 2\n");
  for (const ScrapeResult& r : scraper->ScrapeAll(kT0)) ASSERT_OK(r.status);
  a.set_body("x 1\n");  // agent-0 drops y; agent-1 keeps both
  const absl::Time t1 = kT0 + absl::Seconds(15);
  std::vector<ScrapeResult> results = scraper->ScrapeAll(t1);
  ASSERT_EQ(results.size(), 2u);
  ASSERT_OK(results[0].status);
  ASSERT_OK(results[1].status);
  EXPECT_EQ(results[0].stale_marked, 1);
  EXPECT_EQ(results[1].stale_marked, 0);
  std::optional<SeriesRef> y0 = store.Find("y", {{"pod", "agent-0"}});
  std::optional<SeriesRef> y1 = store.Find("y", {{"pod", "agent-1"}});
  ASSERT_TRUE(y0.has_value());
  ASSERT_TRUE(y1.has_value());
  EXPECT_EQ(store.Latest(*y0, t1), std::nullopt);
  EXPECT_EQ(store.Latest(*y1, t1), 2.0);
}

struct TargetCase {
  std::string name;
  std::string address;
  std::string host;
  int port;
  std::string path;
  std::string error;  // empty: valid
};

class ParseScrapeTargetTest : public ::testing::TestWithParam<TargetCase> {};

TEST_P(ParseScrapeTargetTest, Parses) {
  const TargetCase& c = GetParam();
  absl::StatusOr<ScrapeTarget> t = ParseScrapeTarget(c.address);
  if (!c.error.empty()) {
    EXPECT_THAT(t, StatusIs(absl::StatusCode::kInvalidArgument,
                            HasSubstr(c.error)));
    return;
  }
  ASSERT_OK(t);
  EXPECT_EQ(t->host, c.host);
  EXPECT_EQ(t->port, c.port);
  EXPECT_EQ(t->path, c.path);
}

INSTANTIATE_TEST_SUITE_P(
    Addresses, ParseScrapeTargetTest,
    ::testing::ValuesIn(std::vector<TargetCase>{
        {"HostOnly", "agent-0", "agent-0", 8000, "/metrics", ""},
        {"HostPort", "127.0.0.1:9100", "127.0.0.1", 9100, "/metrics", ""},
        {"WithPath", "http://host:81/stats", "host", 81, "/stats", ""},
        {"BadPort", "host:http", "", 0, "", "port must be a number"},
        {"PortTooBig", "host:70000", "", 0, "", "1..65535"},
        {"NoHost", ":8000", "", 0, "", "host is empty"},
        {"Https", "https://host", "", 0, "", "https is not supported"},
    }),
    [](const ::testing::TestParamInfo<TargetCase>& info) {
      return info.param.name;
    });

TEST(ScraperTest, CreateRejectsBadTargetsAndOptions) {
  SeriesStore store;
  ScrapeTarget bad_port;
  bad_port.port = 0;
  EXPECT_THAT(Scraper::Create({ScrapeTarget{}, bad_port}, {}, &store),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("targets[1].port is 0")));
  ScrapeTarget bad_path;
  bad_path.path = "metrics";
  EXPECT_THAT(Scraper::Create({bad_path}, {}, &store),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("targets[0].path")));
  ScraperOptions options;
  options.read_timeout = absl::ZeroDuration();
  EXPECT_THAT(Scraper::Create({}, options, &store),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("read_timeout")));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Scraper> none,
                       Scraper::Create({}, {}, &store));
  EXPECT_THAT(none->Scrape(0, kT0).status,
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("target index 0 out of range (0 targets)")));
  EXPECT_THAT(Scraper::Create({}, {}, nullptr),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("store is null")));
}

}  // namespace
}  // namespace agentscale::metrics
