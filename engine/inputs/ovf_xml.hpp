#pragma once
// Namespace-blind helpers over pugixml for the OVF reader. OVF files in the
// wild bind the same schemas to different prefixes (ovf:, rasd:, ns0:, none),
// so elements and attributes are matched by their local name. Internal to inputs.
#include <string>
#include <string_view>
#include <vector>

#include <pugixml.hpp>

namespace h2k::ovf_xml {

// "rasd:ResourceType" -> "ResourceType".
std::string_view local_name(std::string_view qualified);
std::string_view trim(std::string_view s);

// Value of the first attribute whose local name is `name` ("" if none).
std::string_view attr(pugi::xml_node node, std::string_view name);
// First child element whose local name is `name`.
pugi::xml_node child(pugi::xml_node node, std::string_view name);
std::vector<pugi::xml_node> children(pugi::xml_node node, std::string_view name);

// The section type of an element: its local name, or for the OVF 0.9 form
// <Section xsi:type="ovf:DiskSection_Type"> the type without "_Type".
std::string section_kind(pugi::xml_node node);
// Direct child sections of `parent` of the given kind.
std::vector<pugi::xml_node> find_sections(pugi::xml_node parent, std::string_view kind);
pugi::xml_node find_section(pugi::xml_node parent, std::string_view kind);

}  // namespace h2k::ovf_xml
