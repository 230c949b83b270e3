// Every message type must survive a REAL process boundary over CAF's
// middleman (BASP over TCP), field by field: CAF 0.17 delivers a type that
// the receiving node has not registered as an empty message, silently, and
// the in-process serialization test (tests/unit/messages) cannot see a
// registration that only one side makes.
//
// The test executable runs itself a second time as the echo server: the
// disabled test case messages_remote_echo_server/echo_server (selected with
// --run_test, and only acting when H2K_MESSAGES_REMOTE_SERVER=1) builds an
// actor system with register_messages() and the middleman, publishes an
// actor that answers every registered type with the value it received,
// prints "H2K_ECHO_PORT=<port>" on stdout and exits when its stdin closes.
// The client side sends every type there and compares what comes back.
#include <boost/test/unit_test.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "messages/register_messages.hpp"

using namespace h2k::msg;
using namespace std::chrono_literals;

namespace h2k_test_remote {

// Registered ONLY by the client: the negative case.
struct local_only {
  std::string text;
  std::uint64_t n = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, local_only& x) {
  return f(caf::meta::type_name("h2k_test_remote::local_only"), x.text, x.n);
}

}  // namespace h2k_test_remote

using h2k_test_remote::local_only;

namespace {

constexpr const char* kServerEnv = "H2K_MESSAGES_REMOTE_SERVER";
constexpr const char* kPortPrefix = "H2K_ECHO_PORT=";

// ---------------------------------------------------------------------------
// The echo server (child process).

template <class... Ts>
caf::behavior echo_handlers() {
  return caf::behavior{[](const Ts& x) -> Ts { return x; }...};
}

caf::behavior echo_actor(caf::event_based_actor* self) {
  // Whatever no handler takes (a type this node has not registered arrives
  // as an EMPTY message) is described back as a string, so the client can
  // report what arrived instead of just timing out.
  self->set_default_handler([](caf::scheduled_actor*, caf::message_view& x) -> caf::result<caf::message> {
    auto m = x.copy_content_to_message();
    return caf::make_message(std::string("unexpected message, ") + std::to_string(m.size()) +
                             " element(s): " + caf::to_string(m));
  });
  return echo_handlers<vm_found, watch_problem, job_assignment, job_planned, plan_reply, publish_request, job_progress,
                       job_outcome, job_event, job_events, queue_state, control_command, control_reply, lease_ref,
                       node_status, node_summary, cluster_state, node_hello, node_welcome, std::vector<std::string>,
                       std::vector<lease_ref>, std::vector<node_summary>,
                       std::vector<converter_actor>, converter_actor, job_report_actor, job_intake_actor,
                       scheduler_actor, coordinator_link_actor, stats_actor, notifier_actor, watcher_actor,
                       control_actor, archive_request, archive_batch, archive_result, archive_report,
                       archiver_actor, share_view, share_probe_actor>();
}

// ---------------------------------------------------------------------------
// The client side: a child process guard and the actor system that talks to it.

std::string self_exe() {
  std::vector<char> buf(4096);
  auto n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  BOOST_REQUIRE_MESSAGE(n > 0, "readlink /proc/self/exe: " << std::strerror(errno));
  return std::string(buf.data(), static_cast<size_t>(n));
}

// The echo server process. The destructor closes its stdin, kills it and
// reaps it, so no process is left behind even when a check fails; the child
// also dies with this process (PR_SET_PDEATHSIG) and on stdin EOF.
class EchoServer {
 public:
  EchoServer() {
    auto exe = self_exe();
    int in_pipe[2];
    int out_pipe[2];
    BOOST_REQUIRE(::pipe2(in_pipe, O_CLOEXEC) == 0);
    if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
      ::close(in_pipe[0]);
      ::close(in_pipe[1]);
      BOOST_FAIL("pipe2: " << std::strerror(errno));
    }
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent)
        ::_exit(127);
      ::dup2(in_pipe[0], STDIN_FILENO);
      ::dup2(out_pipe[1], STDOUT_FILENO);
      ::setenv(kServerEnv, "1", 1);
      const char* argv[] = {exe.c_str(),
                            "--run_test=messages_remote_echo_server/echo_server",
                            "--log_level=error",
                            "--log_sink=stderr",
                            "--report_level=no",
                            nullptr};
      ::execv(exe.c_str(), const_cast<char* const*>(argv));
      ::_exit(127);
    }
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    stdin_fd_ = in_pipe[1];
    stdout_fd_ = out_pipe[0];
    BOOST_REQUIRE_MESSAGE(pid_ > 0, "fork: " << std::strerror(errno));
    port_ = read_port(30s);
  }

  ~EchoServer() { stop(); }

  EchoServer(const EchoServer&) = delete;
  EchoServer& operator=(const EchoServer&) = delete;

  std::uint16_t port() const { return port_; }

  // Closes its stdin (the server leaves on its own), then SIGKILL after a
  // grace period; returns the wait status.
  int stop() {
    if (stdin_fd_ >= 0) {
      ::close(stdin_fd_);
      stdin_fd_ = -1;
    }
    if (stdout_fd_ >= 0) {
      ::close(stdout_fd_);
      stdout_fd_ = -1;
    }
    if (pid_ <= 0)
      return status_;
    auto deadline = std::chrono::steady_clock::now() + 5s;
    for (;;) {
      pid_t r = ::waitpid(pid_, &status_, WNOHANG);
      if (r == pid_ || (r < 0 && errno != EINTR))
        break;
      if (std::chrono::steady_clock::now() > deadline) {
        ::kill(pid_, SIGKILL);
        while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
        }
        break;
      }
      ::usleep(10 * 1000);
    }
    pid_ = -1;
    return status_;
  }

 private:
  std::uint16_t read_port(std::chrono::seconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto nl = out.find('\n');
      while (nl != std::string::npos) {
        auto line = out.substr(0, nl);
        out.erase(0, nl + 1);
        if (line.rfind(kPortPrefix, 0) == 0) {
          auto port = std::stoul(line.substr(std::strlen(kPortPrefix)));
          BOOST_REQUIRE_MESSAGE(port > 0 && port < 65536, "the echo server printed port " << port);
          return static_cast<std::uint16_t>(port);
        }
        nl = out.find('\n');
      }
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      BOOST_REQUIRE_MESSAGE(left.count() > 0, "the echo server printed no port within " << timeout.count() << " s");
      pollfd p{stdout_fd_, POLLIN, 0};
      int r = ::poll(&p, 1, static_cast<int>(left.count()));
      if (r < 0 && errno == EINTR)
        continue;
      BOOST_REQUIRE(r >= 0);
      if (r == 0)
        continue;
      char buf[512];
      auto n = ::read(stdout_fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      BOOST_REQUIRE_MESSAGE(n > 0, "the echo server exited before printing its port (output so far: '" << out
                                                                                                      << "')");
      out.append(buf, static_cast<size_t>(n));
    }
  }

  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int status_ = 0;
  std::uint16_t port_ = 0;
};

// The client's side of the connection. Members destruct in reverse order:
// the server guard goes LAST (after the actor system), so a failing check
// never leaves the child behind and the system never hangs on it.
struct Client {
  EchoServer server;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  caf::actor remote;
  std::vector<caf::actor> locals;  // dummies to stop before the system goes (it awaits them)

  Client() {
    register_messages(cfg);
    cfg.add_message_type<local_only>("h2k_test_remote::local_only");
    cfg.load<caf::io::middleman>();
    sys = std::make_unique<caf::actor_system>(cfg);
    auto r = sys->middleman().remote_actor("127.0.0.1", server.port());
    // (Boost.Test 1.74 builds the message even when the check passes, and
    // expected::error() on a value is undefined: render only on failure.)
    if (!r)
      BOOST_FAIL("remote_actor 127.0.0.1:" << server.port() << ": " << sys->render(r.error()));
    remote = *r;
    BOOST_REQUIRE(remote);
    BOOST_REQUIRE_MESSAGE(remote->node() != sys->node(), "the echo actor must live on another node");
  }

  ~Client() {
    for (auto& a : locals)
      caf::anon_send_exit(a, caf::exit_reason::kill);
    locals.clear();
    remote = nullptr;
    sys.reset();
  }

  // Sends `x` to the echo server; returns the whole reply message, or sets
  // `err` (a request error or timeout).
  template <class T>
  caf::message request(const T& x, std::string& err) {
    caf::scoped_actor self{*sys};
    caf::message reply;
    self->request(remote, 5s, x)
        .receive([&](caf::error& e) { err = sys->render(e); },
                 caf::others >> [&](caf::message_view& v) -> caf::result<caf::message> {
                   reply = v.copy_content_to_message();
                   return caf::message{};
                 });
    return reply;
  }

  // A local actor, stopped when the client goes even if a check failed.
  template <class... Ts>
  auto spawn(Ts&&... xs) {
    auto h = sys->spawn(std::forward<Ts>(xs)...);
    locals.push_back(caf::actor_cast<caf::actor>(h));
    return h;
  }

  // A handle of an interface without a dedicated dummy: the handle only
  // carries the actor's id and node, so a dynamically typed one stands in.
  template <class Handle>
  Handle dummy_handle() {
    return caf::actor_cast<Handle>(spawn([]() -> caf::behavior { return {[](caf::tick_atom) {}}; }));
  }

  // Sends `x` to the echo server and returns what came back as a T;
  // fails the test with what arrived instead.
  template <class T>
  T echo(const T& x) {
    std::string err;
    caf::message reply = request(x, err);
    BOOST_REQUIRE_MESSAGE(err.empty(), "sent " << caf::deep_to_string(x) << ", got the error " << err);
    BOOST_REQUIRE_MESSAGE(reply.match_elements<T>(), "sent " << caf::deep_to_string(x) << ", got "
                                                             << reply.size() << " element(s) "
                                                             << caf::to_string(reply));
    auto got = reply.get_as<T>(0);
    BOOST_TEST(caf::deep_to_string(got) == caf::deep_to_string(x));
    return got;
  }
};

converter_actor::behavior_type dummy_converter() {
  return {
      [](const job_assignment&) {},
      [](cancel_atom, const std::string&) {},
      [](done_atom, const std::string&) {},
      [](shutdown_atom) {},
  };
}

scheduler_actor::behavior_type dummy_scheduler() {
  return {
      [](const vm_found&) {},
      [](const watch_problem&) {},
      [](const job_progress&) {},
      [](const job_outcome&) {},
      [](tick_atom) {},
      [](commit_atom) {},
      [](silence_atom, std::int64_t) {},
      [](shutdown_atom) {},
      [](const job_planned&) { return plan_reply{}; },
      [](const publish_request&) { return false; },
      [](const control_command&) { return control_reply{}; },
      [](const node_hello&) { return node_welcome{}; },
      [](const node_status&) { return false; },
  };
}

coordinator_link_actor::behavior_type dummy_coordinator_link() {
  return {
      [](const job_progress&) {},
      [](const job_outcome&) {},
      [](const job_planned&) { return plan_reply{}; },
      [](const publish_request&) { return false; },
      [](const vm_found&) {},
      [](const watch_problem&) {},
      [](const scheduler_actor&) {},
      [](tick_atom) {},
      [](shutdown_atom) {},
  };
}

// The whole stats interface (so this stops compiling when it changes); it
// keeps the last cluster_state it got in `last` and answers flush with true,
// which lets a test wait until what it sent before has been handled.
stats_actor::behavior_type dummy_stats(std::shared_ptr<cluster_state> last) {
  return {
      [](const job_events&) {},
      [last](const cluster_state& x) { *last = x; },
      [](const job_progress&) {},
      [](const queue_state&) {},
      [](tick_atom) {},
      [](save_atom) {},
      [](flush_atom) { return true; },
      [](const control_command&) { return control_reply{}; },
  };
}

// A handle that came back from the other node must be the original actor
// again (not a proxy): same address, same node, this node.
template <class Handle>
void check_same_actor(const Handle& got, const Handle& sent, caf::actor_system& sys, const char* what) {
  BOOST_TEST_CONTEXT(what) {
    BOOST_REQUIRE(got);
    BOOST_TEST((got.address() == sent.address()));
    BOOST_TEST((got == sent));
    BOOST_TEST(got.id() == sent.id());
    BOOST_TEST((got.node() == sys.node()));
    BOOST_TEST((caf::actor_cast<caf::actor_addr>(got) == caf::actor_cast<caf::actor_addr>(sent)));
  }
}

// Compares two node summaries field by field.
void check_node_summary(const node_summary& y, const node_summary& x, const std::string& what) {
  BOOST_TEST_CONTEXT(what) {
    BOOST_TEST(y.name == x.name);
    BOOST_TEST(y.roles == x.roles);
    BOOST_TEST(y.up == x.up);
    BOOST_TEST(y.draining == x.draining);
    BOOST_TEST(y.slots_total == x.slots_total);
    BOOST_TEST(y.slots_busy == x.slots_busy);
    BOOST_TEST(y.jobs_done == x.jobs_done);
    BOOST_TEST(y.jobs_lost == x.jobs_lost);
    BOOST_TEST(y.heartbeat_age_ms == x.heartbeat_age_ms);
    BOOST_TEST(y.accel == x.accel);
    BOOST_TEST(y.share_problem == x.share_problem);
  }
}

// Field values: non-ASCII bytes (UTF-8 and raw), spaces, an embedded NUL.
const std::string kUtf8 = "Ünïcödé VM – 東京 ☃ disk 1.vmdk";
const std::string kRaw = std::string("raw \xff\xfe bytes \0 after NUL", 24);
constexpr std::uint64_t kBig = (std::uint64_t{1} << 63) + 5;  // 2^63 + 5

}  // namespace

// ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(messages_remote_echo_server, *boost::unit_test::disabled())

// The child process's whole life. Disabled: runs only when selected with
// --run_test (by EchoServer) and only with H2K_MESSAGES_REMOTE_SERVER=1.
BOOST_AUTO_TEST_CASE(echo_server) {
  const char* env = std::getenv(kServerEnv);
  if (env == nullptr || std::string(env) != "1") {
    BOOST_TEST_MESSAGE("not started as the echo server: nothing to do");
    return;
  }
  caf::actor_system_config cfg;
  register_messages(cfg);
  cfg.load<caf::io::middleman>();
  caf::actor_system sys{cfg};
  auto echo = sys.spawn(echo_actor);
  auto port = sys.middleman().publish(echo, 0, "127.0.0.1", true);
  if (!port)
    BOOST_FAIL("publish: " << sys.render(port.error()));
  std::printf("%s%u\n", kPortPrefix, static_cast<unsigned>(*port));
  std::fflush(stdout);
  char buf[256];
  for (;;) {
    auto n = ::read(STDIN_FILENO, buf, sizeof buf);
    if (n == 0 || (n < 0 && errno != EINTR))
      break;
  }
  caf::anon_send_exit(echo, caf::exit_reason::user_shutdown);
}

BOOST_AUTO_TEST_SUITE_END()

// ---------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(messages_remote)

BOOST_AUTO_TEST_CASE(every_message_type_round_trips_through_another_process) {
  Client c;

  {
    vm_found x{{kUtf8, "web01 disk2.vmdk", kRaw}, "ovf ✓", kBig, "md5:ä b", "high"};
    auto y = c.echo(x);
    BOOST_TEST(y.sources == x.sources);
    BOOST_TEST(y.sources.size() == 3u);
    BOOST_TEST(y.file_type == x.file_type);
    BOOST_TEST(y.total_bytes == kBig);
    BOOST_TEST(y.dedup_key == x.dedup_key);
    BOOST_TEST(y.priority == "high");
  }
  {
    watch_problem x{kUtf8, "the reason: ünreadable " + kRaw, "invalid_input", true, kBig + 1, {"a b.mf", kUtf8}};
    auto y = c.echo(x);
    BOOST_TEST(y.file == x.file);
    BOOST_TEST(y.reason == x.reason);
    BOOST_TEST(y.error_kind == "invalid_input");
    BOOST_TEST(y.permanent == true);
    BOOST_TEST(y.file_size == kBig + 1);
    BOOST_TEST(y.related == x.related);
  }
  {
    job_assignment x{"job 7 ü", kBig + 2, "node ö/slot-2", "external", {"/srv/ä b.vmdk", kRaw}, "vmdk", -3,
                     "2026-11-22 é", "job-7.e4.0badcafe ☃",
                     R"({"vcenter":"vc ü","vm":"/dc/vm/web ☃"})" + kRaw, true, "xxh128"};
    auto y = c.echo(x);
    BOOST_TEST(y.dedup_method == "xxh128");
    BOOST_TEST(y.export_request == x.export_request);
    BOOST_TEST(y.define_domain == true);
    BOOST_TEST(y.job_id == x.job_id);
    BOOST_TEST(y.epoch == kBig + 2);
    BOOST_TEST(y.holder == x.holder);
    BOOST_TEST(y.source_root == "external");
    BOOST_TEST(y.sources == x.sources);
    BOOST_TEST(y.file_type == "vmdk");
    BOOST_TEST(y.attempt == -3);
    BOOST_TEST(y.output_subdir == x.output_subdir);
    BOOST_TEST(y.staging_tag == x.staging_tag);
  }
  {
    job_planned x{"job 8 ü", kBig + 3, "node ö/slot-3", "2026-11-23 é", kUtf8, "xxh128:" + kRaw};
    auto y = c.echo(x);
    BOOST_TEST(y.dedup_key == x.dedup_key);
    BOOST_TEST(y.job_id == x.job_id);
    BOOST_TEST(y.epoch == kBig + 3);
    BOOST_TEST(y.holder == x.holder);
    BOOST_TEST(y.output_subdir == x.output_subdir);
    BOOST_TEST(y.vm_name == kUtf8);
  }
  {
    plan_reply x{"2026-11-23 é/" + kUtf8, "job-9 ☃"};
    auto y = c.echo(x);
    BOOST_TEST(y.output_folder == x.output_folder);
    BOOST_TEST(y.duplicate_of == x.duplicate_of);
  }
  {
    publish_request x{"job 9 ü", kBig + 4, "node ö/slot-4"};
    auto y = c.echo(x);
    BOOST_TEST(y.job_id == x.job_id);
    BOOST_TEST(y.epoch == kBig + 4);
    BOOST_TEST(y.holder == x.holder);
  }
  {
    job_progress x{"job 10 ü", kBig + 5, "node ö/slot-5", "copy ☃", 12.5, kBig + 6, kBig + 7, 1.25e9, -0.75,
                   kRaw};
    auto y = c.echo(x);
    BOOST_TEST(y.job_id == x.job_id);
    BOOST_TEST(y.epoch == kBig + 5);
    BOOST_TEST(y.holder == x.holder);
    BOOST_TEST(y.phase == x.phase);
    BOOST_TEST(y.percent == 12.5);
    BOOST_TEST(y.bytes_done == kBig + 6);
    BOOST_TEST(y.bytes_total == kBig + 7);
    BOOST_TEST(y.rate_bps == 1.25e9);
    BOOST_TEST(y.eta_s == -0.75);
    BOOST_TEST(y.message == kRaw);
  }
  {
    job_outcome x{"job 11 ü",
                  kBig + 8,
                  "node ö/slot-6",
                  "failed",
                  "2026-11-22/web ö1",
                  "guest_boot_failed",
                  kUtf8,
                  "the error: " + kRaw,
                  "verify ☃",
                  {"log line 1 ä", "log line 2 ß", kRaw},
                  {"warning ö 1", "warning 2"},
                  3600.5,
                  kBig + 9,
                  {"console tail ü", "kernel panic – not syncing"},
                  {"2026-12-05/web/web.ova ☃", kRaw},
                  {"virtio-win", "kvm ü"}};
    auto y = c.echo(x);
    BOOST_TEST(y.job_id == x.job_id);
    BOOST_TEST(y.epoch == kBig + 8);
    BOOST_TEST(y.holder == x.holder);
    BOOST_TEST(y.status == "failed");
    BOOST_TEST(y.output_path == x.output_path);
    BOOST_TEST(y.error_kind == x.error_kind);
    BOOST_TEST(y.error_file == kUtf8);
    BOOST_TEST(y.error == x.error);
    BOOST_TEST(y.phase == x.phase);
    BOOST_TEST(y.log_tail == x.log_tail);
    BOOST_TEST(y.warnings == x.warnings);
    BOOST_TEST(y.duration_s == 3600.5);
    BOOST_TEST(y.bytes_converted == kBig + 9);
    BOOST_TEST(y.error_details == x.error_details);
    BOOST_TEST(y.files == x.files, boost::test_tools::per_element());
    BOOST_TEST(y.needs == x.needs, boost::test_tools::per_element());
  }
  {
    job_event x{"retry_scheduled",
                "job 12 ü",
                kUtf8,
                "vhdx ☃",
                kBig + 10,
                -4,
                -5,
                -1234567890123LL,
                "the error ä",
                "the previous error " + kRaw,
                "convert",
                "2026-11-22/out ö",
                12.5,
                kBig + 11,
                std::numeric_limits<std::int64_t>::min() + 7,
                "vsphere://vc ü/dc/vm/web ☃"};
    auto y = c.echo(x);
    BOOST_TEST(y.kind == "retry_scheduled");
    BOOST_TEST(y.job_id == x.job_id);
    BOOST_TEST(y.filename == kUtf8);
    BOOST_TEST(y.file_type == x.file_type);
    BOOST_TEST(y.file_size == kBig + 10);
    BOOST_TEST(y.attempt == -4);
    BOOST_TEST(y.max_retries == -5);
    BOOST_TEST(y.next_retry_at_ms == -1234567890123LL);
    BOOST_TEST(y.error == x.error);
    BOOST_TEST(y.previous_error == x.previous_error);
    BOOST_TEST(y.phase == "convert");
    BOOST_TEST(y.output_path == x.output_path);
    BOOST_TEST(y.duration_s == 12.5);
    BOOST_TEST(y.bytes_converted == kBig + 11);
    BOOST_TEST(y.at_ms == std::numeric_limits<std::int64_t>::min() + 7);
    BOOST_TEST(y.origin == x.origin);
    // A commit's events, in order, as one message.
    job_event second = x;
    second.kind = "succeeded";
    second.job_id = "job 13";
    auto batch = c.echo(job_events{{x, second}});
    BOOST_REQUIRE_EQUAL(batch.events.size(), 2u);
    BOOST_TEST(batch.events[0].kind == "retry_scheduled");
    BOOST_TEST(batch.events[0].filename == kUtf8);
    BOOST_TEST(batch.events[0].at_ms == std::numeric_limits<std::int64_t>::min() + 7);
    BOOST_TEST(batch.events[1].kind == "succeeded");
    BOOST_TEST(batch.events[1].job_id == "job 13");
    BOOST_TEST(batch.events[1].origin == x.origin);
    BOOST_TEST(c.echo(job_events{}).events.empty());
  }
  {
    queue_state x{kBig + 12, kBig + 13, kBig + 14, "draining ☃"};
    auto y = c.echo(x);
    BOOST_TEST(y.queued == kBig + 12);
    BOOST_TEST(y.retry_wait == kBig + 13);
    BOOST_TEST(y.running == kBig + 14);
    BOOST_TEST(y.mode == x.mode);
  }
  {
    control_command x{"drain node ö", R"({"node": "east ü 1", "raw": ")" + kRaw + "\"}"};
    auto y = c.echo(x);
    BOOST_TEST(y.command == x.command);
    BOOST_TEST(y.args_json == x.args_json);
  }
  {
    control_reply x{false, R"({"error": "nö such node ☃"})"};
    auto y = c.echo(x);
    BOOST_TEST(y.ok == false);
    BOOST_TEST(y.body_json == x.body_json);
  }
  {
    lease_ref x{"job 13 ü", kBig + 15, "node ö/slot-7"};
    auto y = c.echo(x);
    BOOST_TEST(y.job_id == x.job_id);
    BOOST_TEST(y.epoch == kBig + 15);
    BOOST_TEST(y.holder == x.holder);
  }
  {
    node_status x{"east ü 1", "incarnation " + kRaw, kBig + 16, 4000000000u,
                  share_view{"5f0c ü", "/mnt/h2k ☃/.hyper2kvm-share: " + kRaw}};
    auto y = c.echo(x);
    BOOST_TEST(y.share.id == x.share.id);
    BOOST_TEST(y.share.problem == x.share.problem);
    BOOST_TEST(y.node_name == x.node_name);
    BOOST_TEST(y.incarnation == x.incarnation);
    BOOST_TEST(y.scratch_free_bytes == kBig + 16);
    BOOST_TEST(y.busy_slots == 4000000000u);
  }
  {
    node_welcome x{true, "welcome back ö " + kRaw, {"job ä 1", "job 2", kUtf8}};
    auto y = c.echo(x);
    BOOST_TEST(y.accepted == true);
    BOOST_TEST(y.reason == x.reason);
    BOOST_TEST(y.revoked == x.revoked);
  }
  {
    node_summary x{kUtf8, {"converter ☃", "watcher", kRaw}, true, true, 4000000000u, 3999999999u, kBig + 20,
                   std::numeric_limits<std::uint64_t>::max(), -987654321012LL, "tcg ü", "no share ö " + kRaw};
    auto y = c.echo(x);
    BOOST_TEST(y.share_problem == x.share_problem);
    BOOST_TEST(y.name == kUtf8);
    BOOST_TEST(y.roles == x.roles);
    BOOST_TEST(y.roles.size() == 3u);
    BOOST_TEST(y.up == true);
    BOOST_TEST(y.draining == true);
    BOOST_TEST(y.slots_total == 4000000000u);
    BOOST_TEST(y.slots_busy == 3999999999u);
    BOOST_TEST(y.jobs_done == kBig + 20);
    BOOST_TEST(y.jobs_lost == std::numeric_limits<std::uint64_t>::max());
    BOOST_TEST(y.heartbeat_age_ms == -987654321012LL);
    BOOST_TEST(y.accel == "tcg ü");
  }
  {
    // Two nodes that differ in every field (the bools too, crosswise), so a
    // swapped or dropped node shows.
    cluster_state x{{{"east ü 1", {"coordinator ö", "converter"}, true, false, 7u, 4294967295u, kBig + 21,
                      kBig + 22, std::numeric_limits<std::int64_t>::min() + 9, "kvm ☃"},
                     {"west 東京 " + kRaw, {"converter"}, false, true, 4294967294u, 3u, kBig + 23, kBig + 24, -1,
                      "tcg ß"}}};
    auto y = c.echo(x);
    BOOST_REQUIRE(y.nodes.size() == 2u);
    check_node_summary(y.nodes[0], x.nodes[0], "cluster_state node 0");
    check_node_summary(y.nodes[1], x.nodes[1], "cluster_state node 1");
    BOOST_TEST(y.nodes[0].heartbeat_age_ms == std::numeric_limits<std::int64_t>::min() + 9);
    BOOST_TEST(y.nodes[1].jobs_lost == kBig + 24);
    BOOST_TEST(y.nodes[1].name == "west 東京 " + kRaw);
  }
  {
    // The scheduler <-> archiver vocabulary (one process in practice; across
    // one here, so a registration slip shows).
    archive_request r1{"job 14 ü", {kUtf8, "a b.vmdk"}, ".processed/2026-12-04 é", ".exports/job-14-e2 ☃"};
    archive_request r2{"job 15", {}, "", ""};
    BOOST_TEST(c.echo(r1).export_dir == r1.export_dir);
    auto b = c.echo(archive_batch{{r1, r2}});
    BOOST_REQUIRE(b.jobs.size() == 2u);
    BOOST_TEST(b.jobs[0].job_id == r1.job_id);
    BOOST_TEST(b.jobs[0].sources == r1.sources);
    BOOST_TEST(b.jobs[0].archive_dir == r1.archive_dir);
    BOOST_TEST(b.jobs[0].export_dir == r1.export_dir);
    BOOST_TEST(b.jobs[1].job_id == "job 15");
    BOOST_TEST(b.jobs[1].sources.empty());
    archive_result ok{"job 14 ü", {".processed/2026-12-04 é/" + kUtf8}, ""};
    archive_result bad{"job 15", {}, "cannot move: Input/output error " + kRaw};
    BOOST_TEST(c.echo(ok).moved == ok.moved);
    auto rep = c.echo(archive_report{{ok, bad}});
    BOOST_REQUIRE(rep.jobs.size() == 2u);
    BOOST_TEST(rep.jobs[0].moved == ok.moved);
    BOOST_TEST(rep.jobs[0].error.empty());
    BOOST_TEST(rep.jobs[1].job_id == "job 15");
    BOOST_TEST(rep.jobs[1].error == bad.error);
  }
  {
    // The registered containers on their own, too.
    std::vector<std::string> vs{kUtf8, kRaw, "c d"};
    BOOST_TEST(c.echo(vs) == vs);
    std::vector<lease_ref> vl{{"job a ü", kBig, "n/slot-1"}, {"job b", kBig + 1, "n ö/slot-2"}};
    auto vl2 = c.echo(vl);
    BOOST_REQUIRE(vl2.size() == 2u);
    BOOST_TEST(vl2[1].holder == "n ö/slot-2");
    BOOST_TEST(vl2[0].epoch == kBig);
    std::vector<node_summary> vn{{"n ü 1", {"converter ☃"}, true, false, 2u, 1u, kBig + 25, 1u, -2, "kvm"},
                                 {kRaw, {}, false, true, 4000000001u, 0u, 0u, kBig + 26, -3000, "tcg ö"}};
    auto vn2 = c.echo(vn);
    BOOST_REQUIRE(vn2.size() == 2u);
    check_node_summary(vn2[0], vn[0], "vector node 0");
    check_node_summary(vn2[1], vn[1], "vector node 1");
  }
}

BOOST_AUTO_TEST_CASE(node_hello_brings_its_converter_slots_back_as_the_original_actors) {
  Client c;
  auto slot1 = c.spawn(dummy_converter);
  auto slot2 = c.spawn(dummy_converter);
  auto export1 = c.spawn(dummy_converter);  // an export slot: the same interface
  BOOST_REQUIRE(slot1 != slot2);

  node_hello x{"east ü 1",
               "incarnation " + kRaw,
               {"converter", "watcher ☃"},
               "10.0.0.7 (ö)",
               kBig + 17,
               "tcg ü",
               {slot1, slot2},
               {{"job a ü", kBig + 18, "east ü 1/slot-1"}, {"job b", kBig + 19, "east ü 1/slot-2"}},
               {export1},
               {"kvm", "virtio-win ü"},
               {"share ü " + kRaw, ""}};
  auto y = c.echo(x);
  BOOST_TEST(y.share.id == x.share.id);
  BOOST_TEST(y.share.problem.empty());
  BOOST_TEST(y.node_name == x.node_name);
  BOOST_TEST(y.incarnation == x.incarnation);
  BOOST_TEST(y.roles == x.roles);
  BOOST_TEST(y.host == x.host);
  BOOST_TEST(y.scratch_free_bytes == kBig + 17);
  BOOST_TEST(y.accel == x.accel);
  BOOST_TEST(y.capabilities == x.capabilities, boost::test_tools::per_element());
  BOOST_REQUIRE(y.slots.size() == 2u);
  check_same_actor(y.slots[0], slot1, *c.sys, "slot 1");
  check_same_actor(y.slots[1], slot2, *c.sys, "slot 2");
  BOOST_REQUIRE(y.export_slots.size() == 1u);
  check_same_actor(y.export_slots[0], export1, *c.sys, "export slot 1");
  BOOST_REQUIRE(y.leases.size() == 2u);
  for (size_t i = 0; i < 2; ++i) {
    BOOST_TEST(y.leases[i].job_id == x.leases[i].job_id);
    BOOST_TEST(y.leases[i].epoch == x.leases[i].epoch);
    BOOST_TEST(y.leases[i].holder == x.leases[i].holder);
  }

  // The slots as a registered container on their own.
  auto vs = c.echo(std::vector<converter_actor>{slot2, slot1});
  BOOST_REQUIRE(vs.size() == 2u);
  check_same_actor(vs[0], slot2, *c.sys, "vector slot 2");
  check_same_actor(vs[1], slot1, *c.sys, "vector slot 1");

  // A slot that came back still is the live actor: it takes a message and
  // its monitor sees it leave.
  caf::scoped_actor self{*c.sys};
  self->monitor(y.slots[0]);
  self->send(y.slots[0], shutdown_atom::value);  // the dummy ignores it
  caf::anon_send_exit(y.slots[0], caf::exit_reason::user_shutdown);
  bool down = false;
  self->receive([&](const caf::down_msg& d) { down = d.source == slot1.address(); },
                caf::after(5s) >> [] {});
  BOOST_TEST(down);
}

BOOST_AUTO_TEST_CASE(typed_actor_handles_round_trip_as_the_original_actors) {
  Client c;
  auto sched = c.spawn(dummy_scheduler);
  auto link = c.spawn(dummy_coordinator_link);
  auto conv = c.spawn(dummy_converter);
  check_same_actor(c.echo(sched), sched, *c.sys, "scheduler_actor");
  check_same_actor(c.echo(link), link, *c.sys, "coordinator_link_actor");
  check_same_actor(c.echo(conv), conv, *c.sys, "converter_actor");
  // The other registered handle types.
  auto report = c.dummy_handle<job_report_actor>();
  check_same_actor(c.echo(report), report, *c.sys, "job_report_actor");
  auto intake = c.dummy_handle<job_intake_actor>();
  check_same_actor(c.echo(intake), intake, *c.sys, "job_intake_actor");
  // stats_actor with its whole interface (it takes cluster_state too): the
  // handle that came back is the live actor and takes a cluster_state that
  // itself crossed the process boundary.
  auto last = std::make_shared<cluster_state>();
  auto stats = c.spawn(dummy_stats, last);
  auto stats2 = c.echo(stats);
  check_same_actor(stats2, stats, *c.sys, "stats_actor");
  cluster_state cs{{{"east ü 1", {"converter ☃"}, true, true, 8u, 5u, kBig + 27, kBig + 28, -4321, "kvm ö"},
                    {kRaw, {"watcher"}, false, false, 1u, 0u, 2u, 3u, -5, "tcg"}}};
  auto cs2 = c.echo(cs);
  {
    caf::scoped_actor self{*c.sys};
    self->send(stats2, cs2);
    bool flushed = false;
    self->request(stats2, 5s, flush_atom::value)
        .receive([&](bool b) { flushed = b; },
                 [&](caf::error& e) { BOOST_ERROR("flush: " << c.sys->render(e)); });
    BOOST_TEST(flushed);
  }
  BOOST_REQUIRE(last->nodes.size() == 2u);
  check_node_summary(last->nodes[0], cs.nodes[0], "stats got node 0");
  check_node_summary(last->nodes[1], cs.nodes[1], "stats got node 1");
  // Without a dedicated dummy, as before.
  auto stats_plain = c.dummy_handle<stats_actor>();
  check_same_actor(c.echo(stats_plain), stats_plain, *c.sys, "stats_actor (dynamically typed)");
  auto notifier = c.dummy_handle<notifier_actor>();
  check_same_actor(c.echo(notifier), notifier, *c.sys, "notifier_actor");
  auto watcher = c.dummy_handle<watcher_actor>();
  check_same_actor(c.echo(watcher), watcher, *c.sys, "watcher_actor");
  auto control = c.dummy_handle<control_actor>();
  check_same_actor(c.echo(control), control, *c.sys, "control_actor");
  auto archiver = c.dummy_handle<archiver_actor>();
  check_same_actor(c.echo(archiver), archiver, *c.sys, "archiver_actor");
  auto probe = c.dummy_handle<share_probe_actor>();
  check_same_actor(c.echo(probe), probe, *c.sys, "share_probe_actor");
}

// The failure mode this whole test exists for: a type only the SENDER has
// registered does not arrive as itself on the other node.
BOOST_AUTO_TEST_CASE(a_type_the_server_has_not_registered_does_not_come_back) {
  Client c;
  local_only x{"only the client knows ü", kBig};
  std::string err;
  auto reply = c.request(x, err);
  BOOST_TEST_MESSAGE("an unregistered type sent to the echo server: error '"
                     << err << "', reply of " << reply.size() << " element(s): " << caf::to_string(reply));
  BOOST_TEST(!reply.match_elements<local_only>());
  // The server received an empty message (no handler takes it) and its
  // default handler described it back.
  BOOST_TEST(err.empty());
  BOOST_REQUIRE(reply.match_elements<std::string>());
  BOOST_TEST(reply.get_as<std::string>(0) == "unexpected message, 0 element(s): <empty-message>");

  // The connection still works afterwards.
  node_status s{"after ü", "inc", kBig, 3};
  auto y = c.echo(s);
  BOOST_TEST(y.node_name == "after ü");
}

BOOST_AUTO_TEST_SUITE_END()
