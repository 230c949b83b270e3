#pragma once
// Where the tests find the source tree, the build tree and their helper
// programs. Defined in a file generated per build folder (tests/CMakeLists.txt),
// not as -D macros on every test file: compile flags naming the clone's
// absolute path would make each clone's compilations miss the compiler
// cache (scripts/test.sh) that the flags of the code under test would hit.
namespace h2k::test_paths {
extern const char* const source_dir;
extern const char* const binary_dir;
// Helper programs some areas run as child processes ("" when not built).
extern const char* const storage_crash_writer;
extern const char* const appliance_probe_child;
extern const char* const guest_fix_child;
}  // namespace h2k::test_paths

#define H2K_SOURCE_DIR (::h2k::test_paths::source_dir)
#define H2K_BINARY_DIR (::h2k::test_paths::binary_dir)
#define H2K_STORAGE_CRASH_WRITER (::h2k::test_paths::storage_crash_writer)
#define H2K_APPLIANCE_PROBE_CHILD (::h2k::test_paths::appliance_probe_child)
#define H2K_GUEST_FIX_CHILD (::h2k::test_paths::guest_fix_child)
