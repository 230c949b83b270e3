// Which socket the built hyperctl talks to: --state-dir DIR (DIR/control.sock;
// default $H2K_STATE_DIR, else /var/lib/hyper2kvm/state), --socket PATH, and
// the deprecated --output-dir DIR (DIR/.daemon/control.sock, where a daemon
// kept its state before state_dir). An EchoDaemon behind a ControlServer
// plays the daemon.
#include <chrono>

#include "control_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

namespace {

constexpr auto kRunTimeout = std::chrono::seconds(20);

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// A daemon answering on `socket` for the life of the object.
struct Listening {
  EchoDaemon daemon;
  ControlServer server;
  explicit Listening(const fs::path& socket) : server(options_for(socket), daemon.handler()) { server.start(); }
};

// hyperctl with H2K_STATE_DIR unset (or set to `state_env`), then `args`.
SubprocessResult hyperctl(std::vector<std::string> args, const std::string& state_env = "") {
  std::vector<std::string> argv{"env", "-u", "H2K_STATE_DIR"};
  if (!state_env.empty()) argv.push_back("H2K_STATE_DIR=" + state_env);
  argv.push_back(hyperctl_binary());
  argv.insert(argv.end(), args.begin(), args.end());
  return run_capture(argv, kRunTimeout);
}

const std::string kEchoedStatus = R"({"args":{},"command":"status","ok":true})";

}  // namespace

BOOST_AUTO_TEST_SUITE(hyperctl_socket)

BOOST_AUTO_TEST_CASE(state_dir_names_the_folder_of_control_sock) {
  ScratchDir dir{"hyperctl-state"};
  Listening d(dir.path() / "state" / "control.sock");
  auto r = hyperctl({"--state-dir", (dir.path() / "state").string(), "--json", "status"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == kEchoedStatus + "\n");
  BOOST_TEST(r.err == "");
  // The short form, and after the command.
  r = hyperctl({"status", "-d", (dir.path() / "state").string(), "--json"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(d.daemon.requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(h2k_state_dir_is_the_default_and_the_option_wins) {
  ScratchDir dir{"hyperctl-state"};
  Listening d(dir.path() / "control.sock");
  auto r = hyperctl({"--json", "status"}, dir.path().string());
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == kEchoedStatus + "\n");
  r = hyperctl({"--state-dir", (dir.path() / "elsewhere").string(), "status"}, dir.path().string());
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(contains(r.err, "cannot connect to " + (dir.path() / "elsewhere" / "control.sock").string()), r.err);
}

BOOST_AUTO_TEST_CASE(without_options_the_default_state_dir) {
  if (fs::exists("/var/lib/hyper2kvm/state/control.sock")) {
    BOOST_TEST_MESSAGE("skipped: a daemon's socket exists at /var/lib/hyper2kvm/state/control.sock");
    return;
  }
  auto r = hyperctl({"status"});
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(r.err == "hyperctl: cannot connect to /var/lib/hyper2kvm/state/control.sock: No such file or directory "
                      "(is the daemon running?)\n");
}

BOOST_AUTO_TEST_CASE(deprecated_output_dir_finds_a_daemon_of_the_old_layout) {
  ScratchDir dir{"hyperctl-state"};
  Listening d(dir.path() / "output" / ".daemon" / "control.sock");
  auto r = hyperctl({"--output-dir", (dir.path() / "output").string(), "--json", "status"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == kEchoedStatus + "\n");
  BOOST_TEST(r.err == "");
}

BOOST_AUTO_TEST_CASE(deprecated_output_dir_falls_back_to_the_state_dir_once_the_state_moved) {
  // An old ExecStop line (`hyperctl --output-dir ... drain`) after the daemon
  // moved its state: the socket in the default state_dir is used, with a note.
  ScratchDir dir{"hyperctl-state"};
  fs::create_directories(dir.path() / "output");
  Listening d(dir.path() / "state" / "control.sock");
  auto r = hyperctl({"--output-dir", (dir.path() / "output").string(), "--json", "status"},
                    (dir.path() / "state").string());
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out == kEchoedStatus + "\n");
  BOOST_TEST(r.err == "hyperctl: note: no " + (dir.path() / "output/.daemon/control.sock").string() + "; using " +
                          (dir.path() / "state/control.sock").string() +
                          " (--output-dir is deprecated: use --state-dir)\n");
  // Neither there: the error names the socket the option asked for.
  r = hyperctl({"--output-dir", (dir.path() / "output").string(), "status"}, (dir.path() / "none").string());
  BOOST_TEST(r.exit_code == 3);
  BOOST_TEST(contains(r.err, "cannot connect to " + (dir.path() / "output/.daemon/control.sock").string()), r.err);
}

BOOST_AUTO_TEST_CASE(socket_state_dir_and_output_dir_exclude_each_other) {
  ScratchDir dir{"hyperctl-state"};
  Listening d(dir.path() / "control.sock");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--state-dir", "/a", "--socket", "/b", "status"},
           {"--state-dir", "/a", "--output-dir", "/b", "status"},
           {"--output-dir", "/a", "--socket", "/b", "status"}}) {
    auto r = hyperctl(args);
    BOOST_TEST(r.exit_code == 2, args[0] << " " << args[2]);
    BOOST_TEST(contains(r.err, "excludes"), r.err);
  }
  auto r = hyperctl({"--socket", (dir.path() / "control.sock").string(), "--json", "status"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(d.daemon.requests().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
