// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// AWS Application Auto Scaling configuration as the AWS APIs take it: the
// JSON request bodies of RegisterScalableTarget, PutScalingPolicy (target
// tracking or step scaling), PutScheduledAction and, for the alarms that
// invoke step scaling policies, CloudWatch's PutMetricAlarm, gathered in one
// file and mapped to one validated aws::ScalableTargetSpec.
//
//   absl::StatusOr<agentscale::aws::ScalableTargetSpec> spec =
//       agentscale::config::LoadAwsScalingFile("ecs-agents.json");
//   if (!spec.ok()) std::cerr << spec.status().message();
//   // "ecs-agents.json:14:9: PutScalingPolicy[1].TargetTrackingScalingPolicyConfiguration
//   //  .PredefinedMetricSpecification.PredefinedMetricType: unknown predefined ..."
//
// The file (docs/aws.md has the full format and an example):
//
//   {"RegisterScalableTarget": {...},
//    "PutScalingPolicy": {...} or [{...}, ...],
//    "PutScheduledAction": {...} or [...],
//    "PutMetricAlarm": {...} or [...]}
//
// or a JSON array of such objects, read as one. Exactly one
// RegisterScalableTarget; every other request names the same target (its
// ServiceNamespace, ResourceId and ScalableDimension, when given, must
// match). A step scaling policy is invoked by the one PutMetricAlarm whose
// AlarmActions name it (by PolicyName or by a policy ARN ending in
// "policyName/<name>").
//
// Errors: "<source>:<line>:<column>: <field path>: <problem>", the position
// being the value at fault (for a missing field, the object that lacks it).
// Unknown fields are errors. Files over 4 MiB or nested deeper than 32
// levels are refused.
#ifndef AGENTSCALE_CONFIG_AWS_H_
#define AGENTSCALE_CONFIG_AWS_H_

#include <string>

#include "absl/status/statusor.h"
#include "agentscale/aws/spec.h"

namespace agentscale::config {

inline constexpr size_t kMaxAwsJsonBytes = size_t{4} << 20;

absl::StatusOr<aws::ScalableTargetSpec> LoadAwsScalingString(const std::string& json,
                                                              const std::string& source_name);
absl::StatusOr<aws::ScalableTargetSpec> LoadAwsScalingFile(const std::string& path);

}  // namespace agentscale::config

#endif  // AGENTSCALE_CONFIG_AWS_H_
