#include "windows_image.hpp"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "empty_hive.hpp"
#include "windows_test_support.hpp"

namespace h2k::windows_guest_test {
namespace {

void put16(std::string& b, std::size_t at, std::uint16_t v) {
  b[at] = char(v & 0xFF);
  b[at + 1] = char(v >> 8);
}
void put32(std::string& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = char((v >> (8 * i)) & 0xFF);
}

// Owns the cached image's folder; removed when the test program exits.
class ImageFolder {
public:
  ImageFolder() {
    std::string pattern = (fs::temp_directory_path() / "h2k-windows-image-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("cannot create " + pattern);
    path_ = pattern;
  }
  ~ImageFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

private:
  fs::path path_;
};

void build_image(const fs::path& folder, const fs::path& image) {
  make_hive(folder / "SYSTEM", data_dir() / "system.reg", "HKEY_LOCAL_MACHINE\\SYSTEM");
  make_hive(folder / "SOFTWARE", data_dir() / "software.reg", "HKEY_LOCAL_MACHINE\\SOFTWARE");
  write_file(folder / "cmd.exe", minimal_pe32plus_x64());

  guestfs_h* g = guestfs_create();
  if (!g) throw std::runtime_error("guestfs_create failed");
  must(g, guestfs_disk_create(g, image.c_str(), "raw", 128LL << 20, -1), "disk-create " + image.string());
  guestfs_close(g);

  Appliance app(image);
  g = app.handle();
  const char* ntfs[] = {"ntfs3g", "ntfsprogs", nullptr};
  if (guestfs_feature_available(g, const_cast<char**>(ntfs)) != 1)
    throw std::runtime_error("the libguestfs appliance has no NTFS support: apt-get install ntfs-3g, then retry");
  must(g, guestfs_part_disk(g, "/dev/sda", "mbr"), "part-disk");
  must(g, guestfs_mkfs(g, "ntfs", "/dev/sda1"), "mkfs ntfs");
  must(g, guestfs_mount(g, "/dev/sda1", "/"), "mount");
  // Not the case the fixer asks for ("config", "drivers"): ntfs-3g is
  // case-sensitive, so this catches a fixer writing to a twin folder that
  // Windows would never see.
  must(g, guestfs_mkdir_p(g, "/Windows/System32/Config"), "mkdir Config");
  must(g, guestfs_mkdir_p(g, "/Windows/System32/Drivers"), "mkdir Drivers");
  must(g, guestfs_mkdir(g, "/Program Files"), "mkdir Program Files");
  must(g, guestfs_upload(g, (folder / "SYSTEM").c_str(), "/Windows/System32/Config/SYSTEM"), "upload SYSTEM");
  must(g, guestfs_upload(g, (folder / "SOFTWARE").c_str(), "/Windows/System32/Config/SOFTWARE"), "upload SOFTWARE");
  must(g, guestfs_upload(g, (folder / "cmd.exe").c_str(), "/Windows/System32/cmd.exe"), "upload cmd.exe");
  must(g, guestfs_write(g, "/Windows/System32/Drivers/pvscsi.sys", "placeholder", 11), "write pvscsi.sys");
  must(g, guestfs_umount_all(g), "umount");
}

}  // namespace

void must(guestfs_h* g, int rc, const std::string& what) {
  if (rc == -1) {
    const char* err = guestfs_last_error(g);
    throw std::runtime_error(what + ": " + (err ? err : "libguestfs error"));
  }
}

Appliance::Appliance(const fs::path& disk, bool readonly) {
  g_ = guestfs_create();
  if (!g_) throw std::runtime_error("guestfs_create failed");
  try {
    must(g_, guestfs_set_backend(g_, "direct"), "set-backend");
    const char* settings[] = {"force_tcg", nullptr};
    must(g_, guestfs_set_backend_settings(g_, const_cast<char**>(settings)), "set-backend-settings");
    must(g_,
         guestfs_add_drive_opts(g_, disk.c_str(), GUESTFS_ADD_DRIVE_OPTS_FORMAT, "raw",
                                GUESTFS_ADD_DRIVE_OPTS_READONLY, readonly ? 1 : 0, -1),
         "add-drive " + disk.string());
    must(g_, guestfs_launch(g_), "launch");
  } catch (...) {
    guestfs_close(g_);
    throw;
  }
}

Appliance::~Appliance() {
  guestfs_shutdown(g_);
  guestfs_close(g_);
}

const fs::path& windows_image() {
  // Built on first use and shared by the tests of this run: an appliance
  // launch costs ~30 s under TCG.
  static ImageFolder folder;
  static const fs::path image = [] {
    fs::path p = folder.path() / "windows-2019-shaped.img";
    build_image(folder.path(), p);
    return p;
  }();
  return image;
}

std::string minimal_pe32plus_x64() {
  std::string b(512, '\0');
  b[0] = 'M';
  b[1] = 'Z';
  put32(b, 0x3C, 0x40);                 // e_lfanew: PE header offset
  b.replace(0x40, 4, std::string("PE\0\0", 4));
  put16(b, 0x44, 0x8664);               // COFF machine: AMD64
  put16(b, 0x54, 0xF0);                 // size of optional header
  put16(b, 0x56, 0x0022);               // executable, large address aware
  put16(b, 0x58, 0x020B);               // optional header magic: PE32+
  put16(b, 0x58 + 68, 3);               // subsystem: Windows console
  return b;
}

}  // namespace h2k::windows_guest_test
