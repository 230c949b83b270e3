#pragma once
// A scratch folder per test, removed afterwards (the shared ScratchDir, with
// the folder as a plain member), and where a test's job database lives in it.
#include <filesystem>

#include "tests/unit/support/test_support.hpp"

namespace h2k::test {

struct TempDir {
  ScratchDir dir{"storage-test"};
  std::filesystem::path path = dir.path();
  std::filesystem::path db() const { return path / "state" / "state.rocksdb"; }  // as in the daemon's state_dir
};

}  // namespace h2k::test
