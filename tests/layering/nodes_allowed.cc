// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
// Compiles: node pools may use their own headers and the base layer's.
#include "agentscale/nodes/cluster.h"
#include "agentscale/nodes/scheduler.h"
#include "agentscale/status_macros.h"

int LayeringAllowed() { return sizeof(agentscale::nodes::PodStatus) > 0 ? 0 : 1; }
