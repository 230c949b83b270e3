// NfcDownload against a scripted local HTTP server: each request is answered
// with exactly the bytes a test chooses (a cut body, a 200 to a Range, a 416,
// a 503, a stall), so every branch of the resume logic is reached on purpose.
#include <boost/test/unit_test.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <random>
#include <thread>

#include "engine/vsphere/nfc_download.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::vsphere;

namespace {

struct Answer {
  std::string bytes;       // status line, headers and (part of) the body, sent as they are
  int hold_ms = 0;         // keep the connection open this long after sending (a stall)
};

// One thread accepting on 127.0.0.1; `answer(request_headers, n)` decides the
// n-th (0-based) answer. Records each request's Range header.
class ScriptedServer {
public:
  explicit ScriptedServer(std::function<Answer(const std::string&, int)> answer) : answer_(std::move(answer)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_TEST_REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    BOOST_TEST_REQUIRE(::listen(fd_, 8) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    thread_.join();
    ::close(fd_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/nfc/x/disk-0.vmdk"; }
  std::vector<std::string> ranges() {
    std::lock_guard<std::mutex> l(mu_);
    return ranges_;
  }

private:
  // Each connection on its own thread: a held (stalled) answer must not keep
  // the client's next attempt waiting.
  void serve() {
    int n = 0;
    std::vector<std::thread> conns;
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) conns.emplace_back([this, c, i = n++] { answer(c, i); });
    }
    for (auto& t : conns) t.join();
  }

  void answer(int c, int n) {
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos) {
      const ssize_t r = ::recv(c, buf, sizeof buf, 0);
      if (r <= 0) break;
      req.append(buf, static_cast<std::size_t>(r));
    }
    std::string range = "none";
    if (auto pos = req.find("Range: "); pos != std::string::npos) range = req.substr(pos + 7, req.find("\r\n", pos) - pos - 7);
    {
      std::lock_guard<std::mutex> l(mu_);
      ranges_.push_back(range);
    }
    const Answer a = answer_(req, n);
    ::send(c, a.bytes.data(), a.bytes.size(), MSG_NOSIGNAL);
    for (int waited = 0; waited < a.hold_ms && !stop_; waited += 10) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ::close(c);
  }

  std::function<Answer(const std::string&, int)> answer_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::string> ranges_;
  std::thread thread_;
};

std::string random_bytes(std::size_t n) {
  std::mt19937 rng(42);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

std::string ok_200(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string partial_206(const std::string& body, std::size_t from) {
  return "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes " + std::to_string(from) + "-" +
         std::to_string(body.size() - 1) + "/" + std::to_string(body.size()) +
         "\r\nContent-Length: " + std::to_string(body.size() - from) + "\r\nConnection: close\r\n\r\n" + body.substr(from);
}

std::size_t range_start(const std::string& req) {
  const auto pos = req.find("Range: bytes=");
  return pos == std::string::npos ? 0 : std::stoul(req.substr(pos + 13));
}

struct Fixture {
  test::ScratchDir dir{"nfc"};
  std::atomic<bool> cancel{false};
  std::vector<std::string> notices;
  std::filesystem::path dest() const { return dir.path() / "disk-0.vmdk"; }
  NfcDownloadOptions options(const std::string& url) const {
    NfcDownloadOptions o;
    o.url = url;
    o.destination = dest();
    o.first_backoff = std::chrono::milliseconds(10);
    return o;
  }
  NfcDownloadResult run(const NfcDownloadOptions& o) {
    NfcDownload d(o, cancel, {}, [this](const std::string& m) { notices.push_back(m); });
    return d.run();
  }
  bool noticed(const std::string& part) const {
    for (auto& n : notices)
      if (n.find(part) != std::string::npos) return true;
    return false;
  }
};

void expect_whole(const Fixture& f, const std::string& body, const NfcDownloadResult& r) {
  BOOST_TEST(test::read_file(f.dest()) == body);
  BOOST_TEST(!std::filesystem::exists(NfcDownload::part_path(f.dest())));
  BOOST_TEST(r.bytes == body.size());
  BOOST_TEST(r.sha256 == test::sha256_file(f.dest()));
  const std::string sha1 = test::run_ok({"sha1sum", "-b", f.dest().string()});
  BOOST_TEST(r.sha1 == sha1.substr(0, sha1.find(' ')));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nfc_download)

BOOST_AUTO_TEST_CASE(a_cut_transfer_is_resumed_with_a_range_and_hashed_whole) {
  const std::string body = random_bytes(3 << 20);
  ScriptedServer server([&](const std::string& req, int n) {
    if (n == 0) {  // promises the whole file, sends a third, hangs up
      std::string a = ok_200(body);
      return Answer{a.substr(0, a.size() - 2 * (body.size() / 3))};
    }
    return Answer{partial_206(body, range_start(req))};
  });
  Fixture f;
  const NfcDownloadResult r = f.run(f.options(server.url()));
  expect_whole(f, body, r);
  BOOST_TEST(r.attempts == 2);
  BOOST_TEST(r.resumes == 1);
  BOOST_TEST(r.restarts == 0);
  const auto ranges = server.ranges();
  BOOST_TEST_REQUIRE(ranges.size() == 2u);
  BOOST_TEST(ranges[0] == "none");
  BOOST_TEST(ranges[1] == "bytes=" + std::to_string(body.size() / 3) + "-");
}

BOOST_AUTO_TEST_CASE(a_part_from_an_earlier_run_is_rehashed_and_continued) {
  const std::string body = random_bytes(1 << 20);
  ScriptedServer server([&](const std::string& req, int) { return Answer{partial_206(body, range_start(req))}; });
  Fixture f;
  test::write_file(NfcDownload::part_path(f.dest()), body.substr(0, 1000));
  const NfcDownloadResult r = f.run(f.options(server.url()));
  expect_whole(f, body, r);  // the digest covers the bytes of the old part too
  BOOST_TEST(r.resumes == 1);
  BOOST_TEST(server.ranges().at(0) == "bytes=1000-");
}

BOOST_AUTO_TEST_CASE(a_200_to_a_range_restarts_from_zero_and_says_so) {
  const std::string body = random_bytes(1 << 20);
  ScriptedServer server([&](const std::string&, int) { return Answer{ok_200(body)}; });
  Fixture f;
  test::write_file(NfcDownload::part_path(f.dest()), "stale bytes that must not survive");
  const NfcDownloadResult r = f.run(f.options(server.url()));
  expect_whole(f, body, r);
  BOOST_TEST(r.restarts == 1);
  BOOST_TEST(r.resumes == 0);
  BOOST_TEST(f.noticed("server ignored Range"));
  BOOST_TEST(f.noticed("restarting disk-0.vmdk from zero"));
}

BOOST_AUTO_TEST_CASE(a_416_means_complete_only_when_the_part_has_the_whole_size) {
  const std::string body = random_bytes(64 << 10);
  ScriptedServer server([&](const std::string&, int) {
    return Answer{"HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */" + std::to_string(body.size()) +
                  "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"};
  });
  Fixture f;
  test::write_file(NfcDownload::part_path(f.dest()), body);
  const NfcDownloadResult r = f.run(f.options(server.url()));
  expect_whole(f, body, r);
  BOOST_TEST(r.attempts == 1);
}

BOOST_AUTO_TEST_CASE(a_5xx_is_retried_a_404_is_not) {
  const std::string body = random_bytes(100000);
  {
    ScriptedServer server([&](const std::string&, int n) {
      if (n == 0) return Answer{"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy"};
      return Answer{ok_200(body)};
    });
    Fixture f;
    const NfcDownloadResult r = f.run(f.options(server.url()));
    expect_whole(f, body, r);
    BOOST_TEST(r.attempts == 2);
    BOOST_TEST(f.noticed("HTTP 503"));
  }
  ScriptedServer server([&](const std::string&, int) {
    return Answer{"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"};
  });
  Fixture f;
  test::expect_error([&] { f.run(f.options(server.url())); }, ErrorKind::Io, server.url(), "HTTP 404");
  BOOST_TEST(server.ranges().size() == 1u);
  BOOST_TEST(!std::filesystem::exists(f.dest()));
}

BOOST_AUTO_TEST_CASE(retries_end_after_max_attempts_keeping_the_part) {
  const std::string body = random_bytes(200000);
  ScriptedServer server([&](const std::string& req, int) {
    const std::size_t from = range_start(req);
    std::string a = from ? partial_206(body, from) : ok_200(body);
    return Answer{a.substr(0, a.size() - (body.size() - from) + 1000)};  // always 1000 more bytes, then a cut
  });
  Fixture f;
  auto o = f.options(server.url());
  o.max_attempts = 3;
  test::expect_error([&] { f.run(o); }, ErrorKind::Io, server.url(), "failed after 3 attempts");
  BOOST_TEST(!std::filesystem::exists(f.dest()));
  BOOST_TEST(std::filesystem::file_size(NfcDownload::part_path(f.dest())) == 3000u);
}

BOOST_AUTO_TEST_CASE(cancel_stops_a_stalled_transfer_promptly_and_keeps_the_part) {
  const std::string body = random_bytes(1 << 20);
  ScriptedServer server([&](const std::string&, int) {
    std::string a = ok_200(body);
    return Answer{a.substr(0, a.size() - body.size() / 2), 20000};  // half, then silence
  });
  Fixture f;
  std::thread canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    f.cancel = true;
  });
  const auto t0 = std::chrono::steady_clock::now();
  test::expect_error([&] { f.run(f.options(server.url())); }, ErrorKind::Cancelled, server.url(), "cancelled");
  canceller.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(s < 3.0, "cancel took " << s << " s");
  BOOST_TEST(!std::filesystem::exists(f.dest()));
  BOOST_TEST(std::filesystem::file_size(NfcDownload::part_path(f.dest())) == body.size() / 2);
}

BOOST_AUTO_TEST_CASE(a_stall_below_the_low_speed_limit_is_retried) {
  const std::string body = random_bytes(300000);
  ScriptedServer server([&](const std::string& req, int n) {
    if (n == 0) {
      std::string a = ok_200(body);
      return Answer{a.substr(0, a.size() - body.size() / 2), 10000};  // half, then a stall
    }
    return Answer{partial_206(body, range_start(req))};
  });
  Fixture f;
  auto o = f.options(server.url());
  o.low_speed_time_s = 1;
  const NfcDownloadResult r = f.run(o);
  expect_whole(f, body, r);
  BOOST_TEST(r.attempts == 2);
  BOOST_TEST(r.resumes == 1);
}

BOOST_AUTO_TEST_SUITE_END()
