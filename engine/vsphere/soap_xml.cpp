#include "engine/vsphere/soap_xml.hpp"

#include <cstring>

namespace h2k::vsphere {
namespace {

constexpr const char* kXsiNamespace = "http://www.w3.org/2001/XMLSchema-instance";

// The namespace URI bound to `prefix` at `node` (searching up the ancestors).
std::string namespace_of(pugi::xml_node node, std::string_view prefix) {
  const std::string attr = "xmlns:" + std::string(prefix);
  for (pugi::xml_node n = node; n; n = n.parent()) {
    if (pugi::xml_attribute a = n.attribute(attr.c_str())) return a.value();
  }
  return {};
}

std::string strip_prefix(std::string_view value) {
  const auto colon = value.find(':');
  return std::string(colon == std::string_view::npos ? value : value.substr(colon + 1));
}

// "object VirtualMachine:vm-57, privilegeId System.View": the detail's own
// fields, for faults that come without a faultstring.
std::string detail_fields(pugi::xml_node fault) {
  std::string out;
  for (pugi::xml_node f = fault.first_child(); f; f = f.next_sibling()) {
    if (f.type() != pugi::node_element) continue;
    std::string value = f.child_value();
    if (value.empty()) continue;
    if (pugi::xml_attribute t = f.attribute("type")) value = std::string(t.value()) + ":" + value;
    if (!out.empty()) out += ", ";
    out += std::string(local_name(f.name())) + " " + value;
  }
  return out;
}

}  // namespace

std::string xml_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string soap_envelope(std::string_view body_xml) {
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<soapenv:Envelope xmlns:soapenv=\"http://schemas.xmlsoap.org/soap/envelope/\" "
      "xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
      "<soapenv:Body>";
  out += body_xml;
  out += "</soapenv:Body></soapenv:Envelope>";
  return out;
}

std::string_view local_name(const char* qualified) {
  std::string_view name(qualified);
  const auto colon = name.find(':');
  return colon == std::string_view::npos ? name : name.substr(colon + 1);
}

pugi::xml_node child(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) return c;
  return {};
}

std::vector<pugi::xml_node> children(pugi::xml_node node, std::string_view name) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = node.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && local_name(c.name()) == name) out.push_back(c);
  return out;
}

std::uint64_t to_u64(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stoull(s);
  } catch (const std::exception&) {
    return 0;
  }
}

std::string child_text(pugi::xml_node node, std::string_view name, std::string fallback) {
  pugi::xml_node c = child(node, name);
  return c ? std::string(c.child_value()) : fallback;
}

std::string xsi_type(pugi::xml_node node) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute()) {
    const std::string_view name(a.name());
    const auto colon = name.find(':');
    if (colon == std::string_view::npos || name.substr(colon + 1) != "type") continue;
    const std::string_view prefix = name.substr(0, colon);
    if (prefix == "xmlns") continue;
    if (namespace_of(node, prefix) == kXsiNamespace) return strip_prefix(a.value());
  }
  return {};
}

pugi::xml_node body_element(const pugi::xml_document& envelope) {
  pugi::xml_node env = envelope.document_element();
  if (!env || local_name(env.name()) != "Envelope") return {};
  pugi::xml_node body = child(env, "Body");
  for (pugi::xml_node c = body.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element) return c;
  return {};
}

std::optional<SoapFault> parse_soap_fault(const pugi::xml_document& envelope) {
  pugi::xml_node fault = body_element(envelope);
  if (!fault || local_name(fault.name()) != "Fault") return std::nullopt;
  SoapFault out;
  pugi::xml_node detail_fault;
  for (pugi::xml_node c = child(fault, "detail").first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element) { detail_fault = c; break; }
  if (detail_fault) {
    out.type = xsi_type(detail_fault);
    if (out.type.empty()) {
      std::string name(local_name(detail_fault.name()));
      if (name.size() > 5 && name.compare(name.size() - 5, 5, "Fault") == 0) name.resize(name.size() - 5);
      out.type = name;
    }
  } else {
    out.type = strip_prefix(child_text(fault, "faultcode"));
  }
  out.message = child_text(fault, "faultstring");
  if (out.message.empty()) {
    out.message = out.type;
    if (detail_fault) {
      const std::string fields = detail_fields(detail_fault);
      if (!fields.empty()) out.message += " (" + fields + ")";
    }
  }
  return out;
}

}  // namespace h2k::vsphere
