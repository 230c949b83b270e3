#include "engine/formats/text_probe.hpp"

#include <algorithm>
#include <cctype>
#include <vector>

#include <nlohmann/json.hpp>

namespace h2k::text_probe {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view strip_bom(std::string_view s) {
  if (s.size() >= 3 && s.substr(0, 3) == "\xEF\xBB\xBF") s.remove_prefix(3);
  return s;
}

// Splits into lines; drops the last line when the head was cut mid-file,
// because it may be a fragment.
std::vector<std::string_view> split_lines(std::string_view text, bool complete) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      if (complete) lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool ends_with_ci(std::string_view s, std::string_view suffix) {
  if (s.size() < suffix.size()) return false;
  return std::equal(suffix.begin(), suffix.end(), s.end() - static_cast<std::ptrdiff_t>(suffix.size()),
                    [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                std::tolower(static_cast<unsigned char>(b)); });
}

bool equals_ci(std::string_view a, std::string_view b) {
  return a.size() == b.size() && ends_with_ci(a, b);
}

// `key = "value"` as written in .vmx files and VMDK ddb lines.
struct KeyValue {
  std::string_view key;
  std::string_view value;
};

bool parse_quoted_key_value(std::string_view line, KeyValue& out) {
  line = trim(line);
  std::size_t eq = line.find('=');
  if (eq == std::string_view::npos || eq == 0) return false;
  std::string_view key = trim(line.substr(0, eq));
  std::string_view value = trim(line.substr(eq + 1));
  if (key.empty()) return false;
  for (char c : key) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' || c == '-' ||
          c == '[' || c == ']'))
      return false;
  }
  if (value.size() < 2 || value.front() != '"' || value.back() != '"') return false;
  out = {key, value.substr(1, value.size() - 2)};
  return true;
}

bool is_comment_or_blank(std::string_view line) {
  line = trim(line);
  return line.empty() || line.front() == '#';
}

// --- XML -------------------------------------------------------------------

// Local name of the document's root element, or "" if `text` is not XML.
std::string_view xml_root_name(std::string_view text) {
  std::size_t pos = 0;
  while (true) {
    while (pos < text.size() && is_space(text[pos])) ++pos;
    if (pos >= text.size() || text[pos] != '<') return {};
    std::string_view rest = text.substr(pos);
    std::size_t close;
    if (starts_with(rest, "<?")) {
      close = rest.find("?>");
      if (close == std::string_view::npos) return {};
      pos += close + 2;
    } else if (starts_with(rest, "<!--")) {
      close = rest.find("-->");
      if (close == std::string_view::npos) return {};
      pos += close + 3;
    } else if (starts_with(rest, "<!")) {
      close = rest.find('>');
      if (close == std::string_view::npos) return {};
      pos += close + 1;
    } else {
      std::size_t end = 1;
      while (end < rest.size() && !is_space(rest[end]) && rest[end] != '>' && rest[end] != '/') ++end;
      std::string_view name = rest.substr(1, end - 1);
      std::size_t colon = name.rfind(':');
      if (colon != std::string_view::npos) name.remove_prefix(colon + 1);
      return name;
    }
  }
}

std::optional<ProbeResult> classify_xml(std::string_view text) {
  if (text.empty() || text.front() != '<') return std::nullopt;
  std::string_view root = xml_root_name(text);
  if (root.empty()) return ProbeResult{FileKind::Unknown, 0, "XML-like text without a root element"};
  if (root == "Envelope") {
    // Both OVF 1.x and 2.x envelopes live under this DMTF namespace prefix.
    if (text.find("schemas.dmtf.org/ovf/envelope") != std::string_view::npos)
      return ProbeResult{FileKind::Ovf, 0, "OVF envelope"};
    return ProbeResult{FileKind::Unknown, 0, "XML <Envelope> outside the OVF namespace"};
  }
  return ProbeResult{FileKind::Unknown, 0, "XML document with root <" + std::string(root) + ">, not an OVF"};
}

// --- JSON manifest ---------------------------------------------------------

std::optional<ProbeResult> classify_json(std::string_view text, bool complete) {
  if (text.empty() || text.front() != '{') return std::nullopt;
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  bool is_manifest = false;
  if (doc.is_object()) {
    is_manifest = doc.contains("disks") && (doc.contains("manifest_version") || doc.contains("version"));
  } else if (!complete) {
    // A manifest larger than the probe window: judge by its keys.
    is_manifest = text.find("\"disks\"") != std::string_view::npos &&
                  (text.find("\"manifest_version\"") != std::string_view::npos ||
                   text.find("\"version\"") != std::string_view::npos);
  }
  if (is_manifest) return ProbeResult{FileKind::Manifest, 0, "artifact manifest"};
  return ProbeResult{FileKind::Unknown, 0, doc.is_discarded() ? "malformed JSON-like text" : "JSON, not a manifest"};
}

// --- VMDK descriptor -------------------------------------------------------

bool is_vmdk_descriptor(std::string_view text) {
  if (text.substr(0, 1024).find("# Disk DescriptorFile") != std::string_view::npos) return true;
  return !find_create_type(text).empty();
}

// --- VMX ---------------------------------------------------------------------

bool is_vmx(const std::vector<std::string_view>& lines) {
  std::size_t meaningful = 0, key_values = 0, vmx_keys = 0;
  for (std::string_view line : lines) {
    if (is_comment_or_blank(line)) continue;
    ++meaningful;
    KeyValue kv;
    if (!parse_quoted_key_value(line, kv)) continue;
    ++key_values;
    if (equals_ci(kv.key, "config.version") || equals_ci(kv.key, "virtualHW.version") ||
        equals_ci(kv.key, "displayName") || equals_ci(kv.key, "guestOS") ||
        (ends_with_ci(kv.key, ".fileName") && ends_with_ci(kv.value, ".vmdk")))
      ++vmx_keys;
  }
  // A .vmx is nothing but key = "value" lines; allow a few odd ones (hand edits).
  return vmx_keys > 0 && key_values * 10 >= meaningful * 9;
}

}  // namespace

bool looks_like_text(std::string_view head) {
  if (head.empty()) return false;
  std::size_t control = 0;
  for (unsigned char c : head) {
    if (c == 0) return false;
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f') ++control;
    if (c == 0x7f) ++control;
  }
  return control * 100 <= head.size();  // bytes >= 0x80 count as text (UTF-8)
}

std::string find_create_type(std::string_view text) {
  for (std::string_view line : split_lines(text, true)) {
    line = trim(line);
    if (!starts_with(line, "createType")) continue;
    std::size_t eq = line.find('=');
    if (eq == std::string_view::npos || trim(line.substr(10, eq - 10)).size() != 0) continue;
    std::string_view value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
    else if (!value.empty() && value.front() == '"') value.remove_prefix(1);
    if (!value.empty()) return std::string(value);
  }
  return {};
}

ProbeResult classify_text(std::string_view head, bool complete) {
  std::string_view text = trim(strip_bom(head));
  if (auto xml = classify_xml(text)) return *xml;
  if (auto json = classify_json(text, complete)) return *json;
  if (is_vmdk_descriptor(text)) {
    std::string create_type = find_create_type(text);
    return ProbeResult{FileKind::VmdkDescriptor, 0, create_type.empty() ? "descriptor" : create_type};
  }
  if (is_vmx(split_lines(text, complete))) return ProbeResult{FileKind::Vmx, 0, "VMware configuration"};
  return ProbeResult{FileKind::Unknown, 0, "text file, not a disk or VM description"};
}

}  // namespace h2k::text_probe
