// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
// Compiles: the seam may use its own headers and the base layer's.
#include "agentscale/observation.h"
#include "agentscale/policy/combinators.h"
#include "agentscale/policy/policy.h"

int LayeringAllowed() { return sizeof(agentscale::Decision) > 0 ? 0 : 1; }
