// ControlServer under many and misbehaving clients: concurrent pipelined
// requests, a client that disconnects mid-line, one that never reads its
// replies, silent clients, and the client limit.
#include <atomic>
#include <chrono>
#include <thread>

#include "control_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

namespace {
double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
}  // namespace

BOOST_AUTO_TEST_SUITE(control_server_load)

BOOST_AUTO_TEST_CASE(twenty_concurrent_clients_each_get_their_own_fifty_replies_in_order) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  const fs::path sock = control_socket_in(dir);
  ControlServer server(options_for(sock), daemon.handler());
  server.start();

  constexpr int kClients = 20;
  constexpr int kRequests = 50;
  // Boost.Test assertions are not thread-safe: each client thread records
  // what went wrong, the test thread checks.
  std::vector<std::string> problems(kClients);
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      RawClient client(sock);
      if (!client.connected()) {
        problems[c] = "cannot connect";
        return;
      }
      // All 50 requests pipelined in one write, then the 50 replies.
      std::string batch;
      for (int r = 0; r < kRequests; ++r)
        batch += json{{"command", "job-status"}, {"job_id", "c" + std::to_string(c) + "-r" + std::to_string(r)}}.dump() +
                 "\n";
      if (!client.send_raw(batch)) {
        problems[c] = "send failed";
        return;
      }
      for (int r = 0; r < kRequests; ++r) {
        auto line = client.read_line();
        const std::string expected = "c" + std::to_string(c) + "-r" + std::to_string(r);
        if (!line) {
          problems[c] = "no reply " + std::to_string(r);
          return;
        }
        json reply = json::parse(*line, nullptr, false);  // no exceptions on a test thread
        if (reply.is_discarded() || !reply.contains("args") || reply["args"].value("job_id", "") != expected) {
          problems[c] = "reply " + std::to_string(r) + " is " + *line + ", expected job " + expected;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int c = 0; c < kClients; ++c) BOOST_TEST(problems[c].empty(), "client " << c << ": " << problems[c]);
  BOOST_TEST(daemon.requests().size() == static_cast<std::size_t>(kClients * kRequests));
}

BOOST_AUTO_TEST_CASE(a_client_gone_mid_line_and_one_that_never_reads_do_not_disturb_others) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  LogLines log;
  const fs::path sock = control_socket_in(dir);
  ControlServerOptions options = options_for(sock);
  options.idle_timeout = std::chrono::milliseconds(1500);
  ControlServer server(options, daemon.handler(), log.sink());
  server.start();

  {
    // A complete request without its '\n', then gone: not a request.
    RawClient half(sock);
    BOOST_TEST_REQUIRE(half.send_raw(R"({"command":"pause"})"));
  }
  // Sends requests until the server, unable to hand out its replies, stops
  // reading: the server's thread for this client is now stuck in a send.
  RawClient mute(sock);
  const std::string request = json{{"command", "status"}}.dump() + "\n";
  std::size_t sent = 0;
  while (mute.send_raw(request, std::chrono::milliseconds(300))) ++sent;
  BOOST_TEST_MESSAGE("the non-reading client got " << sent << " requests in before the server stopped reading");
  BOOST_TEST(sent > 100u);

  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    RawClient other(sock);
    BOOST_TEST_REQUIRE(other.request({{"command", "resume"}})["ok"] == true);
  }
  BOOST_TEST(seconds_since(t0) < 2.0);

  // After idle_timeout without taking a reply, the mute client is dropped.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!log.contains("does not read its replies") && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  BOOST_TEST(log.contains("does not read its replies"));
  for (const auto& r : daemon.requests()) BOOST_TEST(r.command != "pause");
}

BOOST_AUTO_TEST_CASE(silent_clients_are_closed_after_the_idle_timeout_talking_ones_are_not) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  const fs::path sock = control_socket_in(dir);
  ControlServerOptions options = options_for(sock);
  // The talking client's gaps (150 ms plus a round trip) stay far below the
  // idle timeout even when a busy machine stalls the test thread for a while.
  options.idle_timeout = std::chrono::milliseconds(1000);
  ControlServer server(options, daemon.handler());
  server.start();
  RawClient silent(sock);
  RawClient talking(sock);
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {  // ~3 s, three idle timeouts, one request every 150 ms
    BOOST_TEST_REQUIRE(talking.request({{"command", "status"}})["ok"] == true);
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
  }
  BOOST_TEST(silent.wait_closed(std::chrono::milliseconds(1000)));
  BOOST_TEST(seconds_since(t0) < 10.0);
  BOOST_TEST(talking.request({{"command", "status"}})["ok"] == true);
}

BOOST_AUTO_TEST_CASE(clients_over_the_limit_are_told_and_closed) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  LogLines log;
  const fs::path sock = control_socket_in(dir);
  ControlServerOptions options = options_for(sock);
  options.max_clients = 2;
  ControlServer server(options, daemon.handler(), log.sink());
  server.start();
  auto a = std::make_unique<RawClient>(sock);
  RawClient b(sock);
  BOOST_TEST_REQUIRE(a->request({{"command", "status"}})["ok"] == true);
  BOOST_TEST_REQUIRE(b.request({{"command", "status"}})["ok"] == true);

  RawClient c(sock);
  auto line = c.read_line();
  BOOST_TEST_REQUIRE(line.has_value());
  BOOST_TEST(json::parse(*line) == error_reply("too many clients"));
  BOOST_TEST(c.wait_closed());
  BOOST_TEST(log.contains("limit 2"));

  // A slot frees up when a client leaves.
  a.reset();
  bool served = false;
  for (int attempt = 0; attempt < 40 && !served; ++attempt) {
    RawClient d(sock);
    served = d.request({{"command", "status"}})["ok"] == true;
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  BOOST_TEST(served);
  BOOST_TEST(b.request({{"command", "status"}})["ok"] == true);
}

BOOST_AUTO_TEST_CASE(stop_waits_for_a_blocking_handler_and_the_client_gets_its_reply) {
  ScratchDir dir("control");
  const fs::path sock = control_socket_in(dir);
  std::atomic<bool> in_handler{false};
  ControlServer server(options_for(sock), [&](const ControlRequest&) -> json {
    in_handler = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(300));  // e.g. waiting for the scheduler actor
    return {{"ok", true}, {"status", "stopping"}};
  });
  server.start();
  RawClient client(sock);
  BOOST_TEST_REQUIRE(client.send_raw(json{{"command", "stop"}}.dump() + "\n"));
  while (!in_handler) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server.stop();
  // The handler finished; its reply was sent before the connection closed
  // (or the send was cut by stop -- either way no crash, no hang).
  auto line = client.read_line(std::chrono::seconds(2));
  if (line) BOOST_TEST(json::parse(*line)["status"] == "stopping");
  BOOST_TEST(client.wait_closed(std::chrono::seconds(2)));
}

BOOST_AUTO_TEST_SUITE_END()
