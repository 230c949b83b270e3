// One NFC download: attempts (each a libcurl transfer that resumes where the
// .part ends), the decisions on the server's answer (206 append, 200 restart,
// 416 maybe complete), and the incremental digests.
#include "engine/core/hex.hpp"
#include "engine/vsphere/nfc_download.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <cstring>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/core/fs.hpp"

namespace h2k::vsphere {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// SHA-256 (always: the export manifest wants it) and, optionally, SHA-1 over
// the file's bytes in order: the manifest of a lease gives one or the other.
class Digests {
public:
  explicit Digests(bool sha1) : with_sha1_(sha1) { reset(); }
  void reset() {
    sha256_.reset(EVP_MD_CTX_new());
    if (!sha256_ || EVP_DigestInit_ex(sha256_.get(), EVP_sha256(), nullptr) != 1)
      throw ConversionError(ErrorKind::Internal, "", "OpenSSL cannot start a SHA-256 digest");
    if (!with_sha1_) return;
    sha1_.reset(EVP_MD_CTX_new());
    if (!sha1_ || EVP_DigestInit_ex(sha1_.get(), EVP_sha1(), nullptr) != 1)
      throw ConversionError(ErrorKind::Internal, "", "OpenSSL cannot start a SHA-1 digest");
  }
  void update(const void* data, std::size_t n) {
    EVP_DigestUpdate(sha256_.get(), data, n);
    if (with_sha1_) EVP_DigestUpdate(sha1_.get(), data, n);
  }
  std::string final_sha256() { return finish(sha256_.get()); }
  std::string final_sha1() { return with_sha1_ ? finish(sha1_.get()) : std::string(); }

private:
  static std::string finish(EVP_MD_CTX* c) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned len = 0;
    EVP_DigestFinal_ex(c, md, &len);
    return to_hex(md, len);
  }
  bool with_sha1_;
  MdCtx sha256_, sha1_;
};

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

ErrorKind kind_for_errno(int err) { return err == ENOSPC || err == EDQUOT ? ErrorKind::NoSpace : ErrorKind::Io; }

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return false;
  return true;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) s.remove_suffix(1);
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  return std::string(s);
}

// "bytes 100-199/1000" -> {100, 1000}; "bytes */1000" -> {nullopt, 1000}.
struct ContentRange {
  std::optional<std::uint64_t> first;
  std::uint64_t total = 0;  // 0 = "*" or unparsable
};
ContentRange parse_content_range(const std::string& v) {
  ContentRange r;
  if (!starts_with_ci(v, "bytes ")) return r;
  const std::string rest = v.substr(6);
  const auto slash = rest.find('/');
  if (slash == std::string::npos) return r;
  try {
    if (rest[0] != '*') r.first = std::stoull(rest.substr(0, rest.find('-')));
    if (rest.substr(slash + 1) != "*") r.total = std::stoull(rest.substr(slash + 1));
  } catch (const std::exception&) {
    return ContentRange{};
  }
  return r;
}

// libcurl results worth another attempt: the network or the server, not us.
bool transient(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

bool write_all(int fd, const char* p, std::size_t n, int& err) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return true;
}

// The body's bytes, from libcurl's receive thread to a writer thread that
// hashes them and writes them to the file in 512 KiB blocks: TLS decryption and
// hashing + writing run on two cores, with few write calls. At most kDepth
// full blocks wait (memory: about 3.5 MiB per stream). The writer asks the
// kernel to start writing back every few MiB, so the final fsync finds little
// left to do. One Pipeline per transfer: finish() drains it before the
// download looks at the file again (resume, restart, fsync).
class Pipeline {
public:
  static constexpr std::size_t kBlock = 512u << 10;
  static constexpr std::size_t kDepth = 4;
  static constexpr std::uint64_t kWriteback = 8u << 20;

  Pipeline(int fd, Digests& digests) : fd_(fd), digests_(digests) {
    const off_t pos = ::lseek(fd_, 0, SEEK_CUR);
    synced_ = written_ = pos > 0 ? static_cast<std::uint64_t>(pos) : 0;
    cur_.reserve(kBlock);
    thread_ = std::thread([this] { run(); });
  }
  ~Pipeline() { finish(); }

  // Copies the bytes in; false once the writer failed (error() tells why).
  bool push(const char* p, std::size_t n) {
    while (n > 0) {
      if (error_.load()) return false;
      const std::size_t k = std::min(n, kBlock - cur_.size());
      cur_.insert(cur_.end(), p, p + k);
      p += k;
      n -= k;
      if (cur_.size() == kBlock && !hand_over()) return false;
    }
    return !error_.load();
  }

  // Writes what is left, stops the writer; returns 0 or the errno of a failed write.
  int finish() {
    if (thread_.joinable()) {
      if (!cur_.empty()) hand_over();
      {
        std::lock_guard<std::mutex> lock(mu_);
        closed_ = true;
      }
      filled_cv_.notify_one();
      thread_.join();
    }
    return error_.load();
  }

  int error() const { return error_.load(); }

private:
  bool hand_over() {
    std::vector<char> next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      free_cv_.wait(lock, [this] { return full_.size() < kDepth || error_.load(); });
      if (error_.load()) return false;
      full_.push_back(std::move(cur_));
      if (!spare_.empty()) {
        next = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    filled_cv_.notify_one();
    next.clear();
    next.reserve(kBlock);
    cur_ = std::move(next);
    return true;
  }

  void run() {
    for (;;) {
      std::vector<char> b;
      {
        std::unique_lock<std::mutex> lock(mu_);
        filled_cv_.wait(lock, [this] { return !full_.empty() || closed_; });
        if (full_.empty()) return;
        b = std::move(full_.front());
        full_.pop_front();
      }
      free_cv_.notify_one();
      int err = 0;
      if (!write_all(fd_, b.data(), b.size(), err)) {
        error_ = err;
        std::lock_guard<std::mutex> lock(mu_);
        full_.clear();
        free_cv_.notify_all();
        return;
      }
      digests_.update(b.data(), b.size());
      written_ += b.size();
      if (written_ - synced_ >= kWriteback) {
        ::sync_file_range(fd_, static_cast<off_t>(synced_), static_cast<off_t>(written_ - synced_), SYNC_FILE_RANGE_WRITE);
        synced_ = written_;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (spare_.empty()) spare_.push_back(std::move(b));
    }
  }

  int fd_;
  Digests& digests_;
  std::uint64_t written_ = 0, synced_ = 0;  // writer thread only
  std::vector<char> cur_;                   // receive thread only
  std::mutex mu_;
  std::condition_variable filled_cv_, free_cv_;
  std::deque<std::vector<char>> full_;
  std::vector<std::vector<char>> spare_;
  bool closed_ = false;
  std::atomic<int> error_{0};
  std::thread thread_;
};

// One transfer's view of the answer, filled by libcurl's callbacks.
struct Transfer {
  // set before
  int fd = -1;
  std::uint64_t offset = 0;            // the Range asked for (0 = none)
  std::uint64_t* bytes = nullptr;      // bytes in the file so far (shared with the download)
  std::uint64_t* file_total = nullptr; // the download's idea of the file size, updated from the answer
  Digests* digests = nullptr;
  std::unique_ptr<Pipeline> pipeline;  // started with the first body byte written to the file
  const std::atomic<bool>* cancel = nullptr;
  std::function<int()> on_range_ignored;    // truncates the .part; returns 0 or an errno (no throw: C callback)
  std::function<void(std::uint64_t)> on_bytes;
  // filled by the callbacks
  std::string content_range;
  std::optional<std::uint64_t> content_length;
  bool decided = false;     // first body byte seen: how to treat the body is settled
  bool to_file = false;
  bool range_mismatch = false;
  int write_errno = 0;
  std::string error_body;   // start of a non-2xx body, for the message
  std::uint64_t total = 0;  // the whole file's size, when the answer tells
  long status = 0;
  CURL* curl = nullptr;
};

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::string_view line(data, size * n);
  if (starts_with_ci(line, "HTTP/")) {  // a new response (after 100 Continue): forget the previous one
    t->content_range.clear();
    t->content_length.reset();
  } else if (starts_with_ci(line, "content-range:")) {
    t->content_range = trim(line.substr(14));
  } else if (starts_with_ci(line, "content-length:")) {
    try {
      t->content_length = std::stoull(trim(line.substr(15)));
    } catch (const std::exception&) {
    }
  }
  return size * n;
}

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const std::size_t len = size * n;
  if (!t->decided) {
    t->decided = true;
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &t->status);
    if (t->status == 206) {
      const ContentRange cr = parse_content_range(t->content_range);
      if (!cr.first || *cr.first != t->offset) {
        t->range_mismatch = true;
        return 0;  // aborts the transfer; the caller restarts from zero
      }
      t->total = cr.total;
      if (t->total) *t->file_total = t->total;
      t->to_file = true;
    } else if (t->status == 200) {
      if (t->offset > 0) {
        t->write_errno = t->on_range_ignored();
        if (t->write_errno != 0) return 0;
      }
      t->total = t->content_length.value_or(0);
      if (t->total) *t->file_total = t->total;
      t->to_file = true;
    }
  }
  if (!t->to_file) {
    if (t->error_body.size() < 1024) t->error_body.append(data, std::min<std::size_t>(len, 1024 - t->error_body.size()));
    return len;
  }
  if (!t->pipeline) {
    try {
      t->pipeline = std::make_unique<Pipeline>(t->fd, *t->digests);
    } catch (const std::exception&) {  // no thread or memory: nothing may unwind through libcurl
      t->write_errno = ENOMEM;
      return 0;
    }
  }
  if (!t->pipeline->push(data, len)) {
    t->write_errno = t->pipeline->error();
    return 0;
  }
  *t->bytes += len;
  t->on_bytes(*t->bytes);
  return len;
}

int on_xferinfo(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  return t->cancel->load() ? 1 : 0;
}

struct CurlFree {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};

}  // namespace

NfcDownload::NfcDownload(NfcDownloadOptions options, const std::atomic<bool>& cancel, NfcProgressFn progress,
                         NfcNoticeFn notice)
    : opts_(std::move(options)), cancel_(cancel), progress_(std::move(progress)), notice_(std::move(notice)) {}

std::filesystem::path NfcDownload::part_path(const std::filesystem::path& destination) {
  auto p = destination;
  p += ".part";
  return p;
}

NfcDownloadResult NfcDownload::run() {
  const auto part = part_path(opts_.destination);
  const std::string file = opts_.destination.filename().string();
  const std::string& url = opts_.url;
  auto notice = [&](const std::string& m) {
    if (notice_) notice_(m);
  };
  auto cancelled = [&] { return ConversionError(ErrorKind::Cancelled, url, "download of " + file + " cancelled; " + part.string() + " kept for a resume"); };

  Fd f{::open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)};
  if (f.fd < 0) throw ConversionError(kind_for_errno(errno), part.string(), std::string("cannot open: ") + std::strerror(errno));

  NfcDownloadResult res;
  Digests digests(opts_.sha1);
  std::uint64_t bytes = 0;
  std::uint64_t total = opts_.expected_size;
  auto truncate_part = [&](const std::string& why) -> int {
    if (::ftruncate(f.fd, 0) != 0 || ::lseek(f.fd, 0, SEEK_SET) != 0) return errno;
    digests.reset();
    bytes = 0;
    ++res.restarts;
    notice(why + "; restarting " + file + " from zero");
    return 0;
  };
  auto restart_from_zero = [&](const std::string& why) {
    if (const int err = truncate_part(why); err != 0)
      throw ConversionError(kind_for_errno(err), part.string(), std::string("cannot truncate: ") + std::strerror(err));
  };

  // A .part from before: its bytes count (and are hashed) as received.
  {
    struct stat st {};
    if (::fstat(f.fd, &st) != 0)
      throw ConversionError(ErrorKind::Io, part.string(), std::string("cannot stat: ") + std::strerror(errno));
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size > 0 && opts_.expected_size > 0 && size > opts_.expected_size) {
      restart_from_zero(part.string() + " is larger than the disk (" + std::to_string(size) + " > " +
                        std::to_string(opts_.expected_size) + " bytes)");
    } else if (size > 0) {
      std::vector<char> block(1u << 20);
      for (;;) {
        if (cancel_.load()) throw cancelled();
        const ssize_t n = ::read(f.fd, block.data(), block.size());
        if (n < 0) {
          if (errno == EINTR) continue;
          throw ConversionError(ErrorKind::Io, part.string(), std::string("cannot read: ") + std::strerror(errno));
        }
        if (n == 0) break;
        digests.update(block.data(), static_cast<std::size_t>(n));
        bytes += static_cast<std::uint64_t>(n);
      }
      notice("found " + part.filename().string() + " with " + std::to_string(bytes) + " bytes; resuming");
    }
  }

  std::uint64_t last_reported = 0;
  auto report = [&](std::uint64_t done, bool force) {
    if (!progress_) return;
    if (force || done < last_reported || done - last_reported >= (256u << 10)) {
      last_reported = done;
      progress_(done, total);
    }
  };
  report(bytes, true);

  std::unique_ptr<CURL, CurlFree> curl(curl_easy_init());
  if (!curl) throw ConversionError(ErrorKind::Internal, url, "libcurl cannot start a transfer");
  std::string last_error;
  int failures = 0;
  bool done = false;
  while (!done) {
    if (cancel_.load()) throw cancelled();
    ++res.attempts;
    Transfer t;
    t.fd = f.fd;
    t.offset = bytes;
    t.bytes = &bytes;
    t.file_total = &total;
    t.digests = &digests;
    t.cancel = &cancel_;
    t.curl = curl.get();
    t.on_range_ignored = [&] {
      try {
        return truncate_part("server ignored Range (answered 200 to bytes=" + std::to_string(t.offset) + "-)");
      } catch (const std::exception&) {
        return EIO;  // a throwing notice callback must not unwind through libcurl
      }
    };
    t.on_bytes = [&](std::uint64_t b) { report(b, false); };
    char errbuf[CURL_ERROR_SIZE] = {0};

    CURL* c = curl.get();
    curl_easy_reset(c);
    if (opts_.configure) opts_.configure(c);
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    // One file per connection: HTTP/1.1 (what ESXi's NFC speaks). libcurl
    // would otherwise offer h2 by ALPN, and a server taking it (vcsim's Go
    // server) sends the body in 16 KiB frames under h2 flow control: 2-3x
    // the CPU per byte on both sides.
    curl_easy_setopt(c, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_1_1));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_BUFFERSIZE, 256L << 10);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, opts_.connect_timeout_s);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, opts_.low_speed_limit);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, opts_.low_speed_time_s);
    curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_xferinfo);
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, &t);
    const std::string range = std::to_string(bytes) + "-";
    if (bytes > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());

    const CURLcode rc = curl_easy_perform(c);
    // Every byte received is in the file (and the digests) before anything looks at them.
    if (t.pipeline) {
      if (const int err = t.pipeline->finish(); err != 0 && t.write_errno == 0) t.write_errno = err;
      t.pipeline.reset();
    }
    if (!t.decided) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &t.status);
    if (t.total > 0) total = t.total;
    if (t.offset > 0 && t.status == 206 && t.to_file) ++res.resumes;

    if (rc == CURLE_ABORTED_BY_CALLBACK && cancel_.load()) throw cancelled();
    if (t.write_errno != 0)
      throw ConversionError(kind_for_errno(t.write_errno), part.string(),
                            std::string("write failed: ") + std::strerror(t.write_errno));

    bool retry = false;
    if (t.range_mismatch) {
      // The server sent other bytes than asked for: nothing of it is usable.
      last_error = "answered 206 with Content-Range '" + t.content_range + "' to bytes=" + range;
      restart_from_zero("server " + last_error);
      retry = true;
    } else if (rc == CURLE_OK && t.status == 416) {
      const ContentRange cr = parse_content_range(t.content_range);
      const std::uint64_t whole = opts_.expected_size ? opts_.expected_size : cr.total;
      if (whole > 0 && bytes == whole) {
        total = whole;
        done = true;  // the .part already held the whole file
      } else {
        last_error = "HTTP 416 to bytes=" + range + " (file size " + (cr.total ? std::to_string(cr.total) : "unknown") + ")";
        restart_from_zero("server answered " + last_error);
        retry = true;
      }
    } else if (rc == CURLE_OK && (t.status == 200 || t.status == 206)) {
      if (total > 0 && bytes != total) {
        last_error = "transfer ended at byte " + std::to_string(bytes) + " of " + std::to_string(total);
        retry = true;
      } else {
        done = true;
      }
    } else if (rc == CURLE_OK && t.status >= 500) {
      last_error = "HTTP " + std::to_string(t.status) + (t.error_body.empty() ? "" : ": " + trim(t.error_body.substr(0, 200)));
      retry = true;
    } else if (rc == CURLE_OK) {
      std::string why = "HTTP " + std::to_string(t.status);
      if (t.status == 404) why += " (the lease no longer serves this file: it ended, was aborted or timed out)";
      else if (t.status == 401 || t.status == 403) why += " (the vCenter session was refused for the download)";
      throw ConversionError(ErrorKind::Io, url, "download of " + file + " failed: " + why);
    } else if (transient(rc)) {
      last_error = errbuf[0] ? errbuf : curl_easy_strerror(rc);
      retry = true;
    } else {
      throw ConversionError(ErrorKind::Io, url,
                            "download of " + file + " failed: " + (errbuf[0] ? std::string(errbuf) : curl_easy_strerror(rc)));
    }
    if (done || !retry) continue;

    ++failures;
    if (failures >= opts_.max_attempts)
      throw ConversionError(ErrorKind::Io, url,
                            "download of " + file + " failed after " + std::to_string(failures) + " attempts: " + last_error +
                                "; " + part.filename().string() + " kept (" + std::to_string(bytes) + " bytes) for a resume");
    auto wait = opts_.first_backoff * (1 << std::min(failures - 1, 10));
    wait = std::min<std::chrono::milliseconds>(wait, std::chrono::seconds(8));
    notice("download of " + file + ": attempt " + std::to_string(failures) + "/" + std::to_string(opts_.max_attempts) +
           " failed (" + last_error + "); retrying from byte " + std::to_string(bytes) + " in " +
           std::to_string(wait.count()) + " ms");
    const auto until = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < until) {
      if (cancel_.load()) throw cancelled();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  if (::fsync(f.fd) != 0)
    throw ConversionError(kind_for_errno(errno), part.string(), std::string("fsync failed: ") + std::strerror(errno));
  if (::rename(part.c_str(), opts_.destination.c_str()) != 0)
    throw ConversionError(kind_for_errno(errno), opts_.destination.string(),
                          std::string("cannot rename from ") + part.filename().string() + ": " + std::strerror(errno));
  fsync_dir(opts_.destination.parent_path());
  res.bytes = bytes;
  res.sha256 = digests.final_sha256();
  res.sha1 = digests.final_sha1();
  if (total == 0) total = bytes;
  report(bytes, true);
  return res;
}

}  // namespace h2k::vsphere
