// Choosing virtio-win driver files for a guest, on folders laid out like the
// extracted virtio-win ISO (placeholder files: the real drivers are not
// packaged in Debian).
#include "engine/guest/windows/virtio_win_drivers.hpp"
#include "windows_test_support.hpp"

using namespace h2k::windows;
using namespace h2k::windows_guest_test;

namespace {

WindowsVersion server_2019() { return {10, 0, "x86_64", true, 17763, "Windows Server 2019 Standard"}; }

// Each file holds its own relative path, so a test can tell which copy was chosen.
void add(const fs::path& root, const std::string& relative) { write_file(root / relative, relative); }

void add_driver(const fs::path& root, const std::string& driver_dir, const std::string& os, const std::string& arch,
                const std::string& name) {
  for (const char* ext : {".sys", ".inf", ".cat", ".pdb"})
    add(root, driver_dir + "/" + os + "/" + arch + "/" + name + ext);
}

const DriverFile* file_named(const DriverSelection& s, const std::string& name) {
  for (const auto& f : s.files)
    if (f.name == name) return &f;
  return nullptr;
}

std::vector<std::string> names(const DriverSelection& s) {
  std::vector<std::string> out;
  for (const auto& f : s.files) out.push_back(f.name);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(virtio_win_drivers)

BOOST_AUTO_TEST_CASE(os_folders_follow_release_variant_and_build) {
  using V = std::vector<std::string>;
  BOOST_TEST(virtio_win_os_dirs(server_2019()) == (V{"2k19", "2k16"}), boost::test_tools::per_element());
  BOOST_TEST(virtio_win_os_dirs({10, 0, "x86_64", true, 20348, ""}) == (V{"2k22", "2k19"}),
             boost::test_tools::per_element());
  BOOST_TEST(virtio_win_os_dirs({10, 0, "x86_64", true, 14393, ""}) == (V{"2k16"}), boost::test_tools::per_element());
  // Windows 11 still calls itself "Windows 10" in ProductName; the build tells.
  BOOST_TEST(virtio_win_os_dirs({10, 0, "x86_64", false, 22631, "Windows 10 Pro"}) == (V{"w11", "w10"}),
             boost::test_tools::per_element());
  BOOST_TEST(virtio_win_os_dirs({10, 0, "x86_64", false, 19045, "Windows 10 Pro"}) == (V{"w10"}),
             boost::test_tools::per_element());
  // No build number: ProductName decides.
  BOOST_TEST(virtio_win_os_dirs({10, 0, "x86_64", true, 0, "Windows Server 2022 Datacenter"}).front() == "2k22");
  BOOST_TEST(virtio_win_os_dirs({6, 3, "x86_64", true, 9600, ""}) == (V{"2k12r2"}), boost::test_tools::per_element());
  BOOST_TEST(virtio_win_os_dirs({6, 3, "x86_64", false, 9600, ""}) == (V{"w8.1"}), boost::test_tools::per_element());
  BOOST_TEST(virtio_win_os_dirs({6, 1, "i386", false, 7601, ""}) == (V{"w7"}), boost::test_tools::per_element());
  BOOST_TEST(virtio_win_os_dirs({5, 0, "i386", false, 2195, "Windows 2000"}).empty());
}

BOOST_AUTO_TEST_CASE(arch_folders) {
  BOOST_TEST(virtio_win_arch_dir("x86_64") == "amd64");
  BOOST_TEST(virtio_win_arch_dir("i386") == "x86");
  BOOST_TEST(virtio_win_arch_dir("aarch64") == "arm64");
  BOOST_TEST(virtio_win_arch_dir("ppc64le") == "");
}

BOOST_AUTO_TEST_CASE(iso_layout_picks_the_guest_release_and_arch) {
  ScratchDir iso;
  for (const char* os : {"2k16", "2k19", "2k22", "w10"}) {
    add_driver(iso.path(), "viostor", os, "amd64", "viostor");
    add_driver(iso.path(), "NetKVM", os, "amd64", "netkvm");
  }
  add_driver(iso.path(), "viostor", "w10", "x86", "viostor");
  add(iso.path(), "virtio-win_license.txt");

  auto s = select_virtio_drivers(iso.path(), server_2019());
  BOOST_TEST(!s.flat);
  BOOST_TEST(s.os_dirs_used == (std::vector<std::string>{"2k19"}), boost::test_tools::per_element());
  BOOST_TEST(names(s) == (std::vector<std::string>{"netkvm.cat", "netkvm.inf", "netkvm.sys", "viostor.cat",
                                                   "viostor.inf", "viostor.sys"}),
             boost::test_tools::per_element());
  BOOST_TEST(read_file(file_named(s, "viostor.sys")->source) == "viostor/2k19/amd64/viostor.sys");
  BOOST_TEST(read_file(file_named(s, "netkvm.inf")->source) == "NetKVM/2k19/amd64/netkvm.inf");
  BOOST_TEST(s.has("VIOSTOR.SYS"));
  BOOST_TEST(!s.has("viostor.pdb"));   // debug symbols are not copied
}

BOOST_AUTO_TEST_CASE(missing_driver_falls_back_to_an_older_compatible_release) {
  ScratchDir iso;
  add_driver(iso.path(), "viostor", "2k19", "amd64", "viostor");
  add_driver(iso.path(), "vioscsi", "2k16", "amd64", "vioscsi");   // no 2k19 build of this one
  add_driver(iso.path(), "vioscsi", "2k12R2", "amd64", "vioscsi"); // too old for 2019: ignored
  auto s = select_virtio_drivers(iso.path(), server_2019());
  BOOST_TEST(read_file(file_named(s, "vioscsi.sys")->source) == "vioscsi/2k16/amd64/vioscsi.sys");
  BOOST_TEST(file_named(s, "vioscsi.sys")->os_dir == "2k16");
  BOOST_TEST(s.os_dirs_used == (std::vector<std::string>{"2k19", "2k16"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(arch_first_layout_and_old_folder_names_are_recognised) {
  ScratchDir iso;
  // The ISO also has amd64/w11/*, and older bundles used "Win10" / "AMD64".
  add(iso.path(), "amd64/w11/viostor.sys");
  add(iso.path(), "drivers/AMD64/Win10/netkvm.sys");
  auto s = select_virtio_drivers(iso.path(), {10, 0, "x86_64", false, 22631, "Windows 10 Pro"});
  BOOST_TEST(read_file(file_named(s, "viostor.sys")->source) == "amd64/w11/viostor.sys");
  // w10 drivers run on Windows 11 when there is no w11 build.
  BOOST_TEST(read_file(file_named(s, "netkvm.sys")->source) == "drivers/AMD64/Win10/netkvm.sys");
}

BOOST_AUTO_TEST_CASE(flat_folder_of_driver_files) {
  ScratchDir flat;
  add(flat.path(), "viostor.sys");
  add(flat.path(), "viostor.inf");
  add(flat.path(), "viostor.cat");
  add(flat.path(), "NetKVM.sys");
  add(flat.path(), "viostor.pdb");
  auto s = select_virtio_drivers(flat.path(), server_2019());
  BOOST_TEST(s.flat);
  BOOST_TEST(s.os_dirs_used.empty());
  // Guest names are lower-case whatever the host file is called.
  BOOST_TEST(names(s) == (std::vector<std::string>{"netkvm.sys", "viostor.cat", "viostor.inf", "viostor.sys"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(nothing_for_this_guest_is_an_empty_selection) {
  ScratchDir iso;
  add_driver(iso.path(), "viostor", "w7", "amd64", "viostor");
  add_driver(iso.path(), "viostor", "2k19", "x86", "viostor");   // wrong arch
  add(iso.path(), "virtio-win_license.txt");
  auto s = select_virtio_drivers(iso.path(), server_2019());
  BOOST_TEST(s.files.empty());
  // A release virtio-win never supported: nothing either, even from a flat folder.
  ScratchDir flat;
  add(flat.path(), "README.txt");
  BOOST_TEST(select_virtio_drivers(flat.path(), server_2019()).files.empty());
}

BOOST_AUTO_TEST_CASE(describe_names_release_variant_build_and_arch) {
  BOOST_TEST(describe(server_2019()) == "Windows 10.0 Server build 17763 (Windows Server 2019 Standard) x86_64");
}

BOOST_AUTO_TEST_SUITE_END()
