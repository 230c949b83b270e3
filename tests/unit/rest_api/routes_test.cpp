// rest_routes: each route becomes the control request the socket would get
// for the same thing (validated by the same protocol), or the HTTP error a
// client should see; and control replies map to statuses by their kind.
#include <boost/test/unit_test.hpp>

#include "actors/rest_api/rest_routes.hpp"

using namespace h2k;
using json = nlohmann::json;

namespace {

HttpCall call(std::string method, std::string path, std::string body = "",
              std::multimap<std::string, std::string> params = {}) {
  return HttpCall{std::move(method), std::move(path), std::move(params), std::move(body)};
}

ControlRequest request_of(const Route& r) {
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<ControlRoute>(r), "expected a control route");
  return std::get<ControlRoute>(r).request;
}

HttpError error_of(const Route& r) {
  BOOST_REQUIRE_MESSAGE(std::holds_alternative<HttpError>(r), "expected an HTTP error");
  return std::get<HttpError>(r);
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(rest_routes)

BOOST_AUTO_TEST_CASE(read_routes_map_to_their_commands) {
  BOOST_TEST(std::holds_alternative<HealthRoute>(route_request(call("GET", "/health"))));
  BOOST_TEST(request_of(route_request(call("GET", "/status"))).command == "status");
  BOOST_TEST(request_of(route_request(call("GET", "/nodes"))).command == "nodes");
  auto metrics = route_request(call("GET", "/metrics"));
  BOOST_TEST(request_of(metrics).command == "stats");
  BOOST_TEST(request_of(metrics).args == (json{{"format", "prometheus"}}));
  BOOST_TEST(std::get<ControlRoute>(metrics).metrics_text);
}

BOOST_AUTO_TEST_CASE(job_routes_carry_the_id_and_list_jobs_its_query) {
  auto list = request_of(route_request(call("GET", "/jobs", "", {{"state", "done"}, {"limit", "5"}})));
  BOOST_TEST(list.command == "list-jobs");
  BOOST_TEST(list.args == (json{{"state", "done"}, {"limit", 5}}));
  auto status = request_of(route_request(call("GET", "/jobs/j-000042")));
  BOOST_TEST(status.command == "job-status");
  BOOST_TEST(status.args["job_id"] == "j-000042");
  BOOST_TEST(request_of(route_request(call("DELETE", "/jobs/j-1"))).command == "cancel-job");
  BOOST_TEST(request_of(route_request(call("POST", "/jobs/j-1/retry"))).command == "retry-job");
}

BOOST_AUTO_TEST_CASE(post_jobs_is_queue_job_answered_with_201) {
  auto r = route_request(call("POST", "/jobs", R"({"path": "/share/web01.ova", "priority": "high", "name": "web01"})"));
  auto req = request_of(r);
  BOOST_TEST(req.command == "queue-job");
  BOOST_TEST(req.args == (json{{"path", "/share/web01.ova"}, {"priority", "high"}, {"options", {{"name", "web01"}}}}));
  BOOST_TEST(std::get<ControlRoute>(r).ok_status == 201);
}

BOOST_AUTO_TEST_CASE(arguments_are_validated_like_the_socket_does) {
  // The protocol's own messages, not a second set of rules.
  auto relative = error_of(route_request(call("POST", "/jobs", R"({"path": "web01.ova"})")));
  BOOST_TEST(relative.status == 400);
  BOOST_TEST(contains(relative.message, "absolute"));
  BOOST_TEST(error_of(route_request(call("GET", "/jobs", "", {{"state", "sleeping"}}))).status == 400);
  BOOST_TEST(error_of(route_request(call("GET", "/jobs", "", {{"limit", "ten"}}))).status == 400);
  BOOST_TEST(error_of(route_request(call("GET", "/jobs", "", {{"limit", "0"}}))).status == 400);
  BOOST_TEST(contains(error_of(route_request(call("GET", "/jobs", "", {{"sate", "done"}}))).message, "sate"));
  BOOST_TEST(error_of(route_request(call("GET", "/jobs/bad%20id"))).status == 400);
  BOOST_TEST(contains(error_of(route_request(call("POST", "/jobs", R"({"path": "/a.ova", "prio": "high"})"))).message,
                      "prio"));
}

BOOST_AUTO_TEST_CASE(bad_json_is_400_naming_the_parse_error) {
  auto e = error_of(route_request(call("POST", "/jobs", "{\"path\": ")));
  BOOST_TEST(e.status == 400);
  BOOST_TEST(contains(e.message, "not valid JSON"));
  BOOST_TEST(contains(e.message, "parse error"));
  BOOST_TEST(error_of(route_request(call("POST", "/convert", ""))).status == 400);
}

BOOST_AUTO_TEST_CASE(unknown_paths_are_404_and_wrong_methods_405_with_allow) {
  BOOST_TEST(error_of(route_request(call("GET", "/nope"))).status == 404);
  BOOST_TEST(error_of(route_request(call("GET", "/jobs/j-1/frobnicate"))).status == 404);
  auto e = error_of(route_request(call("PUT", "/jobs")));
  BOOST_TEST(e.status == 405);
  BOOST_TEST(e.allow == "GET, POST");
  BOOST_TEST(error_of(route_request(call("GET", "/jobs/j-1/retry"))).status == 405);
  BOOST_TEST(error_of(route_request(call("POST", "/health"))).status == 405);
  BOOST_TEST(error_of(route_request(call("GET", "/control"))).status == 405);
}

BOOST_AUTO_TEST_CASE(convert_queues_a_share_path_or_a_vsphere_export) {
  auto share = route_request(call("POST", "/convert", R"({"path": "/share/db.vmx"})"));
  BOOST_TEST(request_of(share).command == "queue-job");
  BOOST_TEST(std::get<ControlRoute>(share).ok_status == 201);
  auto vm = route_request(call("POST", "/convert",
                               R"({"vm": "db01", "vcenter": "vc.example:8989", "priority": "high", "insecure": true,
                                   "username": "u", "password": "p"})"));
  BOOST_TEST(request_of(vm).command == "convert-vm");
  BOOST_TEST(std::get<ControlRoute>(vm).ok_status == 201);
  const auto args = request_of(vm).args;
  BOOST_TEST(args.value("vm", "") == "db01");
  BOOST_TEST(args.value("vcenter", "") == "vc.example:8989");
  BOOST_TEST(args.value("priority", "") == "high");
  BOOST_TEST(args.value("insecure", false));
  BOOST_TEST(args.value("password", "") == "p");
  BOOST_TEST(error_of(route_request(call("POST", "/convert", R"({"vm": "db01", "vcenter": "v", "insecure": "yes"})"))).status == 400);
  BOOST_TEST(error_of(route_request(call("POST", "/convert", R"({"vm": "db01", "vcenter": "v", "name": "x"})"))).status == 400);
  BOOST_TEST(error_of(route_request(call("POST", "/convert", R"({"vm": "db01"})"))).status == 400);
  BOOST_TEST(error_of(route_request(call("POST", "/convert", R"({"vm": "db01", "vcenter": "v", "path": "/a"})"))).status == 400);
  BOOST_TEST(error_of(route_request(call("POST", "/convert", R"({})"))).status == 400);
}

BOOST_AUTO_TEST_CASE(raw_control_takes_the_socket_request_and_errors_as_control_replies) {
  auto r = route_request(call("POST", "/control", R"({"command": "list-jobs", "limit": 3})"));
  BOOST_TEST(request_of(r).command == "list-jobs");
  BOOST_TEST(std::get<ControlRoute>(r).raw_reply);
  auto e = error_of(route_request(call("POST", "/control", R"({"command": "self-destruct"})")));
  BOOST_TEST(e.status == 400);
  BOOST_TEST(e.as_control);
  BOOST_TEST(contains(e.message, "self-destruct"));
}

BOOST_AUTO_TEST_CASE(reply_statuses_follow_the_error_kind) {
  BOOST_TEST(status_for_reply(json{{"ok", true}}, 201) == 201);
  BOOST_TEST(status_for_reply(error_reply("job-status: no job x", kErrorNotFound), 200) == 404);
  BOOST_TEST(status_for_reply(error_reply("bad", kErrorInvalid), 200) == 400);
  BOOST_TEST(status_for_reply(error_reply("cancel-job: already done", kErrorConflict), 200) == 409);
  BOOST_TEST(status_for_reply(error_reply("no answer", kErrorUnavailable), 200) == 503);
  BOOST_TEST(status_for_reply(error_reply("rocksdb: IO error"), 200) == 500);
  BOOST_TEST(status_for_reply(json("garbage"), 200) == 500);
}

BOOST_AUTO_TEST_SUITE_END()
