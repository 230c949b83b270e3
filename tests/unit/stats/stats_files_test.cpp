// stats.json and metrics.prom on disk: written whole or not at all, read
// back, and a damaged file reported with its path.
#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <atomic>
#include <thread>

#include "actors/stats/stats_files.hpp"
#include "stats_support.hpp"

using namespace h2k;
using namespace h2k::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  BOOST_REQUIRE(::stat(p.c_str(), &st) == 0);
  return st.st_ino;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(stats_files)

BOOST_AUTO_TEST_CASE(writes_both_files_readable_and_leaves_no_temporaries) {
  ScratchDir tmp("stats");
  StatsModel m(kStart);
  play_script(m);
  const fs::path dir = tmp / "state";  // the daemon's state_dir; does not exist yet
  write_stats_files(dir, m.to_json(kNow), m.prometheus(kNow));

  BOOST_TEST(names_in(dir) == (std::vector<std::string>{"metrics.prom", "stats.json"}), boost::test_tools::per_element());
  const std::string text = read_file(dir / "stats.json");
  BOOST_TEST(text.find("\n  \"total_processed\": 3,\n") != std::string::npos);  // indented for people
  BOOST_TEST(json::parse(text) == m.to_json(kNow));
  BOOST_TEST(read_file(dir / "metrics.prom") == m.prometheus(kNow));
  BOOST_TEST(load_stats_file(dir / "stats.json") == m.to_json(kNow));
}

BOOST_AUTO_TEST_CASE(a_rewrite_replaces_the_file_by_rename_so_readers_never_see_half) {
  ScratchDir tmp("stats");
  StatsModel m(kStart);
  write_stats_files(tmp.path(), m.to_json(kStart), m.prometheus(kStart));
  const fs::path file = tmp / "stats.json";
  const ino_t before = inode_of(file);
  const std::string old_text = read_file(file);
  std::ifstream held(file);  // a reader that opened the old file

  play_script(m);
  write_stats_files(tmp.path(), m.to_json(kNow), m.prometheus(kNow));
  // a new inode took the name (rename), the reader's old file is intact
  BOOST_TEST(inode_of(file) != before);
  std::string held_text((std::istreambuf_iterator<char>(held)), std::istreambuf_iterator<char>());
  BOOST_TEST(held_text == old_text);
  BOOST_TEST(json::parse(read_file(file))["total_processed"] == 3);

  // Readers racing with many rewrites always parse a whole document.
  std::atomic<bool> stop{false};
  std::atomic<int> reads{0}, bad{0};
  std::thread reader([&] {
    while (!stop) {
      const std::string t = read_file(file);
      if (!json::accept(t)) ++bad;
      ++reads;
    }
  });
  for (int i = 0; i < 60; ++i) {
    StatsModel big(kStart);
    for (int k = 0; k < 20; ++k) run_job(big, "x" + std::to_string(k), std::string(500, 'a' + k % 26) + ".vmdk", "vmdk", kGiB, k, 1, 1);
    write_stats_files(tmp.path(), big.to_json(kNow + i), big.prometheus(kNow + i));
  }
  stop = true;
  reader.join();
  BOOST_TEST_MESSAGE(reads << " reads during the rewrites");
  BOOST_TEST(reads > 0);
  BOOST_TEST(bad == 0);
  BOOST_TEST(names_in(tmp.path()) == (std::vector<std::string>{"metrics.prom", "stats.json"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(missing_file_is_an_empty_start) {
  ScratchDir tmp("stats");
  BOOST_TEST(load_stats_file(tmp / "stats.json") == json::object());
}

BOOST_AUTO_TEST_CASE(corrupt_or_wrong_shaped_file_is_an_error_naming_the_path) {
  ScratchDir tmp("stats");
  write_file(tmp / "stats.json", "{\"total_processed\": 3, \"by_file_");  // cut short by a crash of another writer
  expect_error([&] { load_stats_file(tmp / "stats.json"); }, ErrorKind::InvalidInput, (tmp / "stats.json").string(),
               "not valid JSON");
  write_file(tmp / "stats.json", "[1, 2]");
  expect_error([&] { load_stats_file(tmp / "stats.json"); }, ErrorKind::InvalidInput, "stats.json", "not an object");
}

BOOST_AUTO_TEST_CASE(unwritable_folder_is_an_error_naming_it) {
  ScratchDir tmp("stats");
  write_file(tmp / "blocker", "a file where the folder should be");
  expect_error([&] { write_stats_files(tmp / "blocker" / ".daemon", json::object(), ""); }, ErrorKind::Io, "blocker",
               "cannot create the statistics folder");
}

BOOST_AUTO_TEST_SUITE_END()
