// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
// Must not compile: metrics/ sits below policy/ (docs/architecture.md).
#include "agentscale/metrics/series_store.h"
#include "agentscale/policy/decision.h"

int LayeringViolation() { return sizeof(agentscale::Decision) > 0 ? 0 : 1; }
