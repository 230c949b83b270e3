// run_watch: the refresh loop of `hyperctl watch` (the view itself is in watch_view.cpp).
#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <ctime>
#include <iostream>

#include "tools/hyperctl/exit_codes.hpp"
#include "tools/hyperctl/watch_view.hpp"

namespace h2k::hyperctl {
namespace {

using json = nlohmann::json;

std::string clock_text() {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &local);
  return buf;
}

// Redraw in place without a blank flash: home the cursor, end every line
// with "erase to end of line", erase whatever the previous frame left below.
std::string in_place_frame(const std::string& text) {
  std::string out = "\033[H";
  for (char c : text) {
    if (c == '\n') out += "\033[K";
    out += c;
  }
  return out + "\033[J";
}

}  // namespace

int run_watch(ControlClient& client, const WatchOptions& options) {
  // Ctrl-C and SIGTERM are taken synchronously with sigtimedwait between
  // refreshes: no handler and no global flag, and a frame is never cut in
  // half. (While a request is under way they wait, at most --timeout.)
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  bool first_frame = true;

  for (;;) {
    WatchSnapshot snapshot;
    const std::pair<json, json*> requests[] = {
        {json{{"command", "status"}}, &snapshot.status},
        {json{{"command", "list-jobs"}, {"state", "running"}}, &snapshot.running},
        {json{{"command", "list-jobs"}, {"state", "queued"}, {"limit", kWatchQueuedShown}}, &snapshot.queued},
        {json{{"command", "list-jobs"}, {"state", "retry_wait"}, {"limit", kWatchQueuedShown}}, &snapshot.retry_wait},
    };
    for (const auto& [request, into] : requests) {
      ControlReply reply = client.request(request);
      if (!reply.ok()) {
        std::cerr << "hyperctl: " << reply.error() << "\n";
        return exit_code::kDaemonError;
      }
      *into = std::move(reply.json);
    }

    if (options.json) {
      std::cout << json{{"status", snapshot.status},
                        {"running", snapshot.running},
                        {"queued", snapshot.queued},
                        {"retry_wait", snapshot.retry_wait}}
                       .dump(-1, ' ', false, json::error_handler_t::replace)
                << "\n";
    } else if (tty && !options.once) {
      if (first_frame) std::cout << "\033[2J";
      std::cout << in_place_frame(render_watch(snapshot, clock_text()));
    } else {
      // Not a terminal (a log, a pipe): one snapshot after the other.
      std::cout << (first_frame ? "" : "\n") << render_watch(snapshot, clock_text());
    }
    std::cout.flush();
    first_frame = false;
    if (options.once) return exit_code::kOk;

    timespec wait{};
    wait.tv_sec = static_cast<time_t>(options.interval_s);
    wait.tv_nsec = static_cast<long>((options.interval_s - std::floor(options.interval_s)) * 1e9);
    const int sig = ::sigtimedwait(&stop_signals, nullptr, &wait);
    if (sig == SIGINT || sig == SIGTERM) return exit_code::kOk;
  }
}

}  // namespace h2k::hyperctl
