#include "engine/guest/windows/registry_hive.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "engine/core/error.hpp"
#include "engine/guest/windows/utf16le.hpp"

namespace h2k::windows {
namespace {

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};

std::string errno_text(int err) {
  return err ? std::string(std::strerror(err)) : std::string("unknown error");
}

const char* type_name(hive_type t) {
  switch (t) {
    case hive_t_REG_NONE: return "REG_NONE";
    case hive_t_REG_SZ: return "REG_SZ";
    case hive_t_REG_EXPAND_SZ: return "REG_EXPAND_SZ";
    case hive_t_REG_BINARY: return "REG_BINARY";
    case hive_t_REG_DWORD: return "REG_DWORD";
    case hive_t_REG_DWORD_BIG_ENDIAN: return "REG_DWORD_BIG_ENDIAN";
    case hive_t_REG_LINK: return "REG_LINK";
    case hive_t_REG_MULTI_SZ: return "REG_MULTI_SZ";
    case hive_t_REG_QWORD: return "REG_QWORD";
    default: return "REG_OTHER";
  }
}

std::string in_quotes(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

RegValue RegValue::dword(std::uint32_t v) {
  std::string bytes(4, '\0');
  for (int i = 0; i < 4; ++i) bytes[i] = char((v >> (8 * i)) & 0xFF);
  return {hive_t_REG_DWORD, bytes};
}

RegValue RegValue::string(const std::string& utf8) {
  return {hive_t_REG_SZ, utf8_to_utf16le(utf8) + std::string(2, '\0')};
}

RegValue RegValue::expand_string(const std::string& utf8) {
  return {hive_t_REG_EXPAND_SZ, utf8_to_utf16le(utf8) + std::string(2, '\0')};
}

RegValue RegValue::multi_string(const std::vector<std::string>& utf8) {
  // Each string NUL-terminated, the list ends with one more NUL.
  std::string bytes;
  for (const auto& s : utf8) bytes += utf8_to_utf16le(s) + std::string(2, '\0');
  bytes += std::string(2, '\0');
  return {hive_t_REG_MULTI_SZ, bytes};
}

RegValue RegValue::binary(std::string bytes) { return {hive_t_REG_BINARY, std::move(bytes)}; }

std::optional<std::uint32_t> as_dword(const RegValue& value) {
  if (value.type != hive_t_REG_DWORD || value.data.size() < 4) return std::nullopt;
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t(static_cast<unsigned char>(value.data[i])) << (8 * i);
  return v;
}

std::optional<std::string> as_string(const RegValue& value) {
  if (value.type != hive_t_REG_SZ && value.type != hive_t_REG_EXPAND_SZ) return std::nullopt;
  return utf16le_to_utf8(value.data);
}

std::optional<std::vector<std::string>> as_multi_string(const RegValue& value) {
  if (value.type != hive_t_REG_MULTI_SZ) return std::nullopt;
  std::vector<std::string> out;
  const std::string& d = value.data;
  std::size_t start = 0;
  // Strings are separated by a NUL code unit (at an even offset); an empty
  // string marks the end of the list.
  for (std::size_t k = 0; k + 1 < d.size(); k += 2) {
    if (d[k] == '\0' && d[k + 1] == '\0') {
      if (k == start) break;
      out.push_back(utf16le_to_utf8(std::string_view(d).substr(start, k - start)));
      start = k + 2;
    }
  }
  return out;
}

std::string describe(const RegValue& value) {
  std::string out = type_name(value.type);
  if (auto dw = as_dword(value)) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "0x%x", *dw);
    return out + " " + hex + " (" + std::to_string(*dw) + ")";
  }
  if (auto s = as_string(value)) return out + " " + in_quotes(*s);
  if (auto list = as_multi_string(value)) {
    out += " [";
    for (std::size_t i = 0; i < list->size(); ++i) out += std::string(i ? ", " : "") + in_quotes((*list)[i]);
    return out + "]";
  }
  static const char* digits = "0123456789abcdef";
  for (unsigned char c : value.data) {
    out += ' ';
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

std::vector<std::string> split_key_path(const std::string& path) {
  std::vector<std::string> parts;
  std::string current;
  for (char c : path) {
    if (c == '\\') {
      if (!current.empty()) parts.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty()) parts.push_back(current);
  return parts;
}

RegistryHive::RegistryHive(const std::filesystem::path& file, Mode mode, std::string name)
    : file_(file), name_(name.empty() ? file.string() : std::move(name)), mode_(mode) {
  errno = 0;
  h_ = hivex_open(file.c_str(), mode == Mode::ReadWrite ? HIVEX_OPEN_WRITE : 0);
  if (!h_) fail("cannot open registry hive: " + errno_text(errno));
}

RegistryHive::~RegistryHive() {
  if (h_) hivex_close(h_);
}

void RegistryHive::fail(const std::string& reason) const {
  throw ConversionError(ErrorKind::GuestFix, name_, reason);
}

RegistryHive::Node RegistryHive::root() const {
  errno = 0;
  Node root = hivex_root(h_);
  if (!root) fail("hive has no root key: " + errno_text(errno));
  return root;
}

std::optional<RegistryHive::Node> RegistryHive::child(Node parent, const std::string& name) const {
  errno = 0;
  // hivex matches child names case-insensitively, like Windows.
  Node node = hivex_node_get_child(h_, parent, name.c_str());
  if (node) return node;
  if (errno) fail("cannot read subkey \"" + name + "\": " + errno_text(errno));
  return std::nullopt;
}

std::vector<std::string> RegistryHive::child_names(Node node) const {
  errno = 0;
  std::unique_ptr<hive_node_h, FreeDeleter> children(hivex_node_children(h_, node));
  if (!children) fail("cannot list subkeys: " + errno_text(errno));
  std::vector<std::string> names;
  for (hive_node_h* c = children.get(); *c; ++c) {
    std::unique_ptr<char, FreeDeleter> n(hivex_node_name(h_, *c));
    if (n) names.emplace_back(n.get());
  }
  return names;
}

std::optional<RegistryHive::Node> RegistryHive::find(const std::string& path) const {
  Node node = root();
  for (const auto& part : split_key_path(path)) {
    auto next = child(node, part);
    if (!next) return std::nullopt;
    node = *next;
  }
  return node;
}

RegistryHive::Node RegistryHive::ensure(const std::string& path) {
  if (mode_ != Mode::ReadWrite) fail("cannot create key \"" + path + "\": hive opened read-only");
  Node node = root();
  for (const auto& part : split_key_path(path)) {
    if (auto next = child(node, part)) {
      node = *next;
      continue;
    }
    errno = 0;
    Node added = hivex_node_add_child(h_, node, part.c_str());
    if (!added) fail("cannot create key \"" + path + "\": " + errno_text(errno));
    node = added;
  }
  return node;
}

std::optional<RegValue> RegistryHive::get(Node node, const std::string& value_name) const {
  errno = 0;
  hive_value_h v = hivex_node_get_value(h_, node, value_name.c_str());
  if (!v) {
    if (errno) fail("cannot read value \"" + value_name + "\": " + errno_text(errno));
    return std::nullopt;
  }
  hive_type type{};
  std::size_t len = 0;
  errno = 0;
  std::unique_ptr<char, FreeDeleter> data(hivex_value_value(h_, v, &type, &len));
  if (!data) fail("cannot read data of value \"" + value_name + "\": " + errno_text(errno));
  return RegValue{type, std::string(data.get(), len)};
}

std::optional<std::uint32_t> RegistryHive::get_dword(Node node, const std::string& value_name) const {
  auto v = get(node, value_name);
  return v ? as_dword(*v) : std::nullopt;
}

std::optional<std::string> RegistryHive::get_string(Node node, const std::string& value_name) const {
  auto v = get(node, value_name);
  return v ? as_string(*v) : std::nullopt;
}

void RegistryHive::set(Node node, const std::string& value_name, const RegValue& value) {
  if (mode_ != Mode::ReadWrite) fail("cannot set value \"" + value_name + "\": hive opened read-only");
  // hivex takes non-const pointers but does not modify the buffers.
  std::string key = value_name;
  std::string data = value.data;
  hive_set_value v{key.data(), value.type, data.size(), data.data()};
  errno = 0;
  if (hivex_node_set_value(h_, node, &v, 0) != 0)
    fail("cannot set value \"" + value_name + "\": " + errno_text(errno));
}

void RegistryHive::commit() {
  if (mode_ != Mode::ReadWrite) fail("cannot commit: hive opened read-only");
  errno = 0;
  if (hivex_commit(h_, file_.c_str(), 0) != 0) fail("cannot write registry hive: " + errno_text(errno));
}

}  // namespace h2k::windows
