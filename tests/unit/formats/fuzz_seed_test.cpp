// The committed fuzz seeds must be valid images, or the fuzzers would only
// ever explore the early "bad magic" exits. Also checks SparseFileSource,
// which the VHDX fuzzer reads its compact "files" through.
#include "tests/unit/support/test_paths.hpp"
#include "engine/formats/disk_header.hpp"
#include "engine/formats/qcow2.hpp"
#include "engine/formats/vhd.hpp"
#include "engine/formats/vhdx.hpp"
#include "engine/formats/vmdk.hpp"
#include "formats_test_support.hpp"
#include "tests/fuzz/fuzz_support.hpp"

using namespace h2k;
using namespace h2k::formats_test;

namespace {

fs::path corpus(const std::string& target) { return fs::path(H2K_SOURCE_DIR) / "tests/fuzz/corpus" / target; }

std::vector<fs::path> seeds(const std::string& target) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(corpus(target))) files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  BOOST_TEST_REQUIRE(!files.empty(), "no seeds for " << target);
  return files;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(fuzz_seeds)

BOOST_AUTO_TEST_CASE(sparse_file_source_matches_the_original_image) {
  ScratchDir dir;
  qemu_create(dir / "d.vhdx", "vhdx", "10M");
  run_ok({"python3", (fs::path(H2K_SOURCE_DIR) / "tests/fuzz/make_sparse_seed.py").string(), (dir / "d.vhdx").string(),
          (dir / "d.sparse").string()});
  std::string original = read_bytes(dir / "d.vhdx");
  std::string encoded = read_bytes(dir / "d.sparse");
  BOOST_TEST(encoded.size() < 8192u);
  fuzz::SparseFileSource sparse(encoded, "d.vhdx");
  BOOST_TEST(sparse.size() == original.size());
  for (std::uint64_t offset : {0ull, 65536ull, 196608ull, 2097152ull, 3145728ull, 8388600ull}) {
    BOOST_TEST((sparse.read(offset, 4096) == original.substr(offset, 4096)), "at offset " << offset);
  }
  BOOST_TEST(sparse.read(original.size(), 10).empty());
}

BOOST_AUTO_TEST_CASE(vhdx_seeds_parse) {
  for (const auto& p : seeds("fuzz_vhdx")) {
    BOOST_TEST_CONTEXT(p.filename()) {
      std::string encoded = read_bytes(p);
      VhdxInfo info = inspect_vhdx(fuzz::SparseFileSource(encoded, p.filename().string()));
      BOOST_TEST(info.virtual_size > 0u);
    }
  }
}

BOOST_AUTO_TEST_CASE(disk_seeds_parse) {
  for (const auto& p : seeds("fuzz_vhd")) {
    BOOST_TEST_CONTEXT(p.filename()) { BOOST_TEST(inspect_vhd(FileByteSource(p)).virtual_size > 0u); }
  }
  for (const auto& p : seeds("fuzz_qcow2")) {
    BOOST_TEST_CONTEXT(p.filename()) {
      if (p.filename() == "overlay.qcow2") {
        expect_error([&] { inspect_qcow2(FileByteSource(p)); }, ErrorKind::Unsupported, "overlay.qcow2", "backing file");
      } else {
        BOOST_TEST(inspect_qcow2(FileByteSource(p)).header.size > 0u);
      }
    }
  }
  for (const auto& p : seeds("fuzz_vmdk_sparse_header")) {
    BOOST_TEST_CONTEXT(p.filename()) { BOOST_TEST(inspect_disk_header(p, FileKind::VmdkSparse).virtual_size > 0u); }
  }
  for (const auto& p : seeds("fuzz_vmdk_descriptor")) {
    BOOST_TEST_CONTEXT(p.filename()) {
      if (p.filename() == "esx-delta.txt") {
        expect_error([&] { parse_vmdk_descriptor(read_bytes(p), "esx-delta.txt"); }, ErrorKind::Unsupported,
                     "esx-delta.txt", "snapshot");
      } else {
        BOOST_TEST(!parse_vmdk_descriptor(read_bytes(p), p.filename().string()).extents.empty());
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(probe_seeds_cover_every_kind) {
  std::set<FileKind> kinds;
  for (const auto& p : seeds("fuzz_probe")) kinds.insert(probe_file(p).kind);
  for (FileKind k : {FileKind::Raw, FileKind::Qcow2, FileKind::VmdkSparse, FileKind::VmdkDescriptor, FileKind::Vhd, FileKind::Vhdx,
                     FileKind::Ova, FileKind::Ovf, FileKind::Vmx, FileKind::Manifest, FileKind::Unknown})
    BOOST_TEST(kinds.count(k) == 1u, to_string(k));
}

BOOST_AUTO_TEST_SUITE_END()
