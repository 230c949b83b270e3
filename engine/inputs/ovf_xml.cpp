#include "engine/inputs/ovf_xml.hpp"

namespace h2k::ovf_xml {

std::string_view local_name(std::string_view qualified) {
  auto colon = qualified.rfind(':');
  return colon == std::string_view::npos ? qualified : qualified.substr(colon + 1);
}

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\n";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

std::string_view attr(pugi::xml_node node, std::string_view name) {
  for (pugi::xml_attribute a = node.first_attribute(); a; a = a.next_attribute())
    if (local_name(a.name()) == name) return a.value();
  return {};
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

std::string section_kind(pugi::xml_node node) {
  std::string_view n = local_name(node.name());
  if (n == "Section" || n == "Content") {
    std::string_view type = local_name(attr(node, "type"));
    constexpr std::string_view suffix = "_Type";
    if (type.size() > suffix.size() && type.substr(type.size() - suffix.size()) == suffix)
      return std::string(type.substr(0, type.size() - suffix.size()));
  }
  return std::string(n);
}

std::vector<pugi::xml_node> find_sections(pugi::xml_node parent, std::string_view kind) {
  std::vector<pugi::xml_node> out;
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && section_kind(c) == kind) out.push_back(c);
  return out;
}

pugi::xml_node find_section(pugi::xml_node parent, std::string_view kind) {
  for (pugi::xml_node c = parent.first_child(); c; c = c.next_sibling())
    if (c.type() == pugi::node_element && section_kind(c) == kind) return c;
  return {};
}

}  // namespace h2k::ovf_xml
