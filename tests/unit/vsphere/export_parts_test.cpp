// The export's pieces that need no server: the lease info as vcsim sends it,
// the LeaseKeeper's timing, and manifest.json as hyper2kvm's own reader sees it.
#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "engine/core/progress.hpp"
#include "engine/inputs/artifact_manifest.hpp"
#include "engine/vsphere/export_manifest_writer.hpp"
#include "engine/vsphere/lease_keeper.hpp"
#include "engine/vsphere/nfc_lease.hpp"
#include "engine/vsphere/soap_xml.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::vsphere;
using namespace std::chrono_literals;

BOOST_AUTO_TEST_SUITE(export_parts)

BOOST_AUTO_TEST_CASE(lease_info_recorded_from_vcsim) {
  pugi::xml_document doc;
  const auto path = test::data_dir("vsphere") / "06-RetrievePropertiesEx-lease.response.xml";
  BOOST_TEST_REQUIRE(static_cast<bool>(doc.load_file(path.c_str())));
  BOOST_TEST(std::string(property_value(doc, "state").child_value()) == "ready");
  const LeaseInfo info = parse_lease_info(property_value(doc, "info"));
  BOOST_TEST_REQUIRE(info.devices.size() == 1u);
  const LeaseDevice& d = info.devices[0];
  BOOST_TEST(d.key == "/vm-57/ParaVirtualSCSIController0:0");
  BOOST_TEST(d.url == "https://*/nfc/1d94ccc6-d8e8-480c-b60f-db4a3a879ec7/disk-0.vmdk");
  BOOST_TEST(d.target_id == "disk-0.vmdk");
  BOOST_TEST(d.disk);
  BOOST_TEST(d.file_size == 0u);  // vcsim reports none: sizes come from the downloads
  BOOST_TEST(info.timeout.count() == 300);
  BOOST_TEST(info.total_capacity_kb == 65536u);
}

BOOST_AUTO_TEST_CASE(lease_manifest_recorded_from_vcsim) {
  pugi::xml_document doc;
  const auto path = test::data_dir("vsphere") / "09-HttpNfcLeaseGetManifest.response.xml";
  BOOST_TEST_REQUIRE(static_cast<bool>(doc.load_file(path.c_str())));
  const auto sums = parse_lease_manifest(doc);
  BOOST_TEST_REQUIRE(sums.size() == 1u);
  BOOST_TEST(sums[0].key == "/vm-57/ParaVirtualSCSIController0:0");
  BOOST_TEST(sums[0].algorithm == "sha1");
  BOOST_TEST(sums[0].checksum == "f89d0c01cf0ad12cab6e579ebab86a09eefbecd0");
  BOOST_TEST(sums[0].size == 1122816u);
}

BOOST_AUTO_TEST_CASE(keeper_interval_is_a_tenth_of_the_lease_within_2_to_30_s) {
  BOOST_TEST(LeaseKeeper::interval_for(6s).count() == 2000);
  BOOST_TEST(LeaseKeeper::interval_for(100s).count() == 10000);
  BOOST_TEST(LeaseKeeper::interval_for(300s).count() == 30000);
  BOOST_TEST(LeaseKeeper::interval_for(3600s).count() == 30000);
}

BOOST_AUTO_TEST_CASE(keeper_calls_at_once_then_on_its_interval_and_survives_errors) {
  std::atomic<int> calls{0};
  std::atomic<int> last_percent{-1};
  std::atomic<int> errors{0};
  {
    LeaseKeeper keeper(
        50ms,
        [&](int p) {
          last_percent = p;
          if (++calls == 2) throw std::runtime_error("vCenter busy");  // one failed renewal
        },
        [&](const std::string& e) {
          BOOST_TEST(e == "vCenter busy");
          ++errors;
        });
    keeper.set_percent(42);
    std::this_thread::sleep_for(400ms);
  }
  BOOST_TEST(calls.load() >= 4);  // at once + about every 50 ms, the failure did not stop it
  BOOST_TEST(errors.load() == 1);
  BOOST_TEST(last_percent.load() == 42);
}

BOOST_AUTO_TEST_CASE(keeper_stops_at_once_not_after_its_interval) {
  const auto t0 = std::chrono::steady_clock::now();
  {
    LeaseKeeper keeper(30s, [](int) {}, {});
    std::this_thread::sleep_for(50ms);
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  BOOST_TEST(s < 2.0, "the keeper took " << s << " s to stop");
}

BOOST_AUTO_TEST_CASE(manifest_json_is_read_back_by_the_artifact_manifest_parser) {
  test::ScratchDir dir("export-manifest");
  ExportManifestData m;
  m.vm_name = "web01";
  m.vcenter = "vc.example.com:443";
  m.cpu = 4;
  m.memory_mib = 8192;
  m.firmware = "uefi";
  m.os_hint = "ubuntu64Guest";
  m.ovf = "web01.ovf";
  m.disks.push_back({"disk-0", "disk-0.vmdk", 1234, std::string(64, 'a'), 0, "streamOptimized"});
  m.disks.push_back({"disk-1", "disk-1.vmdk", 99, std::string(64, 'b'), 1, "streamOptimized"});
  m.nics.push_back({"00:50:56:AA:BB:CC", "VM Network", "vmxnet3"});
  const auto path = dir.path() / "manifest.json";
  write_export_manifest(path, m);

  const ArtifactManifest a = read_artifact_manifest(path);
  BOOST_TEST(a.manifest_version == "1.0");
  BOOST_TEST(a.vm_name == "web01");
  BOOST_TEST(a.cpu == 4);
  BOOST_TEST(a.memory_mib == 8192u);
  BOOST_TEST((a.firmware == Firmware::Efi));
  BOOST_TEST(a.os_hint == "ubuntu64Guest");
  BOOST_TEST_REQUIRE(a.disks.size() == 2u);
  BOOST_TEST(a.disks[0].resolved_path == dir.path() / "disk-0.vmdk");
  BOOST_TEST(a.disks[0].bytes == 1234u);
  BOOST_TEST(a.disks[0].sha256 == std::string(64, 'a'));
  BOOST_TEST(a.disks[1].boot_order_hint == 1);
  BOOST_TEST(a.disks[1].source_format == "vmdk");
  BOOST_TEST_REQUIRE(a.nics.size() == 1u);
  BOOST_TEST(a.nics[0].mac == "00:50:56:aa:bb:cc");
  BOOST_TEST(a.nics[0].model == "vmxnet3");
  // Written in one step: no temporary file beside it.
  BOOST_TEST(std::distance(std::filesystem::directory_iterator(dir.path()), std::filesystem::directory_iterator{}) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
