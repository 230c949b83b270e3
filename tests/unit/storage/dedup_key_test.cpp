#include <boost/test/unit_test.hpp>

#include <cstdio>
#include <fstream>

#include "engine/core/error.hpp"
#include "storage/dedup_key.hpp"
#include "temp_dir.hpp"

using namespace h2k;
using h2k::test::TempDir;
namespace fs = std::filesystem;

namespace {

// 9 MiB + 123 bytes of LCG noise: crosses the hasher's 4 MiB read size twice
// and ends mid-chunk. (Same generator as used to take the xxhsum reference.)
void write_sample(const fs::path& p) {
  std::string data(9 * 1024 * 1024 + 123, '\0');
  std::uint32_t x = 12345;
  for (auto& c : data) {
    x = (x * 1103515245u + 12345u) & 0x7fffffffu;
    c = static_cast<char>((x >> 16) & 0xff);
  }
  std::ofstream(p, std::ios::binary) << data;
}

void write_text(const fs::path& p, const std::string& s) { std::ofstream(p, std::ios::binary) << s; }

std::string md5sum_of(const fs::path& p) {
  std::string cmd = "md5sum '" + p.string() + "'";
  FILE* f = ::popen(cmd.c_str(), "r");
  BOOST_REQUIRE(f);
  char buf[128] = {};
  std::string out = std::fgets(buf, sizeof buf, f) ? buf : "";
  ::pclose(f);
  return out.substr(0, out.find(' '));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dedup_key_helper)

BOOST_AUTO_TEST_CASE(md5_matches_md5sum_on_a_multi_chunk_file) {
  TempDir t;
  write_sample(t.path / "web01-flat.vmdk");
  const std::string expected = md5sum_of(t.path / "web01-flat.vmdk");
  BOOST_REQUIRE(expected.size() == 32u);
  BOOST_TEST(md5_hex(t.path / "web01-flat.vmdk") == expected);
  BOOST_TEST(dedup_key(t.path / "web01-flat.vmdk", DedupMethod::Md5) == "md5:" + expected);
}

BOOST_AUTO_TEST_CASE(md5_of_an_empty_file_matches_md5sum) {
  TempDir t;
  write_text(t.path / "empty.vmdk", "");
  BOOST_TEST(md5_hex(t.path / "empty.vmdk") == md5sum_of(t.path / "empty.vmdk"));
  BOOST_TEST(md5_hex(t.path / "empty.vmdk") == "d41d8cd98f00b204e9800998ecf8427e");
}

BOOST_AUTO_TEST_CASE(xxh128_matches_xxhsum_reference_values) {
  TempDir t;
  write_sample(t.path / "sample.bin");
  write_text(t.path / "empty.bin", "");
  // `xxhsum -H2` (Debian's xxhash 0.8.1) on the same bytes.
  BOOST_TEST(xxh128_hex(t.path / "sample.bin") == "61521722e8b03534f642e1bd7cb98889");
  BOOST_TEST(xxh128_hex(t.path / "empty.bin") == "99aa06d3014798d86001c324468d497f");
  BOOST_TEST(dedup_key(t.path / "sample.bin", DedupMethod::Xxh128) == "xxh128:61521722e8b03534f642e1bd7cb98889");
}

BOOST_AUTO_TEST_CASE(name_and_size_reads_no_content) {
  TempDir t;
  write_text(t.path / "web01.vmdk", "0123456789");
  BOOST_TEST(dedup_key(t.path / "web01.vmdk", DedupMethod::NameAndSize) == "name_size:web01.vmdk:10");
  fs::permissions(t.path / "web01.vmdk", fs::perms::none);  // unreadable, yet its name and size are known
  if (::geteuid() != 0) {
    BOOST_TEST(dedup_key(t.path / "web01.vmdk", DedupMethod::NameAndSize) == "name_size:web01.vmdk:10");
    BOOST_CHECK_THROW(md5_hex(t.path / "web01.vmdk"), ConversionError);
  }
}

BOOST_AUTO_TEST_CASE(content_keys_see_through_renames_and_name_keys_do_not) {
  TempDir t;
  write_text(t.path / "production-db.vmdk", "same bytes");
  write_text(t.path / "db-backup-2026-01.vmdk", "same bytes");
  fs::create_directories(t.path / "other");
  write_text(t.path / "other" / "production-db.vmdk", "diff bytes");  // same name, same size
  for (auto m : {DedupMethod::Md5, DedupMethod::Xxh128}) {
    BOOST_TEST(dedup_key(t.path / "production-db.vmdk", m) == dedup_key(t.path / "db-backup-2026-01.vmdk", m));
    BOOST_TEST(dedup_key(t.path / "production-db.vmdk", m) != dedup_key(t.path / "other" / "production-db.vmdk", m));
  }
  auto ns = DedupMethod::NameAndSize;
  BOOST_TEST(dedup_key(t.path / "production-db.vmdk", ns) != dedup_key(t.path / "db-backup-2026-01.vmdk", ns));
  // The documented weakness of the default method:
  BOOST_TEST(dedup_key(t.path / "production-db.vmdk", ns) == dedup_key(t.path / "other" / "production-db.vmdk", ns));
}

BOOST_AUTO_TEST_CASE(multi_file_keys_cover_every_file) {
  TempDir t;
  write_text(t.path / "web01.ovf", "<Envelope/>");
  write_text(t.path / "web01-disk1.vmdk", "disk");
  const std::vector<fs::path> files{t.path / "web01.ovf", t.path / "web01-disk1.vmdk"};
  BOOST_TEST(dedup_key(files, DedupMethod::NameAndSize) == "name_size:web01.ovf:11,web01-disk1.vmdk:4");
  BOOST_TEST(dedup_key(files, DedupMethod::Md5) ==
             "md5:" + md5sum_of(files[0]) + "," + md5sum_of(files[1]));
  const auto before = dedup_key(files, DedupMethod::Xxh128);
  write_text(t.path / "web01-disk1.vmdk", "DISK");  // the disk changed, the descriptor did not
  BOOST_TEST(dedup_key(files, DedupMethod::Xxh128) != before);
}

BOOST_AUTO_TEST_CASE(content_hashing_reports_every_byte_it_reads) {
  TempDir t;
  write_sample(t.path / "web01-flat.vmdk");
  write_text(t.path / "web01.vmx", "guestOS = \"debian12-64\"\n");
  const std::vector<fs::path> files{t.path / "web01.vmx", t.path / "web01-flat.vmdk"};
  const std::uint64_t total = fs::file_size(files[0]) + fs::file_size(files[1]);
  for (auto method : {DedupMethod::Md5, DedupMethod::Xxh128}) {
    std::uint64_t seen = 0;
    int calls = 0;
    const auto key = dedup_key(files, method, CancelToken(), [&](std::uint64_t n) {
      seen += n;
      ++calls;
    });
    BOOST_TEST(key == dedup_key(files, method));  // the callback changes nothing
    BOOST_TEST(seen == total);
    BOOST_TEST(calls >= 4);  // 1 read of the .vmx, 3 of the 9 MiB disk: progress during a file, not only after it
  }
}

BOOST_AUTO_TEST_CASE(a_missing_file_is_an_io_error_naming_it) {
  for (auto m : {DedupMethod::NameAndSize, DedupMethod::Md5, DedupMethod::Xxh128}) {
    try {
      dedup_key(fs::path("/nonexistent/web01.vmdk"), m);
      BOOST_FAIL("expected an error");
    } catch (const ConversionError& e) {
      BOOST_TEST(e.kind() == ErrorKind::Io);
      BOOST_TEST(e.file() == "/nonexistent/web01.vmdk");
    }
  }
}

BOOST_AUTO_TEST_CASE(hashing_stops_when_cancelled) {
  TempDir t;
  write_sample(t.path / "big.vmdk");
  CancelToken cancel;
  cancel.cancel();
  try {
    md5_hex(t.path / "big.vmdk", cancel);
    BOOST_FAIL("expected cancellation");
  } catch (const ConversionError& e) {
    BOOST_TEST(e.kind() == ErrorKind::Cancelled);
  }
}

BOOST_AUTO_TEST_CASE(method_names_round_trip) {
  for (auto m : {DedupMethod::NameAndSize, DedupMethod::Md5, DedupMethod::Xxh128})
    BOOST_TEST((dedup_method_from_string(to_string(m)) == m));
  BOOST_TEST(!dedup_method_from_string("sha1"));
}

BOOST_AUTO_TEST_SUITE_END()
