// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
// Must not compile: node pools (nodes/) sit below the fleet models (sim/),
// which will use them; the node model knows nothing of the fleet loop.
#include "agentscale/nodes/cluster.h"
#include "agentscale/sim/fleet_loop.h"

int LayeringViolation() { return 0; }
