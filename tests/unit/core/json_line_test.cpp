// The children's answer channel: one JSON line per event on stdout.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include "engine/core/json_line.hpp"

using namespace h2k;

namespace {

// What emit_json_line writes to stdout, read through a pipe.
std::string captured_stdout(const nlohmann::json& event) {
  int fds[2];
  BOOST_REQUIRE(pipe(fds) == 0);
  std::fflush(stdout);
  const int saved = dup(STDOUT_FILENO);
  dup2(fds[1], STDOUT_FILENO);
  close(fds[1]);
  std::string error;
  try {
    emit_json_line(event);
  } catch (const std::exception& e) {
    error = e.what();
  }
  dup2(saved, STDOUT_FILENO);
  close(saved);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  close(fds[0]);
  BOOST_TEST(error.empty(), "emit_json_line threw: " << error);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_line)

BOOST_AUTO_TEST_CASE(an_event_is_one_complete_line_the_parent_can_parse) {
  const auto out = captured_stdout({{"event", "result"}, {"reason", "line one\nline two"}});
  BOOST_TEST(out.back() == '\n');
  BOOST_TEST(out.find('\n') == out.size() - 1, "a newline inside a value stays escaped: " << out);
  BOOST_TEST(nlohmann::json::parse(out)["reason"] == "line one\nline two");
}

// A guest's file names are bytes: an error naming one must still reach the
// parent, not throw in the child while it reports.
BOOST_AUTO_TEST_CASE(bytes_that_are_not_utf8_are_replaced_not_thrown) {
  const std::string name = "/etc/fstab.\xff\xfe";
  const auto out = captured_stdout({{"event", "error"}, {"reason", "cannot read " + name}});
  const auto reason = nlohmann::json::parse(out)["reason"].get<std::string>();
  BOOST_TEST(reason.rfind("cannot read /etc/fstab.", 0) == 0);
  BOOST_TEST(reason.find("\xEF\xBF\xBD") != std::string::npos, "U+FFFD in place of the bad bytes");
}

BOOST_AUTO_TEST_SUITE_END()
