#pragma once
// RAII wrapper around a hivex handle on a registry hive FILE on the host
// (the fixer downloads a guest's hive, edits it here, and uploads it back).
// Key paths use backslashes and are matched case-insensitively, as Windows does.
// Every failure throws ConversionError(GuestFix, <hive name>, reason), where
// the hive name is what the user knows the hive as (its path inside the guest).
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <hivex.h>

namespace h2k::windows {

// A value as stored: registry type and raw data bytes (strings are UTF-16LE).
struct RegValue {
  hive_type type = hive_t_REG_NONE;
  std::string data;

  static RegValue dword(std::uint32_t v);
  static RegValue string(const std::string& utf8);          // REG_SZ, NUL-terminated
  static RegValue expand_string(const std::string& utf8);   // REG_EXPAND_SZ
  static RegValue multi_string(const std::vector<std::string>& utf8);   // REG_MULTI_SZ
  static RegValue binary(std::string bytes);

  bool operator==(const RegValue&) const = default;
};

// Human-readable form for reports and logs: `REG_DWORD 0x0 (0)`,
// `REG_EXPAND_SZ "system32\drivers\viostor.sys"`, `REG_MULTI_SZ ["a", "b"]`.
std::string describe(const RegValue& value);

// Interprets values (nullopt when the type does not match).
std::optional<std::uint32_t> as_dword(const RegValue& value);
std::optional<std::string> as_string(const RegValue& value);   // REG_SZ or REG_EXPAND_SZ
std::optional<std::vector<std::string>> as_multi_string(const RegValue& value);

class RegistryHive {
public:
  using Node = hive_node_h;
  enum class Mode { ReadOnly, ReadWrite };

  // `name` is used in errors (e.g. "/Windows/System32/config/SYSTEM");
  // empty means the host file path.
  RegistryHive(const std::filesystem::path& file, Mode mode, std::string name = {});
  ~RegistryHive();
  RegistryHive(const RegistryHive&) = delete;
  RegistryHive& operator=(const RegistryHive&) = delete;

  const std::string& name() const { return name_; }
  Node root() const;

  // `path` like "ControlSet001\\Services\\viostor" ("" = the root key).
  std::optional<Node> find(const std::string& path) const;
  // As find, creating missing keys (ReadWrite only).
  Node ensure(const std::string& path);
  std::optional<Node> child(Node parent, const std::string& name) const;
  std::vector<std::string> child_names(Node node) const;

  // Value names are matched case-insensitively; "" is the key's default value.
  std::optional<RegValue> get(Node node, const std::string& value_name) const;
  std::optional<std::uint32_t> get_dword(Node node, const std::string& value_name) const;
  std::optional<std::string> get_string(Node node, const std::string& value_name) const;

  // Adds or replaces one value, keeping the key's other values.
  void set(Node node, const std::string& value_name, const RegValue& value);
  void set_dword(Node node, const std::string& value_name, std::uint32_t v) { set(node, value_name, RegValue::dword(v)); }
  void set_string(Node node, const std::string& value_name, const std::string& utf8) { set(node, value_name, RegValue::string(utf8)); }
  void set_expand_string(Node node, const std::string& value_name, const std::string& utf8) { set(node, value_name, RegValue::expand_string(utf8)); }

  // Writes the changes to the file the hive was opened from.
  void commit();

private:
  [[noreturn]] void fail(const std::string& reason) const;

  hive_h* h_ = nullptr;
  std::filesystem::path file_;
  std::string name_;
  Mode mode_;
};

// Splits "A\\B\\C" into its non-empty components.
std::vector<std::string> split_key_path(const std::string& path);

}  // namespace h2k::windows
