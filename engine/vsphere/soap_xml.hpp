#pragma once
// The XML side of vim25 SOAP: envelopes, escaping, and reading responses by
// local name (servers differ in prefixes: vCenter, ESXi and vcsim each write
// their own) with xsi:type resolved through its namespace, not its prefix.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

namespace h2k::vsphere {

// Escapes &, <, >, " and ' for element text and attribute values.
std::string xml_escape(std::string_view text);

// The full SOAP 1.1 envelope around one request element.
std::string soap_envelope(std::string_view body_xml);

// "soapenv:Body" -> "Body".
std::string_view local_name(const char* qualified);

// The first child element with this local name (any namespace), or an empty node.
pugi::xml_node child(pugi::xml_node node, std::string_view name);
// All child elements with this local name.
std::vector<pugi::xml_node> children(pugi::xml_node node, std::string_view name);
// The text of child `name`, or `fallback` when there is none.
std::string child_text(pugi::xml_node node, std::string_view name, std::string fallback = {});
// An xsd:long/int value (sizes, timeouts); 0 when empty or not a number:
// vSphere leaves optional numbers out, and a size of 0 means "unknown".
std::uint64_t to_u64(const std::string& s);

// The element's xsi:type (e.g. "VirtualDisk", "xsd:string" -> "string"),
// found by namespace URI whatever the prefix; empty when untyped.
std::string xsi_type(pugi::xml_node node);

// The first element inside soapenv:Body (the XxxResponse or the Fault).
pugi::xml_node body_element(const pugi::xml_document& envelope);

// A SOAP fault: the vim25 fault type from its detail ("InvalidLogin",
// "ManagedObjectNotFound", ...; the faultcode when there is no detail) and a
// readable message (faultstring, else the type with the detail's fields).
struct SoapFault {
  std::string type;
  std::string message;
};
std::optional<SoapFault> parse_soap_fault(const pugi::xml_document& envelope);

}  // namespace h2k::vsphere
