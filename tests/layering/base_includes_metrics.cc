// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
// Must not compile: the base layer sits below metrics/.
#include "agentscale/observation.h"
#include "agentscale/metrics/series_store.h"

int LayeringViolation() { return 0; }
