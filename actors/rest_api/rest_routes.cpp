#include "actors/rest_api/rest_routes.hpp"

#include <optional>
#include <vector>

#include "actors/rest_api/convert_request.hpp"

namespace h2k {
namespace {

using json = nlohmann::json;

std::vector<std::string> segments(const std::string& path) {
  std::vector<std::string> out;
  std::size_t start = 1;  // after the leading '/'
  while (start <= path.size()) {
    std::size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  if (out.size() > 1 && out.back().empty()) out.pop_back();  // "/jobs/" is "/jobs"
  return out;
}

HttpError bad_request(std::string message) { return HttpError{400, std::move(message), "", false}; }

HttpError wrong_method(const HttpCall& call, std::string allow) {
  return HttpError{405, call.method + " is not allowed on " + call.path + " (allowed: " + allow + ")", allow};
}

// The control request for `command` with `args`, validated like a socket line.
Route control(const std::string& command, json args, int ok_status = 200) {
  args["command"] = command;
  auto parsed = parse_control_request(args.dump());
  if (auto* e = std::get_if<ProtocolError>(&parsed)) return bad_request(e->message);
  return ControlRoute{std::get<ControlRequest>(std::move(parsed)), ok_status};
}

std::variant<json, HttpError> json_body(const HttpCall& call) {
  if (call.body.empty()) return bad_request("the request needs a JSON body");
  try {
    return json::parse(call.body);
  } catch (const json::parse_error& e) {
    return bad_request(std::string("the body is not valid JSON: ") + e.what());
  }
}

Route list_jobs(const HttpCall& call) {
  json args = json::object();
  for (const auto& [key, value] : call.params) {
    if (key == "state") {
      args["state"] = value;
    } else if (key == "limit") {
      std::size_t used = 0;
      long long n = 0;
      try {
        n = std::stoll(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != value.size()) return bad_request("limit must be an integer from 1 to 10000 (got '" + value + "')");
      args["limit"] = n;
    } else {
      return bad_request("unknown query parameter '" + key + "' (known: state, limit)");
    }
  }
  return control("list-jobs", std::move(args));
}

Route queue_job(const HttpCall& call) {
  auto body = json_body(call);
  if (auto* e = std::get_if<HttpError>(&body)) return *e;
  auto args = queue_args_from_body(std::get<json>(body));
  if (auto* e = std::get_if<ConvertParseError>(&args)) return bad_request(e->message);
  return control("queue-job", std::get<json>(std::move(args)), 201);
}

// A vSphere VM: the daemon's export slots export it, then it is converted
// like any job (the same convert-vm command as hyperctl convert --vm).
Route vsphere_convert(const VsphereConvert& v) { return control("convert-vm", v.args, 201); }

Route convert(const HttpCall& call) {
  auto body = json_body(call);
  if (auto* e = std::get_if<HttpError>(&body)) return *e;
  auto parsed = parse_convert_request(std::get<json>(body));
  if (auto* e = std::get_if<ConvertParseError>(&parsed)) return bad_request(e->message);
  if (auto* v = std::get_if<VsphereConvert>(&parsed)) return vsphere_convert(*v);
  return control("queue-job", std::get<ShareConvert>(std::move(parsed)).queue_args, 201);
}

Route raw_control(const HttpCall& call) {
  auto parsed = parse_control_request(call.body);
  if (auto* e = std::get_if<ProtocolError>(&parsed)) return HttpError{400, e->message, "", true};
  return ControlRoute{std::get<ControlRequest>(std::move(parsed)), 200, false, true};
}

}  // namespace

Route route_request(const HttpCall& call) {
  const auto seg = segments(call.path);
  const std::string& m = call.method;
  // Routes without a query take none: a typo'd parameter is not ignored.
  auto no_query = [&]() -> std::optional<HttpError> {
    if (call.params.empty()) return std::nullopt;
    return bad_request(call.path + " takes no query parameters (got '" + call.params.begin()->first + "')");
  };
  auto simple = [&](const char* command) -> Route {
    if (m != "GET") return wrong_method(call, "GET");
    if (auto e = no_query()) return *e;
    return control(command, json::object());
  };

  if (seg.size() == 1) {
    const std::string& s = seg[0];
    if (s == "health") {
      if (m != "GET") return wrong_method(call, "GET");
      return HealthRoute{};
    }
    if (s == "status") return simple("status");
    if (s == "nodes") return simple("nodes");
    if (s == "metrics") {
      if (m != "GET") return wrong_method(call, "GET");
      if (auto e = no_query()) return *e;
      Route r = control("stats", {{"format", "prometheus"}});
      std::get<ControlRoute>(r).metrics_text = true;
      return r;
    }
    if (s == "jobs") {
      if (m == "GET") return list_jobs(call);
      if (m == "POST") return queue_job(call);
      return wrong_method(call, "GET, POST");
    }
    if (s == "convert") {
      if (m != "POST") return wrong_method(call, "POST");
      return convert(call);
    }
    if (s == "control") {
      if (m != "POST") return wrong_method(call, "POST");
      return raw_control(call);
    }
  }
  if (seg.size() == 2 && seg[0] == "jobs" && !seg[1].empty()) {
    if (auto e = no_query()) return *e;
    if (m == "GET") return control("job-status", {{"job_id", seg[1]}});
    if (m == "DELETE") return control("cancel-job", {{"job_id", seg[1]}});
    return wrong_method(call, "GET, DELETE");
  }
  if (seg.size() == 3 && seg[0] == "jobs" && !seg[1].empty() && seg[2] == "retry") {
    if (m != "POST") return wrong_method(call, "POST");
    if (auto e = no_query()) return *e;
    return control("retry-job", {{"job_id", seg[1]}});
  }
  return HttpError{404, "no route " + call.path +
                            " (routes: /health, /status, /nodes, /jobs, /jobs/{id}, /jobs/{id}/retry, /convert, "
                            "/metrics, /control)",
                   "", false};
}

int status_for_reply(const json& reply, int ok_status) {
  if (reply.is_object() && reply.value("ok", false) == true) return ok_status;
  const std::string kind = reply.is_object() ? reply.value("error_kind", std::string()) : std::string();
  if (kind == kErrorInvalid) return 400;
  if (kind == kErrorNotFound) return 404;
  if (kind == kErrorConflict) return 409;
  if (kind == kErrorUnavailable) return 503;
  return 500;
}

json error_body(const std::string& message) { return json{{"error", message}}; }

}  // namespace h2k
