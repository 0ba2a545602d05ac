// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Small helpers for absl::Status plumbing that the Abseil release shipped by
// Debian 12 does not provide.
//
//   absl::StatusOr<Spec> LoadThing(const std::string& path) {
//     AGENTSCALE_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
//     AGENTSCALE_RETURN_IF_ERROR(Validate(text));
//     ...
//   }
#ifndef AGENTSCALE_STATUS_MACROS_H_
#define AGENTSCALE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define AGENTSCALE_STATUS_CONCAT_INNER_(a, b) a##b
#define AGENTSCALE_STATUS_CONCAT_(a, b) AGENTSCALE_STATUS_CONCAT_INNER_(a, b)

// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define AGENTSCALE_RETURN_IF_ERROR(expr)                          \
  do {                                                            \
    ::absl::Status agentscale_status_ = (expr);                   \
    if (!agentscale_status_.ok()) return agentscale_status_;      \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); on error returns its status,
// otherwise moves the value into `lhs` (which may be a declaration).
#define AGENTSCALE_ASSIGN_OR_RETURN(lhs, rexpr)                     \
  AGENTSCALE_ASSIGN_OR_RETURN_IMPL_(                                \
      AGENTSCALE_STATUS_CONCAT_(agentscale_statusor_, __LINE__), lhs, rexpr)

#define AGENTSCALE_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                                      \
  if (!statusor.ok()) return std::move(statusor).status();      \
  lhs = std::move(statusor).value()

#endif  // AGENTSCALE_STATUS_MACROS_H_
