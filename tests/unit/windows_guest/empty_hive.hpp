#pragma once
// Writes a new, empty Windows registry hive file (a "regf" base block and one
// hbin holding the root key and its security cell). hivex can edit hives but
// cannot create one, and no empty hive ships with Debian, so the test fixtures
// start from this and fill it with `hivexregedit --merge <hive> <file>.reg`.
#include <filesystem>

namespace h2k::windows_guest_test {

// Creates (or overwrites) `path` with an empty hive whose root key is "ROOT".
void write_empty_hive(const std::filesystem::path& path);

}  // namespace h2k::windows_guest_test
