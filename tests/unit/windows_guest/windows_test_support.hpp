#pragma once
// Helpers shared by the windows_guest tests: a scratch folder, hives built from
// the .reg files in tests/data/windows_guest with hivex's own tools, and those
// tools (hivexget, hivexregedit) to check our edits independently of our code.
#include <boost/test/unit_test.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <vector>

#include "empty_hive.hpp"
#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k::windows_guest_test {

namespace fs = std::filesystem;

// Shared with the other areas: tests/unit/support/test_support.hpp.
using test::read_file;
using test::ScratchDir;
using test::write_file;
inline fs::path data_dir() { return test::data_dir("windows_guest"); }

// Runs a tool that must succeed (within 2 minutes); returns its stdout.
inline std::string run_ok(const std::vector<std::string>& argv) { return test::run_ok(argv, std::chrono::minutes(2)); }

inline std::string chomp(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// A hive file holding `reg_file` merged under `prefix` ("HKEY_LOCAL_MACHINE\\SYSTEM").
inline void make_hive(const fs::path& hive, const fs::path& reg_file, const std::string& prefix) {
  write_empty_hive(hive);
  run_ok({"hivexregedit", "--merge", "--prefix", prefix, hive.string(), reg_file.string()});
}

// hivexget's view of one value: strings decoded to UTF-8, dwords in decimal.
inline std::string hivexget(const fs::path& hive, const std::string& key, const std::string& value) {
  return chomp(run_ok({"hivexget", hive.string(), key, value}));
}

// True when hivex's own tools can open `key` in `hive`.
inline bool hive_has_key(const fs::path& hive, const std::string& key) {
  return test::run_capture({"hivexget", hive.string(), key}, std::chrono::minutes(1)).ok();
}

// hivexregedit's export of one key (values with their raw bytes as hex(N):..).
inline std::string hive_export(const fs::path& hive, const std::string& key) {
  return run_ok({"hivexregedit", "--export", hive.string(), key});
}

// "hex(2):73,00,..." as hivexregedit prints the bytes of `utf16le + NUL`.
inline std::string reg_hex(int type, const std::string& bytes) {
  std::string out = "hex(" + std::to_string(type) + "):";
  static const char* digits = "0123456789abcdef";
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    if (i) out += ',';
    const unsigned char c = static_cast<unsigned char>(bytes[i]);
    out += digits[c >> 4];
    out += digits[c & 0xF];
  }
  return out;
}

// ASCII text as UTF-16LE bytes (each char followed by a zero byte), for
// writing the expected encoding without our own converter.
inline std::string ascii_utf16le(const std::string& ascii) {
  std::string out;
  for (char c : ascii) {
    out += c;
    out += '\0';
  }
  return out;
}

}  // namespace h2k::windows_guest_test
