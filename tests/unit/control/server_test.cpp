// ControlServer on a real Unix socket in a scratch folder: socket mode,
// round trips of every command, bad lines, the size limit, start-up against
// live and stale sockets, stop() with connected clients.
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <chrono>
#include <stdexcept>
#include <system_error>

#include "control_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

namespace {

mode_t socket_mode(const fs::path& p) {
  struct stat st {};
  BOOST_TEST_REQUIRE(::lstat(p.c_str(), &st) == 0, "no socket at " << p);
  BOOST_TEST_REQUIRE(S_ISSOCK(st.st_mode));
  return st.st_mode & 07777;
}

// A valid request line for each command (the server validates before the
// handler sees anything, so each must pass validation).
std::vector<json> one_request_per_command() {
  return {
      {{"command", "status"}},
      {{"command", "stats"}, {"format", "prometheus"}},
      {{"command", "pause"}},
      {{"command", "resume"}},
      {{"command", "drain"}},
      {{"command", "stop"}},
      {{"command", "queue-job"}, {"path", "/srv/vms/web01.ova"}, {"priority", "high"}, {"options", {{"name", "web01"}}}},
      {{"command", "list-jobs"}, {"state", "queued"}, {"limit", 5}},
      {{"command", "job-status"}, {"job_id", "j1"}},
      {{"command", "job-log"}, {"job_id", "j1"}, {"since", 3}},
      {{"command", "convert-vm"}, {"vm", "web01"}, {"vcenter", "vc.example:443"}, {"insecure", true}},
      {{"command", "cancel-job"}, {"job_id", "j2"}},
      {{"command", "set-priority"}, {"job_id", "j3"}, {"priority", "low"}},
      {{"command", "retry-job"}, {"job_id", "j4"}},
      {{"command", "nodes"}},
      {{"command", "drain-node"}, {"node", "conv-01"}},
      {{"command", "undrain-node"}, {"node", "conv-01"}},
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control_server)

BOOST_AUTO_TEST_CASE(socket_is_created_with_mode_0660_whatever_the_umask) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  ControlServer server(options_for(control_socket_in(dir)), daemon.handler());
  const mode_t old_umask = ::umask(0077);  // would give 0700 if the server relied on it
  server.start();
  ::umask(old_umask);
  BOOST_TEST(socket_mode(control_socket_in(dir)) == 0660u);
}

BOOST_AUTO_TEST_CASE(every_command_round_trips_in_order_on_one_connection) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  ControlServer server(options_for(control_socket_in(dir)), daemon.handler());
  server.start();
  RawClient client(control_socket_in(dir));
  BOOST_TEST_REQUIRE(client.connected());
  const auto requests = one_request_per_command();
  BOOST_TEST_REQUIRE(requests.size() == control_commands().size());
  for (const auto& request : requests) {
    json expected_args = request;
    expected_args.erase("command");
    BOOST_TEST(client.request(request) ==
               (json{{"ok", true}, {"command", request["command"]}, {"args", expected_args}}));
  }
  const auto seen = daemon.requests();
  BOOST_TEST_REQUIRE(seen.size() == requests.size());
  for (std::size_t i = 0; i < seen.size(); ++i) BOOST_TEST(seen[i].command == requests[i]["command"]);
}

BOOST_AUTO_TEST_CASE(bad_lines_get_error_replies_and_the_connection_keeps_working) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  ControlServer server(options_for(control_socket_in(dir)), daemon.handler());
  server.start();
  RawClient client(control_socket_in(dir));
  BOOST_TEST_REQUIRE(client.send_raw("this is not json\n"));
  json reply = json::parse(client.read_line().value_or("null"));
  BOOST_TEST(reply["ok"] == false);
  BOOST_TEST(reply["error"].get<std::string>().find("not valid JSON") != std::string::npos);

  reply = client.request({{"command", "self-destruct"}});
  BOOST_TEST(reply["ok"] == false);
  BOOST_TEST(reply["error"].get<std::string>().find("self-destruct") != std::string::npos);

  reply = client.request({{"command", "job-status"}});
  BOOST_TEST(reply == error_reply("job-status: argument 'job_id' is required"));

  // Blank lines are not requests; CRLF line ends are tolerated.
  BOOST_TEST_REQUIRE(client.send_raw("\n  \n{\"command\":\"status\"}\r\n"));
  BOOST_TEST(json::parse(client.read_line().value_or("null"))["command"] == "status");
  BOOST_TEST(client.request({{"command", "pause"}})["ok"] == true);
  // Only the two valid requests reached the daemon.
  BOOST_TEST(daemon.requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(a_handler_exception_becomes_an_error_reply) {
  ScratchDir dir("control");
  ControlServer server(options_for(control_socket_in(dir)), [](const ControlRequest& r) -> json {
    if (r.command == "pause") throw std::runtime_error("scheduler unavailable");
    if (r.command == "drain") throw 42;
    return {{"ok", true}};
  });
  server.start();
  RawClient client(control_socket_in(dir));
  BOOST_TEST(client.request({{"command", "pause"}}) == error_reply("pause: scheduler unavailable"));
  BOOST_TEST(client.request({{"command", "drain"}}) == error_reply("drain: internal error"));
  BOOST_TEST(client.request({{"command", "status"}}) == (json{{"ok", true}}));
}

BOOST_AUTO_TEST_CASE(a_line_of_exactly_the_limit_is_read_one_byte_more_is_refused) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  ControlServerOptions options = options_for(control_socket_in(dir));
  options.max_request_bytes = 1000;
  ControlServer server(options, daemon.handler());
  server.start();
  // {"command":"queue-job","path":"/xxx..."} padded to exactly 1000 bytes.
  const std::string head = R"({"command":"queue-job","path":"/)";
  const std::string tail = R"("})";
  const std::string at_limit = head + std::string(1000 - head.size() - tail.size(), 'x') + tail;
  BOOST_TEST_REQUIRE(at_limit.size() == 1000u);
  RawClient client(control_socket_in(dir));
  BOOST_TEST_REQUIRE(client.send_raw(at_limit + "\n"));
  BOOST_TEST(json::parse(client.read_line().value_or("null"))["ok"] == true);

  const std::string over = head + std::string(1001 - head.size() - tail.size(), 'x') + tail;
  BOOST_TEST_REQUIRE(client.send_raw(over + "\n"));
  BOOST_TEST(json::parse(client.read_line().value_or("null")) == error_reply("request exceeds 1000 bytes"));
  BOOST_TEST(client.wait_closed());
}

BOOST_AUTO_TEST_CASE(an_oversize_line_gets_an_error_then_close_and_others_are_still_served) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  ControlServer server(options_for(control_socket_in(dir)), daemon.handler());
  server.start();
  RawClient bystander(control_socket_in(dir));
  BOOST_TEST(bystander.request({{"command", "status"}})["ok"] == true);

  RawClient big(control_socket_in(dir));
  // 1 MiB in one line; the server stops reading after 64 KiB, so the send
  // may end with EPIPE/ECONNRESET -- what matters is the reply.
  big.send_raw(R"({"command":"status","pad":")" + std::string(1 << 20, 'x') + "\"}\n");
  auto line = big.read_line();
  BOOST_TEST_REQUIRE(line.has_value());
  BOOST_TEST(json::parse(*line) == error_reply("request exceeds 65536 bytes"));
  BOOST_TEST(big.wait_closed());

  BOOST_TEST(bystander.request({{"command", "resume"}})["ok"] == true);
  RawClient newcomer(control_socket_in(dir));
  BOOST_TEST(newcomer.request({{"command", "status"}})["ok"] == true);
  // The oversize request never reached the daemon.
  BOOST_TEST(daemon.requests().size() == 3u);
}

BOOST_AUTO_TEST_CASE(a_second_server_on_a_live_socket_fails_naming_the_path) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  const fs::path sock = control_socket_in(dir);
  ControlServer first(options_for(sock), daemon.handler());
  first.start();
  {
    ControlServer second(options_for(sock), daemon.handler());
    try {
      second.start();
      BOOST_FAIL("a second server started on a socket that is being served");
    } catch (const std::system_error& e) {
      BOOST_TEST_MESSAGE("refused as expected: " << e.what());
      BOOST_TEST(std::string(e.what()).find(sock.string()) != std::string::npos, e.what());
      BOOST_TEST(e.code().value() == EADDRINUSE);
    }
  }  // the refused server's destructor must not remove the first one's socket
  BOOST_TEST(fs::exists(fs::symlink_status(sock)));
  RawClient client(sock);
  BOOST_TEST(client.request({{"command", "status"}})["ok"] == true);
}

BOOST_AUTO_TEST_CASE(a_stale_socket_file_is_replaced) {
  ScratchDir dir("control");
  const fs::path sock = control_socket_in(dir);
  fs::create_directories(sock.parent_path());
  {
    // What a crashed daemon leaves behind: a bound socket file nobody listens on.
    UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, sock.c_str(), sizeof addr.sun_path - 1);
    BOOST_TEST_REQUIRE(::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::chmod(sock.c_str(), 0600);
  }
  BOOST_TEST_REQUIRE(fs::is_socket(sock));
  BOOST_TEST_REQUIRE(!RawClient(sock).connected());
  EchoDaemon daemon;
  LogLines log;
  ControlServer server(options_for(sock), daemon.handler(), log.sink());
  server.start();
  BOOST_TEST(socket_mode(sock) == 0660u);
  RawClient client(sock);
  BOOST_TEST(client.request({{"command", "status"}})["ok"] == true);
  BOOST_TEST(log.contains("removed stale socket"));
}

BOOST_AUTO_TEST_CASE(a_file_that_is_not_a_socket_is_left_alone) {
  ScratchDir dir("control");
  const fs::path sock = control_socket_in(dir);
  write_file(sock, "operator's notes");
  EchoDaemon daemon;
  ControlServer server(options_for(sock), daemon.handler());
  try {
    server.start();
    BOOST_FAIL("started over a regular file");
  } catch (const std::system_error& e) {
    BOOST_TEST(std::string(e.what()).find(sock.string()) != std::string::npos, e.what());
    BOOST_TEST(std::string(e.what()).find("not a socket") != std::string::npos, e.what());
  }
  BOOST_TEST(read_file(sock) == "operator's notes");
}

BOOST_AUTO_TEST_CASE(a_socket_path_too_long_for_the_kernel_is_refused_by_name) {
  ScratchDir dir("control");
  const fs::path sock = dir.path() / (std::string(120, 'd') + ".sock");
  EchoDaemon daemon;
  ControlServer server(options_for(sock), daemon.handler());
  try {
    server.start();
    BOOST_FAIL("started on a " << sock.string().size() << "-byte socket path");
  } catch (const std::system_error& e) {
    BOOST_TEST(std::string(e.what()).find(sock.string()) != std::string::npos, e.what());
    BOOST_TEST(e.code().value() == ENAMETOOLONG);
  }
}

BOOST_AUTO_TEST_CASE(stop_with_connected_clients_returns_promptly_and_removes_the_socket) {
  ScratchDir dir("control");
  EchoDaemon daemon;
  const fs::path sock = control_socket_in(dir);
  auto server = std::make_unique<ControlServer>(options_for(sock), daemon.handler());
  server->start();
  std::vector<std::unique_ptr<RawClient>> clients;
  for (int i = 0; i < 5; ++i) {
    clients.push_back(std::make_unique<RawClient>(sock));
    BOOST_TEST_REQUIRE(clients.back()->request({{"command", "status"}})["ok"] == true);
  }
  BOOST_TEST_REQUIRE(clients[0]->send_raw(R"({"command":"sta)"));  // one mid-line
  const auto t0 = std::chrono::steady_clock::now();
  server->stop();
  const auto took = std::chrono::steady_clock::now() - t0;
  BOOST_TEST(took < std::chrono::seconds(2), "stop() took " << std::chrono::duration<double>(took).count() << " s");
  BOOST_TEST(!fs::exists(fs::symlink_status(sock)));
  for (auto& c : clients) BOOST_TEST(c->wait_closed(2s));
  BOOST_TEST(!RawClient(sock).connected());
  server->stop();  // idempotent
  server.reset();
}

BOOST_AUTO_TEST_SUITE_END()
