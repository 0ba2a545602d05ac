// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
// Compiles: metrics/ may use its own headers and the base layer's.
#include "agentscale/hpa/spec.h"
#include "agentscale/metrics/adapter.h"
#include "agentscale/observation.h"

int LayeringAllowed() { return sizeof(agentscale::Observation) > 0 ? 0 : 1; }
