#pragma once
// NfcDownload: one disk (or nvram) URL of an HttpNfcLease -> one local file.
//
// The bytes go from libcurl's write callback straight to `<dest>.part` and
// through SHA-256 (and SHA-1 when `sha1` is set: a lease manifest that gives
// SHA-1) on the way, so memory stays flat whatever the disk size. A `.part` left by an earlier attempt or run is re-hashed and continued
// with `Range: bytes=N-`; a server that answers 200 instead (no Range support)
// is noticed and the file restarted from zero. Transient failures (connection
// refused or reset, timeouts, stalls below the low-speed limit, 5xx) are
// retried with backoff, each attempt resuming. Only a complete transfer is
// renamed to `dest`: a file at `dest` always is whole.
#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

namespace h2k::vsphere {

struct NfcDownloadOptions {
  std::string url;                        // full URL ('*' host already substituted)
  std::filesystem::path destination;      // written only when complete
  std::function<void(CURL*)> configure;   // TLS policy + session cookie (VsphereSession::configure_transfer)
  std::uint64_t expected_size = 0;        // 0 = unknown (vcsim and some hosts report no fileSize)
  int max_attempts = 5;                   // failed transfers before giving up
  std::chrono::milliseconds first_backoff{500};  // doubled per failed attempt, at most 8 s
  long low_speed_limit = 1;               // bytes/s below which, for low_speed_time_s, a transfer is stalled
  long low_speed_time_s = 60;
  long connect_timeout_s = 20;
  bool sha1 = true;                       // also compute SHA-1 (false: result.sha1 stays empty)
};

struct NfcDownloadResult {
  std::uint64_t bytes = 0;
  std::string sha256;     // lowercase hex of the whole file
  std::string sha1;       // "" unless options.sha1
  int attempts = 0;       // transfers started (1 = no retry)
  int restarts = 0;       // times the file started over from zero (Range ignored, unusable .part)
  int resumes = 0;        // transfers that continued a .part with a 206 answer
};

using NfcProgressFn = std::function<void(std::uint64_t bytes_done, std::uint64_t bytes_total_or_0)>;
using NfcNoticeFn = std::function<void(const std::string& message)>;

class NfcDownload {
public:
  // `cancel` is polled by libcurl's progress callback (about once a second even
  // while no byte arrives) and between retries; when set, run() stops, keeps
  // the .part and throws ConversionError(Cancelled).
  NfcDownload(NfcDownloadOptions options, const std::atomic<bool>& cancel, NfcProgressFn progress = {},
              NfcNoticeFn notice = {});

  // Throws ConversionError: Cancelled; Io (retries exhausted, HTTP error;
  // names the URL, the file and the last reason); NoSpace.
  NfcDownloadResult run();

  static std::filesystem::path part_path(const std::filesystem::path& destination);

private:
  NfcDownloadOptions opts_;
  const std::atomic<bool>& cancel_;
  NfcProgressFn progress_;
  NfcNoticeFn notice_;
};

}  // namespace h2k::vsphere
