// parse_control_request: every command accepted with its arguments, every
// kind of bad request rejected with a message naming the command and the
// argument at fault.
#include <boost/test/unit_test.hpp>

#include "actors/control_protocol/control_protocol.hpp"

using namespace h2k;
using json = nlohmann::json;

namespace {

ControlRequest accepted(const std::string& line) {
  auto parsed = parse_control_request(line);
  if (auto* err = std::get_if<ProtocolError>(&parsed)) BOOST_FAIL("rejected " << line << ": " << err->message);
  return std::get<ControlRequest>(parsed);
}

std::string rejected(const std::string& line) {
  auto parsed = parse_control_request(line);
  if (auto* req = std::get_if<ControlRequest>(&parsed)) BOOST_FAIL("accepted " << line << " as " << req->command);
  return std::get<ProtocolError>(parsed).message;
}

// The error names the command and the argument (as a user would look for them).
void expect_rejected(const json& request, const std::string& command, const std::string& argument,
                     const std::string& reason_part = "") {
  const std::string message = rejected(request.dump());
  BOOST_TEST_INFO("request " << request.dump() << " -> " << message);
  BOOST_TEST(message.find(command + ":") == 0u);
  BOOST_TEST(message.find("'" + argument + "'") != std::string::npos);
  if (!reason_part.empty()) BOOST_TEST(message.find(reason_part) != std::string::npos);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(control_protocol)

BOOST_AUTO_TEST_CASE(lists_exactly_the_seventeen_commands) {
  const std::vector<std::string> expected{"status",     "stats",      "pause",        "resume",    "drain",
                                          "stop",       "queue-job",  "list-jobs",    "job-status", "job-log",
                                          "convert-vm", "cancel-job", "set-priority", "retry-job", "nodes",
                                          "drain-node", "undrain-node"};
  BOOST_TEST(control_commands() == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(error_reply_is_ok_false_with_the_message) {
  BOOST_TEST(error_reply("queue-job: argument 'path' is required") ==
             (json{{"ok", false}, {"error", "queue-job: argument 'path' is required"}}));
}

BOOST_AUTO_TEST_CASE(commands_without_arguments_are_accepted_with_empty_args) {
  for (const char* command : {"status", "stats", "pause", "resume", "drain", "stop", "list-jobs"}) {
    ControlRequest r = accepted(json{{"command", command}}.dump());
    BOOST_TEST(r.command == command);
    BOOST_TEST(r.args == json::object());
  }
}

BOOST_AUTO_TEST_CASE(commands_without_arguments_reject_any_argument) {
  for (const char* command : {"status", "pause", "resume", "drain", "stop"})
    expect_rejected({{"command", command}, {"verbose", true}}, command, "verbose", "unknown argument");
}

BOOST_AUTO_TEST_CASE(stats_takes_an_optional_format) {
  BOOST_TEST(accepted(R"({"command":"stats","format":"json"})").args == (json{{"format", "json"}}));
  BOOST_TEST(accepted(R"({"command":"stats","format":"prometheus"})").args == (json{{"format", "prometheus"}}));
  expect_rejected({{"command", "stats"}, {"format", "xml"}}, "stats", "format", "json, prometheus");
  expect_rejected({{"command", "stats"}, {"format", 1}}, "stats", "format");
}

BOOST_AUTO_TEST_CASE(queue_job_keeps_all_its_arguments) {
  ControlRequest r = accepted(
      R"({"command":"queue-job","path":"/srv/queue/web01.ova","priority":"high","options":{"name":"web01"}})");
  BOOST_TEST(r.command == "queue-job");
  BOOST_TEST(r.args == (json{{"path", "/srv/queue/web01.ova"}, {"priority", "high"}, {"options", {{"name", "web01"}}}}));
  // Optional ones that are not given stay absent (the daemon picks the defaults).
  BOOST_TEST(accepted(R"({"command":"queue-job","path":"/a.vmdk"})").args == (json{{"path", "/a.vmdk"}}));
}

BOOST_AUTO_TEST_CASE(queue_job_rejects_bad_paths) {
  expect_rejected({{"command", "queue-job"}}, "queue-job", "path", "required");
  expect_rejected({{"command", "queue-job"}, {"path", 7}}, "queue-job", "path", "string");
  expect_rejected({{"command", "queue-job"}, {"path", "web01.ova"}}, "queue-job", "path", "absolute");
  expect_rejected({{"command", "queue-job"}, {"path", ""}}, "queue-job", "path", "absolute");
  expect_rejected({{"command", "queue-job"}, {"path", std::string("/a\0b", 4)}}, "queue-job", "path", "NUL");
}

BOOST_AUTO_TEST_CASE(queue_job_rejects_bad_priority_and_options) {
  expect_rejected({{"command", "queue-job"}, {"path", "/a.ova"}, {"priority", "urgent"}}, "queue-job", "priority",
                  "low, normal, high");
  expect_rejected({{"command", "queue-job"}, {"path", "/a.ova"}, {"priority", 3}}, "queue-job", "priority");
  expect_rejected({{"command", "queue-job"}, {"path", "/a.ova"}, {"options", "web01"}}, "queue-job", "options",
                  "object");
  expect_rejected({{"command", "queue-job"}, {"path", "/a.ova"}, {"options", {{"format", "raw"}}}}, "queue-job",
                  "options", "unknown option 'format'");
  for (const json& bad_name : {json(""), json(".."), json("a/b"), json("tab\there"), json(42)})
    expect_rejected({{"command", "queue-job"}, {"path", "/a.ova"}, {"options", {{"name", bad_name}}}}, "queue-job",
                    "options", "name");
  expect_rejected({{"command", "queue-job"}, {"path", "/a.ova"}, {"prio", "high"}}, "queue-job", "prio",
                  "unknown argument");
}

BOOST_AUTO_TEST_CASE(list_jobs_takes_state_and_limit) {
  for (const char* state : {"queued", "running", "retry_wait", "done", "failed", "cancelled"})
    BOOST_TEST(accepted(json{{"command", "list-jobs"}, {"state", state}}.dump()).args.at("state") == state);
  BOOST_TEST(accepted(R"({"command":"list-jobs","limit":1})").args.at("limit") == 1);
  BOOST_TEST(accepted(R"({"command":"list-jobs","limit":10000})").args.at("limit") == 10000);
  expect_rejected({{"command", "list-jobs"}, {"state", "paused"}}, "list-jobs", "state", "retry_wait");
  expect_rejected({{"command", "list-jobs"}, {"state", nullptr}}, "list-jobs", "state");
  for (const json& bad_limit : {json(0), json(-5), json(10001), json(2.5), json("10"), json(true)})
    expect_rejected({{"command", "list-jobs"}, {"limit", bad_limit}}, "list-jobs", "limit", "1 to 10000");
}

BOOST_AUTO_TEST_CASE(job_commands_require_a_valid_job_id) {
  for (const char* command : {"job-status", "cancel-job", "retry-job"}) {
    BOOST_TEST(accepted(json{{"command", command}, {"job_id", "j-20260117.0001_a"}}.dump()).args ==
               (json{{"job_id", "j-20260117.0001_a"}}));
    expect_rejected({{"command", command}}, command, "job_id", "required");
    expect_rejected({{"command", command}, {"job_id", 17}}, command, "job_id", "string");
    expect_rejected({{"command", command}, {"job_id", ""}}, command, "job_id");
    expect_rejected({{"command", command}, {"job_id", "../etc"}}, command, "job_id", "[A-Za-z0-9._-]");
    expect_rejected({{"command", command}, {"job_id", std::string(129, 'a')}}, command, "job_id");
  }
  BOOST_TEST(accepted(json{{"command", "job-status"}, {"job_id", std::string(128, 'a')}}.dump()).command ==
             "job-status");
}

BOOST_AUTO_TEST_CASE(set_priority_requires_job_id_and_priority) {
  BOOST_TEST(accepted(R"({"command":"set-priority","job_id":"j1","priority":"low"})").args ==
             (json{{"job_id", "j1"}, {"priority", "low"}}));
  expect_rejected({{"command", "set-priority"}, {"job_id", "j1"}}, "set-priority", "priority", "required");
  expect_rejected({{"command", "set-priority"}, {"priority", "low"}}, "set-priority", "job_id", "required");
  expect_rejected({{"command", "set-priority"}, {"job_id", "j1"}, {"priority", "HIGH"}}, "set-priority", "priority");
}

BOOST_AUTO_TEST_CASE(malformed_requests_are_rejected_with_the_reason) {
  BOOST_TEST(rejected("{\"command\": \"status\"").find("not valid JSON") != std::string::npos);
  BOOST_TEST(rejected("hello").find("not valid JSON") != std::string::npos);
  BOOST_TEST(rejected("[\"status\"]").find("must be a JSON object") != std::string::npos);
  BOOST_TEST(rejected("{}").find("no \"command\"") != std::string::npos);
  BOOST_TEST(rejected(R"({"command": 5})").find("\"command\" must be a string") != std::string::npos);
  // Invalid UTF-8 inside a string is not JSON.
  BOOST_TEST(rejected("{\"command\": \"stat\xff\"}").find("not valid JSON") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(unknown_commands_are_named_and_the_known_ones_listed) {
  const std::string message = rejected(R"({"command":"reboot"})");
  BOOST_TEST(message.find("unknown command \"reboot\"") != std::string::npos, message);
  BOOST_TEST(message.find("queue-job") != std::string::npos, message);
  BOOST_TEST(rejected(R"({"command":"STATUS"})").find("unknown command") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_rejected_password_is_never_shown_back) {
  auto r = parse_control_request(R"({"command":"convert-vm","vm":"web01","vcenter":"vc","password":["hunter2-secret"]})");
  BOOST_REQUIRE(std::holds_alternative<ProtocolError>(r));
  const auto& message = std::get<ProtocolError>(r).message;
  BOOST_TEST(message.find("password") != std::string::npos);
  BOOST_TEST(message.find("hunter2") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(huge_values_are_shortened_in_error_messages) {
  const std::string message = rejected(json{{"command", "queue-job"}, {"path", std::string(50000, 'x')}}.dump());
  BOOST_TEST(message.size() < 300u, message.size());
}

BOOST_AUTO_TEST_SUITE_END()
