#include "engine/vsphere/vsphere_session.hpp"

#include <charconv>
#include <memory>

namespace h2k::vsphere {
namespace {

using CurlHandle = std::unique_ptr<CURL, decltype(&curl_easy_cleanup)>;
using HeaderList = std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)>;

constexpr const char* kCookieName = "vmware_soap_session";

// curl_global_init is not thread-safe before first use; a function-local
// static makes the one call happen once.
void ensure_curl_initialized() {
  static const bool done = [] { return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; }();
  (void)done;
}

struct Capture {
  std::string body;
  std::string cookie;
  std::size_t limit = 0;
  bool too_large = false;
};

std::size_t on_body(char* data, std::size_t size, std::size_t count, void* user) {
  auto* c = static_cast<Capture*>(user);
  const std::size_t n = size * count;
  if (c->body.size() + n > c->limit) {
    c->too_large = true;
    return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  c->body.append(data, n);
  return n;
}

// Keeps "vmware_soap_session=VALUE" from a Set-Cookie header (quoted on
// vCenter, plain on vcsim; attributes dropped).
std::size_t on_header(char* data, std::size_t size, std::size_t count, void* user) {
  auto* c = static_cast<Capture*>(user);
  const std::size_t n = size * count;
  std::string_view line(data, n);
  constexpr std::string_view kSetCookie = "set-cookie:";
  if (line.size() > kSetCookie.size()) {
    std::string head(line.substr(0, kSetCookie.size()));
    for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (head == kSetCookie) {
      std::string_view v = line.substr(kSetCookie.size());
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      const std::string_view name = std::string_view(kCookieName);
      if (v.substr(0, name.size() + 1) == std::string(name) + "=") {
        const auto end = v.find_first_of(";\r\n");
        c->cookie = std::string(v.substr(0, end));
      }
    }
  }
  return n;
}

}  // namespace

// ---- Endpoint -------------------------------------------------------------

Endpoint parse_endpoint(std::string_view host_port, TlsPolicy tls) {
  std::string_view s = host_port;
  const std::string original(host_port);
  if (s.substr(0, 8) == "https://") s.remove_prefix(8);
  if (s.size() >= 4 && s.substr(s.size() - 4) == "/sdk") s.remove_suffix(4);
  if (!s.empty() && s.back() == '/') s.remove_suffix(1);
  Endpoint e;
  std::string_view port_text;
  if (!s.empty() && s.front() == '[') {
    const auto close = s.find(']');
    if (close == std::string_view::npos)
      throw std::invalid_argument("vCenter address '" + original + "': no ']' after the IPv6 address");
    e.host = std::string(s.substr(1, close - 1));
    std::string_view rest = s.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        throw std::invalid_argument("vCenter address '" + original + "': expected ':PORT' after ']'");
      port_text = rest.substr(1);
      if (port_text.empty()) throw std::invalid_argument("vCenter address '" + original + "': empty port after ':'");
    }
  } else {
    const auto colon = s.rfind(':');
    if (colon != std::string_view::npos && s.find(':') == colon) {
      e.host = std::string(s.substr(0, colon));
      port_text = s.substr(colon + 1);
      if (port_text.empty()) throw std::invalid_argument("vCenter address '" + original + "': empty port after ':'");
    } else {
      e.host = std::string(s);  // a bare IPv6 address has several ':' and no port
    }
  }
  if (e.host.empty()) throw std::invalid_argument("vCenter address '" + original + "': no host (expected HOST[:PORT])");
  if (e.host.find_first_of("/ @?#") != std::string::npos)
    throw std::invalid_argument("vCenter address '" + original + "': expected HOST[:PORT], not a URL with a path or user");
  if (!port_text.empty()) {
    int port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535)
      throw std::invalid_argument("vCenter address '" + original + "': port '" + std::string(port_text) +
                                  "' is not a number from 1 to 65535");
    e.port = port;
  }
  if (!tls.thumbprint.empty()) tls.thumbprint = normalize_thumbprint(tls.thumbprint);
  e.tls = std::move(tls);
  return e;
}

std::string authority(const Endpoint& endpoint) {
  std::string host = endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
  return endpoint.port == 443 ? host : host + ":" + std::to_string(endpoint.port);
}

std::string device_url_for(std::string_view device_url, const Endpoint& endpoint) {
  constexpr std::string_view kStar = "https://*/";
  constexpr std::string_view kStarPort = "https://*:";
  if (device_url.substr(0, kStar.size()) == kStar)
    return "https://" + authority(endpoint) + "/" + std::string(device_url.substr(kStar.size()));
  if (device_url.substr(0, kStarPort.size()) == kStarPort) {
    const std::string host = endpoint.host.find(':') != std::string::npos ? "[" + endpoint.host + "]" : endpoint.host;
    return "https://" + host + ":" + std::string(device_url.substr(kStarPort.size()));
  }
  return std::string(device_url);
}

// ---- MoRef / ServiceContent -----------------------------------------------

std::string MoRef::xml(std::string_view element) const {
  const std::string name(element);
  return "<" + name + " type=\"" + xml_escape(type) + "\">" + xml_escape(value) + "</" + name + ">";
}

MoRef moref_of(pugi::xml_node node) {
  return {node.attribute("type").value(), node.child_value()};
}

ServiceContent parse_service_content(pugi::xml_node returnval) {
  ServiceContent s;
  s.root_folder = moref_of(child(returnval, "rootFolder"));
  s.property_collector = moref_of(child(returnval, "propertyCollector"));
  s.view_manager = moref_of(child(returnval, "viewManager"));
  s.search_index = moref_of(child(returnval, "searchIndex"));
  s.ovf_manager = moref_of(child(returnval, "ovfManager"));
  s.session_manager = moref_of(child(returnval, "sessionManager"));
  s.file_manager = moref_of(child(returnval, "fileManager"));
  s.virtual_disk_manager = moref_of(child(returnval, "virtualDiskManager"));
  pugi::xml_node about = child(returnval, "about");
  s.api_version = child_text(about, "apiVersion");
  s.product_name = child_text(about, "fullName");
  s.api_type = child_text(about, "apiType");
  return s;
}

// ---- VsphereSession -------------------------------------------------------

struct VsphereSession::Reply {
  pugi::xml_document doc;
  std::string cookie;
};

VsphereSession::VsphereSession(Endpoint endpoint, SessionOptions options)
    : endpoint_(std::move(endpoint)), options_(options), url_("https://" + authority(endpoint_) + "/sdk") {}

std::string VsphereSession::cookie_header() const {
  std::lock_guard lock(cookie_mutex_);
  return cookie_;
}

VsphereSession::Reply VsphereSession::post(const std::string& method_body_xml) const {
  ensure_curl_initialized();
  const std::string where = authority(endpoint_);
  CurlHandle curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw VsphereError(where + ": cannot create a libcurl handle");
  const std::string request = soap_envelope(method_body_xml);
  HeaderList headers(nullptr, &curl_slist_free_all);
  for (const char* h : {"Content-Type: text/xml; charset=utf-8", "SOAPAction: \"urn:vim25/7.0\"", "Expect:"})
    headers.reset(curl_slist_append(headers.release(), h));
  Capture capture;
  capture.limit = options_.max_response_bytes;
  char errbuf[CURL_ERROR_SIZE] = {0};
  TlsCheck check;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &capture);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &capture);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT, static_cast<long>(options_.call_timeout.count()));
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(h, CURLOPT_USERAGENT, "hyper2kvm");
  try {
    apply_tls_policy(h, endpoint_.tls, check);
  } catch (const std::exception& e) {
    throw VsphereError(where + ": " + e.what());
  }
  const std::string cookie = cookie_header();
  if (!cookie.empty()) curl_easy_setopt(h, CURLOPT_COOKIE, cookie.c_str());

  const CURLcode rc = curl_easy_perform(h);
  if (capture.too_large)
    throw VsphereError(where + ": the reply is larger than " + std::to_string(options_.max_response_bytes >> 20) +
                       " MiB; refusing it");
  if (rc != CURLE_OK) {
    throw VsphereError(where + ": " + describe_transfer_failure(rc, errbuf, endpoint_.tls, &check), "",
                       rc == CURLE_OPERATION_TIMEDOUT);
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  Reply reply;
  reply.cookie = std::move(capture.cookie);
  const pugi::xml_parse_result parsed = reply.doc.load_buffer(capture.body.data(), capture.body.size());
  if (parsed) {
    if (auto fault = parse_soap_fault(reply.doc)) throw VsphereError(where + ": " + fault->message, fault->type);
  }
  if (status != 200)
    throw VsphereError(where + ": HTTP " + std::to_string(status) + " from " + url_ +
                       (parsed ? "" : " (not a SOAP reply)"));
  if (!parsed || !body_element(reply.doc))
    throw VsphereError(where + ": the reply from " + url_ + " is not a SOAP envelope (" + parsed.description() + ")");
  return reply;
}

pugi::xml_document VsphereSession::call(const std::string& method_body_xml) const {
  return std::move(post(method_body_xml).doc);
}

std::unique_ptr<VsphereSession> VsphereSession::login(const Endpoint& endpoint, const VsphereCredentials& credentials,
                                                      SessionOptions options) {
  std::unique_ptr<VsphereSession> s(new VsphereSession(endpoint, options));
  const pugi::xml_document content = s->call(
      "<RetrieveServiceContent xmlns=\"urn:vim25\"><_this type=\"ServiceInstance\">ServiceInstance</_this>"
      "</RetrieveServiceContent>");
  s->service_ = parse_service_content(child(body_element(content), "returnval"));
  if (s->service_.session_manager.empty())
    throw VsphereError(authority(endpoint) + ": the ServiceContent has no sessionManager: not a vSphere endpoint?");
  const std::string where = authority(endpoint);
  Reply reply;
  try {
    reply = s->post("<Login xmlns=\"urn:vim25\">" + s->service_.session_manager.xml("_this") + "<userName>" +
                    xml_escape(credentials.username) + "</userName><password>" + xml_escape(credentials.password) +
                    "</password></Login>");
  } catch (const VsphereError& e) {
    if (e.fault.empty()) throw;
    // The server's text is kept (it never echoes the password); ours names the user.
    std::string reason = e.what();
    if (reason.rfind(where + ": ", 0) == 0) reason.erase(0, where.size() + 2);
    throw VsphereError(where + ": login refused for user " + credentials.username + ": " + reason, e.fault);
  }
  if (reply.cookie.empty())
    throw VsphereError(where + ": Login succeeded but set no " + std::string(kCookieName) + " cookie");
  s->username_ = credentials.username;
  s->cookie_ = std::move(reply.cookie);
  return s;
}

VsphereSession::~VsphereSession() {
  if (cookie_.empty()) return;
  try {
    call("<Logout xmlns=\"urn:vim25\">" + service_.session_manager.xml("_this") + "</Logout>");
  } catch (...) {
    // The session expires on the server anyway.
  }
}

void VsphereSession::configure_transfer(CURL* curl) const {
  apply_tls_policy(curl, endpoint_.tls);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(options_.connect_timeout.count()));
  // CURLOPT_COOKIE copies the string: the secret does not outlive this call here.
  const std::string cookie = cookie_header();
  curl_easy_setopt(curl, CURLOPT_COOKIE, cookie.c_str());
}

// ---- properties -----------------------------------------------------------

pugi::xml_document retrieve_properties(const VsphereSession& session, const MoRef& obj,
                                       const std::vector<std::string>& paths) {
  std::string body = "<RetrievePropertiesEx xmlns=\"urn:vim25\">" + session.service().property_collector.xml("_this") +
                     "<specSet><propSet><type>" + xml_escape(obj.type) + "</type>";
  for (const auto& p : paths) body += "<pathSet>" + xml_escape(p) + "</pathSet>";
  body += "</propSet><objectSet>" + obj.xml("obj") + "<skip>false</skip></objectSet></specSet><options/>"
          "</RetrievePropertiesEx>";
  return session.call(body);
}

pugi::xml_node property_value(const pugi::xml_document& response, std::string_view path) {
  pugi::xml_node objects = child(child(body_element(response), "returnval"), "objects");
  for (pugi::xml_node prop : children(objects, "propSet"))
    if (child_text(prop, "name") == path) return child(prop, "val");
  return {};
}

}  // namespace h2k::vsphere
