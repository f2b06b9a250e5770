// `sluice --healthcheck`: asks a running sluice on this host for
// GET /_sluice/health and exits 0 when it answers 200. Container health checks
// run it, since the image has no shell and no curl.
#pragma once

#include "options.h"

namespace sluice::app {

// Returns the process exit code: 0 healthy, 1 not.
int RunHealthcheck(const Options& options);

}  // namespace sluice::app
