// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The HPA the schedule and forecast tests wrap: one External metric "queue"
// at an AverageValue target (tasks per replica), 1 to 20 replicas.
#ifndef AGENTSCALE_TESTS_TESTING_QUEUE_HPA_H_
#define AGENTSCALE_TESTS_TESTING_QUEUE_HPA_H_

#include <cstdint>

#include "agentscale/hpa/spec.h"

namespace agentscale_testing {

inline agentscale::hpa::AutoscalerSpec QueueHpa(int64_t tasks_per_replica = 50) {
  agentscale::hpa::AutoscalerSpec spec;
  spec.min_replicas = 1;
  spec.max_replicas = 20;
  spec.metrics.push_back(
      agentscale::hpa::MetricSpec::ExternalAverageValue("queue", tasks_per_replica * 1000));
  return spec;
}

}  // namespace agentscale_testing

#endif  // AGENTSCALE_TESTS_TESTING_QUEUE_HPA_H_
