#include <boost/test/unit_test.hpp>

#include <fstream>
#include <regex>
#include <set>

#include "tests/unit/support/test_paths.hpp"
#include "config_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

namespace {

const fs::path kExample = fs::path(H2K_SOURCE_DIR) / "cluster-config" / "daemon.yaml";

// Leaf key paths of a JSON object ("retry_policy.max_retries"); empty objects are leaves.
void leaves(const nlohmann::json& j, const std::string& prefix, std::set<std::string>& out) {
  for (auto& [k, v] : j.items()) {
    const std::string path = prefix.empty() ? k : prefix + "." + k;
    if (v.is_object() && !v.empty()) leaves(v, path, out);
    else out.insert(path);
  }
}

// Key paths set in the example file, read from its indentation (the file is
// plain block-style YAML: two spaces per level, comments after '#').
std::set<std::string> example_keys() {
  std::ifstream in(kExample);
  std::set<std::string> keys;
  std::vector<std::string> stack;  // key per level
  const std::regex line_re(R"(^( *)([a-z_0-9]+):(.*)$)");
  std::string line;
  while (std::getline(in, line)) {
    std::smatch m;
    if (!std::regex_match(line, m, line_re)) continue;
    const std::size_t level = m[1].length() / 2;
    stack.resize(level);
    stack.push_back(m[2]);
    std::string path;
    for (auto& s : stack) path += (path.empty() ? "" : ".") + s;
    std::string rest = m[3];
    rest = rest.substr(0, rest.find('#'));
    if (rest.find_first_not_of(' ') != std::string::npos) keys.insert(path);  // has a value: a leaf
  }
  return keys;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_config_defaults)

BOOST_AUTO_TEST_CASE(no_file_at_all_gives_the_documented_defaults) {
  const auto c = default_daemon_config();
  BOOST_TEST(c.watch_dir == fs::path("/var/lib/hyper2kvm/queue"));
  BOOST_TEST(c.output_dir == fs::path("/var/lib/hyper2kvm/output"));
  BOOST_TEST(c.work_dir == fs::path("/var/lib/hyper2kvm/work"));
  BOOST_TEST(c.state_dir == fs::path("/var/lib/hyper2kvm/state"));
  BOOST_TEST(c.state_db_path() == fs::path("/var/lib/hyper2kvm/state/state.rocksdb"));
  BOOST_TEST(c.control_socket_path() == fs::path("/var/lib/hyper2kvm/state/control.sock"));
  BOOST_TEST(c.max_concurrent_jobs == 2);
  BOOST_TEST(c.file_stable_timeout.count() == 30'000);
  BOOST_TEST(c.job_stall_timeout.count() == 900'000);
  BOOST_TEST(c.enable_deduplication);
  BOOST_TEST(c.deduplication_method == DedupMethod::NameAndSize);
  BOOST_TEST(c.archive_processed);
  BOOST_TEST(c.retry_policy.enabled);
  BOOST_TEST(c.retry_policy.max_retries == 3);
  BOOST_TEST(c.retry_policy.retry_delay.count() == 300'000);
  BOOST_TEST(c.retry_policy.backoff_multiplier == 2.0);
  BOOST_TEST(!c.notifications.enabled);
  BOOST_TEST(c.log_file.empty());
  BOOST_TEST((c.conversion.output_format == OutputFormat::Qcow2));
  BOOST_TEST((c.conversion.vmware_tools == VmwareToolsAction::Remove));
  BOOST_TEST(c.conversion.libguestfs.backend == "direct");
  BOOST_TEST(c.conversion.libguestfs.launch_timeout_s == 600);
  BOOST_TEST(!c.conversion.verify_boot);  // off: it costs a boot per job
  BOOST_TEST(c.conversion.verify_boot_timeout_s == 300);
  BOOST_TEST((c.conversion.verify_boot_accel == AccelChoice::Auto));
  BOOST_CHECK_NO_THROW(c.validate());
}

BOOST_AUTO_TEST_CASE(the_base_folder_is_a_parameter) {
  const auto c = default_daemon_config("/srv/h2k/");
  BOOST_TEST(c.watch_dir == fs::path("/srv/h2k/queue"));
  BOOST_TEST(c.output_dir == fs::path("/srv/h2k/output"));
  BOOST_TEST(c.work_dir == fs::path("/srv/h2k/work"));
  BOOST_TEST(c.state_dir == fs::path("/srv/h2k/state"));
  // A file that sets only some folders keeps the others under the base.
  const auto p = parse_daemon_config("output_dir: /data/out\n", "daemon.yaml", "/srv/h2k");
  BOOST_TEST(p.output_dir == fs::path("/data/out"));
  BOOST_TEST(p.watch_dir == fs::path("/srv/h2k/queue"));
}

BOOST_AUTO_TEST_CASE(an_empty_file_is_all_defaults) {
  for (const char* text : {"", "# only a comment\n", "---\n"}) {
    auto parsed = parse(text).to_json();
    auto defaults = default_daemon_config().to_json();
    BOOST_TEST(parsed["config_file"] == "daemon.yaml");
    parsed.erase("config_file");
    defaults.erase("config_file");
    BOOST_TEST(parsed == defaults, "text: '" << text << "'");
  }
}

BOOST_AUTO_TEST_CASE(the_example_file_loads_and_validates) {
  DaemonConfig c;
  BOOST_REQUIRE_NO_THROW(c = load_daemon_config(kExample));
  BOOST_TEST(c.source_file == kExample);
}

BOOST_AUTO_TEST_CASE(every_value_in_the_example_is_the_default) {
  auto example = load_daemon_config(kExample).to_json();
  auto defaults = default_daemon_config().to_json();
  example.erase("config_file");
  defaults.erase("config_file");
  BOOST_TEST(example.dump(2) == defaults.dump(2));
}

BOOST_AUTO_TEST_CASE(the_example_sets_every_key_the_daemon_knows) {
  std::set<std::string> known;
  leaves(default_daemon_config().to_json(), "", known);
  known.erase("config_file");  // reported, not configured
  known.erase("state_db");
  known.insert({"command", "daemon", "deduplication_use_md5"});  // read, not reported
  const auto in_example = example_keys();
  for (auto& k : known) BOOST_TEST(in_example.count(k) == 1u, "example lacks " << k);
  for (auto& k : in_example) BOOST_TEST(known.count(k) == 1u, "example has extra " << k);
}

BOOST_AUTO_TEST_SUITE_END()
