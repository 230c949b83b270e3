#pragma once
// One logged-in vSphere Web Services (vim25 SOAP) session: POSTs to
// https://HOST:PORT/sdk with the session cookie Login set, turns SOAP faults
// and transport failures into VsphereError, and hands the cookie and TLS
// policy to NFC downloads. The password and the session cookie never appear
// in an error message.
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <curl/curl.h>
#include <pugixml.hpp>

#include "engine/vsphere/credentials.hpp"
#include "engine/vsphere/soap_xml.hpp"
#include "engine/vsphere/tls_policy.hpp"

namespace h2k::vsphere {

struct Endpoint {
  std::string host;  // name, IPv4, or IPv6 without brackets
  int port = 443;
  TlsPolicy tls;     // thumbprint normalized by parse_endpoint
};

// "HOST[:PORT]" ("[v6]:PORT" for IPv6; an "https://" prefix and a "/sdk"
// suffix are tolerated). Throws std::invalid_argument for an empty host or a
// port that is not 1..65535, and for a malformed thumbprint in `tls`.
Endpoint parse_endpoint(std::string_view host_port, TlsPolicy tls);

// "host" or "host:port" as it goes into a URL ("[::1]:443" for IPv6).
std::string authority(const Endpoint& endpoint);

// An HttpNfcLease device URL with its '*' host replaced by the endpoint's:
// "https://*/nfc/x/disk-0.vmdk" -> "https://HOST:PORT/nfc/x/disk-0.vmdk",
// "https://*:PORT/..." keeps the lease's port; other URLs are returned as they are.
std::string device_url_for(std::string_view device_url, const Endpoint& endpoint);

struct VsphereError : std::runtime_error {
  // The vim25 fault type ("InvalidLogin", "ManagedObjectNotFound",
  // "InvalidState", "NotAuthenticated", ...); "NotFound" / "AmbiguousName"
  // when inventory.hpp finds no / several matching objects; "" for a
  // transport failure (no answer, TLS, HTTP error without a SOAP fault,
  // unparsable reply).
  std::string fault;
  bool timed_out = false;  // transport failure: no answer within the time limit
  VsphereError(const std::string& message, std::string fault_type = {}, bool timeout = false)
      : std::runtime_error(message), fault(std::move(fault_type)), timed_out(timeout) {}
};

struct MoRef {
  std::string type;   // "VirtualMachine", "HttpNfcLease", ...
  std::string value;  // "vm-57"
  bool empty() const { return value.empty(); }
  std::string xml(std::string_view element) const;  // <element type="T">V</element>, escaped
  std::string text() const { return type + ":" + value; }
  friend bool operator==(const MoRef&, const MoRef&) = default;
};

// The MoRef an element holds (<x type="T">V</x>).
MoRef moref_of(pugi::xml_node node);

// The parts of ServiceInstance.content the client uses.
struct ServiceContent {
  MoRef root_folder, property_collector, view_manager, search_index, ovf_manager, session_manager, file_manager,
      virtual_disk_manager;
  std::string api_version;   // about.apiVersion, e.g. "7.0.3.0"
  std::string product_name;  // about.fullName
  std::string api_type;      // "VirtualCenter" or "HostAgent" (a standalone ESXi)
};
ServiceContent parse_service_content(pugi::xml_node returnval);

struct SessionOptions {
  std::chrono::seconds connect_timeout{15};
  std::chrono::seconds call_timeout{120};
  std::size_t max_response_bytes = 64u << 20;
};

class VsphereSession {
public:
  // RetrieveServiceContent + Login. A refused login throws
  // VsphereError("<host>: login refused for user <u>: ...", "InvalidLogin").
  static std::unique_ptr<VsphereSession> login(const Endpoint& endpoint, const VsphereCredentials& credentials,
                                               SessionOptions options = {});
  ~VsphereSession();  // Logout, best effort, never throws
  VsphereSession(const VsphereSession&) = delete;
  VsphereSession& operator=(const VsphereSession&) = delete;

  // One SOAP request; `method_body_xml` is the request element, e.g.
  // <HttpNfcLeaseProgress xmlns="urn:vim25"><_this type="HttpNfcLease">lease-1</_this><percent>5</percent></HttpNfcLeaseProgress>.
  // Returns the response envelope (body_element() gives XxxResponse). A SOAP
  // fault throws VsphereError with its type and message; a transport failure
  // VsphereError with fault "" naming the host and the reason. Thread-safe:
  // each call uses its own connection.
  pugi::xml_document call(const std::string& method_body_xml) const;

  const ServiceContent& service() const { return service_; }
  const Endpoint& endpoint() const { return endpoint_; }
  const std::string& username() const { return username_; }

  // For NFC downloads on the caller's own handle: the TLS policy, the
  // session cookie, the connect timeout. The session must outlive the transfer.
  void configure_transfer(CURL* curl) const;

  // device_url_for(device_url, endpoint()): "https://*/nfc/x/disk-0.vmdk" ->
  // "https://HOST:PORT/nfc/x/disk-0.vmdk" (a lease names the host '*').
  std::string url_for(std::string_view device_url) const { return device_url_for(device_url, endpoint_); }

private:
  VsphereSession(Endpoint endpoint, SessionOptions options);
  struct Reply;
  Reply post(const std::string& method_body_xml) const;
  std::string cookie_header() const;

  Endpoint endpoint_;
  SessionOptions options_;
  std::string url_;
  ServiceContent service_;
  std::string username_;
  mutable std::mutex cookie_mutex_;
  std::string cookie_;  // "vmware_soap_session=..." (secret)
};

// RetrievePropertiesEx of `paths` on one object; the returned envelope holds
// returnval/objects/propSet (name, val) elements.
pugi::xml_document retrieve_properties(const VsphereSession& session, const MoRef& obj,
                                       const std::vector<std::string>& paths);

// The <val> of property `path` in a retrieve_properties() answer (empty node if absent).
pugi::xml_node property_value(const pugi::xml_document& response, std::string_view path);

}  // namespace h2k::vsphere
