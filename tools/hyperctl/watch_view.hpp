#pragma once
// `hyperctl watch`: a live view of the daemon. One snapshot = the status
// reply plus list-jobs replies for running, queued and retry_wait jobs;
// render_watch turns it into the screen text (pure, so it is testable);
// run_watch fetches and prints snapshots until Ctrl-C.
#include <string>

#include <nlohmann/json.hpp>

#include "tools/hyperctl/control_client.hpp"

namespace h2k::hyperctl {

struct WatchSnapshot {
  nlohmann::json status;      // status reply
  nlohmann::json running;     // list-jobs {"state": "running"} reply
  nlohmann::json queued;      // list-jobs {"state": "queued", "limit": kWatchQueuedShown} reply
  nlohmann::json retry_wait;  // list-jobs {"state": "retry_wait", "limit": kWatchQueuedShown} reply
};

inline constexpr int kWatchQueuedShown = 20;

// Header (status, pid, uptime, queue counts, `clock_text`), one line per
// running job with a progress bar:
//   [#########-----------]  45.2%  copy  120.0 MiB/s  ETA 1m05s  web01.ova  (job-id)
// then queued jobs by position and jobs waiting to retry.
std::string render_watch(const WatchSnapshot& snapshot, const std::string& clock_text);

struct WatchOptions {
  double interval_s = 2;
  bool once = false;
  bool json = false;  // one JSON object per snapshot instead of the view
};

// Prints snapshots every interval (redrawn in place on a terminal, one after
// the other otherwise) until SIGINT/SIGTERM (-> exit code 0). Returns
// hyperctl's exit code; ControlClientError propagates to main().
int run_watch(ControlClient& client, const WatchOptions& options);

}  // namespace h2k::hyperctl
