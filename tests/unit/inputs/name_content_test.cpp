// A file whose name promises a format with a header, but whose bytes have
// none, is refused instead of being converted as a raw disk.
#include "engine/inputs/source_loader.hpp"

#include "inputs_test_support.hpp"

using namespace h2k;
using namespace h2k::inputs_test;

namespace {

std::string random_bytes(std::size_t n) {
  std::string s(n, '\0');
  unsigned x = 12345;
  for (auto& c : s) c = static_cast<char>((x = x * 1103515245 + 12345) >> 16);
  return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(name_matches_content)

BOOST_AUTO_TEST_CASE(garbage_named_like_a_vm_file_is_invalid_input) {
  ScratchDir dir;
  for (std::string name : {"junk.vmdk", "junk.VHDX", "junk.vhd", "junk.qcow2", "junk.ova"}) {
    write_file(dir / name, random_bytes(1 << 20));
    expect_error([&] { load_source(dir / name); }, ErrorKind::InvalidInput, name, "no recognised header");
  }
}

BOOST_AUTO_TEST_CASE(raw_names_and_flat_extents_stay_raw) {
  ScratchDir dir;
  std::string disk = random_bytes(1 << 20);
  disk[510] = '\x55';
  disk[511] = '\xAA';  // an MBR: what a VMDK flat extent of a real disk starts with
  write_file(dir / "data.img", random_bytes(1 << 20));
  write_file(dir / "vm-flat.vmdk", disk);
  BOOST_TEST(load_source(dir / "data.img").disks.size() == 1u);
  BOOST_TEST(load_source(dir / "vm-flat.vmdk").disks.size() == 1u);
}

BOOST_AUTO_TEST_SUITE_END()
