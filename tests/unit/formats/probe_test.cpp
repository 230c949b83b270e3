// probe_file / probe_bytes on real qemu-img images and on text/junk files.
#include <random>

#include "engine/core/fs.hpp"
#include "engine/formats/disk_format.hpp"
#include "engine/formats/disk_header.hpp"
#include "formats_test_support.hpp"

using namespace h2k;
using namespace h2k::formats_test;

namespace {

ProbeResult probe_created(const ScratchDir& dir, const std::string& name, const std::string& fmt,
                          const std::string& options = "") {
  qemu_create(dir / name, fmt, "10M", options);
  return probe_file(dir / name);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(probe)

BOOST_AUTO_TEST_CASE(qcow2_is_detected_with_version) {
  ScratchDir dir;
  auto v3 = probe_created(dir, "a.qcow2", "qcow2");
  BOOST_TEST(v3.kind == FileKind::Qcow2);
  BOOST_TEST(v3.detail == "qcow2 v3");
  auto v2 = probe_created(dir, "b.qcow2", "qcow2", "compat=0.10");
  BOOST_TEST(v2.detail == "qcow2 v2");
  BOOST_TEST(v2.file_size == fs::file_size(dir / "b.qcow2"));
}

BOOST_AUTO_TEST_CASE(vmdk_sparse_variants_say_which) {
  ScratchDir dir;
  auto mono = probe_created(dir, "mono.vmdk", "vmdk", "subformat=monolithicSparse");
  BOOST_TEST(mono.kind == FileKind::VmdkSparse);
  BOOST_TEST(mono.detail == "monolithicSparse");
  auto stream = probe_created(dir, "stream.vmdk", "vmdk", "subformat=streamOptimized");
  BOOST_TEST(stream.kind == FileKind::VmdkSparse);
  BOOST_TEST(stream.detail == "streamOptimized");
  qemu_create(dir / "split.vmdk", "vmdk", "10M", "subformat=twoGbMaxExtentSparse");
  auto descriptor = probe_file(dir / "split.vmdk");
  BOOST_TEST(descriptor.kind == FileKind::VmdkDescriptor);
  BOOST_TEST(descriptor.detail == "twoGbMaxExtentSparse");
  auto extent = probe_file(dir / "split-s001.vmdk");
  BOOST_TEST(extent.kind == FileKind::VmdkSparse);
  BOOST_TEST(extent.detail == "sparse extent");
}

BOOST_AUTO_TEST_CASE(vmdk_flat_descriptor_and_extent) {
  ScratchDir dir;
  qemu_create(dir / "flat.vmdk", "vmdk", "10M", "subformat=monolithicFlat");
  auto descriptor = probe_file(dir / "flat.vmdk");
  BOOST_TEST(descriptor.kind == FileKind::VmdkDescriptor);
  BOOST_TEST(descriptor.detail == "monolithicFlat");
  // The flat extent is just sectors: a raw image.
  BOOST_TEST(probe_file(dir / "flat-flat.vmdk").kind == FileKind::Raw);
  BOOST_TEST(qemu_driver(descriptor.kind) == "vmdk");
}

BOOST_AUTO_TEST_CASE(vhd_fixed_and_dynamic) {
  ScratchDir dir;
  auto fixed = probe_created(dir, "fixed.vhd", "vpc", "subformat=fixed");
  BOOST_TEST(fixed.kind == FileKind::Vhd);
  BOOST_TEST(fixed.detail == "fixed");
  auto dynamic = probe_created(dir, "dyn.vhd", "vpc", "subformat=dynamic");
  BOOST_TEST(dynamic.kind == FileKind::Vhd);
  BOOST_TEST(dynamic.detail == "dynamic");
  BOOST_TEST(qemu_driver(FileKind::Vhd) == "vpc");
}

BOOST_AUTO_TEST_CASE(vhdx_and_raw) {
  ScratchDir dir;
  BOOST_TEST(probe_created(dir, "d.vhdx", "vhdx").kind == FileKind::Vhdx);
  auto raw = probe_created(dir, "d.img", "raw");
  BOOST_TEST(raw.kind == FileKind::Raw);
  BOOST_TEST(raw.file_size == 10u * 1024 * 1024);
  BOOST_TEST(qemu_driver(raw.kind) == "raw");
}

BOOST_AUTO_TEST_CASE(raw_with_mbr_signature_is_raw) {
  std::string sector(1024, '\0');
  sector[510] = '\x55';
  sector[511] = '\xAA';
  auto r = probe_bytes(sector, sector.size());
  BOOST_TEST(r.kind == FileKind::Raw);
  BOOST_TEST(r.detail == "MBR boot sector");
}

BOOST_AUTO_TEST_CASE(ova_is_a_tar_archive) {
  ScratchDir dir;
  write_bytes(dir / "vm.ovf", "<?xml version=\"1.0\"?><Envelope/>\n");
  run_ok({"tar", "-C", dir.path().string(), "--format=ustar", "-cf", (dir / "vm.ova").string(), "vm.ovf"});
  auto r = probe_file(dir / "vm.ova");
  BOOST_TEST(r.kind == FileKind::Ova);
  BOOST_TEST(qemu_driver(r.kind).empty());
}

BOOST_AUTO_TEST_CASE(ovf_needs_envelope_root_in_ovf_namespace) {
  std::string ovf =
      "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- made by a tool -->\n"
      "<ovf:Envelope xmlns:ovf=\"http://schemas.dmtf.org/ovf/envelope/1\" vmw:x=\"1\">\n"
      "<References/></ovf:Envelope>\n";
  BOOST_TEST(probe_bytes(ovf, ovf.size()).kind == FileKind::Ovf);
  std::string plain = "<?xml version=\"1.0\"?>\n<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/2\"></Envelope>";
  BOOST_TEST(probe_bytes(plain, plain.size()).kind == FileKind::Ovf);
  std::string soap = "<?xml version=\"1.0\"?><soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"/>";
  BOOST_TEST(probe_bytes(soap, soap.size()).kind == FileKind::Unknown);
  std::string domain = "<domain type='kvm'><name>x</name></domain>";
  auto r = probe_bytes(domain, domain.size());
  BOOST_TEST(r.kind == FileKind::Unknown);
  BOOST_TEST(r.detail.find("<domain>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(vmx_is_recognised_from_key_value_lines) {
  std::string vmx =
      ".encoding = \"UTF-8\"\nconfig.version = \"8\"\nvirtualHW.version = \"14\"\n"
      "displayName = \"web01\"\nscsi0:0.fileName = \"web01.vmdk\"\nmemsize = \"2048\"\n";
  BOOST_TEST(probe_bytes(vmx, vmx.size()).kind == FileKind::Vmx);
  // key = "value" lines with none of the VMware keys: some other config file.
  std::string other = "name = \"x\"\ncolor = \"blue\"\n";
  BOOST_TEST(probe_bytes(other, other.size()).kind == FileKind::Unknown);
}

BOOST_AUTO_TEST_CASE(manifest_json_needs_version_and_disks) {
  std::string manifest = R"({"manifest_version": 1, "disks": [{"path": "a.vmdk"}]})";
  BOOST_TEST(probe_bytes(manifest, manifest.size()).kind == FileKind::Manifest);
  std::string version = R"({"version": "1", "disks": []})";
  BOOST_TEST(probe_bytes(version, version.size()).kind == FileKind::Manifest);
  std::string other = R"({"name": "package.json", "version": "1.0"})";
  BOOST_TEST(probe_bytes(other, other.size()).kind == FileKind::Unknown);
}

BOOST_AUTO_TEST_CASE(text_files_are_unknown_not_raw) {
  // 1024 bytes: a multiple of 512, so only the text check keeps it from "raw".
  std::string script = "#!/bin/sh\necho hello\n";
  script.resize(1024, '#');
  auto r = probe_bytes(script, script.size());
  BOOST_TEST(r.kind == FileKind::Unknown);
  BOOST_TEST(r.detail.find("text") != std::string::npos);
  std::string readme = "This is a README.\nIt describes nothing of interest.\n";
  BOOST_TEST(probe_bytes(readme, readme.size()).kind == FileKind::Unknown);
}

BOOST_AUTO_TEST_CASE(empty_small_and_odd_sized_files) {
  ScratchDir dir;
  write_bytes(dir / "empty", "");
  auto empty = probe_file(dir / "empty");
  BOOST_TEST(empty.kind == FileKind::Unknown);
  BOOST_TEST(empty.detail == "empty file");

  std::mt19937 rng(42);
  std::string random(1000, '\0');
  for (char& c : random) c = static_cast<char>(rng());
  random[3] = '\0';  // make sure it is not taken for text
  write_bytes(dir / "random.bin", random);
  auto r = probe_file(dir / "random.bin");
  BOOST_TEST(r.kind == FileKind::Unknown);
  BOOST_TEST(r.detail.find("not a multiple of 512") != std::string::npos);

  std::string tiny(100, '\x01');
  tiny[0] = '\0';
  auto t = probe_bytes(tiny, tiny.size());
  BOOST_TEST(t.kind == FileKind::Unknown);
  BOOST_TEST(t.detail.find("too small") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_file_and_directory_are_errors_naming_the_path) {
  ScratchDir dir;
  expect_error([&] { probe_file(dir / "nope.vmdk"); }, ErrorKind::InvalidInput, "nope.vmdk", "does not exist");
  expect_error([&] { probe_file(dir.path()); }, ErrorKind::InvalidInput, dir.path().string(), "directory");
}

BOOST_AUTO_TEST_CASE(kind_names_are_distinct) {
  std::set<std::string> names;
  for (auto k : {FileKind::Raw, FileKind::Qcow2, FileKind::VmdkSparse, FileKind::VmdkDescriptor, FileKind::Vhd,
                 FileKind::Vhdx, FileKind::Ova, FileKind::Ovf, FileKind::Vmx, FileKind::Manifest, FileKind::Unknown})
    names.insert(to_string(k));
  BOOST_TEST(names.size() == 11u);
}

BOOST_AUTO_TEST_SUITE_END()

// `qemu-img convert` (unlike `create`) pads a standalone descriptor to 512
// bytes with NULs, as VMware does; such a descriptor must not be taken for a
// 512-byte raw disk (which would "convert" a 3 GiB VM into one sector).
BOOST_AUTO_TEST_SUITE(probe_padded)

BOOST_AUTO_TEST_CASE(nul_padded_descriptors_made_by_qemu_img_convert) {
  ScratchDir dir;
  qemu_create(dir / "src.raw", "raw", "10M");
  for (std::string sub : {"monolithicFlat", "twoGbMaxExtentFlat", "twoGbMaxExtentSparse"}) {
    fs::path out = dir / (sub + ".vmdk");
    // -S 0 (write every sector, as when the source holds data) is what makes qemu-img pad.
    run_ok({"qemu-img", "convert", "-q", "-S", "0", "-f", "raw", "-O", "vmdk", "-o", "subformat=" + sub,
            (dir / "src.raw").string(), out.string()});
    std::string bytes = read_at(out, 0, 4096);
    BOOST_TEST_REQUIRE(bytes.find('\0') != std::string::npos, sub << " descriptor is not NUL-padded");
    auto r = probe_file(out);
    BOOST_TEST(r.kind == FileKind::VmdkDescriptor, sub << " probed as " << to_string(r.kind));
    BOOST_TEST(r.detail == sub);
  }
}

// The exact bytes of a fixture qemu-img made in CI: after the rewritten
// descriptor's NUL terminator, two stale bytes of the longer original text.
BOOST_AUTO_TEST_CASE(descriptor_with_stale_bytes_after_its_terminator) {
  std::string text =
      "# Disk DescriptorFile\nversion=1\nCID=2b21d\nparentCID=ffffffff\ncreateType=\"twoGbMaxExtentSparse\"\n"
      "# Extent description\nRW 4194304 SPARSE \"debian12-vmware-s001.vmdk\"\n"
      "RW 2097152 SPARSE \"debian12-vmware-s002.vmdk\"\n# The Disk Data Base\n#DDB\n"
      "ddb.virtualHWVersion = \"4\"\nddb.adapterType = \"lsilogic\"\nddb.toolsVersion = \"2147483647\"\n";
  std::string head = text + std::string(1, '\0') + "\"\n";
  head.resize(512, '\0');
  auto r = probe_bytes(head, head.size());
  BOOST_TEST(r.kind == FileKind::VmdkDescriptor, "probed as " << to_string(r.kind) << ": " << r.detail);
  BOOST_TEST(r.detail == "twoGbMaxExtentSparse");
}

BOOST_AUTO_TEST_CASE(text_followed_by_zeros_in_a_large_file_stays_raw) {
  std::string head = "# Disk DescriptorFile\ncreateType=\"monolithicFlat\"\n";
  head.resize(64 * 1024, '\0');
  auto r = probe_bytes(head, std::string(512, '\0'), 1ull << 30);
  BOOST_TEST(r.kind == FileKind::Raw);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(descriptor_padding)

BOOST_AUTO_TEST_CASE(a_padded_descriptor_parses_and_its_extents_check) {
  ScratchDir dir;
  qemu_create(dir / "src.raw", "raw", "10M");
  fs::path out = dir / "padded.vmdk";
  run_ok({"qemu-img", "convert", "-q", "-S", "0", "-f", "raw", "-O", "vmdk", "-o", "subformat=twoGbMaxExtentFlat",
          (dir / "src.raw").string(), out.string()});
  auto info = inspect_disk_header(out, FileKind::VmdkDescriptor);
  BOOST_TEST(info.virtual_size == 10u * 1024 * 1024);
}

BOOST_AUTO_TEST_SUITE_END()
