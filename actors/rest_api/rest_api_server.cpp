#include "actors/rest_api/rest_api_server.hpp"

#include <httplib.h>

#include "actors/rest_api/rest_routes.hpp"

namespace h2k {
namespace {

using json = nlohmann::json;

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n", "application/json");
}

std::string listen_text(const RestApiOptions& o) {
  const bool v6 = o.host.find(':') != std::string::npos;
  return (v6 ? "[" + o.host + "]" : o.host) + ":" + std::to_string(o.port);
}

// Messages for the statuses httplib answers by itself (413, 400, ...).
std::string status_message(int status, std::size_t max_body) {
  switch (status) {
    case 413: return "request body larger than " + std::to_string(max_body) + " bytes";
    case 400: return "malformed HTTP request";
    case 414: return "request URI too long";
    case 416: return "range not satisfiable";
    default: return "HTTP " + std::to_string(status);
  }
}

}  // namespace

RestApiServer::RestApiServer(RestApiOptions options, ControlHandler handler, std::function<void(const std::string&)> log)
    : options_(std::move(options)), handler_(std::move(handler)), log_(std::move(log)) {}

RestApiServer::~RestApiServer() { stop(); }

void RestApiServer::log(const std::string& line) const {
  if (log_) log_(line);
}

bool RestApiServer::authorized(const httplib::Request& req) const {
  if (!token_) return true;
  return token_->accepts(req.get_header_value("Authorization"));
}

void RestApiServer::start() {
  if (started_) throw std::logic_error("RestApiServer::start called twice");
  started_ = true;
  if (!options_.token_file.empty()) token_ = BearerToken::from_file(options_.token_file);

  server_ = std::make_unique<httplib::Server>();
  const std::size_t threads = options_.threads == 0 ? 1 : options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_read_timeout(static_cast<time_t>(options_.timeout.count()), 0);
  server_->set_write_timeout(static_cast<time_t>(options_.timeout.count()), 0);
  server_->set_keep_alive_timeout(5);
  server_->set_payload_max_length(options_.max_body_bytes);
  // Every route is dispatched by route_request, so an unknown path (404) and
  // a known path with the wrong method (405) are told apart in one place.
  auto handle = [this](const httplib::Request& req, httplib::Response& res) { this->handle(req, res); };
  const std::string any = "/.*";
  server_->Get(any, handle);
  server_->Post(any, handle);
  server_->Put(any, handle);
  server_->Patch(any, handle);
  server_->Delete(any, handle);
  server_->Options(any, handle);
  const std::size_t max_body = options_.max_body_bytes;
  // Statuses httplib sets itself (413 over max_body_bytes, 400 for a
  // malformed request line) get a JSON body like ours.
  server_->set_error_handler([max_body](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    // httplib refuses a POST/PUT/PATCH without a length (`curl -X POST URL`)
    // as a bare 400; say what is missing.
    const bool needs_length = req.method == "POST" || req.method == "PUT" || req.method == "PATCH";
    if (res.status == 400 && needs_length && !req.has_header("Content-Length") && !req.has_header("Transfer-Encoding"))
      return send_json(res, 411, error_body(req.method + " needs a Content-Length header (an empty body is fine: curl -d '')"));
    send_json(res, res.status, error_body(status_message(res.status, max_body)));
  });
  server_->set_exception_handler([this](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    log("rest api: " + req.method + " " + req.path + " failed: " + what);
    send_json(res, 500, error_body("internal error"));
  });

  if (!server_->bind_to_port(options_.host, options_.port))
    throw RestApiBindError("cannot listen on " + options_.listen_key + " " + listen_text(options_) +
                           " (address in use, or not an address of this host)");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
}

void RestApiServer::stop() {
  if (stopped_ || !started_) return;
  stopped_ = true;
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

void RestApiServer::handle(const httplib::Request& req, httplib::Response& res) {
  HttpCall call{req.method, req.path, {}, req.body};
  for (const auto& [key, value] : req.params) call.params.emplace(key, value);
  Route route = route_request(call);

  if (std::holds_alternative<HealthRoute>(route)) return send_json(res, 200, {{"status", "ok"}});
  if (!authorized(req)) {
    // The header is not logged: it may hold a near-miss of the real token.
    log("rest api: refused " + req.method + " " + req.path + " from " + req.remote_addr +
        (req.has_header("Authorization") ? ": wrong token" : ": no token"));
    res.set_header("WWW-Authenticate", "Bearer");
    return send_json(res, 401, error_body("a valid 'Authorization: Bearer <token>' header is required (api.token_file)"));
  }
  if (auto* e = std::get_if<HttpError>(&route)) {
    if (!e->allow.empty()) res.set_header("Allow", e->allow);
    return send_json(res, e->status, e->as_control ? error_reply(e->message) : error_body(e->message));
  }
  const auto& call_route = std::get<ControlRoute>(route);
  json reply;
  try {
    reply = handler_(call_route.request);
  } catch (const std::exception& e) {
    log("rest api: " + call_route.request.command + " failed: " + e.what());
    reply = error_reply(call_route.request.command + ": " + e.what());
  }
  const int status = status_for_reply(reply, call_route.ok_status);
  if (call_route.raw_reply) return send_json(res, status, reply);
  if (status >= 400) return send_json(res, status, error_body(reply.value("error", std::string("the daemon failed"))));
  if (call_route.metrics_text) {
    res.status = 200;
    res.set_content(reply.value("metrics", std::string()), "text/plain; version=0.0.4; charset=utf-8");
    return;
  }
  reply.erase("ok");  // the status says it
  send_json(res, status, reply);
}

}  // namespace h2k
