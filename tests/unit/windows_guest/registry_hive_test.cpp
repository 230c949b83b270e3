// The hivex wrapper on hive files (no appliance): values written by
// RegistryHive are read back by hivex's own tools, so the encoding is checked
// independently of our reader.
#include <algorithm>

#include "engine/guest/windows/registry_hive.hpp"
#include "windows_test_support.hpp"

using namespace h2k;
using namespace h2k::windows;
using namespace h2k::windows_guest_test;

namespace {

// An empty hive with one key, committed and reopened so every check reads
// what reached the file.
struct HiveFile {
  ScratchDir dir;
  fs::path path = dir / "SYSTEM";
  HiveFile() { write_empty_hive(path); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(registry_hive)

BOOST_AUTO_TEST_CASE(empty_hive_fixture_opens_in_hivex) {
  HiveFile f;
  RegistryHive hive(f.path, RegistryHive::Mode::ReadOnly);
  BOOST_TEST(hive.child_names(hive.root()).empty());
  // hivexregedit can read it too (the fixtures depend on that).
  BOOST_TEST(hive_export(f.path, "\\").find("[\\]") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(dword_round_trip_and_seen_by_hivexget) {
  HiveFile f;
  {
    RegistryHive hive(f.path, RegistryHive::Mode::ReadWrite);
    auto node = hive.ensure("ControlSet001\\Services\\viostor");
    hive.set_dword(node, "Start", 0);
    hive.set_dword(node, "Tag", 0x12345678);
    hive.commit();
  }
  RegistryHive hive(f.path, RegistryHive::Mode::ReadOnly);
  auto node = hive.find("ControlSet001\\Services\\viostor");
  BOOST_TEST_REQUIRE(node.has_value());
  BOOST_TEST(hive.get_dword(*node, "Start").value_or(99) == 0u);
  BOOST_TEST(hive.get_dword(*node, "Tag").value_or(99) == 0x12345678u);
  BOOST_TEST(hivexget(f.path, "ControlSet001\\Services\\viostor", "Start") == "0");
  BOOST_TEST(hivexget(f.path, "ControlSet001\\Services\\viostor", "Tag") == "305419896");
  BOOST_TEST(hive_export(f.path, "ControlSet001\\Services\\viostor").find("\"Tag\"=dword:12345678") !=
             std::string::npos);
}

BOOST_AUTO_TEST_CASE(strings_are_stored_as_nul_terminated_utf16le) {
  HiveFile f;
  const std::string umlauts = "Gr\xC3\xBC\xC3\x9F" "e \xE2\x82\xAC";   // "Grüße €" in UTF-8
  {
    RegistryHive hive(f.path, RegistryHive::Mode::ReadWrite);
    auto node = hive.ensure("Services\\viostor");
    hive.set_string(node, "Group", "SCSI miniport");
    hive.set_expand_string(node, "ImagePath", "system32\\drivers\\viostor.sys");
    hive.set_string(node, "DisplayName", umlauts);
    hive.commit();
  }
  const std::string exported = hive_export(f.path, "Services\\viostor");
  // REG_SZ is type 1, REG_EXPAND_SZ type 2; the bytes are UTF-16LE plus a NUL unit.
  BOOST_TEST(exported.find("\"Group\"=" + reg_hex(1, ascii_utf16le("SCSI miniport") + std::string(2, '\0'))) !=
             std::string::npos, exported);
  BOOST_TEST(exported.find("\"ImagePath\"=" +
                           reg_hex(2, ascii_utf16le("system32\\drivers\\viostor.sys") + std::string(2, '\0'))) !=
             std::string::npos, exported);
  // ü = FC 00, ß = DF 00, € = AC 20.
  BOOST_TEST(exported.find("\"DisplayName\"=hex(1):47,00,72,00,fc,00,df,00,65,00,20,00,ac,20,00,00") !=
             std::string::npos, exported);
  // hivex decodes them back to the same text.
  BOOST_TEST(hivexget(f.path, "Services\\viostor", "ImagePath") == "system32\\drivers\\viostor.sys");
  BOOST_TEST(hivexget(f.path, "Services\\viostor", "DisplayName") == umlauts);

  RegistryHive hive(f.path, RegistryHive::Mode::ReadOnly);
  auto node = hive.find("Services\\viostor");
  BOOST_TEST_REQUIRE(node.has_value());
  BOOST_TEST(hive.get_string(*node, "DisplayName").value_or("<missing>") == umlauts);
  BOOST_TEST(hive.get(*node, "ImagePath")->type == hive_t_REG_EXPAND_SZ);
  BOOST_TEST(hive.get(*node, "Group")->type == hive_t_REG_SZ);
}

BOOST_AUTO_TEST_CASE(multi_strings_round_trip) {
  HiveFile f;
  {
    RegistryHive hive(f.path, RegistryHive::Mode::ReadWrite);
    hive.set(hive.ensure("Class\\Mouse"), "UpperFilters", RegValue::multi_string({"vmmouse", "mouclass"}));
    hive.commit();
  }
  RegistryHive hive(f.path, RegistryHive::Mode::ReadOnly);
  auto value = hive.get(*hive.find("Class\\Mouse"), "UpperFilters");
  BOOST_TEST_REQUIRE(value.has_value());
  auto list = as_multi_string(*value);
  BOOST_TEST_REQUIRE(list.has_value());
  BOOST_TEST(*list == (std::vector<std::string>{"vmmouse", "mouclass"}), boost::test_tools::per_element());
  // Each string NUL-terminated, then the empty string ending the list.
  const std::string bytes = ascii_utf16le("vmmouse") + std::string(2, '\0') + ascii_utf16le("mouclass") +
                            std::string(4, '\0');
  BOOST_TEST(hive_export(f.path, "Class\\Mouse").find(reg_hex(7, bytes)) != std::string::npos);
  BOOST_TEST(describe(*value) == "REG_MULTI_SZ [\"vmmouse\", \"mouclass\"]");
}

BOOST_AUTO_TEST_CASE(key_paths_and_value_names_match_case_insensitively) {
  HiveFile f;
  RegistryHive hive(f.path, RegistryHive::Mode::ReadWrite);
  auto created = hive.ensure("ControlSet001\\Services\\VMTools");
  hive.set_dword(created, "Start", 2);
  // Windows ignores case: so must lookups, and ensure() must not add a twin key.
  auto found = hive.find("controlset001\\SERVICES\\vmtools");
  BOOST_TEST_REQUIRE(found.has_value());
  BOOST_TEST(*found == created);
  BOOST_TEST(hive.ensure("CONTROLSET001\\services\\VmTools") == created);
  BOOST_TEST(hive.child_names(*hive.find("ControlSet001\\Services")).size() == 1u);
  BOOST_TEST(hive.get_dword(created, "START").value_or(99) == 2u);
  // Replacing a value under another case keeps a single value.
  hive.set_dword(created, "start", 4);
  hive.commit();
  const std::string exported = hive_export(f.path, "ControlSet001\\Services\\VMTools");
  const auto lower_exported = [&] {
    std::string s = exported;
    std::transform(s.begin(), s.end(), s.begin(), ::tolower);
    return s;
  }();
  BOOST_TEST(std::count(lower_exported.begin(), lower_exported.end(), '=') == 1, exported);
  BOOST_TEST(lower_exported.find("\"start\"=dword:00000004") != std::string::npos, exported);
}

BOOST_AUTO_TEST_CASE(missing_keys_and_values_are_empty_not_errors) {
  HiveFile f;
  RegistryHive hive(f.path, RegistryHive::Mode::ReadOnly);
  BOOST_TEST(!hive.find("ControlSet001\\Services").has_value());
  BOOST_TEST(!hive.get(hive.root(), "Nothing").has_value());
  BOOST_TEST(!hive.get_string(hive.root(), "Nothing").has_value());
}

BOOST_AUTO_TEST_CASE(types_are_checked_when_reading) {
  HiveFile f;
  RegistryHive hive(f.path, RegistryHive::Mode::ReadWrite);
  hive.set_string(hive.root(), "Text", "1");
  hive.set_dword(hive.root(), "Number", 1);
  BOOST_TEST(!hive.get_dword(hive.root(), "Text").has_value());
  BOOST_TEST(!hive.get_string(hive.root(), "Number").has_value());
  BOOST_TEST(describe(*hive.get(hive.root(), "Number")) == "REG_DWORD 0x1 (1)");
  BOOST_TEST(describe(*hive.get(hive.root(), "Text")) == "REG_SZ \"1\"");
}

BOOST_AUTO_TEST_CASE(errors_name_the_hive_and_the_reason) {
  ScratchDir dir;
  write_file(dir / "not-a-hive", std::string(8192, 'x'));
  try {
    RegistryHive hive(dir / "not-a-hive", RegistryHive::Mode::ReadWrite, "/Windows/System32/config/SYSTEM");
    BOOST_FAIL("a file without a regf header must not open");
  } catch (const ConversionError& e) {
    BOOST_TEST(e.kind() == ErrorKind::GuestFix);
    BOOST_TEST(e.file() == "/Windows/System32/config/SYSTEM");
    BOOST_TEST(e.reason().find("cannot open registry hive") != std::string::npos, e.reason());
  }
  // Without a display name the host path is named.
  try {
    RegistryHive hive(dir / "missing", RegistryHive::Mode::ReadOnly);
    BOOST_FAIL("a missing file must not open");
  } catch (const ConversionError& e) {
    BOOST_TEST(e.file() == (dir / "missing").string());
    BOOST_TEST(e.reason().find("No such file") != std::string::npos, e.reason());
  }
}

BOOST_AUTO_TEST_CASE(read_only_hives_refuse_edits) {
  HiveFile f;
  RegistryHive hive(f.path, RegistryHive::Mode::ReadOnly, "SOFTWARE");
  try {
    hive.set_dword(hive.root(), "Start", 0);
    BOOST_FAIL("set on a read-only hive must fail");
  } catch (const ConversionError& e) {
    BOOST_TEST(e.file() == "SOFTWARE");
    BOOST_TEST(e.reason().find("read-only") != std::string::npos);
  }
  BOOST_CHECK_THROW(hive.ensure("A"), ConversionError);
}

BOOST_AUTO_TEST_CASE(split_key_path_ignores_empty_elements) {
  BOOST_TEST(split_key_path("\\A\\\\B\\") == (std::vector<std::string>{"A", "B"}), boost::test_tools::per_element());
  BOOST_TEST(split_key_path("").empty());
}

BOOST_AUTO_TEST_SUITE_END()
