// TarIndex over archives made by GNU tar in each of its formats, and over
// hand-written headers for the hostile archives tar itself would not make.
#include "engine/inputs/tar_index.hpp"

#include "inputs_test_support.hpp"

using namespace h2k;
using namespace h2k::inputs_test;

namespace {

TarIndex index_of(const std::string& bytes, const std::string& name = "evil.ova") {
  MemoryByteSource src(bytes, name);
  return TarIndex::parse(src);
}

// Builds a folder of members and archives it with GNU tar in `format`.
fs::path tar_with_gnu_tar(const ScratchDir& dir, const std::string& format,
                          const std::vector<std::pair<std::string, std::string>>& members) {
  fs::path content = dir / ("content-" + format);
  fs::create_directories(content);
  std::vector<std::string> argv{"tar", "--format=" + format, "-cf", (dir / (format + ".tar")).string(), "-C",
                                content.string()};
  for (const auto& [name, data] : members) {
    fs::create_directories((content / name).parent_path());
    write_bytes(content / name, data);
    argv.push_back(name);
  }
  run_ok(argv);
  return dir / (format + ".tar");
}

}  // namespace

BOOST_AUTO_TEST_SUITE(tar_index)

BOOST_AUTO_TEST_CASE(entries_of_gnu_ustar_and_pax_archives_point_at_their_bytes) {
  ScratchDir dir;
  const std::vector<std::pair<std::string, std::string>> members = {
      {"web01.ovf", "<Envelope/>\n"},
      {"web01.mf", "SHA256(web01.ovf)= 00\n"},
      {"web01-disk1.vmdk", std::string(5000, 'x') + "end-of-disk"},
  };
  for (std::string format : {"gnu", "ustar", "pax", "v7"}) {
    BOOST_TEST_CONTEXT("tar --format=" << format) {
      fs::path tar = tar_with_gnu_tar(dir, format, members);
      TarIndex index = TarIndex::open(tar);
      BOOST_TEST_REQUIRE(index.entries().size() == members.size());
      for (std::size_t i = 0; i < members.size(); ++i) {
        const TarEntry& e = index.entries()[i];
        BOOST_TEST(e.name == members[i].first);
        BOOST_TEST((e.type == TarEntryType::File));
        BOOST_TEST(e.size == members[i].second.size());
        BOOST_TEST(e.data_offset % 512 == 0u);
        BOOST_TEST(read_slice(tar, e.data_offset, e.size) == members[i].second);
      }
      BOOST_TEST(index.find_file("./web01.ovf") == &index.entries()[0]);
      BOOST_TEST(index.find_file("missing.vmdk") == nullptr);
    }
  }
}

BOOST_AUTO_TEST_CASE(long_names_from_gnu_and_pax) {
  ScratchDir dir;
  const std::string long_name = std::string(150, 'n') + "-disk1.vmdk";  // > 100 bytes, no '/' to split at
  for (std::string format : {"gnu", "pax"}) {
    BOOST_TEST_CONTEXT("tar --format=" << format) {
      fs::path tar = tar_with_gnu_tar(dir, format, {{long_name, "disk bytes"}});
      TarIndex index = TarIndex::open(tar);
      BOOST_TEST_REQUIRE(index.entries().size() == 1u);
      BOOST_TEST(index.entries()[0].name == long_name);
      BOOST_TEST(read_slice(tar, index.entries()[0].data_offset, 10) == "disk bytes");
    }
  }
}

BOOST_AUTO_TEST_CASE(ustar_prefix_field_and_directories) {
  ScratchDir dir;
  const std::string deep = std::string(80, 'd') + "/" + std::string(60, 'e') + "/disk.vmdk";
  fs::path tar = tar_with_gnu_tar(dir, "ustar", {{deep, "abc"}});
  TarIndex index = TarIndex::open(tar);
  const TarEntry* e = index.find_file(deep);
  BOOST_TEST_REQUIRE(e != nullptr);
  BOOST_TEST(read_slice(tar, e->data_offset, e->size) == "abc");

  // "tar -C dir ." archives "./" and "./sub/": the root is dropped, directories are kept as such.
  fs::path dotted = dir / "dotted.tar";
  run_ok({"tar", "-cf", dotted.string(), "-C", (dir / "content-ustar").string(), "."});
  TarIndex dotted_index = TarIndex::open(dotted);
  BOOST_TEST(dotted_index.find_file(deep) != nullptr);
  bool has_dir = false;
  for (const auto& entry : dotted_index.entries())
    if (entry.type == TarEntryType::Directory && entry.name == std::string(80, 'd')) has_dir = true;
  BOOST_TEST(has_dir);
}

BOOST_AUTO_TEST_CASE(large_sizes_in_pax_and_base256_are_read) {
  // An 8 GiB + 1 byte member: its size does not fit the octal field. The
  // archive is cut short, so the size must be reported as running past the end:
  // which proves the large size was decoded rather than misread as small.
  const std::uint64_t big = (8ull << 30) + 1;
  std::string base256(12, '\0');
  base256[0] = static_cast<char>(0x80);
  for (int i = 0; i < 8; ++i) base256[11 - i] = static_cast<char>((big >> (8 * i)) & 0xff);
  TarMember m{"big.vmdk", "", '0'};
  m.size_field = base256;
  m.gnu_magic = true;
  std::string msg = expect_error([&] { index_of(tar_bytes({m})); }, ErrorKind::InvalidInput, "evil.ova",
                                 "declares " + std::to_string(big) + " bytes");
  BOOST_TEST(msg.find("big.vmdk") != std::string::npos);

  std::string pax = tar_bytes({pax_member({{"size", std::to_string(big)}}), TarMember{"big.vmdk", "", '0'}});
  expect_error([&] { index_of(pax); }, ErrorKind::InvalidInput, "evil.ova", "declares " + std::to_string(big) + " bytes");

  // And a pax size that fits is used instead of the header's.
  TarMember real{"small.vmdk", "0123456789", '0'};
  std::string ok = tar_bytes({pax_member({{"size", "4"}}), real});
  // The data region is still padded for 10 bytes, which is within one block.
  TarIndex index = index_of(ok);
  BOOST_TEST_REQUIRE(index.entries().size() == 1u);
  BOOST_TEST(index.entries()[0].size == 4u);
}

BOOST_AUTO_TEST_CASE(archive_without_end_marker_is_accepted) {
  TarIndex index = index_of(tar_bytes({TarMember{"a.ovf", "<Envelope/>"}}, /*end_marker=*/false));
  BOOST_TEST(index.entries().size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(tar_index_hostile)

BOOST_AUTO_TEST_CASE(parent_directory_components) {
  expect_error([] { index_of(tar_bytes({TarMember{"../../etc/cron.d/evil", "x"}})); }, ErrorKind::InvalidInput,
               "evil.ova", "refusing entry '../../etc/cron.d/evil': path contains a '..' component");
  expect_error([] { index_of(tar_bytes({TarMember{"disks/../../x.vmdk", "x"}})); }, ErrorKind::InvalidInput,
               "evil.ova", "'disks/../../x.vmdk'");
  expect_error([] { index_of(tar_bytes({TarMember{"..\\..\\windows\\evil.dll", "x"}})); }, ErrorKind::InvalidInput,
               "evil.ova", "'..' component");
}

BOOST_AUTO_TEST_CASE(absolute_paths) {
  expect_error([] { index_of(tar_bytes({TarMember{"/etc/passwd", "x"}})); }, ErrorKind::InvalidInput, "evil.ova",
               "refusing entry '/etc/passwd': absolute path");
  TarMember prefixed{"passwd", "x"};
  prefixed.prefix = "/etc";
  expect_error([&] { index_of(tar_bytes({prefixed})); }, ErrorKind::InvalidInput, "evil.ova", "'/etc/passwd': absolute");
}

BOOST_AUTO_TEST_CASE(links_devices_and_fifos) {
  TarMember symlink{"web01-disk1.vmdk", "", '2', "/dev/sda"};
  expect_error([&] { index_of(tar_bytes({symlink})); }, ErrorKind::InvalidInput, "evil.ova",
               "refusing entry 'web01-disk1.vmdk': symbolic links are not allowed");
  TarMember hardlink{"web01-disk1.vmdk", "", '1', "/etc/shadow"};
  expect_error([&] { index_of(tar_bytes({hardlink})); }, ErrorKind::InvalidInput, "evil.ova", "hard links are not allowed");
  expect_error([] { index_of(tar_bytes({TarMember{"dev", "", '3'}})); }, ErrorKind::InvalidInput, "evil.ova",
               "character device");
  expect_error([] { index_of(tar_bytes({TarMember{"dev", "", '4'}})); }, ErrorKind::InvalidInput, "evil.ova",
               "block device");
  expect_error([] { index_of(tar_bytes({TarMember{"pipe", "", '6'}})); }, ErrorKind::InvalidInput, "evil.ova", "FIFO");
}

BOOST_AUTO_TEST_CASE(size_past_end_of_file) {
  TarMember m{"web01-disk1.vmdk", "KDMV"};
  m.size_field = octal(1 << 20, 12);  // claims 1 MiB, holds 512 bytes
  expect_error([&] { index_of(tar_bytes({m})); }, ErrorKind::InvalidInput, "evil.ova",
               "refusing entry 'web01-disk1.vmdk': declares 1048576 bytes but only");
}

BOOST_AUTO_TEST_CASE(non_octal_and_huge_sizes) {
  TarMember m{"disk.vmdk", "x"};
  m.size_field = std::string("00000000x01") + '\0';
  expect_error([&] { index_of(tar_bytes({m})); }, ErrorKind::InvalidInput, "evil.ova",
               "refusing entry 'disk.vmdk': size field is not an octal number");
  TarMember huge{"disk.vmdk", ""};
  huge.size_field = std::string(11, '7') + '7';  // 12 octal digits, no terminator: 64 GiB - 1
  TarLimits small_limit;
  small_limit.max_entry_size = 1ull << 30;
  std::string bytes = tar_bytes({huge});
  MemoryByteSource src(bytes, "evil.ova");
  expect_error([&] { TarIndex::parse(src, small_limit); }, ErrorKind::InvalidInput, "evil.ova",
               "more than the 1073741824-byte limit");
}

BOOST_AUTO_TEST_CASE(duplicate_names) {
  // A second "web01.ovf" could swap the descriptor behind a verified manifest.
  std::string bytes = tar_bytes({TarMember{"web01.ovf", "<Envelope/>"}, TarMember{"./web01.ovf", "<evil/>"}});
  expect_error([&] { index_of(bytes); }, ErrorKind::InvalidInput, "evil.ova",
               "refusing entry './web01.ovf': the name appears more than once");
}

BOOST_AUTO_TEST_CASE(header_checksum_mismatch) {
  TarMember bad{"web01-disk1.vmdk", "data"};
  bad.corrupt_checksum = true;
  std::string bytes = tar_bytes({TarMember{"web01.ovf", "<Envelope/>"}, bad});
  expect_error([&] { index_of(bytes); }, ErrorKind::InvalidInput, "evil.ova",
               "tar header at offset 1024: header checksum mismatch");
}

BOOST_AUTO_TEST_CASE(hostile_names_in_long_name_and_pax_records) {
  expect_error([] { index_of(tar_bytes({gnu_long_name("../" + std::string(120, 'a')), TarMember{"short", "x"}})); },
               ErrorKind::InvalidInput, "evil.ova", "'..' component");
  expect_error([] { index_of(tar_bytes({pax_member({{"path", "/root/.ssh/authorized_keys"}}), TarMember{"ok", "x"}})); },
               ErrorKind::InvalidInput, "evil.ova", "refusing entry '/root/.ssh/authorized_keys': absolute path");
  expect_error([] { index_of(tar_bytes({pax_member({{"size", "12ab"}}), TarMember{"ok", "x"}})); },
               ErrorKind::InvalidInput, "evil.ova", "pax size '12ab' is not a decimal number");
}

BOOST_AUTO_TEST_CASE(truncated_header_and_dangling_metadata) {
  std::string bytes = tar_bytes({TarMember{"a.ovf", "x"}}, false);
  bytes += std::string(100, 'z');  // part of a header
  expect_error([&] { index_of(bytes); }, ErrorKind::InvalidInput, "evil.ova", "truncated header");
  std::string dangling = tar_bytes({gnu_long_name(std::string(120, 'a'))});
  expect_error([&] { index_of(dangling); }, ErrorKind::InvalidInput, "evil.ova", "describes no entry");
}

BOOST_AUTO_TEST_CASE(control_characters_in_names_are_escaped_in_messages) {
  std::string msg = expect_error([] { index_of(tar_bytes({TarMember{"/evil\x1b[2J", "x"}})); },
                                 ErrorKind::InvalidInput, "evil.ova", "absolute path");
  BOOST_TEST(msg.find('\x1b') == std::string::npos);
  BOOST_TEST(msg.find("\\x1b") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
