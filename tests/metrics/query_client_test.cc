// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The Prometheus query client against an in-process HTTP server on
// 127.0.0.1 that returns canned /api/v1/query responses.

#include "agentscale/metrics/query_client.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "httplib.h"
#include "testing/status_matchers.h"

namespace agentscale::metrics {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kQueryT0 = absl::FromUnixSeconds(1'700'000'000);

constexpr char kTwoPods[] = R"({"status":"success","data":{
  "resultType":"vector","result":[
  {"metric":{"namespace":"ml","pod":"agent-0"},"value":[1700000000.5,"80"]},
  {"metric":{"__name__":"x","namespace":"ml","pod":"agent-1"},
   "value":[1700000000.5,"40.25"]}]}})";

// Serves `body` with `status` at /api/v1/query and records the parameters
// of the last request.
class FakePrometheus {
 public:
  FakePrometheus() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    server_.Get("/api/v1/query", [this](const httplib::Request& req,
                                        httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      last_query_ = req.get_param_value("query");
      last_time_ = req.get_param_value("time");
      res.status = status_;
      res.set_content(body_, "application/json");
    });
    server_.Get("/api/v1/query_range", [this](const httplib::Request& req,
                                              httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      last_query_ = req.get_param_value("query");
      last_range_ = absl::StrCat(req.get_param_value("start"), " ",
                                 req.get_param_value("end"), " ",
                                 req.get_param_value("step"));
      res.status = status_;
      res.set_content(body_, "application/json");
    });
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // cpp-httplib 0.11 has no wait_until_ready(); stop() is a no-op until
    // the server runs, so wait for that (bounded).
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  ~FakePrometheus() {
    server_.stop();
    thread_.join();
  }
  void Respond(int status, std::string body) {
    std::lock_guard<std::mutex> lock(mu_);
    status_ = status;
    body_ = std::move(body);
  }
  std::string last_query() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_query_;
  }
  std::string last_range() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_range_;
  }
  std::string last_time() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_time_;
  }
  QueryClientOptions options() const {
    QueryClientOptions o;
    o.port = port_;
    o.read_timeout = absl::Seconds(5);
    return o;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  int status_ = 200;
  std::string body_ = kTwoPods;
  std::string last_query_, last_time_, last_range_;
};

TEST(PrometheusClientTest, SendsQueryAndTimeAndReadsTheVector) {
  FakePrometheus prom;
  PrometheusClient client(prom.options());
  const std::string query =
      "avg_over_time(app_active_task_count{pod=~\"agent-.*\"}[1m])";
  ASSERT_OK_AND_ASSIGN(std::vector<InstantSample> v,
                       client.Query(query, kQueryT0 + absl::Milliseconds(250)));
  EXPECT_EQ(prom.last_query(), query);
  EXPECT_EQ(prom.last_time(), "1700000000.250");
  ASSERT_EQ(v.size(), 2u);
  EXPECT_EQ(v[0].metric, "");
  EXPECT_EQ(v[0].labels, (Labels{{"namespace", "ml"}, {"pod", "agent-0"}}));
  EXPECT_EQ(v[0].timestamp_ms, 1'700'000'000'500);
  EXPECT_EQ(v[0].value, 80.0);
  EXPECT_EQ(v[1].metric, "x");
  EXPECT_EQ(v[1].value, 40.25);
}

constexpr char kMatrix[] = R"({"status":"success","data":{"resultType":"matrix",
  "result":[{"metric":{"pod":"agent-0"},"values":[[1700000000,"1"],[1700000015,"2"]]}]}})";

TEST(PrometheusClientTest, QueryRangeSendsTheRangeAndReturnsTheBody) {
  FakePrometheus prom;
  prom.Respond(200, kMatrix);
  PrometheusClient client(prom.options());
  ASSERT_OK_AND_ASSIGN(std::string body,
                       client.QueryRange("sum(tasks)", kQueryT0, kQueryT0 + absl::Minutes(1),
                                         absl::Seconds(15)));
  EXPECT_EQ(body, kMatrix);
  EXPECT_EQ(prom.last_query(), "sum(tasks)");
  EXPECT_EQ(prom.last_range(), "1700000000.000 1700000060.000 15.000");
}

TEST(PrometheusClientTest, QueryRangeReportsPrometheusErrors) {
  FakePrometheus prom;
  prom.Respond(400, R"({"status":"error","errorType":"bad_data","error":"1:1: parse error"})");
  PrometheusClient client(prom.options());
  EXPECT_THAT(client.QueryRange("(", kQueryT0, kQueryT0 + absl::Minutes(1), absl::Seconds(15)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       absl::StrCat("range query \"(\" at 127.0.0.1:", prom.options().port,
                                    ": HTTP status 400: bad_data: 1:1: parse error")));
  prom.Respond(503, "overloaded");
  EXPECT_THAT(client.QueryRange("q", kQueryT0, kQueryT0 + absl::Minutes(1), absl::Seconds(15)),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr("HTTP status 503")));
}

TEST(PrometheusClientTest, QueryRangeBoundsItsArgumentsAndTheBody) {
  FakePrometheus prom;
  prom.Respond(200, kMatrix);
  PrometheusClient client(prom.options());
  const std::string where =
      absl::StrCat("range query \"q\" at 127.0.0.1:", prom.options().port, ": ");
  EXPECT_THAT(client.QueryRange("q", kQueryT0, kQueryT0 + absl::Hours(1), absl::ZeroDuration()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       where + "the step must be positive, got 0"));
  EXPECT_THAT(client.QueryRange("q", kQueryT0, kQueryT0 - absl::Seconds(1), absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument, where + "the end is before the start"));
  EXPECT_THAT(client.QueryRange("q", kQueryT0, kQueryT0 + absl::Hours(24), absl::Seconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       where + "86401 steps of 1s; Prometheus serves at most 11000 points per "
                               "series: use a larger step or a shorter range"));
  EXPECT_THAT(client.QueryRange("q", kQueryT0, kQueryT0 + absl::Minutes(1), absl::Seconds(15), 20),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       where + "the response is over the limit of 20 bytes (max_bytes); use a "
                               "larger step, a shorter range or a query with fewer series"));
}

TEST(PrometheusClientTest, FillsPodValues) {
  FakePrometheus prom;
  PrometheusClient client(prom.options());
  MetricObservation obs;
  obs.metric = "app_active_task_count";
  ASSERT_OK(client.FillPodValues("q", kQueryT0, "pod", &obs));
  EXPECT_OK(obs.error);
  ASSERT_EQ(obs.pod_samples.size(), 2u);
  EXPECT_EQ(obs.pod_samples[0].pod, "agent-0");
  EXPECT_EQ(obs.pod_samples[0].value_milli, 80'000);
  EXPECT_EQ(obs.pod_samples[1].value_milli, 40'250);
}

TEST(PrometheusClientTest, QueryIntoStoreAppendsSamples) {
  FakePrometheus prom;
  PrometheusClient client(prom.options());
  SeriesStore store;
  ASSERT_OK_AND_ASSIGN(AppendCounts counts,
                       client.QueryIntoStore("q", kQueryT0, "tasks_avg", &store));
  EXPECT_EQ(counts.appended, 2);
  std::optional<SeriesRef> r =
      store.Find("tasks_avg", {{"namespace", "ml"}, {"pod", "agent-1"}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(store.Latest(*r, kQueryT0 + absl::Seconds(1)), 40.25);
  // Without a metric name, an element without __name__ cannot be stored.
  EXPECT_THAT(client.QueryIntoStore("q", kQueryT0, "", &store),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("no __name__")));
}

struct ErrorCase {
  std::string name;
  int http_status;
  std::string body;
  absl::StatusCode code;
  std::string message;
};

class PrometheusClientErrorTest : public ::testing::TestWithParam<ErrorCase> {
};

TEST_P(PrometheusClientErrorTest, IsAStatusWithTheMessage) {
  const ErrorCase& c = GetParam();
  FakePrometheus prom;
  prom.Respond(c.http_status, c.body);
  PrometheusClient client(prom.options());
  EXPECT_THAT(client.Query("up", kQueryT0),
              StatusIs(c.code, HasSubstr(c.message)));
  // FillPodValues records the error in the observation and adds nothing.
  MetricObservation obs;
  EXPECT_THAT(client.FillPodValues("up", kQueryT0, "pod", &obs),
              StatusIs(c.code, HasSubstr(c.message)));
  EXPECT_THAT(obs.error, StatusIs(c.code, HasSubstr(c.message)));
  EXPECT_TRUE(obs.pod_samples.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Errors, PrometheusClientErrorTest,
    ::testing::ValuesIn(std::vector<ErrorCase>{
        {"BadRequestWithErrorBody", 400,
         R"({"status":"error","errorType":"bad_data","error":"1:5: parse error"})",
         absl::StatusCode::kInvalidArgument,
         "HTTP status 400: bad_data: 1:5: parse error"},
        {"Unavailable503", 503, "Service Unavailable",
         absl::StatusCode::kUnavailable, "HTTP status 503"},
        {"ErrorStatusIn200", 200,
         R"({"status":"error","errorType":"execution","error":"query timed out"})",
         absl::StatusCode::kInvalidArgument,
         "Prometheus query failed: execution: query timed out"},
        {"MatrixResult", 200,
         R"({"status":"success","data":{"resultType":"matrix","result":[]}})",
         absl::StatusCode::kInvalidArgument,
         "data.resultType is \"matrix\"; only \"vector\" is supported"},
        {"ScalarResult", 200,
         R"({"status":"success","data":{"resultType":"scalar","result":[1,"2"]}})",
         absl::StatusCode::kInvalidArgument, "\"scalar\""},
        {"NotJson", 200, "{\"status\": ", absl::StatusCode::kInvalidArgument,
         "body is not valid JSON"},
        {"NoStatus", 200, "{}", absl::StatusCode::kInvalidArgument,
         "field \"status\" is missing"},
        {"NoData", 200, R"({"status":"success"})",
         absl::StatusCode::kInvalidArgument, "field \"data\" is missing"},
        {"ValueNotAPair", 200,
         R"({"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"pod":"a"},"value":[1]}]}})",
         absl::StatusCode::kInvalidArgument,
         "data.result[0].value is not [<unix seconds>, \"<value>\"]"},
        {"ValueNotANumber", 200,
         R"({"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"pod":"a"},"value":[1,"lots"]}]}})",
         absl::StatusCode::kInvalidArgument,
         "data.result[0].value \"lots\" is not a number"},
        {"LabelNotAString", 200,
         R"({"status":"success","data":{"resultType":"vector","result":[
            {"metric":{"pod":1},"value":[1,"1"]}]}})",
         absl::StatusCode::kInvalidArgument,
         "data.result[0].metric.pod is not a string"},
    }),
    [](const ::testing::TestParamInfo<ErrorCase>& info) {
      return info.param.name;
    });

TEST(PrometheusClientTest, PodValueErrors) {
  FakePrometheus prom;
  PrometheusClient client(prom.options());
  struct Case {
    std::string name;
    std::string body;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"NoPodLabel",
       R"({"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"instance":"a"},"value":[1,"1"]}]}})",
       "a series has no label \"pod\""},
      {"TwoSeriesOnePod",
       R"({"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"pod":"a","queue":"x"},"value":[1,"1"]},
          {"metric":{"pod":"a","queue":"y"},"value":[1,"2"]}]}})",
       "several series for pod=\"a\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    prom.Respond(200, c.body);
    MetricObservation obs;
    EXPECT_THAT(client.FillPodValues("q", kQueryT0, "pod", &obs),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr(c.message)));
    EXPECT_FALSE(obs.error.ok());
    EXPECT_TRUE(obs.pod_samples.empty());
  }
}

TEST(PrometheusClientTest, NaNAndInfinityMakeTheMetricInvalid) {
  FakePrometheus prom;
  prom.Respond(200, R"({"status":"success","data":{"resultType":"vector",
      "result":[{"metric":{"pod":"a"},"value":[1,"NaN"]},
                {"metric":{"pod":"b"},"value":[1,"+Inf"]},
                {"metric":{"pod":"c"},"value":[1,"-Inf"]}]}})");
  PrometheusClient client(prom.options());
  ASSERT_OK_AND_ASSIGN(std::vector<InstantSample> v, client.Query("q", kQueryT0));
  ASSERT_EQ(v.size(), 3u);
  EXPECT_TRUE(std::isnan(v[0].value));
  EXPECT_EQ(v[1].value, std::numeric_limits<double>::infinity());
  EXPECT_EQ(v[2].value, -std::numeric_limits<double>::infinity());
  MetricObservation obs;
  EXPECT_OK(client.FillPodValues("q", kQueryT0, "pod", &obs));
  EXPECT_FALSE(obs.error.ok());  // the engine holds
}

TEST(PrometheusClientTest, ConnectionRefused) {
  QueryClientOptions options;
  {
    FakePrometheus prom;  // a port that was free a moment ago
    options = prom.options();
  }
  options.connect_timeout = absl::Milliseconds(500);
  PrometheusClient client(options);
  EXPECT_THAT(client.Query("up", kQueryT0),
              StatusIs(absl::StatusCode::kUnavailable,
                       HasSubstr("connection failed")));
}

}  // namespace
}  // namespace agentscale::metrics
