// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
// Must not compile: the seam (policy/) sits below the families (hpa/'s
// engine); families implement it, never the other way round.
#include "agentscale/policy/policy.h"
#include "agentscale/hpa/autoscaler.h"

int LayeringViolation() { return 0; }
