// state_dir: where the daemon keeps its database, stats and control socket.
// An absolute path (not resolved against the config file), kept apart from
// the watched area, the published output and the scratch space.
#include <boost/test/unit_test.hpp>

#include "config_test_support.hpp"

using namespace h2k;
using namespace h2k::test;
namespace fs = std::filesystem;

namespace {

DaemonConfig with_state(const fs::path& state) {
  auto c = default_daemon_config("/srv/h2k");
  c.source_file = "daemon.yaml";
  c.state_dir = state;
  return c;
}

bool starts(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

BOOST_AUTO_TEST_SUITE(daemon_config_state_dir)

BOOST_AUTO_TEST_CASE(defaults_to_the_state_folder_of_the_base_not_the_output) {
  const auto c = parse("output_dir: /mnt/nfs/output\n");
  BOOST_TEST(c.state_dir == fs::path("/var/lib/hyper2kvm/state"));
  BOOST_TEST(c.state_db_path() == fs::path("/var/lib/hyper2kvm/state/state.rocksdb"));
  BOOST_TEST(c.control_socket_path() == fs::path("/var/lib/hyper2kvm/state/control.sock"));
}

BOOST_AUTO_TEST_CASE(an_absolute_path_is_taken_as_given) {
  const auto c = parse("state_dir: /srv/h2k-state/\n");
  BOOST_TEST(c.state_dir == fs::path("/srv/h2k-state"));
  BOOST_TEST(c.state_db_path() == fs::path("/srv/h2k-state/state.rocksdb"));
  BOOST_TEST(c.control_socket_path() == fs::path("/srv/h2k-state/control.sock"));
  BOOST_TEST(c.to_json()["state_dir"] == "/srv/h2k-state");
  BOOST_TEST(c.to_json()["state_db"] == "/srv/h2k-state/state.rocksdb");
  BOOST_TEST(parse("state_dir: /srv/a/../state\n").state_dir == fs::path("/srv/state"));
}

BOOST_AUTO_TEST_CASE(a_relative_path_is_an_error_naming_the_key) {
  // Unlike the other folders, not resolved against the config file's folder.
  BOOST_TEST(error_of("state_dir: state\n") ==
             "daemon.yaml: state_dir: must be an absolute path; it is not resolved against the config file's "
             "folder (got 'state')");
  BOOST_TEST(error_of("state_dir: ./var/state\n") ==
             "daemon.yaml: state_dir: must be an absolute path; it is not resolved against the config file's "
             "folder (got './var/state')");
  BOOST_TEST(error_of("state_dir: ~/state\n") ==
             "daemon.yaml: state_dir: '~' is not expanded; write the full path (got '~/state')");
  BOOST_TEST(error_of("state_dir: \"\"\n") == "daemon.yaml: state_dir: must not be empty");
  BOOST_TEST(error_of("state_dir: [a]\n") == "daemon.yaml: state_dir: expected a string, got a list");
  // A key given with no value keeps its default, as for every key.
  BOOST_TEST(parse("state_dir:\n").state_dir == fs::path("/var/lib/hyper2kvm/state"));
}

BOOST_AUTO_TEST_CASE(a_misspelt_key_is_caught) {
  BOOST_TEST(error_of("state_dri: /s\n") == "daemon.yaml: state_dri: unknown key (did you mean state_dir?)");
}

BOOST_AUTO_TEST_CASE(separate_or_hidden_in_output_is_fine) {
  BOOST_TEST(error_of_validate(with_state("/var/lib/hyper2kvm/state")) == "(no error)");
  // The old layout, chosen on purpose (a single host with a local output_dir).
  BOOST_TEST(error_of_validate(with_state("/srv/h2k/output/.daemon")) == "(no error)");
  BOOST_TEST(error_of_validate(with_state("/srv/h2k/queue/.state")) == "(no error)");
}

BOOST_AUTO_TEST_CASE(folder_relations_are_checked) {
  BOOST_TEST(error_of_validate(with_state("/srv/h2k/queue")) ==
             "daemon.yaml: state_dir: must differ from watch_dir (/srv/h2k/queue)");
  BOOST_TEST(error_of_validate(with_state("/srv/h2k/output/")) ==
             "daemon.yaml: state_dir: must differ from output_dir (/srv/h2k/output)");
  const auto in_queue = error_of_validate(with_state("/srv/h2k/queue/state"));
  BOOST_TEST(starts(in_queue, "daemon.yaml: state_dir: must not be inside watch_dir (/srv/h2k/queue)"), in_queue);
  BOOST_TEST(error_of_validate(with_state("/srv/h2k/output/state")) ==
             "daemon.yaml: state_dir: must not be inside output_dir (/srv/h2k/output) unless in a hidden folder: "
             "every folder there is a published VM");
  BOOST_TEST(error_of_validate(with_state("/srv/h2k/work/state")) ==
             "daemon.yaml: state_dir: must not be inside work_dir (/srv/h2k/work): it holds scratch files the daemon "
             "deletes");
  BOOST_TEST(error_of_validate(with_state("/srv/h2k/work")) ==
             "daemon.yaml: state_dir: must not be inside work_dir (/srv/h2k/work): it holds scratch files the daemon "
             "deletes");
  BOOST_TEST(error_of_validate(with_state("relative/state")) ==
             "daemon.yaml: state_dir: must be an absolute path (got 'relative/state')");
}

BOOST_AUTO_TEST_CASE(a_file_with_state_dir_loads_and_validates) {
  TempDir t;
  const auto file = t.write("daemon.yaml", "watch_dir: " + (t.path / "q").string() + "\noutput_dir: " +
                                                (t.path / "o").string() + "\nwork_dir: " + (t.path / "w").string() +
                                                "\nstate_dir: " + (t.path / "s").string() + "\n");
  DaemonConfig c;
  BOOST_REQUIRE_NO_THROW(c = load_daemon_config(file));
  BOOST_TEST(c.state_dir == t.path / "s");
}

BOOST_AUTO_TEST_SUITE_END()
