// .mf manifests: parsing the lines ovftool, VirtualBox and Hyper-V tools
// write, and checking digests against known values from sha*sum.
#include "engine/inputs/ovf_manifest.hpp"

#include "inputs_test_support.hpp"

using namespace h2k;
using namespace h2k::inputs_test;

BOOST_AUTO_TEST_SUITE(ovf_manifest)

BOOST_AUTO_TEST_CASE(parses_every_algorithm_and_spacing) {
  const std::string text =
      "SHA256(web01.ovf)= 3A2B1C0D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F9\r\n"
      "SHA1(web01-disk1.vmdk) = da39a3ee5e6b4b0d3255bfef95601890afd80709\n"
      "\n"
      "SHA512(my disk (1).vmdk)=cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e\n";
  auto lines = parse_manifest(text, "web01.mf");
  BOOST_TEST_REQUIRE(lines.size() == 3u);
  BOOST_TEST(lines[0].algorithm == "SHA256");
  BOOST_TEST(lines[0].file == "web01.ovf");
  BOOST_TEST(lines[0].hex_digest == "3a2b1c0d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9");
  BOOST_TEST(lines[1].algorithm == "SHA1");
  BOOST_TEST(lines[1].file == "web01-disk1.vmdk");
  BOOST_TEST(lines[2].algorithm == "SHA512");
  BOOST_TEST(lines[2].file == "my disk (1).vmdk");
}

BOOST_AUTO_TEST_CASE(malformed_lines_name_the_manifest_and_line) {
  expect_error([] { parse_manifest("SHA256(a.ovf)= 00\nnonsense\n", "web01.mf"); }, ErrorKind::InvalidInput, "web01.mf",
               "line 1: SHA256 digest must have 64 hex digits, not 2");
  expect_error([] { parse_manifest("SHA1(a)= da39a3ee5e6b4b0d3255bfef95601890afd80709\nnonsense\n", "web01.mf"); },
               ErrorKind::InvalidInput, "web01.mf", "line 2: expected ALGORITHM(file)= digest");
  expect_error([] { parse_manifest("MD5(a.ovf)= d41d8cd98f00b204e9800998ecf8427e\n", "web01.mf"); },
               ErrorKind::InvalidInput, "web01.mf", "unknown digest algorithm 'MD5'");
  expect_error([] { parse_manifest("SHA1(a.ovf)= zz39a3ee5e6b4b0d3255bfef95601890afd80709\n", "web01.mf"); },
               ErrorKind::InvalidInput, "web01.mf", "not hexadecimal");
}

BOOST_AUTO_TEST_CASE(digests_match_sha_sum_tools) {
  ScratchDir dir;
  // Larger than one 4 MiB read chunk, so chunking is exercised.
  std::string data;
  for (int i = 0; data.size() < (5u << 20); ++i) data += "block " + std::to_string(i) + "\n";
  write_bytes(dir / "blob", data);
  FileByteSource src(dir / "blob");
  for (std::string algo : {"SHA1", "SHA256", "SHA512"}) {
    std::string tool = algo == "SHA1" ? "sha1sum" : algo == "SHA256" ? "sha256sum" : "sha512sum";
    std::string expected = run_ok({tool, (dir / "blob").string()});
    expected = expected.substr(0, expected.find(' '));
    BOOST_TEST(digest_hex(algo, src, 0, data.size(), "blob") == expected, algo);
  }
  // A slice is hashed on its own bytes.
  write_bytes(dir / "slice", data.substr(100, 1000));
  std::string slice_sum = run_ok({"sha256sum", (dir / "slice").string()});
  BOOST_TEST(digest_hex("SHA256", src, 100, 1000, "blob") == slice_sum.substr(0, slice_sum.find(' ')));
}

BOOST_AUTO_TEST_CASE(verify_reports_mismatch_and_missing_files) {
  const std::string ovf = "<Envelope/>\n";
  MemoryByteSource src(ovf, "web01.ovf");
  const std::string good = "SHA1(web01.ovf)= " + digest_hex("SHA1", src, 0, ovf.size(), "x") + "\n";
  const auto resolve = [&](const std::string& name) -> std::optional<ManifestTarget> {
    if (name != "web01.ovf") return std::nullopt;
    return ManifestTarget{&src, 0, ovf.size()};
  };
  auto verified = verify_manifest(parse_manifest(good, "web01.mf"), "web01.ova", "web01.mf", resolve);
  BOOST_TEST(verified == std::vector<std::string>{"web01.ovf"});

  const std::string bad = "SHA1(web01.ovf)= da39a3ee5e6b4b0d3255bfef95601890afd80709\n";
  std::string msg = expect_error([&] { verify_manifest(parse_manifest(bad, "web01.mf"), "web01.ova", "web01.mf", resolve); },
                                 ErrorKind::InvalidInput, "web01.ova",
                                 "checksum mismatch for web01.ovf (SHA1 expected da39a3ee5e6b4b0d3255bfef95601890afd80709, got ");
  BOOST_TEST(msg.find(digest_hex("SHA1", src, 0, ovf.size(), "x")) != std::string::npos);

  const std::string missing = good + "SHA1(web01-disk2.vmdk)= da39a3ee5e6b4b0d3255bfef95601890afd80709\n";
  expect_error([&] { verify_manifest(parse_manifest(missing, "web01.mf"), "web01.ova", "web01.mf", resolve); },
               ErrorKind::InvalidInput, "web01.ova", "manifest web01.mf lists 'web01-disk2.vmdk', which is not in the package");
}

BOOST_AUTO_TEST_SUITE_END()
