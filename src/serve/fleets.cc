// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
#include "agentscale/serve/fleets.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "agentscale/aws/policy.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/keda/policy.h"
#include "agentscale/schedule/schedule.h"
#include "agentscale/status_macros.h"
#if AGENTSCALE_SERVE_HAVE_HTTP
#include "agentscale/metrics/query_client.h"
#include "agentscale/metrics/scraper.h"
#endif

namespace agentscale::serve {

absl::StatusOr<std::unique_ptr<Policy>> PolicyFor(const config::ServeFleetConfig& fleet,
                                                  absl::Time now) {
  std::unique_ptr<Policy> policy;
  if (fleet.aws.has_value()) {
    AGENTSCALE_ASSIGN_OR_RETURN(std::unique_ptr<aws::ScalableTargetPolicy> p,
                                aws::ScalableTargetPolicy::Create(*fleet.aws));
    policy = std::move(p);
  } else if (fleet.policy.autoscalers.size() == 1 && fleet.policy.scaled_objects.empty()) {
    AGENTSCALE_ASSIGN_OR_RETURN(HorizontalAutoscaler hpa,
                                HorizontalAutoscaler::Create(fleet.policy.autoscalers[0]));
    policy = std::make_unique<HorizontalAutoscaler>(std::move(hpa));
  } else if (fleet.policy.scaled_objects.size() == 1 && fleet.policy.autoscalers.empty()) {
    AGENTSCALE_ASSIGN_OR_RETURN(std::unique_ptr<keda::ScaledObjectPolicy> so,
                                keda::ScaledObjectPolicy::Create(fleet.policy.scaled_objects[0]));
    policy = std::move(so);
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "fleet ", fleet.name, ": ", fleet.policy_path,
        " must hold exactly one HorizontalPodAutoscaler or ScaledObject, or be AWS JSON"));
  }
  if (fleet.forecast.has_value()) {
    absl::StatusOr<std::unique_ptr<forecast::ForecastFloor>> floored =
        forecast::WithForecast(std::move(policy), *fleet.forecast);
    if (!floored.ok()) {
      return absl::Status(floored.status().code(),
                          absl::StrCat("fleet ", fleet.name, ": ", fleet.forecast_path, ": ",
                                       floored.status().message()));
    }
    policy = std::move(*floored);
  }
  if (fleet.schedule.has_value()) {
    absl::StatusOr<std::unique_ptr<Policy>> bounded = schedule::WithSchedule(
        std::move(policy), *fleet.schedule, now - absl::Hours(24), now + kScheduleHorizon);
    if (!bounded.ok()) {
      return absl::Status(bounded.status().code(),
                          absl::StrCat("fleet ", fleet.name, ": ", fleet.schedule_path, ": ",
                                       bounded.status().message()));
    }
    policy = std::move(*bounded);
  }
  return policy;
}

int32_t MaxReplicasFor(const config::ServeFleetConfig& fleet, const Policy& policy) {
  int32_t most = policy.max_replicas();
  if (fleet.schedule.has_value()) {
    for (const schedule::ScheduleRule& rule : fleet.schedule->rules) {
      if (rule.max_replicas.has_value()) most = std::max(most, *rule.max_replicas);
      if (rule.min_replicas.has_value()) most = std::max(most, *rule.min_replicas);
    }
  }
  return most;
}

absl::StatusOr<std::string> QueryFor(const std::string& query,
                                     const std::string& namespace_name) {
  bool ok = !namespace_name.empty() && namespace_name.size() <= 63 &&
            namespace_name.front() != '-' && namespace_name.back() != '-';
  for (char c : namespace_name) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!ok) {
    return absl::InvalidArgumentError(absl::StrCat(
        "namespace \"", namespace_name.substr(0, 80),
        "\" is not a Kubernetes namespace name (a DNS label: a-z, 0-9 and '-', at most 63)"));
  }
  return absl::StrReplaceAll(query, {{"$namespace", namespace_name}});
}

#if AGENTSCALE_SERVE_HAVE_HTTP
namespace {

class PrometheusSourceImpl final : public ObservationSource {
 public:
  PrometheusSourceImpl(metrics::QueryClientOptions options, config::ServeFleetConfig fleet)
      : client_(options),
        fleet_(std::move(fleet)),
        description_(absl::StrCat("prometheus ", options.host, ":", options.port)) {}

  absl::Status Observe(absl::Time now, const ScaledObjectRef& ref, const Policy& policy,
                       Observation* obs) const override {
    const std::vector<hpa::MetricSpec>& metrics = policy.metrics();
    if (metrics.size() != fleet_.metric_queries.size()) {
      return absl::InternalError(absl::StrCat("fleet ", fleet_.name, ": the policy reads ",
                                              metrics.size(), " metrics, the configuration has ",
                                              fleet_.metric_queries.size(), " queries"));
    }
    std::vector<std::string> pods;  // in the order first seen
    std::set<std::string> seen;
    bool counted = false;
    absl::Status count_error;
    for (size_t i = 0; i < metrics.size(); ++i) {
      const config::ServeMetricQuery& q = fleet_.metric_queries[i];
      MetricObservation& m = obs->AddMetric(metrics[i].name);
      absl::StatusOr<std::string> query = QueryFor(q.query, ref.namespace_name);
      if (!query.ok()) return query.status();
      if (q.per_pod) {
        absl::Status s = client_.FillPodValues(*query, now, fleet_.pod_label, &m, fleet_.window);
        if (!counted) {
          counted = true;
          count_error = s;
        }
        for (const hpa::PodSample& sample : m.pod_samples) {
          if (seen.insert(sample.pod).second) pods.push_back(sample.pod);
        }
        continue;
      }
      absl::StatusOr<std::vector<metrics::InstantSample>> result = client_.Query(*query, now);
      if (!result.ok()) {
        m.error = result.status();
        continue;
      }
      if (q.type == hpa::MetricSourceType::kObject) {
        if (result->size() != 1) {
          m.error = absl::FailedPreconditionError(
              absl::StrCat("query for Object metric ", q.metric, " returned ", result->size(),
                           " elements, not 1"));
          continue;
        }
        m.SetObjectValue((*result)[0].value, MilliRounding::kTruncate);
      } else {
        for (const metrics::InstantSample& sample : *result) {
          m.AddExternalValue(sample.value, MilliRounding::kTruncate);
        }
      }
    }
    if (!fleet_.replicas_query.empty()) {
      absl::StatusOr<std::string> query = QueryFor(fleet_.replicas_query, ref.namespace_name);
      if (!query.ok()) return query.status();
      absl::StatusOr<std::vector<metrics::InstantSample>> result = client_.Query(*query, now);
      if (!result.ok()) return result.status();
      if (result->size() != 1 || !((*result)[0].value >= 0) || (*result)[0].value > 1e6) {
        return absl::FailedPreconditionError(
            absl::StrCat("replicasQuery returned ", result->size(),
                         " elements; want one, a count >= 0"));
      }
      obs->current_replicas = static_cast<int32_t>((*result)[0].value + 0.5);
    } else {
      if (!count_error.ok()) return count_error;
      obs->current_replicas = static_cast<int32_t>(pods.size());
    }
    obs->pods.reserve(pods.size());
    for (const std::string& pod : pods) obs->pods.push_back(hpa::Pod::Ready(pod));
    return absl::OkStatus();
  }

  std::string Describe() const override { return description_; }

 private:
  metrics::PrometheusClient client_;
  config::ServeFleetConfig fleet_;
  std::string description_;
};

}  // namespace

std::shared_ptr<const ObservationSource> PrometheusSource(const std::string& prometheus,
                                                          const config::ServeFleetConfig& fleet) {
  absl::StatusOr<metrics::ScrapeTarget> target = metrics::ParseScrapeTarget(prometheus);
  if (!target.ok()) return nullptr;
  metrics::QueryClientOptions options;
  options.host = target->host;
  options.port = target->port;
  options.connect_timeout = absl::Seconds(2);
  options.read_timeout = absl::Seconds(5);
  return std::make_shared<PrometheusSourceImpl>(options, fleet);
}
#else
std::shared_ptr<const ObservationSource> PrometheusSource(const std::string&,
                                                          const config::ServeFleetConfig&) {
  return nullptr;
}
#endif

absl::StatusOr<std::vector<Fleet>> FleetsFromConfig(const config::ServeConfig& config,
                                                    absl::Time now) {
  std::vector<Fleet> fleets;
  fleets.reserve(config.fleets.size());
  for (const config::ServeFleetConfig& fleet : config.fleets) {
    AGENTSCALE_ASSIGN_OR_RETURN(std::unique_ptr<Policy> policy, PolicyFor(fleet, now));
    std::shared_ptr<const ObservationSource> source = PrometheusSource(config.prometheus, fleet);
    if (source == nullptr) {
      return absl::FailedPreconditionError(absl::StrCat(
          "fleet ", fleet.name, ": cannot query Prometheus at \"", config.prometheus,
          "\" (not host:port, or agentscale was built without cpp-httplib)"));
    }
    fleets.push_back({fleet.name, std::move(policy), std::move(source)});
  }
  return fleets;
}

absl::Status AddConfiguredFleets(const config::ServeConfig& config, ScalerService* service) {
  AGENTSCALE_ASSIGN_OR_RETURN(std::vector<Fleet> fleets, FleetsFromConfig(config));
  for (Fleet& fleet : fleets) AGENTSCALE_RETURN_IF_ERROR(service->AddFleet(std::move(fleet)));
  return absl::OkStatus();
}

}  // namespace agentscale::serve
