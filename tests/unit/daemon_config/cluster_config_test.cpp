// The `cluster:` section: roles, addresses, share_root, heartbeat timing,
// TLS, and what validate() asks of the folders in a cluster.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <regex>

#include "tests/unit/support/test_paths.hpp"
#include "config_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

bool starts(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

const std::string kFolders = R"(watch_dir: /mnt/h2k/queue
output_dir: /mnt/h2k/output
work_dir: /var/lib/hyper2kvm/work
state_dir: /var/lib/hyper2kvm/state
)";

const std::string kCoordinator = kFolders + R"(cluster:
  role: coordinator
  node_name: coord-1
  listen: 10.0.0.5:4711
  share_root: /mnt/h2k
  heartbeat_interval: 0.5
  node_timeout: 5s
)";

const std::string kConverter = kFolders + R"(max_concurrent_jobs: 6
cluster:
  role: converter
  node_name: conv-07
  coordinator: coord.example.com:4710
  share_root: /mnt/h2k
)";

// A converter's cluster section with `extra` lines appended (indented by the caller).
std::string converter_with(const std::string& extra) { return kConverter + extra; }

// The cluster section of a coordinator, folders set, with the given body.
std::string cluster(const std::string& body) { return kFolders + "cluster:\n" + body; }

const fs::path kExamples = fs::path(H2K_SOURCE_DIR) / "cluster-config" / "cluster";

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_config_cluster)

// --- absent --------------------------------------------------------------

BOOST_AUTO_TEST_CASE(no_section_or_null_is_a_single_host) {
  for (const char* text : {"", "verbose: 1\n", "cluster:\n", "cluster: null\n", "cluster: ~\n"}) {
    const auto c = parse(text);
    BOOST_TEST(!c.cluster.enabled, "text: '" << text << "'");
    BOOST_TEST(c.cluster.roles.empty());
    BOOST_TEST(c.to_json()["cluster"].is_null());
    BOOST_CHECK_NO_THROW(c.validate());  // the single-host folders under /var/lib/hyper2kvm
  }
  BOOST_TEST(!default_daemon_config().cluster.enabled);
  BOOST_TEST(default_daemon_config().to_json().contains("cluster"));
}

BOOST_AUTO_TEST_CASE(an_empty_mapping_is_a_cluster_without_a_role) {
  BOOST_TEST(starts(error_of("cluster: {}\n"), "daemon.yaml: cluster.role: is required"), error_of("cluster: {}\n"));
}

BOOST_AUTO_TEST_CASE(the_section_must_be_a_mapping) {
  BOOST_TEST(error_of("cluster: coordinator\n") ==
             "daemon.yaml: cluster: expected a mapping of keys, got a single value");
}

// --- valid configurations ------------------------------------------------

BOOST_AUTO_TEST_CASE(a_full_coordinator) {
  const auto c = parse(kCoordinator);
  const auto& k = c.cluster;
  BOOST_TEST(k.enabled);
  BOOST_TEST(k.roles.size() == 1u);
  BOOST_TEST(k.has_role(NodeRole::Coordinator));
  BOOST_TEST(!k.has_role(NodeRole::Converter));
  BOOST_TEST(k.node_name == "coord-1");
  BOOST_TEST(k.listen.host == "10.0.0.5");
  BOOST_TEST(k.listen.port == 4711);
  BOOST_TEST(k.share_root == fs::path("/mnt/h2k"));
  BOOST_TEST(k.heartbeat_interval.count() == 500);
  BOOST_TEST(k.node_timeout.count() == 5000);
  BOOST_TEST(!k.tls.enabled());
  BOOST_CHECK_NO_THROW(c.validate());

  const auto j = c.to_json()["cluster"];
  BOOST_TEST(j["role"] == nlohmann::json::array({"coordinator"}));
  BOOST_TEST(j["node_name"] == "coord-1");
  BOOST_TEST(j["listen"] == "10.0.0.5:4711");
  BOOST_TEST(j["coordinator"].is_null());
  BOOST_TEST(j["share_root"] == "/mnt/h2k");
  BOOST_TEST(j["heartbeat_interval"] == 0.5);  // seconds, as every duration in to_json()
  BOOST_TEST(j["node_timeout"] == 5);
  BOOST_TEST(j["tls"]["certificate"] == "");
}

BOOST_AUTO_TEST_CASE(a_full_converter_with_defaults) {
  const auto c = parse(kConverter);
  const auto& k = c.cluster;
  BOOST_TEST(k.enabled);
  BOOST_TEST((k.roles == std::vector<NodeRole>{NodeRole::Converter}));
  BOOST_TEST(k.coordinator.host == "coord.example.com");
  BOOST_TEST(k.coordinator.port == 4710);
  BOOST_TEST(k.listen.to_string() == "0.0.0.0:4710");  // the default, unused on a converter
  BOOST_TEST(k.heartbeat_interval.count() == 1000);
  BOOST_TEST(k.node_timeout.count() == 10'000);
  BOOST_TEST(c.max_concurrent_jobs == 6);  // its slot count
  BOOST_CHECK_NO_THROW(c.validate());
  const auto j = c.to_json()["cluster"];
  BOOST_TEST(j["coordinator"] == "coord.example.com:4710");
  BOOST_TEST(j["listen"].is_null());
  BOOST_TEST(j["heartbeat_interval"] == 1);
  BOOST_TEST(j["node_timeout"] == 10);
}

BOOST_AUTO_TEST_CASE(node_name_defaults_to_the_host_name) {
  char host[256] = {};
  BOOST_REQUIRE(::gethostname(host, sizeof host - 1) == 0);
  const auto c = parse(cluster("  role: coordinator\n  share_root: /mnt/h2k\n"));
  BOOST_TEST(c.cluster.node_name == std::string(host));
}

BOOST_AUTO_TEST_CASE(a_list_of_roles) {
  const auto c = parse(cluster("  role: [coordinator, watcher, converter]\n  share_root: /mnt/h2k\n"));
  BOOST_TEST((c.cluster.roles == std::vector<NodeRole>{NodeRole::Coordinator, NodeRole::Watcher, NodeRole::Converter}));
  BOOST_TEST(c.cluster.has_role(NodeRole::Watcher));
  BOOST_TEST(!c.cluster.has_role(NodeRole::Exporter));
  BOOST_CHECK_NO_THROW(c.validate());
  BOOST_TEST(c.to_json()["cluster"]["role"] == nlohmann::json::array({"coordinator", "watcher", "converter"}));

  const auto block = parse(cluster("  role:\n    - watcher\n    - exporter\n  coordinator: c:1\n  share_root: /mnt/h2k\n"));
  BOOST_TEST((block.cluster.roles == std::vector<NodeRole>{NodeRole::Watcher, NodeRole::Exporter}));
}

BOOST_AUTO_TEST_CASE(role_names) {
  BOOST_TEST(std::string(to_string(NodeRole::Coordinator)) == "coordinator");
  BOOST_TEST(std::string(to_string(NodeRole::Converter)) == "converter");
  BOOST_TEST(std::string(to_string(NodeRole::Watcher)) == "watcher");
  BOOST_TEST(std::string(to_string(NodeRole::Exporter)) == "exporter");
  BOOST_TEST((node_role_from_string("exporter") == NodeRole::Exporter));
  BOOST_TEST(!node_role_from_string("Coordinator"));
}

BOOST_AUTO_TEST_CASE(host_port_forms) {
  auto hp = parse_host_port("[fd00::1]:4710");
  BOOST_REQUIRE(hp);
  BOOST_TEST(hp->host == "fd00::1");
  BOOST_TEST(hp->port == 4710);
  BOOST_TEST(hp->to_string() == "[fd00::1]:4710");
  hp = parse_host_port("node-1.example.com:65535");
  BOOST_REQUIRE(hp);
  BOOST_TEST(hp->to_string() == "node-1.example.com:65535");
  std::string why;
  for (const char* bad : {"", "host", "host:", ":4710", "host:0", "host:65536", "host:99999999", "host:12a",
                          "host:-1", "host:+80", "fd00::1:4710", "[fd00::1]", "[fd00::1]4710", "[]:1", "[host]:1",
                          "ho st:1", "[fd00::1:1"}) {
    BOOST_TEST(!parse_host_port(bad, &why), bad);
    BOOST_TEST(!why.empty(), bad);
  }
  const auto c = parse(cluster("  role: coordinator\n  listen: \"[::]:4710\"\n  share_root: /mnt/h2k\n"));
  BOOST_TEST(c.cluster.listen.host == "::");
  BOOST_TEST(c.to_json()["cluster"]["listen"] == "[::]:4710");
}

// --- errors, each naming the key ------------------------------------------

BOOST_AUTO_TEST_CASE(role_errors) {
  auto err = error_of(cluster("  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.role: is required"), err);
  err = error_of(cluster("  role: boss\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(err == "daemon.yaml: cluster.role: must be coordinator, converter, watcher or exporter (got 'boss')");
  err = error_of(cluster("  role: [coordinator, converter, converter]\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(err == "daemon.yaml: cluster.role[2]: 'converter' given twice", err);
  err = error_of(cluster("  role: [coordinator, boss]\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.role[1]: must be coordinator"), err);
  err = error_of(cluster("  role: []\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.role: needs at least one"), err);
  err = error_of(cluster("  role: {a: b}\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.role: expected a string or a list of strings"), err);
}

BOOST_AUTO_TEST_CASE(node_name_errors) {
  for (const char* bad : {"\"\"", "\"has space\"", "node/1", "n\u00e4me",
                          "a234567890123456789012345678901234567890123456789012345678901234"}) {
    const auto err = error_of(cluster(std::string("  role: coordinator\n  node_name: ") + bad + "\n  share_root: /mnt/h2k\n"), false);
    BOOST_TEST(starts(err, "daemon.yaml: cluster.node_name: must be 1..63 characters"), bad << ": " << err);
  }
  // 63 characters is the most.
  BOOST_CHECK_NO_THROW(parse(cluster("  role: coordinator\n  node_name: "
                                     "a23456789012345678901234567890123456789012345678901234567890123\n"
                                     "  share_root: /mnt/h2k\n")));
}

BOOST_AUTO_TEST_CASE(only_the_coordinator_listens) {
  const auto err = error_of(converter_with("  listen: 0.0.0.0:4710\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.listen: only the coordinator listens"), err);
}

BOOST_AUTO_TEST_CASE(coordinator_key_rules) {
  auto err = error_of(cluster("  role: converter\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.coordinator: is required on a node without the coordinator role"), err);
  err = error_of(cluster("  role: [watcher, exporter]\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.coordinator: is required"), err);
  err = error_of(cluster("  role: coordinator\n  coordinator: c:4710\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.coordinator: must not be given on the coordinator itself"), err);
  err = error_of(cluster("  role: [converter, coordinator]\n  coordinator: c:4710\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.coordinator: must not be given on the coordinator itself"), err);
  err = error_of(cluster("  role: converter\n  coordinator: 0.0.0.0:4710\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.coordinator: '0.0.0.0' listens on every address"), err);
}

BOOST_AUTO_TEST_CASE(host_port_errors_name_the_key) {
  auto err = error_of(cluster("  role: converter\n  coordinator: coord.example.com\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(err == "daemon.yaml: cluster.coordinator: expected host:port or [ipv6-address]:port: expected host:port "
                    "(no port given) (got 'coord.example.com')");
  err = error_of(cluster("  role: converter\n  coordinator: c:70000\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.coordinator: expected host:port"), err);
  BOOST_TEST(contains(err, "1..65535"), err);
  err = error_of(cluster("  role: converter\n  coordinator: fd00::1:4710\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(contains(err, "in brackets"), err);
  err = error_of(cluster("  role: coordinator\n  listen: \":4710\"\n  share_root: /mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.listen: expected host:port"), err);
  BOOST_TEST(contains(err, "the host is empty"), err);
}

BOOST_AUTO_TEST_CASE(share_root_is_required_and_absolute) {
  auto err = error_of(cluster("  role: coordinator\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.share_root: is required"), err);
  err = error_of(cluster("  role: coordinator\n  share_root: mnt/h2k\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.share_root: must be an absolute path"), err);
  const auto c = parse(cluster("  role: coordinator\n  share_root: /mnt/h2k/\n"));
  BOOST_TEST(c.cluster.share_root == fs::path("/mnt/h2k"));
}

BOOST_AUTO_TEST_CASE(duration_ranges) {
  auto err = error_of(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  heartbeat_interval: 0.05\n"), false);
  BOOST_TEST(err == "daemon.yaml: cluster.heartbeat_interval: must be between 0.1 and 60 seconds (got 0.05)");
  err = error_of(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  heartbeat_interval: 2m\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.heartbeat_interval: must be between"), err);
  err = error_of(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  node_timeout: 0.2\n"), false);
  BOOST_TEST(err == "daemon.yaml: cluster.node_timeout: must be between 0.5 and 3600 seconds (got 0.2)");
  err = error_of(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  node_timeout: 2h\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.node_timeout: must be between"), err);
  // The extremes are fine.
  const auto c = parse(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  heartbeat_interval: 0.1s\n"
                               "  node_timeout: 0.5\n"));
  BOOST_TEST(c.cluster.heartbeat_interval.count() == 100);
  BOOST_TEST(c.cluster.node_timeout.count() == 500);
}

BOOST_AUTO_TEST_CASE(node_timeout_below_two_heartbeats) {
  auto err = error_of(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  heartbeat_interval: 5\n  node_timeout: 9\n"),
                      false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.node_timeout: must be at least twice heartbeat_interval (5s), got 9s"),
             err);
  BOOST_TEST(contains(err, "a healthy node would be declared dead between two heartbeats"), err);
  // The default node_timeout (10 s) against a long interval.
  err = error_of(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  heartbeat_interval: 6\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.node_timeout: must be at least twice heartbeat_interval (6s), "
                         "got 10s (the default)"),
             err);
  // Exactly twice is enough.
  BOOST_CHECK_NO_THROW(parse(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  heartbeat_interval: 5\n"
                                     "  node_timeout: 10\n")));
}

BOOST_AUTO_TEST_CASE(unknown_keys_in_the_section) {
  auto err = error_of(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  heartbeat: 1\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.heartbeat: unknown key"), err);
  err = error_of(cluster("  role: coordinator\n  share_root: /mnt/h2k\n  tls:\n    cert: /x\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.tls.cert: unknown key"), err);
  // A cluster key at the top level says where it belongs.
  err = error_of("share_root: /mnt/h2k\n", false);
  BOOST_TEST(err == "daemon.yaml: share_root: unknown key (it belongs under another section: cluster.share_root)");
}

// --- TLS -------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(half_a_tls_config_is_refused_naming_the_missing_keys) {
  auto err = error_of(converter_with("  tls:\n    certificate: /etc/h2k/node.pem\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.tls.key: missing"), err);
  BOOST_TEST(contains(err, "missing: key and ca"), err);
  BOOST_TEST(contains(err, "libcaf_openssl would fall back to anonymous, unauthenticated TLS"), err);
  err = error_of(converter_with("  tls:\n    certificate: /etc/h2k/node.pem\n    key: /etc/h2k/node.key\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.tls.ca: missing"), err);
  err = error_of(converter_with("  tls:\n    ca: /etc/h2k/ca.pem\n"), false);
  BOOST_TEST(starts(err, "daemon.yaml: cluster.tls.certificate: missing"), err);
  BOOST_TEST(contains(err, "missing: certificate and key"), err);
  // Empty values are not "none".
  err = error_of(converter_with("  tls:\n    certificate: \"\"\n    key: /k\n    ca: /c\n"), false);
  BOOST_TEST(err == "daemon.yaml: cluster.tls.certificate: must not be empty");
  // None at all (or an empty tls:) is plain TCP.
  BOOST_TEST(!parse(converter_with("  tls:\n")).cluster.tls.enabled());
  BOOST_TEST(!parse(converter_with("  tls: {}\n")).cluster.tls.enabled());
}

BOOST_AUTO_TEST_CASE(tls_paths_are_resolved_against_the_config_file_and_must_be_readable) {
  TempDir t;
  fs::create_directories(t.path / "tls");
  write_file(t.path / "tls" / "node.pem", "CERT");
  write_file(t.path / "tls" / "node.key", "KEY");
  write_file(t.path / "tls" / "ca.pem", "CA");
  const std::string text = kConverter + "  tls:\n    certificate: tls/node.pem\n    key: tls/node.key\n    ca: tls/ca.pem\n";
  const auto file = t.write("converter.yaml", text);
  DaemonConfig c;
  BOOST_REQUIRE_NO_THROW(c = load_daemon_config(file));
  BOOST_TEST(c.cluster.tls.enabled());
  BOOST_TEST(c.cluster.tls.certificate == t.path / "tls" / "node.pem");
  BOOST_TEST(c.cluster.tls.key == t.path / "tls" / "node.key");
  BOOST_TEST(c.cluster.tls.ca == t.path / "tls" / "ca.pem");
  // Printed as paths; the key's content never appears.
  const auto j = c.to_json()["cluster"]["tls"];
  BOOST_TEST(j["key"] == (t.path / "tls" / "node.key").string());
  BOOST_TEST(!contains(c.to_json().dump(), "KEY\""));

  // A missing file: validate() names the key and the path.
  fs::remove(t.path / "tls" / "node.key");
  auto err = error_of_validate(c);
  BOOST_TEST(err == file.string() + ": cluster.tls.key: no such file (" + (t.path / "tls" / "node.key").string() + ")");
  write_file(t.path / "tls" / "node.key", "KEY");
  fs::remove(t.path / "tls" / "ca.pem");
  fs::create_directory(t.path / "tls" / "ca.pem");
  err = error_of_validate(c);
  BOOST_TEST(err == file.string() + ": cluster.tls.ca: not a regular file (" + (t.path / "tls" / "ca.pem").string() + ")");
  fs::remove(t.path / "tls" / "ca.pem");
  write_file(t.path / "tls" / "ca.pem", "CA");
  BOOST_TEST(error_of_validate(c) == "(no error)");
  // Unreadable (root reads everything, so only checked when not root).
  if (::geteuid() != 0) {
    fs::permissions(t.path / "tls" / "node.key", fs::perms::none);
    err = error_of_validate(c);
    BOOST_TEST(starts(err, file.string() + ": cluster.tls.key: cannot be read: "), err);
    fs::permissions(t.path / "tls" / "node.key", fs::perms::owner_read | fs::perms::owner_write);
  }
}

BOOST_AUTO_TEST_CASE(missing_tls_files_are_found_by_validate_not_parse) {
  const auto c = parse(converter_with("  tls:\n    certificate: /nonexistent/h2k/node.pem\n"
                                      "    key: /nonexistent/h2k/node.key\n    ca: /nonexistent/h2k/ca.pem\n"));
  BOOST_TEST(c.cluster.tls.enabled());
  BOOST_TEST(error_of_validate(c) == "daemon.yaml: cluster.tls.certificate: no such file (/nonexistent/h2k/node.pem)");
}

// --- validate(): the folders in a cluster ----------------------------------

BOOST_AUTO_TEST_CASE(watch_dir_outside_share_root) {
  auto c = parse(kConverter);
  c.watch_dir = "/srv/queue";
  BOOST_TEST(error_of_validate(c) ==
             "daemon.yaml: watch_dir: /srv/queue is not inside cluster.share_root /mnt/h2k: every node finds the "
             "queue through the share");
  // Lexically normalised: /mnt/h2k/../queue is outside.
  c.watch_dir = "/mnt/h2k/../queue";
  BOOST_TEST(starts(error_of_validate(c), "daemon.yaml: watch_dir: /mnt/h2k/../queue is not inside"),
             error_of_validate(c));
  // A sibling with the same prefix is outside too.
  c.watch_dir = "/mnt/h2k-old/queue";
  BOOST_TEST(starts(error_of_validate(c), "daemon.yaml: watch_dir: /mnt/h2k-old/queue is not inside"));
}

BOOST_AUTO_TEST_CASE(output_dir_outside_share_root) {
  auto c = parse(kCoordinator);
  c.output_dir = "/srv/output";
  const auto err = error_of_validate(c);
  BOOST_TEST(starts(err, "daemon.yaml: output_dir: /srv/output is not inside cluster.share_root /mnt/h2k"), err);
}

BOOST_AUTO_TEST_CASE(state_dir_inside_share_root) {
  auto c = parse(kConverter);
  c.state_dir = "/mnt/h2k/state";
  BOOST_TEST(error_of_validate(c) ==
             "daemon.yaml: state_dir: /mnt/h2k/state is inside cluster.share_root /mnt/h2k: keep it on a local disk, "
             "RocksDB and its locks do not work on NFS");
  c.state_dir = "/mnt/h2k";
  BOOST_TEST(starts(error_of_validate(c), "daemon.yaml: state_dir: /mnt/h2k is inside"));
}

BOOST_AUTO_TEST_CASE(symlinks_are_resolved_where_they_exist) {
  TempDir t;
  const fs::path share = t.path / "share";
  fs::create_directories(share / "queue");
  fs::create_directories(share / "output");
  fs::create_directories(t.path / "local" / "state");
  // The queue reached through a link from outside the share: inside.
  fs::create_directory_symlink(share / "queue", t.path / "queue-link");
  // A folder of the share that links back to local disk: not inside.
  fs::create_directory_symlink(t.path / "local" / "state", share / "state-link");
  auto c = parse(kConverter);
  c.cluster.share_root = share;
  c.watch_dir = t.path / "queue-link";
  c.output_dir = share / "output";
  c.work_dir = t.path / "local" / "work";
  c.state_dir = t.path / "local" / "state";
  BOOST_TEST(error_of_validate(c) == "(no error)");
  c.state_dir = share / "state-link";  // lexically inside, really on local disk
  BOOST_TEST(error_of_validate(c) == "(no error)");
  fs::create_directories(share / "st");
  c.state_dir = t.path / "st-link";
  fs::create_directory_symlink(share / "st", c.state_dir);  // lexically outside, really on the share
  BOOST_TEST(starts(error_of_validate(c), "daemon.yaml: state_dir: "), error_of_validate(c));
  c.state_dir = t.path / "local" / "state";
  c.output_dir = share / "out-link";
  fs::create_directories(t.path / "local" / "out");
  fs::create_directory_symlink(t.path / "local" / "out", c.output_dir);  // the output would be on local disk
  BOOST_TEST(starts(error_of_validate(c), "daemon.yaml: output_dir: "), error_of_validate(c));
}

BOOST_AUTO_TEST_CASE(a_converter_uses_max_concurrent_jobs_as_its_slots) {
  auto c = parse(kConverter);
  c.max_concurrent_jobs = 0;
  BOOST_TEST(starts(error_of_validate(c), "daemon.yaml: max_concurrent_jobs: must be between 1 and 64 on a converter"),
             error_of_validate(c));
  BOOST_TEST(error_of(cluster("  role: converter\n  coordinator: c:1\n  share_root: /mnt/h2k\n") +
                      "max_concurrent_jobs: 65\n") ==
             "daemon.yaml: max_concurrent_jobs: must be between 1 and 64 (got 65)");
}

BOOST_AUTO_TEST_CASE(the_single_host_checks_still_apply) {
  auto c = parse(kConverter);
  c.output_dir = "/mnt/h2k/queue/out";
  BOOST_TEST(starts(error_of_validate(c), "daemon.yaml: output_dir: must not be inside watch_dir"), error_of_validate(c));
}

// --- the example files ------------------------------------------------------

BOOST_AUTO_TEST_CASE(the_four_example_files_parse) {
  const std::vector<std::pair<std::string, NodeRole>> examples{{"coordinator.yaml", NodeRole::Coordinator},
                                                               {"converter.yaml", NodeRole::Converter},
                                                               {"watcher.yaml", NodeRole::Watcher},
                                                               {"exporter.yaml", NodeRole::Exporter}};
  for (auto& [name, role] : examples) {
    const fs::path file = kExamples / name;
    BOOST_TEST_CONTEXT(file) {
      BOOST_REQUIRE(fs::is_regular_file(file));
      DaemonConfig c;
      BOOST_REQUIRE_NO_THROW(c = parse_daemon_config(read_file(file), file));
      BOOST_TEST(c.cluster.enabled);
      BOOST_TEST((c.cluster.roles == std::vector<NodeRole>{role}));
      BOOST_TEST(c.cluster.share_root == fs::path("/mnt/h2k"));
      BOOST_TEST(c.state_dir == fs::path("/var/lib/hyper2kvm/state"));
      BOOST_TEST(c.cluster.tls.enabled());
      BOOST_TEST(c.cluster.tls.ca == fs::path("/etc/hyper2kvm/tls/ca.pem"));
      if (role == NodeRole::Coordinator) BOOST_TEST(c.cluster.listen.port == 4710);
      else BOOST_TEST(c.cluster.coordinator.port == 4710);
    }
  }
}

// With the share, the state folder and the TLS files where the examples
// say (moved into a scratch folder), each one validates: what
// `hyper2kvm --config F --check-config` does on a prepared host.
BOOST_AUTO_TEST_CASE(the_example_files_validate_when_their_paths_exist) {
  for (const char* name : {"coordinator.yaml", "converter.yaml", "watcher.yaml", "exporter.yaml"}) {
    BOOST_TEST_CONTEXT(name) {
      TempDir t;
      std::string text = read_file(kExamples / name);
      text = std::regex_replace(text, std::regex("/mnt/h2k"), (t.path / "mnt/h2k").string());
      text = std::regex_replace(text, std::regex("/etc/hyper2kvm/tls"), (t.path / "tls").string());
      text = std::regex_replace(text, std::regex("/var/lib/hyper2kvm"), (t.path / "local").string());
      fs::create_directories(t.path / "mnt/h2k");
      fs::create_directories(t.path / "tls");
      const std::regex pem(t.path.string() + "/tls/[a-z]+\\.(pem|key)");
      for (auto it = std::sregex_iterator(text.begin(), text.end(), pem); it != std::sregex_iterator(); ++it)
        write_file(it->str(), "PEM");
      const auto file = t.write(name, text);
      BOOST_CHECK_NO_THROW(load_daemon_config(file));
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
