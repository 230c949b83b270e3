// h2k_windows_image OUT: writes the Windows-shaped raw disk of the
// windows_guest tests (windows_image.hpp: NTFS, SYSTEM/SOFTWARE hives of a
// Windows Server 2019, a PE32+ cmd.exe; inspected as Windows, never booted)
// to OUT, for the shell tests that feed it to a daemon (cluster.windows).
#include <cstdio>
#include <exception>
#include <filesystem>

#include "tests/unit/windows_guest/windows_image.hpp"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT.img\n", argv[0]);
    return 2;
  }
  try {
    const std::filesystem::path out = argv[1];
    const std::filesystem::path partial = out.string() + ".partial";
    std::filesystem::copy_file(h2k::windows_guest_test::windows_image(), partial,
                               std::filesystem::copy_options::overwrite_existing);
    std::filesystem::rename(partial, out);  // whole or not at all: a watcher may be looking
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[0], e.what());
    return 1;
  }
}
