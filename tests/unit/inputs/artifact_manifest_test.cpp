// hypersdk Artifact Manifest v1: parsing (every bad key is named), disk path
// resolution on real folders, size/checksum verification of real files
// (digests from sha256sum), and load_source on manifests naming real qcow2s.
#include "engine/inputs/artifact_manifest.hpp"

#include <random>

#include "engine/inputs/source_loader.hpp"
#include "inputs_test_support.hpp"

using namespace h2k;
using namespace h2k::inputs_test;
using nlohmann::json;

namespace {

// One valid manifest with two disks; tests break one key at a time.
json two_disk_manifest() {
  return json::parse(R"({
    "manifest_version": "1.0",
    "source": {"provider": "vsphere", "vm_id": "vm-42", "vm_name": "web01", "datacenter": "DC1",
               "export_timestamp": "2026-01-21T20:00:00Z"},
    "vm": {"cpu": 4, "mem_gb": 16, "firmware": "uefi", "secureboot": false, "os_hint": "linux",
           "os_version": "ubuntu64Guest",
           "nics": [{"mac": "00:50:56:AA:BB:01", "network": "VM Network", "model": "vmxnet3"}]},
    "disks": [
      {"id": "disk-0", "source_format": "vmdk", "bytes": 1024, "local_path": "disk-0.vmdk",
       "checksum": "sha256:A1B2C3D4E5F67890123456789012345678901234567890123456789012345678",
       "boot_order_hint": 0, "label": "Hard disk 1", "disk_type": "boot"},
      {"id": "disk-1", "source_format": "qcow2", "bytes": 2048, "local_path": "data/disk-1.qcow2",
       "boot_order_hint": 1, "disk_type": "data"}
    ],
    "pipeline": {"inspect": {"enabled": true}, "convert": {"compress": true}},
    "output": {"directory": "/somewhere", "format": "qcow2"},
    "metadata": {"anything": ["goes", 1, null]},
    "a_key_from_manifest_1_7": {"x": 1}
  })");
}

// Writes `doc` as <dir>/manifest.json and returns its path.
fs::path write_manifest(const fs::path& dir, const json& doc, const std::string& name = "manifest.json") {
  write_file(dir / name, doc.dump(2));
  return dir / name;
}

// A file of `size` pseudo-random bytes (different seeds, different bytes).
void write_random(const fs::path& path, std::size_t size, unsigned seed) {
  std::mt19937 gen(seed);
  std::string bytes(size, '\0');
  for (auto& c : bytes) c = static_cast<char>(gen());
  write_file(path, bytes);
}

json disk_entry(const std::string& id, const std::string& format, const fs::path& file, int hint, bool checksum) {
  json d = {{"id", id}, {"source_format", format}, {"bytes", fs::file_size(file)},
            {"local_path", file.string()}, {"boot_order_hint", hint}};
  if (checksum) d["checksum"] = "sha256:" + sha256_file(file);
  return d;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(artifact_manifest_parse)

BOOST_AUTO_TEST_CASE(minimal_manifest_gets_defaults) {
  ScratchDir dir("manifest");
  ArtifactManifest m = parse_artifact_manifest(
      R"({"manifest_version": "1.0",
          "disks": [{"id": "disk-0", "source_format": "vmdk", "bytes": 1024, "local_path": "disk-0.vmdk"}]})",
      dir / "manifest.json");
  BOOST_TEST(m.manifest_version == "1.0");
  BOOST_TEST(m.vm_name.empty());
  BOOST_TEST(m.cpu == 0);
  BOOST_TEST(m.memory_mib == 0u);
  BOOST_TEST(m.firmware == Firmware::Unknown);
  BOOST_TEST(m.nics.empty());
  BOOST_TEST_REQUIRE(m.disks.size() == 1u);
  const ManifestDisk& d = m.disks[0];
  BOOST_TEST(d.id == "disk-0");
  BOOST_TEST(d.source_format == "vmdk");
  BOOST_TEST(d.bytes == 1024u);
  BOOST_TEST(d.local_path == fs::path("disk-0.vmdk"));
  BOOST_TEST(d.resolved_path == dir.path() / "disk-0.vmdk");
  BOOST_TEST(d.sha256.empty());
  BOOST_TEST(d.boot_order_hint == 999);
  BOOST_TEST(m.warnings.empty());
}

BOOST_AUTO_TEST_CASE(full_manifest_is_read_and_unknown_keys_ignored) {
  ScratchDir dir("manifest");
  ArtifactManifest m = parse_artifact_manifest(two_disk_manifest().dump(), dir / "manifest.json");
  BOOST_TEST(m.vm_name == "web01");
  BOOST_TEST(m.cpu == 4);
  BOOST_TEST(m.memory_mib == 16u * 1024);
  BOOST_TEST(m.firmware == Firmware::Efi);
  BOOST_TEST(m.os_hint == "linux");
  BOOST_TEST_REQUIRE(m.nics.size() == 1u);
  BOOST_TEST(m.nics[0].mac == "00:50:56:aa:bb:01");
  BOOST_TEST(m.nics[0].network == "VM Network");
  BOOST_TEST(m.nics[0].model == "vmxnet3");
  BOOST_TEST_REQUIRE(m.disks.size() == 2u);
  BOOST_TEST(m.disks[0].sha256 == "a1b2c3d4e5f67890123456789012345678901234567890123456789012345678");
  BOOST_TEST(m.disks[0].boot_order_hint == 0);
  BOOST_TEST(m.disks[0].disk_type == "boot");
  BOOST_TEST(m.disks[1].id == "disk-1");
  BOOST_TEST(m.disks[1].source_format == "qcow2");
  BOOST_TEST(m.disks[1].bytes == 2048u);
  BOOST_TEST(m.disks[1].resolved_path == dir.path() / "data" / "disk-1.qcow2");
  BOOST_TEST(m.disks[1].boot_order_hint == 1);
  BOOST_TEST(m.warnings.empty());
}

BOOST_AUTO_TEST_CASE(alternative_keys_for_nics_memory_and_cpus) {
  ScratchDir dir("manifest");
  json doc = two_disk_manifest();
  doc["vm"] = {{"memory_mb", 3072}, {"firmware", "bios"}};
  doc["nics"] = json::array({{{"mac", "00-15-5D-01-02-03"}, {"network", "lan"}}});
  ArtifactManifest m = parse_artifact_manifest(doc.dump(), dir / "manifest.json");
  BOOST_TEST(m.memory_mib == 3072u);
  BOOST_TEST(m.firmware == Firmware::Bios);
  BOOST_TEST(m.cpu == 0);
  BOOST_TEST_REQUIRE(m.nics.size() == 1u);
  BOOST_TEST(m.nics[0].mac == "00:15:5d:01:02:03");
  BOOST_TEST(m.nics[0].network == "lan");

  doc.erase("vm");
  doc.erase("nics");
  doc["metadata"] = {{"memory_bytes", 8589934592ull}, {"vcpus", 2}};
  m = parse_artifact_manifest(doc.dump(), dir / "manifest.json");
  BOOST_TEST(m.memory_mib == 8192u);
  BOOST_TEST(m.cpu == 2);
  BOOST_TEST(m.firmware == Firmware::Unknown);
}

BOOST_AUTO_TEST_CASE(metadata_pipeline_and_output_never_refuse_a_manifest) {
  ScratchDir dir("manifest");
  json doc = two_disk_manifest();
  doc["pipeline"] = "not even an object";
  doc["output"] = 17;
  doc["metadata"] = {{"memory_bytes", "lots"}, {"vcpus", -3}};
  doc.erase("vm");
  ArtifactManifest m = parse_artifact_manifest(doc.dump(), dir / "manifest.json");
  BOOST_TEST(m.memory_mib == 0u);
  BOOST_TEST(m.cpu == 0);
  BOOST_TEST(any_warning(m.warnings, "metadata.memory_bytes"));
  BOOST_TEST(any_warning(m.warnings, "metadata.vcpus"));
}

BOOST_AUTO_TEST_CASE(newer_minor_version_is_read_with_a_warning) {
  ScratchDir dir("manifest");
  json doc = two_disk_manifest();
  doc["manifest_version"] = "1.3";
  ArtifactManifest m = parse_artifact_manifest(doc.dump(), dir / "manifest.json");
  BOOST_TEST(m.manifest_version == "1.3");
  BOOST_TEST(m.disks.size() == 2u);
  BOOST_TEST(any_warning(m.warnings, "1.3"));
}

BOOST_AUTO_TEST_CASE(other_major_versions_are_unsupported) {
  ScratchDir dir("manifest");
  json doc = two_disk_manifest();
  for (const char* version : {"2.0", "0.9", "10.0"}) {
    doc["manifest_version"] = version;
    const fs::path path = write_manifest(dir.path(), doc);
    expect_error([&] { read_artifact_manifest(path); }, ErrorKind::Unsupported, path.string(),
                 std::string("manifest_version: \"") + version + "\" is not supported");
  }
  doc["manifest_version"] = "one";
  const fs::path path = write_manifest(dir.path(), doc);
  expect_error([&] { read_artifact_manifest(path); }, ErrorKind::InvalidInput, path.string(),
               "manifest_version: \"one\" is not a version");
}

// Each case breaks one key of a valid manifest; the error must name that key.
BOOST_AUTO_TEST_CASE(every_bad_key_is_named_in_the_error) {
  struct Case {
    std::function<void(json&)> edit;
    std::string reason;
    ErrorKind kind = ErrorKind::InvalidInput;
  };
  const std::vector<Case> cases = {
      {[](json& d) { d.erase("manifest_version"); }, "manifest_version: is required"},
      {[](json& d) { d["manifest_version"] = 1.0; }, "manifest_version: must be a string"},
      {[](json& d) { d.erase("disks"); }, "disks: is required"},
      {[](json& d) { d["disks"] = json::object(); }, "disks: must be an array"},
      {[](json& d) { d["disks"] = json::array(); }, "disks: must name at least one disk"},
      {[](json& d) { d["disks"][1] = "disk-1.qcow2"; }, "disks[1]: must be an object"},
      {[](json& d) { d["disks"][1].erase("id"); }, "disks[1].id: is required"},
      {[](json& d) { d["disks"][1]["id"] = ""; }, "disks[1].id: must not be empty"},
      {[](json& d) { d["disks"][1]["id"] = "disk-0"; }, "disks[1].id: \"disk-0\" is also the id of disks[0]"},
      {[](json& d) { d["disks"][1]["id"] = std::string("disk\0one", 8); }, "disks[1].id: contains a NUL character"},
      {[](json& d) { d["disks"][1].erase("source_format"); }, "disks[1].source_format: is required"},
      {[](json& d) { d["disks"][1]["source_format"] = 7; }, "disks[1].source_format: must be a string"},
      {[](json& d) { d["disks"][1]["source_format"] = "vdi"; }, "disks[1].source_format: \"vdi\" is not one of",
       ErrorKind::Unsupported},
      {[](json& d) { d["disks"][1].erase("bytes"); }, "disks[1].bytes: is required"},
      {[](json& d) { d["disks"][1]["bytes"] = -5; }, "disks[1].bytes: must be a non-negative integer"},
      {[](json& d) { d["disks"][1]["bytes"] = "2048"; }, "disks[1].bytes: must be a non-negative integer"},
      {[](json& d) { d["disks"][1]["bytes"] = 20.5; }, "disks[1].bytes: must be a non-negative integer"},
      {[](json& d) { d["disks"][1].erase("local_path"); }, "disks[1].local_path: is required"},
      {[](json& d) { d["disks"][1]["local_path"] = std::string("/a\0b", 4); },
       "disks[1].local_path: contains a NUL character"},
      {[](json& d) { d["disks"][1]["checksum"] = "md5:0123456789abcdef0123456789abcdef"; },
       "disks[1].checksum: must be \"sha256:\" followed by 64 hex digits"},
      {[](json& d) { d["disks"][1]["checksum"] = "sha256:" + std::string(63, 'a'); }, "disks[1].checksum: must be"},
      {[](json& d) { d["disks"][1]["checksum"] = "sha256:" + std::string(64, 'g'); }, "disks[1].checksum: must be"},
      {[](json& d) { d["disks"][1]["boot_order_hint"] = -1; }, "disks[1].boot_order_hint: must be a non-negative integer"},
      {[](json& d) { d["source"] = "vsphere"; }, "source: must be an object"},
      {[](json& d) { d["source"]["vm_name"] = 3; }, "source.vm_name: must be a string"},
      {[](json& d) { d["vm"] = json::array(); }, "vm: must be an object"},
      {[](json& d) { d["vm"]["cpu"] = "4"; }, "vm.cpu: must be a non-negative integer"},
      {[](json& d) { d["vm"]["cpu"] = 0; }, "vm.cpu: must be an integer from 1 to"},
      {[](json& d) { d["vm"]["mem_gb"] = "16"; }, "vm.mem_gb: must be a positive number"},
      {[](json& d) { d["vm"]["mem_gb"] = 0; }, "vm.mem_gb: must be a positive number"},
      {[](json& d) { d["vm"]["firmware"] = "coreboot"; }, "vm.firmware: \"coreboot\" is not one of bios, uefi"},
      {[](json& d) { d["vm"]["secureboot"] = "yes"; }, "vm.secureboot: must be true or false"},
      {[](json& d) { d["vm"]["nics"] = json::object(); }, "vm.nics: must be an array"},
      {[](json& d) { d["vm"]["nics"][0]["mac"] = 5; }, "vm.nics[0].mac: must be a string"},
      {[](json& d) { d["vm"]["nics"][0] = "eth0"; }, "vm.nics[0]: must be an object"},
  };
  ScratchDir dir("manifest");
  for (const Case& c : cases) {
    json doc = two_disk_manifest();
    c.edit(doc);
    const fs::path path = write_manifest(dir.path(), doc);
    expect_error([&] { read_artifact_manifest(path); }, c.kind, path.string(), c.reason);
  }
}

BOOST_AUTO_TEST_CASE(not_json_or_not_an_object_is_refused) {
  ScratchDir dir("manifest");
  const fs::path path = dir / "manifest.json";
  write_file(path, "{\"manifest_version\": \"1.0\", \"disks\": [");
  expect_error([&] { read_artifact_manifest(path); }, ErrorKind::InvalidInput, path.string(), "not valid JSON");
  write_file(path, "[1, 2]");
  expect_error([&] { read_artifact_manifest(path); }, ErrorKind::InvalidInput, path.string(), "must be a JSON object");
  expect_error([&] { read_artifact_manifest(dir / "absent.json"); }, ErrorKind::InvalidInput, "absent.json",
               "cannot read");
}

BOOST_AUTO_TEST_CASE(invalid_mac_is_a_warning_and_the_nic_is_kept) {
  ScratchDir dir("manifest");
  json doc = two_disk_manifest();
  doc["vm"]["nics"][0]["mac"] = "not-a-mac";
  ArtifactManifest m = parse_artifact_manifest(doc.dump(), dir / "manifest.json");
  BOOST_TEST_REQUIRE(m.nics.size() == 1u);
  BOOST_TEST(m.nics[0].mac.empty());
  BOOST_TEST(m.nics[0].network == "VM Network");
  BOOST_TEST(any_warning(m.warnings, "vm.nics[0].mac"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(artifact_manifest_paths)

BOOST_AUTO_TEST_CASE(relative_path_is_relative_to_the_manifest_folder) {
  ScratchDir dir("manifest");
  fs::create_directories(dir / "job123" / "disks");
  write_random(dir / "job123" / "disks" / "disk-0.vmdk", 512, 1);
  json doc = two_disk_manifest();
  doc["disks"] = json::array({{{"id", "d"}, {"source_format", "vmdk"}, {"bytes", 512},
                               {"local_path", "disks/../disks/disk-0.vmdk"}}});
  const fs::path path = write_manifest(dir / "job123", doc);
  ArtifactManifest m = read_artifact_manifest(path);
  BOOST_TEST(m.disks[0].local_path == fs::path("disks/../disks/disk-0.vmdk"));
  BOOST_TEST(m.disks[0].resolved_path == dir / "job123" / "disks" / "disk-0.vmdk");
  BOOST_TEST(m.warnings.empty());
}

BOOST_AUTO_TEST_CASE(relative_manifest_path_still_gives_absolute_disk_paths) {
  json doc = two_disk_manifest();
  ArtifactManifest m = parse_artifact_manifest(doc.dump(), "manifest.json");
  BOOST_TEST(m.disks[0].resolved_path.is_absolute());
  BOOST_TEST(m.disks[0].resolved_path == fs::current_path() / "disk-0.vmdk");
}

BOOST_AUTO_TEST_CASE(existing_absolute_path_is_used_as_is) {
  ScratchDir dir("manifest");
  fs::create_directories(dir / "share");
  fs::create_directories(dir / "elsewhere");
  write_random(dir / "elsewhere" / "disk-0.vmdk", 512, 1);
  write_random(dir / "share" / "disk-0.vmdk", 512, 2);  // same name beside the manifest: not taken
  json doc = two_disk_manifest();
  doc["disks"][0]["local_path"] = (dir / "elsewhere" / "disk-0.vmdk").string();
  ArtifactManifest m = read_artifact_manifest(write_manifest(dir / "share", doc));
  BOOST_TEST(m.disks[0].resolved_path == dir / "elsewhere" / "disk-0.vmdk");
  BOOST_TEST(!any_warning(m.warnings, "disks[0]"));
}

BOOST_AUTO_TEST_CASE(missing_absolute_path_falls_back_to_the_file_beside_the_manifest) {
  ScratchDir dir("manifest");
  fs::create_directories(dir / "share");
  write_random(dir / "share" / "disk-0.vmdk", 512, 1);
  json doc = two_disk_manifest();
  // The export host's own mount of the share.
  doc["disks"][0]["local_path"] = "/mnt/export-host-share/job123/disk-0.vmdk";
  ArtifactManifest m = read_artifact_manifest(write_manifest(dir / "share", doc));
  BOOST_TEST(m.disks[0].local_path == fs::path("/mnt/export-host-share/job123/disk-0.vmdk"));
  BOOST_TEST(m.disks[0].resolved_path == dir / "share" / "disk-0.vmdk");
  BOOST_TEST(any_warning(m.warnings, "/mnt/export-host-share/job123/disk-0.vmdk' does not exist; using " +
                                         (dir / "share" / "disk-0.vmdk").string()));
}

BOOST_AUTO_TEST_CASE(a_disk_not_there_yet_is_expected_beside_the_manifest) {
  ScratchDir dir("manifest");
  json doc = two_disk_manifest();
  doc["disks"][0]["local_path"] = "/mnt/export-host-share/job123/disk-0.vmdk";
  ArtifactManifest m = parse_artifact_manifest(doc.dump(), dir / "manifest.json");
  BOOST_TEST(m.disks[0].resolved_path == dir / "disk-0.vmdk");
  BOOST_TEST(any_warning(m.warnings, "(yet)"));
  // A folder that exists here: the file is expected where it was written.
  doc["disks"][0]["local_path"] = (dir / "later.vmdk").string();
  m = parse_artifact_manifest(doc.dump(), dir / "sub" / "manifest.json");
  BOOST_TEST(m.disks[0].resolved_path == dir / "later.vmdk");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(artifact_manifest_verify)

namespace {

// A manifest over real files in `dir`: disk-0 (9 MiB: three 4 MiB blocks) and
// disk-1 (1 MiB), both with sha256sum's digests.
struct VerifiedPair {
  ScratchDir dir{"manifest-verify"};
  fs::path disk0 = dir / "disk-0.raw";
  fs::path disk1 = dir / "disk-1.raw";
  ArtifactManifest m;
  VerifiedPair() {
    write_random(disk0, 9u << 20, 1);
    write_random(disk1, 1u << 20, 2);
    json doc = {{"manifest_version", "1.0"},
                {"disks", {disk_entry("disk-0", "raw", disk0, 0, true), disk_entry("disk-1", "raw", disk1, 1, true)}}};
    m = read_artifact_manifest(write_manifest(dir.path(), doc));
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(good_checksums_pass_with_progress) {
  VerifiedPair p;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> calls;
  auto problems = verify_manifest_disks(p.m, CancelToken{}, [&](std::uint64_t done, std::uint64_t total) {
    calls.emplace_back(done, total);
  });
  BOOST_TEST(problems.empty(), (problems.empty() ? "" : problems.front()));
  const std::uint64_t total = (9u << 20) + (1u << 20);
  BOOST_TEST_REQUIRE(calls.size() >= 4u);  // 3 blocks of disk-0, 1 of disk-1, the end
  for (std::size_t i = 1; i < calls.size(); ++i) BOOST_TEST(calls[i].first >= calls[i - 1].first);
  for (const auto& c : calls) BOOST_TEST(c.second == total);
  BOOST_TEST(calls.back().first == total);
}

BOOST_AUTO_TEST_CASE(bad_checksum_names_the_file_and_both_digests) {
  VerifiedPair p;
  const std::string real = sha256_file(p.disk1);
  p.m.disks[1].sha256 = std::string(64, 'a');
  auto problems = verify_manifest_disks(p.m, CancelToken{});
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0] == p.disk1.string() + ": sha256 mismatch (manifest " + std::string(64, 'a') + ", file " + real + ")");
}

BOOST_AUTO_TEST_CASE(a_changed_byte_is_caught) {
  VerifiedPair p;
  std::string bytes = read_file(p.disk0);
  bytes[5u << 20] ^= 1;  // in the second block
  write_file(p.disk0, bytes);
  auto problems = verify_manifest_disks(p.m, CancelToken{});
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].find(p.disk0.string() + ": sha256 mismatch") == 0u, problems[0]);
}

BOOST_AUTO_TEST_CASE(wrong_size_and_missing_file_are_reported_per_disk) {
  VerifiedPair p;
  fs::resize_file(p.disk0, (9u << 20) - 100);  // a transfer cut short
  fs::remove(p.disk1);
  auto problems = verify_manifest_disks(p.m, CancelToken{});
  BOOST_TEST_REQUIRE(problems.size() == 2u);
  BOOST_TEST(problems[0] == p.disk0.string() + ": size " + std::to_string((9u << 20) - 100) + " bytes, manifest says " +
                                std::to_string(9u << 20) + " (truncated or still being written)");
  BOOST_TEST(problems[1] == p.disk1.string() + ": missing (disk 'disk-1')");
}

BOOST_AUTO_TEST_CASE(a_disk_without_checksum_is_checked_for_size_only) {
  VerifiedPair p;
  p.m.disks[0].sha256.clear();
  p.m.disks[1].sha256.clear();
  std::uint64_t last_total = 1;
  bool called = false;
  auto problems = verify_manifest_disks(p.m, CancelToken{}, [&](std::uint64_t, std::uint64_t total) {
    called = true;
    last_total = total;
  });
  BOOST_TEST(problems.empty());
  BOOST_TEST(!called, "nothing to hash, yet progress reported total " << last_total);
  p.m.disks[1].bytes += 1;
  problems = verify_manifest_disks(p.m, CancelToken{});
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0].find(p.disk1.string() + ": size") == 0u, problems[0]);
}

BOOST_AUTO_TEST_CASE(cancel_stops_between_blocks) {
  VerifiedPair p;
  CancelToken cancel;
  int calls = 0;
  expect_error(
      [&] {
        verify_manifest_disks(p.m, cancel, [&](std::uint64_t, std::uint64_t) {
          ++calls;
          cancel.cancel();  // after the first block
        });
      },
      ErrorKind::Cancelled, p.disk0.string(), "cancelled");
  BOOST_TEST(calls == 1);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(artifact_manifest_load)

namespace {

// A manifest of two real qcow2 disks whose boot_order_hints list the second
// file first.
struct QcowPair {
  ScratchDir dir{"manifest-load"};
  fs::path data = dir / "web01-data.qcow2";
  fs::path boot = dir / "web01-boot.qcow2";
  json doc;
  QcowPair() {
    qemu_create(data, "qcow2", "96M");
    qemu_create(boot, "qcow2", "64M");
    doc = two_disk_manifest();
    doc["disks"] = {disk_entry("data", "qcow2", data, 1, true), disk_entry("boot", "qcow2", boot, 0, true)};
  }
  fs::path write() const { return write_manifest(dir.path(), doc); }
};

}  // namespace

BOOST_AUTO_TEST_CASE(load_source_reads_the_vm_the_manifest_describes) {
  QcowPair p;
  SourceVm vm = load_source(p.write());
  BOOST_TEST(vm.source_kind == FileKind::Manifest);
  BOOST_TEST(vm.name == "web01");
  BOOST_TEST(vm.vcpus == 4);
  BOOST_TEST(vm.memory_mib == 16384u);
  BOOST_TEST(vm.firmware == Firmware::Efi);
  BOOST_TEST(vm.os_hint == "linux");
  BOOST_TEST_REQUIRE(vm.nics.size() == 1u);
  BOOST_TEST(vm.nics[0].mac == "00:50:56:aa:bb:01");
  BOOST_TEST(vm.nics[0].model == "vmxnet3");
  BOOST_TEST(vm.nics[0].network == "VM Network");
  BOOST_TEST_REQUIRE(vm.disks.size() == 2u);
  BOOST_TEST(vm.disks[0].location.file == p.boot);
  BOOST_TEST(vm.disks[0].format == FileKind::Qcow2);
  BOOST_TEST(vm.disks[0].virtual_size == 64u << 20);
  BOOST_TEST(vm.disks[0].id == "disk1");
  BOOST_TEST(vm.disks[0].boot_order == 1);
  BOOST_TEST(vm.disks[1].location.file == p.data);
  BOOST_TEST(vm.disks[1].virtual_size == 96u << 20);
  BOOST_TEST(vm.disks[1].boot_order == 2);
  BOOST_TEST(vm.warnings.empty(), (vm.warnings.empty() ? "" : vm.warnings.front()));
}

BOOST_AUTO_TEST_CASE(equal_hints_keep_the_manifest_order) {
  QcowPair p;
  fs::path third = p.dir / "web01-extra.qcow2";
  qemu_create(third, "qcow2", "32M");
  p.doc["disks"] = {disk_entry("a", "qcow2", p.data, 5, false), disk_entry("b", "qcow2", p.boot, 0, false),
                    disk_entry("c", "qcow2", third, 5, false)};
  SourceVm vm = load_source(p.write());
  BOOST_TEST_REQUIRE(vm.disks.size() == 3u);
  BOOST_TEST(vm.disks[0].location.file == p.boot);
  BOOST_TEST(vm.disks[1].location.file == p.data);
  BOOST_TEST(vm.disks[2].location.file == third);
}

BOOST_AUTO_TEST_CASE(name_falls_back_to_the_manifest_file_stem) {
  QcowPair p;
  p.doc.erase("source");
  SourceVm vm = load_source(write_manifest(p.dir.path(), p.doc, "db02.json"));
  BOOST_TEST(vm.name == "db02");
}

BOOST_AUTO_TEST_CASE(checksum_mismatch_is_refused_unless_verification_is_off) {
  QcowPair p;
  p.doc["disks"][0]["checksum"] = "sha256:" + std::string(64, '0');
  const fs::path path = p.write();
  expect_error([&] { load_source(path); }, ErrorKind::InvalidInput, path.string(),
               p.data.string() + ": sha256 mismatch");
  LoadOptions off;
  off.verify_manifest = false;
  SourceVm vm = load_source(path, off);
  BOOST_TEST(vm.disks.size() == 2u);
  BOOST_TEST(any_warning(vm.warnings, "checksums were not verified"));
}

BOOST_AUTO_TEST_CASE(a_size_other_than_bytes_is_a_truncated_transfer_even_unverified) {
  QcowPair p;
  p.doc["disks"][1]["bytes"] = fs::file_size(p.boot) + 4096;
  const fs::path path = p.write();
  LoadOptions off;
  off.verify_manifest = false;
  expect_error([&] { load_source(path, off); }, ErrorKind::InvalidInput, path.string(),
               "disk 'boot' file " + p.boot.string() + " is " + std::to_string(fs::file_size(p.boot)) + " bytes");
}

BOOST_AUTO_TEST_CASE(a_missing_disk_file_names_the_disk) {
  QcowPair p;
  fs::remove(p.data);
  const fs::path path = p.write();
  expect_error([&] { load_source(path); }, ErrorKind::InvalidInput, path.string(),
               "disk 'data' file " + p.data.string() + " does not exist");
}

BOOST_AUTO_TEST_CASE(format_disagreement_is_a_warning_and_the_bytes_win) {
  QcowPair p;
  p.doc["disks"][0]["source_format"] = "vmdk";
  SourceVm vm = load_source(p.write());
  BOOST_TEST(vm.disks[1].format == FileKind::Qcow2);
  BOOST_TEST(any_warning(vm.warnings, "disk 'data' (web01-data.qcow2): the manifest says vmdk, the file is qcow2"));
}

BOOST_AUTO_TEST_CASE(disks_written_under_another_hosts_mount_are_found_beside_the_manifest) {
  QcowPair p;
  p.doc["disks"][0]["local_path"] = "/mnt/esx-export/job7/web01-data.qcow2";
  p.doc["disks"][1]["local_path"] = "/mnt/esx-export/job7/web01-boot.qcow2";
  SourceVm vm = load_source(p.write());
  BOOST_TEST_REQUIRE(vm.disks.size() == 2u);
  BOOST_TEST(vm.disks[0].location.file == p.boot);
  BOOST_TEST(any_warning(vm.warnings, "/mnt/esx-export/job7/web01-boot.qcow2' does not exist; using"));
}

BOOST_AUTO_TEST_SUITE_END()
