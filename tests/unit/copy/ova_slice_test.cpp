// A disk inside an OVA (a tar) is copied in place through a byte-range
// (offset/length) without extracting it.
#include "tests/unit/copy/copy_test_support.hpp"

#include <cstring>
#include <set>

using namespace h2k;
using namespace h2k::copy_test;

namespace {

struct TarMember {
  std::string name;
  std::uint64_t data_offset = 0;
  std::uint64_t size = 0;
};

// Walks ustar headers: a 512-byte header (name at 0, octal size at 124),
// then the data padded to 512 bytes; two zero blocks end the archive.
std::vector<TarMember> list_tar(const fs::path& tar) {
  const std::string bytes = read_bytes(tar);
  std::vector<TarMember> members;
  std::uint64_t pos = 0;
  while (pos + 512 <= bytes.size() && bytes[pos] != '\0') {
    TarMember m;
    m.name = std::string(bytes.c_str() + pos, ::strnlen(bytes.c_str() + pos, 100));
    m.size = std::stoull(std::string(bytes, pos + 124, 12), nullptr, 8);
    m.data_offset = pos + 512;
    members.push_back(m);
    pos = m.data_offset + (m.size + 511) / 512 * 512;
  }
  return members;
}

struct Ova {
  ScratchDir dir;
  fs::path raw = dir / "reference.raw";
  fs::path vmdk = dir / "web01-disk1.vmdk";
  fs::path ova = dir / "web01.ova";
  TarMember disk_member;
  TarMember ovf_member;

  Ova() {
    make_patterned_raw(raw);
    convert_to(raw, vmdk, "vmdk", "subformat=streamOptimized");
    {
      std::ofstream ovf(dir / "web01.ovf");
      ovf << "<?xml version=\"1.0\"?>\n<Envelope xmlns=\"http://schemas.dmtf.org/ovf/envelope/1\"/>\n";
    }
    // OVF first, as the OVF spec requires; the disk's data is then at an
    // offset that is not 0, which is what the slice must honour.
    run_ok({"tar", "--format=ustar", "-cf", ova.string(), "-C", dir.path().string(), "web01.ovf",
            "web01-disk1.vmdk"});
    auto members = list_tar(ova);
    BOOST_TEST_REQUIRE(members.size() == 2u);
    BOOST_TEST_REQUIRE(members[1].name == "web01-disk1.vmdk");
    ovf_member = members[0];
    disk_member = members[1];
    BOOST_TEST_REQUIRE(disk_member.size == fs::file_size(vmdk));
  }

  SourceDisk slice(const TarMember& m) const {
    SourceDisk d;
    d.id = "disk1";
    d.display_path = "web01.ova:" + m.name;
    d.format = FileKind::VmdkSparse;
    d.format_detail = "streamOptimized";
    d.location.file = ova;
    d.location.offset = m.data_offset;
    d.location.length = m.size;
    d.parts = {ova};
    return d;
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(ova_slice, Ova)

BOOST_AUTO_TEST_CASE(spec_reads_the_byte_range_of_the_container) {
  auto spec = nlohmann::json::parse(qemu_source_spec(slice(disk_member)).substr(5));
  BOOST_TEST(spec.at("driver") == "vmdk");
  const auto& range = spec.at("file");
  BOOST_TEST(range.at("driver") == "raw");
  BOOST_TEST(range.at("offset").get<std::uint64_t>() == disk_member.data_offset);
  BOOST_TEST(range.at("size").get<std::uint64_t>() == disk_member.size);
  BOOST_TEST(range.at("file").at("filename").get<std::string>() == ova.string());
}

BOOST_AUTO_TEST_CASE(virtual_size_of_the_slice) {
  BOOST_TEST(query_virtual_size(slice(disk_member)) == kDiskSize);
}

BOOST_AUTO_TEST_CASE(copies_the_disk_in_place_without_touching_the_ova) {
  const Fingerprint before = fingerprint(ova);
  for (OutputFormat format : {OutputFormat::Qcow2, OutputFormat::Raw}) {
    BOOST_TEST_CONTEXT("output " << format) {
      fs::path out = dir / (std::string("disk1.") + to_string(format));
      ProgressLog progress;
      CopyOptions options;
      options.format = format;
      CopyResult r = copy_disk(slice(disk_member), out, options, progress.sink(), CancelToken());
      BOOST_TEST(r.virtual_size == kDiskSize);
      BOOST_TEST(images_identical(raw, "raw", out, to_string(format)));
      progress.check_complete(kDiskSize, "web01.ova:web01-disk1.vmdk");
      BOOST_TEST(r.bytes_written < kDiskSize / 4);
    }
  }
  BOOST_TEST(fingerprint(ova) == before);
  // Nothing was extracted: the folder holds the inputs and the two copies only.
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir.path())) names.insert(entry.path().filename().string());
  const std::set<std::string> expected{"reference.raw", "web01-disk1.vmdk", "web01.ovf", "web01.ova",
                                       "disk1.qcow2", "disk1.raw"};
  BOOST_TEST(names == expected, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(slice_pointing_at_the_wrong_member_names_the_disk) {
  // An input reader bug (offset of the OVF, not the disk) must not produce a
  // garbage copy: qemu-img rejects the bytes and the error says which disk.
  fs::path out = dir / "wrong.qcow2";
  expect_error([&] { copy_disk(slice(ovf_member), out, {}, {}, CancelToken()); }, ErrorKind::InvalidInput,
               "web01.ova:web01.ovf", "");
  BOOST_TEST(!fs::exists(out));
}

BOOST_AUTO_TEST_CASE(slice_cut_short_is_detected) {
  // A length that cuts the stream-optimized disk short (a truncated OVA).
  TarMember cut = disk_member;
  cut.size = disk_member.size / 2;
  fs::path out = dir / "cut.qcow2";
  expect_error([&] { copy_disk(slice(cut), out, {}, {}, CancelToken()); }, ErrorKind::InvalidInput,
               "web01.ova:web01-disk1.vmdk", "");
  BOOST_TEST(!fs::exists(out));
}

BOOST_AUTO_TEST_SUITE_END()
