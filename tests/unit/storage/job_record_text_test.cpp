// The record text written at every transition must be exactly what the
// JSON library writes for the same job (the store's format; older records
// and tools read it), and must read back as the same job.
#include <boost/test/unit_test.hpp>

#include <cstdint>
#include <limits>

#include "storage/job_record_text.hpp"

using namespace h2k;
namespace fs = std::filesystem;

namespace {

Job every_field_set() {
  Job j;
  j.id = "job-42";
  j.source_root = kWatchRoot;
  j.sources = {"wave 3/web-01.ovf", "wave 3/web-01-disk1.vmdk"};
  j.file_type = "ovf";
  j.priority = JobPriority::High;
  j.state = JobState::Running;
  j.attempts = 3;
  j.interrupted = 1;
  j.crashes = 1;
  j.epoch = std::numeric_limits<std::uint64_t>::max();
  j.holder = "conv-01/slot-2";
  j.last_holder = "conv-01/slot-2";
  j.publishing_epoch = 7;
  j.next_attempt_at = -5;
  j.last_error = JobError{ErrorKind::Io, "read error at offset 4096", "copy"};
  j.created_at = 1764800000000;
  j.started_at = 1764800000001;
  j.finished_at = std::numeric_limits<std::int64_t>::min();
  j.output_path = "2026-12-05/web-01";
  j.archive_pending = ".processed/2026-12-05";
  j.dedup_key = "sha256:abcdef";
  j.duplicate_of = "job-7";
  j.needs = {"virtio-win", "kvm"};
  j.enqueue_seq = 99;
  ExportSource x;
  x.vcenter = "vc.example:8989";
  x.vm = "/DC0/vm/web-01";
  x.datacenter = "DC0";
  x.username = "admin@vsphere.local";
  x.thumbprint = "AB:CD";
  x.ca_file = "/etc/ca.pem";
  x.insecure = true;
  x.define = true;
  x.exported = true;
  x.exported_epoch = 5;
  x.export_dir = ".exports/web-01";
  j.export_source = x;
  return j;
}

void check_same_as_dump(const Job& job) {
  const std::string text = job_record_text(job);
  BOOST_TEST(text == to_json(job).dump());
  // And it reads back as the same job.
  const Job back = job_from_json(nlohmann::json::parse(text), "test");
  BOOST_TEST(job_record_text(back) == text);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(job_record_text_format)

BOOST_AUTO_TEST_CASE(a_new_job_is_written_as_the_json_library_writes_it) {
  Job j;
  j.id = "job-1";
  j.sources = {"a.vmdk"};
  j.file_type = "vmdk";
  check_same_as_dump(j);
}

BOOST_AUTO_TEST_CASE(every_field_and_extreme_numbers_are_written_as_the_json_library_writes_them) {
  check_same_as_dump(every_field_set());
}

BOOST_AUTO_TEST_CASE(strings_that_need_escaping_are_written_as_the_json_library_writes_them) {
  Job j = every_field_set();
  j.sources = {"quote\"d/back\\slash.ova", "tab\there/new\nline\x01.vmdk", "caf\xc3\xa9/\xe2\x82\xac.vmdk", "del\x7f.vmdk"};
  j.last_error->reason = "qemu-img: \"/x\": No such file\r\n";
  j.export_source->vm = "/DC0/vm/Ünïcödé VM";
  check_same_as_dump(j);
}

BOOST_AUTO_TEST_CASE(a_path_that_is_not_utf8_is_refused_as_the_json_library_refuses_it) {
  Job j = every_field_set();
  j.sources = {"bad\xff.vmdk"};
  BOOST_CHECK_THROW(to_json(j).dump(), nlohmann::json::exception);
  BOOST_CHECK_THROW(job_record_text(j), nlohmann::json::exception);
}

BOOST_AUTO_TEST_SUITE_END()
