// Real copies of every source format we accept into qcow2 and raw: the guest
// sees the same bytes, the copy is sparse, the source is untouched and the
// progress a user watches is complete and monotonic.
#include "tests/unit/copy/copy_test_support.hpp"

using namespace h2k;
using namespace h2k::copy_test;

namespace {

struct SourceImage {
  fs::path main;                 // the file named in the SourceDisk
  FileKind kind;
  std::vector<fs::path> parts;   // every file to fingerprint (descriptor + extents)
};

// Copies `src` to both output formats and checks everything a user relies on.
void copy_and_verify(const ScratchDir& dir, const fs::path& reference_raw, const SourceImage& src) {
  for (OutputFormat out_format : {OutputFormat::Qcow2, OutputFormat::Raw}) {
    BOOST_TEST_CONTEXT("source " << src.main.filename() << " -> " << out_format) {
      std::vector<Fingerprint> before;
      for (const auto& p : src.parts) before.push_back(fingerprint(p));

      SourceDisk disk = whole_file_disk(src.main, src.kind);
      disk.parts = src.parts;
      const fs::path out = dir / (src.main.filename().string() + "." + to_string(out_format));
      ProgressLog progress;
      CopyOptions options;
      options.format = out_format;
      CopyResult result = copy_disk(disk, out, options, progress.sink(), CancelToken());

      BOOST_TEST(result.virtual_size == kDiskSize);
      BOOST_TEST(images_identical(reference_raw, "raw", out, to_string(out_format)));
      progress.check_complete(kDiskSize, disk.display_path.string());

      // Sparse: ~3 MiB of data in a 64 MiB disk must not cost 64 MiB.
      BOOST_TEST(result.bytes_written == allocated_bytes(out));
      BOOST_TEST(result.bytes_written >= kDiskData);
      BOOST_TEST(result.bytes_written < kDiskSize / 4);
      BOOST_TEST(result.seconds > 0.0);

      // The copy is what was asked for, and passes our own check.
      const std::string info = run_ok({"qemu-img", "info", "--output=json", out.string()});
      BOOST_TEST(nlohmann::json::parse(info).at("format").get<std::string>() == to_string(out_format));
      BOOST_CHECK_NO_THROW(check_image(out, out_format, "qemu-img", kDiskSize));

      for (std::size_t i = 0; i < src.parts.size(); ++i)
        BOOST_TEST(fingerprint(src.parts[i]) == before[i], src.parts[i] << " changed");
    }
  }
}

struct PatternedDisk {
  ScratchDir dir;
  fs::path raw = dir / "reference.raw";
  PatternedDisk() { make_patterned_raw(raw); }

  SourceImage single(const std::string& name, const std::string& fmt, FileKind kind, const std::string& opts = "") {
    fs::path path = dir / name;
    convert_to(raw, path, fmt, opts);
    return {path, kind, {path}};
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(copy_formats, PatternedDisk)

BOOST_AUTO_TEST_CASE(raw_source) {
  fs::path src = dir / "source.img";
  fs::copy_file(raw, src);
  copy_and_verify(dir, raw, {src, FileKind::Raw, {src}});
}

BOOST_AUTO_TEST_CASE(qcow2_source) {
  copy_and_verify(dir, raw, single("source.qcow2", "qcow2", FileKind::Qcow2));
}

BOOST_AUTO_TEST_CASE(vmdk_stream_optimized_source) {
  copy_and_verify(dir, raw, single("source.vmdk", "vmdk", FileKind::VmdkSparse, "subformat=streamOptimized"));
}

BOOST_AUTO_TEST_CASE(vmdk_monolithic_sparse_source) {
  copy_and_verify(dir, raw, single("source.vmdk", "vmdk", FileKind::VmdkSparse, "subformat=monolithicSparse"));
}

BOOST_AUTO_TEST_CASE(vmdk_descriptor_with_flat_extent) {
  // The vmdk driver opened on the descriptor reads the extent itself.
  fs::path descriptor = dir / "source.vmdk";
  convert_to(raw, descriptor, "vmdk", "subformat=monolithicFlat");
  fs::path extent = dir / "source-flat.vmdk";
  BOOST_TEST_REQUIRE(fs::exists(extent));
  copy_and_verify(dir, raw, {descriptor, FileKind::VmdkDescriptor, {descriptor, extent}});
}

BOOST_AUTO_TEST_CASE(vmdk_descriptor_with_sparse_extents) {
  fs::path descriptor = dir / "split.vmdk";
  convert_to(raw, descriptor, "vmdk", "subformat=twoGbMaxExtentSparse");
  fs::path extent = dir / "split-s001.vmdk";
  BOOST_TEST_REQUIRE(fs::exists(extent));
  copy_and_verify(dir, raw, {descriptor, FileKind::VmdkDescriptor, {descriptor, extent}});
}

BOOST_AUTO_TEST_CASE(vhdx_source) {
  copy_and_verify(dir, raw, single("source.vhdx", "vhdx", FileKind::Vhdx));
}

BOOST_AUTO_TEST_CASE(vhd_dynamic_source) {
  // force_size keeps the exact size (otherwise rounded to a CHS geometry).
  copy_and_verify(dir, raw, single("source.vhd", "vpc", FileKind::Vhd, "subformat=dynamic,force_size=on"));
}

BOOST_AUTO_TEST_CASE(vhd_fixed_source) {
  copy_and_verify(dir, raw, single("fixed.vhd", "vpc", FileKind::Vhd, "subformat=fixed,force_size=on"));
}

BOOST_AUTO_TEST_CASE(path_with_spaces_quotes_and_colons) {
  // Names that would break a hand-built json: string or look like a protocol.
  fs::path odd_dir = dir / "Web \"01\": disks\\x";
  fs::create_directories(odd_dir);
  fs::path src = odd_dir / "nbd:disk 1's.vmdk";
  convert_to(raw, src, "vmdk", "subformat=streamOptimized");
  copy_and_verify(dir, raw, {src, FileKind::VmdkSparse, {src}});
}

BOOST_AUTO_TEST_SUITE_END()
