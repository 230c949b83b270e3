// How copies fail: damaged sources are reported against the source, a full
// disk against the output, cancellation stops qemu-img; and in every case no
// partial output is left behind.
#include "tests/unit/copy/copy_test_support.hpp"

#include <sys/mount.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

using namespace h2k;
using namespace h2k::copy_test;

namespace {

struct Scratch {
  ScratchDir dir;
  fs::path raw = dir / "reference.raw";
  Scratch() { make_patterned_raw(raw); }
};

bool folder_is_empty(const fs::path& dir) { return fs::directory_iterator(dir) == fs::directory_iterator(); }

}  // namespace

BOOST_FIXTURE_TEST_SUITE(damaged_sources, Scratch)

BOOST_AUTO_TEST_CASE(truncated_qcow2_is_rejected_not_copied_as_zeros) {
  // qemu-img convert alone reads past the cut as zeros and exits 0.
  fs::path full = dir / "full.qcow2";
  convert_to(raw, full, "qcow2");
  fs::path cut = dir / "cut.qcow2";
  {
    std::string bytes = read_bytes(full);
    std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 2));
  }
  fs::path out = dir / "out.qcow2";
  expect_error([&] { copy_disk(whole_file_disk(cut, FileKind::Qcow2), out, {}, {}, CancelToken()); },
               ErrorKind::InvalidInput, "cut.qcow2", "damaged");
  BOOST_TEST(!fs::exists(out));
}

BOOST_AUTO_TEST_CASE(garbage_in_vmdk_grain_directory) {
  fs::path vmdk = dir / "bad-gd.vmdk";
  convert_to(raw, vmdk, "vmdk", "subformat=monolithicSparse");
  // Point the first grain-directory entries at the first data grain, so the
  // "grain tables" read are guest data (0x11 bytes -> offsets past EOF).
  const std::string header = read_bytes(vmdk).substr(0, 512);
  BOOST_TEST_REQUIRE(header.substr(0, 4) == "KDMV");
  const std::uint64_t gd_sector = le_at(header, 56, 8);
  const std::uint64_t overhead_sectors = le_at(header, 64, 8);   // first grain follows the metadata
  std::string garbage;
  for (int i = 0; i < 4; ++i) garbage += le32_bytes(static_cast<std::uint32_t>(overhead_sectors));
  patch_bytes(vmdk, gd_sector * 512, garbage);

  fs::path out = dir / "out.raw";
  CopyOptions raw_out;
  raw_out.format = OutputFormat::Raw;
  expect_error([&] { copy_disk(whole_file_disk(vmdk, FileKind::VmdkSparse), out, raw_out, {}, CancelToken()); },
               ErrorKind::InvalidInput, "bad-gd.vmdk", "damaged");
  BOOST_TEST(!fs::exists(out));
}

BOOST_AUTO_TEST_CASE(truncated_stream_optimized_vmdk) {
  fs::path full = dir / "full.vmdk";
  convert_to(raw, full, "vmdk", "subformat=streamOptimized");
  fs::path cut = dir / "cut.vmdk";
  {
    std::string bytes = read_bytes(full);
    std::ofstream(cut, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() / 3));
  }
  fs::path out = dir / "out.qcow2";
  expect_error([&] { copy_disk(whole_file_disk(cut, FileKind::VmdkSparse), out, {}, {}, CancelToken()); },
               ErrorKind::InvalidInput, "cut.vmdk", "");
  BOOST_TEST(!fs::exists(out));
}

BOOST_AUTO_TEST_CASE(file_that_is_not_the_claimed_format) {
  // A reader that mislabels a disk: qemu-img's own reason reaches the user.
  fs::path fake = dir / "fake.vhdx";
  fs::copy_file(raw, fake);
  fs::path out = dir / "out.qcow2";
  std::string what = expect_error(
      [&] { copy_disk(whole_file_disk(fake, FileKind::Vhdx, "vm.ovf:fake.vhdx"), out, {}, {}, CancelToken()); },
      ErrorKind::InvalidInput, "vm.ovf:fake.vhdx", "");
  BOOST_TEST(what.find("json:") == std::string::npos, "the internal json: spec leaked into: " << what);
  BOOST_TEST(!fs::exists(out));
}

BOOST_AUTO_TEST_CASE(missing_source_file) {
  fs::path out = dir / "out.qcow2";
  expect_error([&] { copy_disk(whole_file_disk(dir / "gone.vmdk", FileKind::VmdkSparse), out, {}, {}, CancelToken()); },
               ErrorKind::InvalidInput, "gone.vmdk", "No such file");
  BOOST_TEST(!fs::exists(out));
}

BOOST_AUTO_TEST_CASE(container_kinds_are_not_disks) {
  expect_error([&] { qemu_source_spec(whole_file_disk(dir / "x.ova", FileKind::Ova)); }, ErrorKind::Unsupported,
               "x.ova", "not a disk image");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(output_rules, Scratch)

BOOST_AUTO_TEST_CASE(existing_output_is_never_overwritten_or_deleted) {
  fs::path out = dir / "taken.qcow2";
  { std::ofstream(out) << "someone else's file"; }
  expect_error([&] { copy_disk(whole_file_disk(raw, FileKind::Raw), out, {}, {}, CancelToken()); },
               ErrorKind::Internal, "taken.qcow2", "already exists");
  BOOST_TEST(read_bytes(out) == "someone else's file");
}

BOOST_AUTO_TEST_CASE(missing_output_folder) {
  fs::path out = dir / "no-such-folder" / "out.qcow2";
  expect_error([&] { copy_disk(whole_file_disk(raw, FileKind::Raw), out, {}, {}, CancelToken()); }, ErrorKind::Io,
               "out.qcow2", "folder does not exist");
}

BOOST_AUTO_TEST_CASE(relative_output_path_is_resolved) {
  // qemu-img would take "nbd:x" as a protocol; copy_disk makes it absolute.
  fs::path cwd = fs::current_path();
  fs::current_path(dir.path());
  fs::path out = "nbd:copy.qcow2";
  CopyResult r{};
  BOOST_CHECK_NO_THROW(r = copy_disk(whole_file_disk(raw, FileKind::Raw), out, {}, {}, CancelToken()));
  fs::current_path(cwd);
  BOOST_TEST(r.virtual_size == kDiskSize);
  BOOST_TEST(images_identical(raw, "raw", dir / "nbd:copy.qcow2", "qcow2"));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(cancellation, Scratch)

BOOST_AUTO_TEST_CASE(cancel_before_start_creates_nothing) {
  CancelToken cancel;
  cancel.cancel();
  fs::path out = dir / "out.qcow2";
  expect_error([&] { copy_disk(whole_file_disk(raw, FileKind::Raw), out, {}, {}, cancel); }, ErrorKind::Cancelled,
               "reference.raw", "cancel");
  BOOST_TEST(!fs::exists(out));
}

BOOST_AUTO_TEST_CASE(cancel_during_copy_kills_qemu_img_and_removes_the_partial_output) {
  // 512 MiB of real data: long enough that qemu-img is still writing when
  // the watcher below sees its output appear and cancels.
  fs::path big = dir / "big.raw";
  make_raw(big, "1G", {"write -P 0x5a 0 512M"});
  fs::path out = dir / "big.raw.qcow2";

  CancelToken cancel;
  std::atomic<bool> output_seen_at_cancel{false};
  std::atomic<bool> stop_watching{false};
  std::thread watcher;
  ProgressLog log;
  auto sink = [&](const ProgressEvent& e) {
    log.events.push_back(e);
    if (watcher.joinable()) return;
    // First event: qemu-img is about to start. Cancel once its output exists,
    // i.e. while it is really copying.
    watcher = std::thread([&] {
      for (int i = 0; i < 6000 && !stop_watching; ++i) {
        if (fs::exists(out)) {
          output_seen_at_cancel = true;
          break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      cancel.cancel();
    });
  };
  expect_error([&] { copy_disk(whole_file_disk(big, FileKind::Raw), out, {}, sink, cancel); }, ErrorKind::Cancelled,
               "big.raw", "cancelled");
  stop_watching = true;
  if (watcher.joinable()) watcher.join();
  BOOST_TEST(output_seen_at_cancel.load(), "qemu-img never created its output before the cancel");
  BOOST_TEST(!fs::exists(out), "partial output left behind");
  BOOST_TEST_REQUIRE(!log.events.empty());
  BOOST_TEST(log.events.back().percent < 100.0, "the copy completed before it was cancelled");
}

BOOST_AUTO_TEST_CASE(timeout_kills_a_hung_qemu_img_and_removes_its_output) {
  // A qemu-img whose convert hangs after creating its output (a stuck NFS
  // mount looks like this); info and check are the real tool.
  fs::path fake = dir / "hanging-qemu-img";
  {
    std::ofstream script(fake);
    script << "#!/bin/sh\n"
              "if [ \"$1\" = convert ]; then\n"
              "  for arg; do last=$arg; done\n"
              "  echo partial > \"$last\"\n"
              "  exec sleep 600\n"
              "fi\n"
              "exec qemu-img \"$@\"\n";
  }
  fs::permissions(fake, fs::perms::owner_all);
  CopyOptions options;
  options.qemu_img = fake.string();
  options.timeout_s = 1;
  fs::path out = dir / "out.qcow2";
  expect_error([&] { copy_disk(whole_file_disk(raw, FileKind::Raw), out, options, {}, CancelToken()); },
               ErrorKind::Timeout, "reference.raw", "did not finish within 1 s");
  BOOST_TEST(!fs::exists(out), "partial output left behind");
}

BOOST_AUTO_TEST_CASE(a_throwing_progress_sink_stops_the_copy_cleanly) {
  fs::path out = dir / "out.qcow2";
  auto sink = [](const ProgressEvent& e) {
    if (e.percent > 0) throw std::runtime_error("progress consumer went away");
  };
  BOOST_CHECK_EXCEPTION(copy_disk(whole_file_disk(raw, FileKind::Raw), out, {}, sink, CancelToken()),
                        std::runtime_error,
                        [](const std::runtime_error& e) { return std::string(e.what()) == "progress consumer went away"; });
  BOOST_TEST(!fs::exists(out), "partial output left behind");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- a full output filesystem ----

namespace {

// A 20 MiB tmpfs, mounted for one test; needs CAP_SYS_ADMIN.
class SmallTmpfs {
public:
  explicit SmallTmpfs(const fs::path& where) : where_(where) {
    fs::create_directories(where_);
    error_ = ::mount("tmpfs", where_.c_str(), "tmpfs", 0, "size=20m") == 0 ? 0 : errno;
  }
  ~SmallTmpfs() {
    if (mounted()) ::umount2(where_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return error_ == 0; }
  std::string error() const { return std::strerror(error_); }
  const fs::path& path() const { return where_; }

private:
  fs::path where_;
  int error_ = 0;
};

boost::test_tools::assertion_result can_mount_tmpfs(boost::unit_test::test_unit_id) {
  ScratchDir probe;
  SmallTmpfs fs_(probe / "mnt");
  boost::test_tools::assertion_result ok(fs_.mounted());
  if (!fs_.mounted())
    ok.message() << "SKIPPED: cannot mount a small tmpfs here (" << fs_.error()
                 << "); the full-disk test needs CAP_SYS_ADMIN";
  return ok;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(full_output_disk)

BOOST_AUTO_TEST_CASE(no_space_names_the_output_and_leaves_nothing,
                     *boost::unit_test::precondition(can_mount_tmpfs)) {
  ScratchDir dir;
  fs::path src = dir / "data.raw";
  make_raw(src, "96M", {"write -P 0x77 0 64M"});   // 64 MiB that cannot be sparse
  SmallTmpfs small(dir / "small");
  BOOST_TEST_REQUIRE(small.mounted(), small.error());
  for (OutputFormat format : {OutputFormat::Qcow2, OutputFormat::Raw}) {
    BOOST_TEST_CONTEXT("output " << format) {
      fs::path out = small.path() / (std::string("out.") + to_string(format));
      CopyOptions options;
      options.format = format;
      expect_error([&] { copy_disk(whole_file_disk(src, FileKind::Raw), out, options, {}, CancelToken()); },
                   ErrorKind::NoSpace, out.string(), "No space left on device");
      BOOST_TEST(folder_is_empty(small.path()), "partial output left on the full filesystem");
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
