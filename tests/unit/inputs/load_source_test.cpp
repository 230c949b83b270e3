// load_source end to end on every input kind, with real qemu-img images and
// OVAs packed by GNU tar (or by hand, for the hostile ones).
#include "engine/inputs/source_loader.hpp"

#include "inputs_test_support.hpp"

using namespace h2k;
using namespace h2k::inputs_test;

namespace {

// The vSphere 7 "web01" package: descriptor (with the test images' real
// sizes), two streamOptimized disks and a SHA256 manifest, in `pkg`.
struct Web01Package {
  ScratchDir scratch;
  fs::path pkg = scratch / "pkg";
  fs::path ova_dir = scratch / "ova";

  Web01Package() {
    fs::create_directories(pkg);
    fs::create_directories(ova_dir);
    qemu_create(pkg / "web01-disk1.vmdk", "vmdk", "16G", "subformat=streamOptimized");
    qemu_create(pkg / "web01-disk2.vmdk", "vmdk", "32G", "subformat=streamOptimized");
    std::string ovf = read_data("ovf/vsphere7-web01.ovf");
    ovf = with_file_size(ovf, "web01-disk1.vmdk", fs::file_size(pkg / "web01-disk1.vmdk"));
    ovf = with_file_size(ovf, "web01-disk2.vmdk", fs::file_size(pkg / "web01-disk2.vmdk"));
    write_bytes(pkg / "web01.ovf", ovf);
    write_manifest();
  }

  void write_manifest(const std::string& extra = "") {
    std::string mf;
    for (std::string f : {"web01.ovf", "web01-disk1.vmdk", "web01-disk2.vmdk"})
      mf += "SHA256(" + f + ")= " + sha256_file(pkg / f) + "\n";
    write_bytes(pkg / "web01.mf", mf + extra);
  }

  fs::path pack(const std::vector<std::string>& members, const std::string& name = "web01.ova",
                const std::string& format = "ustar") const {
    std::vector<std::string> argv{"tar", "--format=" + format, "-cf", (ova_dir / name).string(), "-C", pkg.string()};
    argv.insert(argv.end(), members.begin(), members.end());
    run_ok(argv);
    return ova_dir / name;
  }

  fs::path pack_standard() const { return pack({"web01.ovf", "web01.mf", "web01-disk1.vmdk", "web01-disk2.vmdk"}); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(load_ova)

BOOST_AUTO_TEST_CASE(vsphere_ova_is_read_in_place) {
  Web01Package p;
  fs::path ova = p.pack_standard();
  const auto before = listing(p.ova_dir);

  SourceVm vm = load_source(ova);

  BOOST_TEST(vm.name == "web01");
  BOOST_TEST(vm.source_kind == FileKind::Ova);
  BOOST_TEST(vm.source_path == ova);
  BOOST_TEST(vm.vcpus == 4);
  BOOST_TEST(vm.memory_mib == 8192u);
  BOOST_TEST(vm.firmware == Firmware::Bios);
  BOOST_TEST(vm.os_hint == "debian10_64Guest");
  BOOST_TEST_REQUIRE(vm.nics.size() == 2u);
  BOOST_TEST(vm.nics[0].mac == "00:50:56:ab:12:34");
  BOOST_TEST(vm.nics[0].model == "vmxnet3");
  BOOST_TEST(vm.nics[1].mac == "00:50:56:ab:56:78");
  BOOST_TEST(vm.nics[1].network == "Backup-VLAN20");

  BOOST_TEST_REQUIRE(vm.disks.size() == 2u);
  const std::vector<std::string> names{"web01-disk1.vmdk", "web01-disk2.vmdk"};
  const std::vector<std::uint64_t> sizes{16ull << 30, 32ull << 30};
  for (std::size_t i = 0; i < 2; ++i) {
    const SourceDisk& d = vm.disks[i];
    BOOST_TEST_CONTEXT("disk " << i + 1) {
      BOOST_TEST(d.id == "disk" + std::to_string(i + 1));
      BOOST_TEST(d.boot_order == static_cast<int>(i + 1));
      BOOST_TEST(d.display_path.string() == "web01.ova:" + names[i]);
      BOOST_TEST(d.format == FileKind::VmdkSparse);
      BOOST_TEST(d.format_detail == "streamOptimized");
      BOOST_TEST(d.location.file == fs::absolute(ova));
      BOOST_TEST(d.location.file.is_absolute());
      BOOST_TEST_REQUIRE(d.location.length.has_value());
      const std::string original = read_bytes(p.pkg / names[i]);
      BOOST_TEST(*d.location.length == original.size());
      BOOST_TEST(d.stored_size == original.size());
      BOOST_TEST(d.virtual_size == sizes[i]);
      // The slice is the disk, byte for byte, starting with the VMDK magic.
      BOOST_TEST(read_slice(ova, d.location.offset, 4) == "KDMV");
      BOOST_TEST(read_slice(ova, d.location.offset, original.size()) == original);
      BOOST_TEST(d.parts == std::vector<fs::path>{fs::absolute(ova)});
    }
  }
  BOOST_TEST(vm.disks[0].controller == "scsi");
  BOOST_TEST(vm.disks[0].controller_model == "pvscsi");
  BOOST_TEST(vm.disks[1].controller_model == "lsilogic");
  BOOST_TEST(!any_warning(vm.warnings, "bytes, but it has"));  // ovf:size matches the members
  // Nothing was extracted next to the OVA.
  BOOST_TEST(listing(p.ova_dir) == before);
}

BOOST_AUTO_TEST_CASE(pax_and_gnu_tar_formats_give_the_same_layout) {
  Web01Package p;
  for (std::string format : {"pax", "gnu"}) {
    fs::path ova = p.pack({"web01.ovf", "web01.mf", "web01-disk1.vmdk", "web01-disk2.vmdk"}, format + ".ova", format);
    SourceVm vm = load_source(ova);
    BOOST_TEST_REQUIRE(vm.disks.size() == 2u);
    BOOST_TEST(read_slice(ova, vm.disks[1].location.offset, *vm.disks[1].location.length) ==
               read_bytes(p.pkg / "web01-disk2.vmdk"));
  }
}

BOOST_AUTO_TEST_CASE(manifest_mismatch_names_the_ova_member_and_digests) {
  Web01Package p;
  std::string good = sha256_file(p.pkg / "web01-disk1.vmdk");
  std::string wrong = std::string(64, '0');
  std::string mf = read_bytes(p.pkg / "web01.mf");
  mf.replace(mf.find(good), 64, wrong);
  write_bytes(p.pkg / "web01.mf", mf);
  fs::path ova = p.pack_standard();
  std::string msg = expect_error([&] { load_source(ova); }, ErrorKind::InvalidInput, "web01.ova",
                                 "checksum mismatch for web01-disk1.vmdk (SHA256 expected " + wrong + ", got " + good + ")");
  BOOST_TEST(msg.find(ova.string()) == 0u);

  // With verification off the same OVA loads, and says it was not checked.
  LoadOptions no_verify;
  no_verify.verify_manifest = false;
  SourceVm vm = load_source(ova, no_verify);
  BOOST_TEST(vm.disks.size() == 2u);
  BOOST_TEST(any_warning(vm.warnings, "web01.mf was not verified"));
}

BOOST_AUTO_TEST_CASE(manifest_naming_a_file_not_in_the_archive) {
  Web01Package p;
  p.write_manifest("SHA256(web01-disk3.vmdk)= " + std::string(64, 'a') + "\n");
  fs::path ova = p.pack_standard();
  expect_error([&] { load_source(ova); }, ErrorKind::InvalidInput, "web01.ova",
               "manifest web01.mf lists 'web01-disk3.vmdk', which is not in the package");
}

BOOST_AUTO_TEST_CASE(certificate_is_noted_not_verified) {
  Web01Package p;
  write_bytes(p.pkg / "web01.cert", "SHA256(web01.mf)= 00\n-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
  fs::path ova = p.pack({"web01.ovf", "web01.mf", "web01-disk1.vmdk", "web01-disk2.vmdk", "web01.cert"});
  SourceVm vm = load_source(ova);
  BOOST_TEST(any_warning(vm.warnings, "web01.cert (a signing certificate) is present but the signature is not verified"));
}

BOOST_AUTO_TEST_CASE(disk_missing_from_the_archive) {
  Web01Package p;
  fs::remove(p.pkg / "web01.mf");
  fs::path ova = p.pack({"web01.ovf", "web01-disk1.vmdk"});
  expect_error([&] { load_source(ova); }, ErrorKind::InvalidInput, "web01.ova",
               "disk 'vmdisk2' refers to 'web01-disk2.vmdk', which is not in the archive");
}

BOOST_AUTO_TEST_CASE(descriptor_not_first_is_accepted_with_a_warning) {
  Web01Package p;
  fs::path ova = p.pack({"web01-disk1.vmdk", "web01.ovf", "web01-disk2.vmdk", "web01.mf"});
  SourceVm vm = load_source(ova);
  BOOST_TEST(vm.disks.size() == 2u);
  BOOST_TEST(any_warning(vm.warnings, "is not the first member"));
}

BOOST_AUTO_TEST_CASE(gzip_compressed_disk_member_is_unsupported) {
  Web01Package p;
  std::string ovf = read_bytes(p.pkg / "web01.ovf");
  ovf.replace(ovf.find("\"web01-disk2.vmdk\""), 18, "\"web01-disk2.vmdk.gz\"");
  write_bytes(p.pkg / "web01.ovf", ovf);
  run_ok({"gzip", "-k", (p.pkg / "web01-disk2.vmdk").string()});
  fs::remove(p.pkg / "web01.mf");
  fs::path ova = p.pack({"web01.ovf", "web01-disk1.vmdk", "web01-disk2.vmdk.gz"});
  expect_error([&] { load_source(ova); }, ErrorKind::Unsupported, "web01.ova",
               "web01-disk2.vmdk.gz is gzip-compressed");
}

BOOST_AUTO_TEST_CASE(declared_vmdk_that_is_not_vmdk) {
  Web01Package p;
  write_bytes(p.pkg / "web01-disk2.vmdk", std::string(1 << 20, '\0'));  // raw zeros
  fs::remove(p.pkg / "web01.mf");
  fs::path ova = p.pack({"web01.ovf", "web01-disk1.vmdk", "web01-disk2.vmdk"});
  expect_error([&] { load_source(ova); }, ErrorKind::InvalidInput, "web01.ova:web01.ovf",
               "disk 'vmdisk2' (web01-disk2.vmdk) is declared as VMDK but its bytes are raw");
}

BOOST_AUTO_TEST_CASE(hostile_archives_are_refused_before_anything_is_read) {
  ScratchDir dir;
  const std::string ovf = read_data("ovf/minimal.ovf");
  struct Case {
    std::string label;
    std::vector<TarMember> members;
    std::string reason;
  };
  TarMember symlink{"tiny.vmdk", "", '2', "/dev/sda"};
  TarMember past_end{"tiny.vmdk", "KDMV"};
  past_end.size_field = octal(10u << 20, 12);
  TarMember bad_sum{"tiny.vmdk", "KDMV"};
  bad_sum.corrupt_checksum = true;
  std::vector<Case> cases = {
      {"dotdot", {TarMember{"tiny.ovf", ovf}, TarMember{"../tiny.vmdk", "KDMV"}}, "refusing entry '../tiny.vmdk'"},
      {"absolute", {TarMember{"tiny.ovf", ovf}, TarMember{"/tmp/tiny.vmdk", "KDMV"}}, "refusing entry '/tmp/tiny.vmdk': absolute path"},
      {"symlink", {TarMember{"tiny.ovf", ovf}, symlink}, "refusing entry 'tiny.vmdk': symbolic links are not allowed"},
      {"past-end", {TarMember{"tiny.ovf", ovf}, past_end}, "refusing entry 'tiny.vmdk': declares 10485760 bytes but only"},
      {"checksum", {TarMember{"tiny.ovf", ovf}, bad_sum}, "header checksum mismatch"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.label) {
      fs::path ova = dir / (c.label + ".ova");
      write_bytes(ova, tar_bytes(c.members, c.label != "past-end"));
      const auto before = listing(dir.path());
      expect_error([&] { load_source(ova); }, ErrorKind::InvalidInput, c.label + ".ova", c.reason);
      BOOST_TEST(listing(dir.path()) == before);
      BOOST_TEST(!fs::exists(dir.path().parent_path() / "tiny.vmdk"));
    }
  }
}

BOOST_AUTO_TEST_CASE(tar_without_descriptor_is_not_an_ova) {
  ScratchDir dir;
  write_bytes(dir / "backup.tar", tar_bytes({TarMember{"notes.txt", "hello"}}));
  expect_error([&] { load_source(dir / "backup.tar"); }, ErrorKind::InvalidInput, "backup.tar", "no .ovf descriptor");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(load_ovf)

BOOST_AUTO_TEST_CASE(ovf_folder_with_sibling_disks) {
  ScratchDir dir;
  qemu_create(dir / "app01 (prod)-disk1.vmdk", "vmdk", "16G", "subformat=streamOptimized");
  qemu_create(dir / "app01 (prod)-disk2.vmdk", "vmdk", "8G", "subformat=streamOptimized");
  std::string ovf = read_data("ovf/vsphere8-app01-efi.ovf");
  ovf = with_file_size(ovf, "app01 (prod)-disk1.vmdk", fs::file_size(dir / "app01 (prod)-disk1.vmdk"));
  ovf = with_file_size(ovf, "app01 (prod)-disk2.vmdk", fs::file_size(dir / "app01 (prod)-disk2.vmdk"));
  write_bytes(dir / "app01.ovf", ovf);

  SourceVm vm = load_source(dir / "app01.ovf");
  BOOST_TEST(vm.source_kind == FileKind::Ovf);
  BOOST_TEST(vm.name == "app01__prod_");
  BOOST_TEST(any_warning(vm.warnings, "VM name 'app01 (prod)' was changed to 'app01__prod_'"));
  BOOST_TEST(vm.firmware == Firmware::Efi);
  BOOST_TEST(vm.memory_mib == 16384u);
  BOOST_TEST_REQUIRE(vm.disks.size() == 2u);
  BOOST_TEST(vm.disks[0].location.file == dir / "app01 (prod)-disk1.vmdk");
  BOOST_TEST(!vm.disks[0].location.length.has_value());
  BOOST_TEST(vm.disks[0].location.offset == 0u);
  BOOST_TEST(vm.disks[0].controller == "nvme");
  BOOST_TEST(vm.disks[0].virtual_size == 16ull << 30);
  BOOST_TEST(vm.disks[1].controller == "sata");
  BOOST_TEST(vm.disks[1].virtual_size == 8ull << 30);
  BOOST_TEST(vm.disks[1].id == "disk2");
}

BOOST_AUTO_TEST_CASE(ovf_manifest_is_verified_for_folders_too) {
  ScratchDir dir;
  qemu_create(dir / "tiny.vmdk", "vmdk", "1G", "subformat=streamOptimized");
  write_bytes(dir / "tiny.ovf", read_data("ovf/minimal.ovf"));
  write_bytes(dir / "tiny.mf", "SHA1(tiny.vmdk)= da39a3ee5e6b4b0d3255bfef95601890afd80709\n");
  expect_error([&] { load_source(dir / "tiny.ovf"); }, ErrorKind::InvalidInput, "tiny.ovf",
               "checksum mismatch for tiny.vmdk (SHA1 expected da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

BOOST_AUTO_TEST_CASE(hyperv_ovf_with_vhd_disks) {
  ScratchDir dir;
  qemu_create(dir / "sql01-os.vhd", "vpc", "64M");
  qemu_create(dir / "sql01-data.vhd", "vpc", "128M");
  write_bytes(dir / "sql01.ovf", read_data("ovf/hyperv-sql01.ovf"));
  SourceVm vm = load_source(dir / "sql01.ovf");
  BOOST_TEST(vm.name == "SQL01_Production");
  BOOST_TEST(vm.firmware == Firmware::Bios);
  BOOST_TEST_REQUIRE(vm.disks.size() == 2u);
  BOOST_TEST(vm.disks[0].format == FileKind::Vhd);
  BOOST_TEST(vm.disks[0].display_path == dir / "sql01-os.vhd");
  BOOST_TEST(vm.disks[0].controller == "ide");
  BOOST_TEST(vm.disks[0].virtual_size > 0u);
  BOOST_TEST(vm.nics.at(0).mac == "00:15:5d:0a:1b:2c");
}

BOOST_AUTO_TEST_CASE(href_outside_the_folder_is_refused) {
  ScratchDir dir;
  fs::create_directories(dir / "pkg");
  qemu_create(dir / "tiny.vmdk", "vmdk", "1G", "subformat=streamOptimized");  // exists, but outside pkg/
  std::string ovf = read_data("ovf/minimal.ovf");
  ovf.replace(ovf.find("\"tiny.vmdk\""), 11, "\"../tiny.vmdk\"");
  write_bytes(dir / "pkg" / "tiny.ovf", ovf);
  expect_error([&] { load_source(dir / "pkg" / "tiny.ovf"); }, ErrorKind::InvalidInput, "tiny.ovf",
               "disk 'vmdisk1' refers to '../tiny.vmdk', outside the OVF's folder");
}

BOOST_AUTO_TEST_CASE(missing_sibling_disk_is_named) {
  ScratchDir dir;
  write_bytes(dir / "tiny.ovf", read_data("ovf/minimal.ovf"));
  expect_error([&] { load_source(dir / "tiny.ovf"); }, ErrorKind::InvalidInput, "tiny.ovf",
               "disk 'vmdisk1' file " + (dir / "tiny.vmdk").string() + " does not exist");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(load_vmx)

BOOST_AUTO_TEST_CASE(vmx_with_descriptor_and_sparse_disks) {
  ScratchDir dir;
  qemu_create(dir / "web01.vmdk", "vmdk", "32M", "subformat=monolithicFlat");
  qemu_create(dir / "web01_1.vmdk", "vmdk", "64M", "subformat=monolithicSparse");
  write_bytes(dir / "web01.vmx", read_data("vmx/web01.vmx"));

  SourceVm vm = load_source(dir / "web01.vmx");
  BOOST_TEST(vm.source_kind == FileKind::Vmx);
  BOOST_TEST(vm.name == "web01");
  BOOST_TEST(vm.vcpus == 4);
  BOOST_TEST(vm.memory_mib == 8192u);
  BOOST_TEST(vm.firmware == Firmware::Bios);
  BOOST_TEST_REQUIRE(vm.disks.size() == 2u);
  const SourceDisk& d1 = vm.disks[0];
  BOOST_TEST(d1.format == FileKind::VmdkDescriptor);
  BOOST_TEST(d1.format_detail == "monolithicFlat");
  BOOST_TEST(d1.location.file == dir / "web01.vmdk");  // qemu-img follows the descriptor
  BOOST_TEST(d1.parts == (std::vector<fs::path>{dir / "web01.vmdk", dir / "web01-flat.vmdk"}));
  BOOST_TEST(d1.virtual_size == 32ull << 20);
  BOOST_TEST(d1.stored_size == fs::file_size(dir / "web01.vmdk") + fs::file_size(dir / "web01-flat.vmdk"));
  BOOST_TEST(d1.controller_model == "pvscsi");
  const SourceDisk& d2 = vm.disks[1];
  BOOST_TEST(d2.format == FileKind::VmdkSparse);
  BOOST_TEST(d2.virtual_size == 64ull << 20);
  BOOST_TEST(d2.controller_model == "lsilogicsas");
  BOOST_TEST_REQUIRE(vm.nics.size() == 2u);
  BOOST_TEST(vm.nics[1].mac == "00:50:56:01:02:03");
}

BOOST_AUTO_TEST_CASE(missing_extent_is_named) {
  ScratchDir dir;
  qemu_create(dir / "web01.vmdk", "vmdk", "32M", "subformat=monolithicFlat");
  qemu_create(dir / "web01_1.vmdk", "vmdk", "64M", "subformat=monolithicSparse");
  write_bytes(dir / "web01.vmx", read_data("vmx/web01.vmx"));
  fs::remove(dir / "web01-flat.vmdk");
  expect_error([&] { load_source(dir / "web01.vmx"); }, ErrorKind::InvalidInput, "web01.vmdk",
               "extent 'web01-flat.vmdk' (line 8) is missing");
  expect_error([&] { load_source(dir / "web01.vmdk"); }, ErrorKind::InvalidInput, "web01.vmdk",
               "extent 'web01-flat.vmdk' (line 8) is missing");
}

BOOST_AUTO_TEST_CASE(missing_disk_file_is_named) {
  ScratchDir dir;
  qemu_create(dir / "web01.vmdk", "vmdk", "32M", "subformat=monolithicFlat");
  write_bytes(dir / "web01.vmx", read_data("vmx/web01.vmx"));
  expect_error([&] { load_source(dir / "web01.vmx"); }, ErrorKind::InvalidInput, "web01.vmx",
               "disk scsi1:0 file 'web01_1.vmdk' does not exist");
}

BOOST_AUTO_TEST_CASE(absolute_disk_paths) {
  ScratchDir dir;
  fs::create_directories(dir / "vm");
  fs::create_directories(dir / "other-datastore");
  qemu_create(dir / "other-datastore" / "data.vmdk", "vmdk", "16M", "subformat=monolithicSparse");
  qemu_create(dir / "vm" / "boot.vmdk", "vmdk", "16M", "subformat=monolithicSparse");
  const std::string vmx =
      "displayName = \"abs\"\nmemsize = \"512\"\nscsi0.present = \"TRUE\"\n"
      "scsi0:0.present = \"TRUE\"\nscsi0:0.fileName = \"/vmfs/volumes/datastore1/abs/boot.vmdk\"\n"
      "scsi0:1.present = \"TRUE\"\nscsi0:1.fileName = \"" + (dir / "other-datastore" / "data.vmdk").string() + "\"\n";
  write_bytes(dir / "vm" / "abs.vmx", vmx);
  SourceVm vm = load_source(dir / "vm" / "abs.vmx");
  BOOST_TEST_REQUIRE(vm.disks.size() == 2u);
  // The ESXi path does not exist here, but the copied folder holds boot.vmdk.
  BOOST_TEST(vm.disks[0].location.file == dir / "vm" / "boot.vmdk");
  BOOST_TEST(any_warning(vm.warnings, "/vmfs/volumes/datastore1/abs/boot.vmdk' does not exist"));
  BOOST_TEST(vm.disks[1].location.file == dir / "other-datastore" / "data.vmdk");

  fs::remove(dir / "vm" / "boot.vmdk");
  expect_error([&] { load_source(dir / "vm" / "abs.vmx"); }, ErrorKind::InvalidInput, "abs.vmx",
               "disk scsi0:0 file '/vmfs/volumes/datastore1/abs/boot.vmdk' does not exist");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(load_single_disk)

BOOST_AUTO_TEST_CASE(each_image_format_becomes_one_disk) {
  ScratchDir dir;
  struct Case {
    std::string file, qemu_format, options;
    FileKind kind;
  };
  const std::vector<Case> cases = {
      {"db01.qcow2", "qcow2", "", FileKind::Qcow2},
      {"db01.vhdx", "vhdx", "", FileKind::Vhdx},
      {"db01.vhd", "vpc", "subformat=fixed", FileKind::Vhd},
      {"db01.img", "raw", "", FileKind::Raw},
      {"db01-stream.vmdk", "vmdk", "subformat=streamOptimized", FileKind::VmdkSparse},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.file) {
      qemu_create(dir / c.file, c.qemu_format, "64M", c.options);
      SourceVm vm = load_source(dir / c.file);
      BOOST_TEST(vm.source_kind == c.kind);
      BOOST_TEST(vm.name == fs::path(c.file).stem().string());
      BOOST_TEST_REQUIRE(vm.disks.size() == 1u);
      const SourceDisk& d = vm.disks[0];
      BOOST_TEST(d.id == "disk1");
      BOOST_TEST(d.format == c.kind);
      BOOST_TEST(d.location.file == dir / c.file);
      BOOST_TEST(d.stored_size == fs::file_size(dir / c.file));
      // What qemu-img will present (for VHD the CHS-rounded size, not 64 MiB).
      BOOST_TEST(d.virtual_size == qemu_info(dir / c.file, c.qemu_format).at("virtual-size").get<std::uint64_t>());
      BOOST_TEST(vm.firmware == Firmware::Unknown);
    }
  }
}

BOOST_AUTO_TEST_CASE(relative_paths_become_absolute) {
  ScratchDir dir;
  qemu_create(dir / "rel.qcow2", "qcow2", "16M");
  auto cwd = fs::current_path();
  fs::current_path(dir.path());
  SourceVm vm;
  try {
    vm = load_source("rel.qcow2");
  } catch (...) {
    fs::current_path(cwd);
    throw;
  }
  fs::current_path(cwd);
  BOOST_TEST(vm.source_path == fs::path("rel.qcow2"));
  BOOST_TEST(vm.disks.at(0).location.file == dir / "rel.qcow2");
}

BOOST_AUTO_TEST_CASE(name_override_is_sanitised) {
  ScratchDir dir;
  qemu_create(dir / "disk.qcow2", "qcow2", "16M");
  LoadOptions options;
  options.name_override = "../web 01";
  SourceVm vm = load_source(dir / "disk.qcow2", options);
  BOOST_TEST(vm.name == "_web_01");
  BOOST_TEST(any_warning(vm.warnings, "VM name '../web 01' was changed to '_web_01'"));
}

BOOST_AUTO_TEST_CASE(text_and_manifests_are_not_disks) {
  ScratchDir dir;
  write_bytes(dir / "notes.txt", "Migration plan for web01\nStep 1: export the VM.\n");
  expect_error([&] { load_source(dir / "notes.txt"); }, ErrorKind::InvalidInput, "notes.txt",
               "not a disk image or VM description (");
  write_bytes(dir / "export.json", R"({"manifest_version": 1, "disks": [{"path": "web01.qcow2"}]})");
  expect_error([&] { load_source(dir / "export.json"); }, ErrorKind::InvalidInput, "export.json",
               "manifest_version: must be a string");
  expect_error([&] { load_source(dir / "absent.vmdk"); }, ErrorKind::InvalidInput, "absent.vmdk", "does not exist");
}

BOOST_AUTO_TEST_CASE(json_view_of_a_source_vm) {
  Web01Package p;
  SourceVm vm = load_source(p.pack_standard());
  nlohmann::json j = to_json(vm);
  BOOST_TEST(j.at("name") == "web01");
  BOOST_TEST(j.at("firmware") == "bios");
  BOOST_TEST(j.at("source_kind") == "ova");
  BOOST_TEST(j.at("disks").size() == 2u);
  BOOST_TEST(j.at("disks")[0].at("format") == "vmdk-sparse");
  BOOST_TEST(j.at("disks")[0].at("location").at("offset") == vm.disks[0].location.offset);
  BOOST_TEST(j.at("disks")[0].at("location").at("length") == *vm.disks[0].location.length);
  BOOST_TEST(j.at("nics")[1].at("mac") == "00:50:56:ab:56:78");
  BOOST_TEST(std::string(to_string(Firmware::Efi)) == "efi");
}

BOOST_AUTO_TEST_SUITE_END()
