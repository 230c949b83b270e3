// The conversion-complete callback: the payload per job event (the seed's
// fields), and the signature (HMAC-SHA256, checked against RFC 4231).
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "actors/notifier/callback.hpp"

using namespace h2k;
namespace fs = std::filesystem;

BOOST_AUTO_TEST_SUITE(callback)

BOOST_AUTO_TEST_CASE(hmac_matches_rfc_4231) {
  BOOST_TEST(hmac_sha256_hex("Jefe", "what do ya want for nothing?") ==
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

BOOST_AUTO_TEST_CASE(signed_over_the_exact_body_with_the_event_header) {
  auto n = callback_notification({{"job_id", "j-1"}, {"status", "success"}}, "k", 1);
  BOOST_REQUIRE(n.raw_body.has_value());
  BOOST_TEST(n.headers.at("X-Hyper2kvm-Event") == "conversion-complete");
  BOOST_TEST(n.headers.at("X-Hyper2kvm-Signature") == "sha256=" + hmac_sha256_hex("k", *n.raw_body));
  BOOST_TEST(!callback_notification({{"job_id", "j-1"}}, "", 1).headers.count("X-Hyper2kvm-Signature"));
}

BOOST_AUTO_TEST_CASE(success_lists_the_published_files) {
  const fs::path root = fs::temp_directory_path() / ("h2k-cb-" + std::to_string(::getpid()));
  fs::create_directories(root / "2026-12-03/web01");
  std::ofstream(root / "2026-12-03/web01/web01-disk1.qcow2") << "x";
  std::ofstream(root / "2026-12-03/web01/report.json") << R"({"guest_fixes": {"applied": true, "changes": ["fstab: by UUID"], "disk_bus": "virtio", "skip_reason": ""}})";
  CallbackSettings s;
  s.output_root = root;
  s.errors_dir = "/q/.errors";
  msg::job_event e;
  e.kind = "succeeded";
  e.job_id = "j-7";
  e.filename = "web01.ova";
  e.output_path = "2026-12-03/web01";
  e.duration_s = 12.5;
  auto p = callback_payload(e, s);
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST((*p)["status"] == "success");
  BOOST_TEST((*p)["vm_name"] == "web01");
  BOOST_TEST((*p)["output_dir"] == (root / "2026-12-03/web01").string());
  BOOST_TEST((*p)["files"].size() == 2u);
  BOOST_TEST((*p)["duration_seconds"] == 12.5);
  BOOST_TEST((*p)["modifications"]["applied"] == true);
  BOOST_TEST((*p)["modifications"]["changes"][0] == "fstab: by UUID");
  BOOST_TEST((*p)["modifications"]["disk_bus"] == "virtio");
  fs::remove_all(root);
}

BOOST_AUTO_TEST_CASE(failures_say_whether_a_retry_comes) {
  CallbackSettings s;
  s.errors_dir = "/q/.errors";
  msg::job_event e;
  e.job_id = "j-8";
  e.filename = "sub/db01.vmdk";
  e.error = "qemu-img: I/O error";
  e.attempt = 2;
  e.kind = "retry_scheduled";
  auto retry = callback_payload(e, s);
  BOOST_REQUIRE(retry.has_value());
  BOOST_TEST((*retry)["status"] == "failed");
  BOOST_TEST((*retry)["vm_name"] == "db01");
  BOOST_TEST((*retry)["retry_available"] == true);
  BOOST_TEST((*retry)["retry_count"] == 1);
  BOOST_TEST((*retry)["error_file"].is_null());
  e.kind = "failed";
  auto final_failure = callback_payload(e, s);
  BOOST_TEST((*final_failure)["retry_available"] == false);
  BOOST_TEST((*final_failure)["error_file"] == "/q/.errors/db01.vmdk.error.json");
  e.kind = "started";
  BOOST_TEST(!callback_payload(e, s).has_value());
  e.kind = "queued";
  BOOST_TEST(!callback_payload(e, s).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
