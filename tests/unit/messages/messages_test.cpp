// Every actor message must survive CAF's binary serialization as a
// type-erased caf::message, the way it would cross to another node: that
// needs both an `inspect` overload and a registration under its name, and
// CAF 0.17 fails SILENTLY (an empty message) when a type is not registered.
#include <boost/test/unit_test.hpp>

#include <caf/all.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include "messages/register_messages.hpp"

using namespace h2k::msg;

namespace {

struct System {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;
  System() {
    register_messages(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }
};

// Serializes `x` inside a caf::message and reads it back as a new message.
template <class T>
T round_trip(caf::actor_system& sys, const T& x) {
  caf::message out = caf::make_message(x);
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  auto err = sink(out);
  BOOST_REQUIRE_MESSAGE(!err, "serialize: " << sys.render(err));
  caf::message in;
  caf::binary_deserializer source{sys, buf};
  err = source(in);
  BOOST_REQUIRE_MESSAGE(!err, "deserialize: " << sys.render(err));
  BOOST_REQUIRE_MESSAGE(in.match_element<T>(0), "the message came back without its " << typeid(T).name());
  return in.get_as<T>(0);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(messages_serialization)

BOOST_AUTO_TEST_CASE(every_message_round_trips_with_its_fields) {
  System s;
  auto& sys = *s.sys;

  vm_found f{{"web01.ovf", "web01-disk1.vmdk", "web01.mf"}, "ovf", 123456789012ULL, "md5:abc", "high"};
  auto f2 = round_trip(sys, f);
  BOOST_TEST(f2.sources == f.sources);
  BOOST_TEST(f2.file_type == "ovf");
  BOOST_TEST(f2.total_bytes == 123456789012ULL);
  BOOST_TEST(f2.dedup_key == "md5:abc");
  BOOST_TEST(f2.priority == "high");

  watch_problem p{"x.ovf", "x.ovf: references ../y.vmdk outside the queue", "invalid_input", true, 42, {"y.mf"}};
  auto p2 = round_trip(sys, p);
  BOOST_TEST(p2.reason == p.reason);
  BOOST_TEST(p2.permanent);
  BOOST_TEST(p2.related == p.related);

  job_assignment a{"job-7", 4, "local/slot-2", "external", {"/srv/images/a.vmdk"}, "vmdk", 3, "2026-11-22",
                   "job-7.e4.0badcafe", R"({"vm":"/dc/vm/web"})", true, "sha256"};
  auto a2 = round_trip(sys, a);
  BOOST_TEST(a2.job_id == "job-7");
  BOOST_TEST(a2.epoch == 4u);
  BOOST_TEST(a2.holder == "local/slot-2");
  BOOST_TEST(a2.source_root == "external");
  BOOST_TEST(a2.sources == a.sources);
  BOOST_TEST(a2.attempt == 3);
  BOOST_TEST(a2.output_subdir == "2026-11-22");
  BOOST_TEST(a2.staging_tag == "job-7.e4.0badcafe");
  BOOST_TEST(a2.dedup_method == "sha256");
  BOOST_TEST(a2.export_request == a.export_request);
  BOOST_TEST(a2.define_domain == true);

  job_planned pl{"job-7", 4, "local/slot-2", "2026-11-22", "web01", "sha256:abc"};
  auto pl2 = round_trip(sys, pl);
  BOOST_TEST(pl2.job_id == "job-7");
  BOOST_TEST(pl2.epoch == 4u);
  BOOST_TEST(pl2.holder == "local/slot-2");
  BOOST_TEST(pl2.output_subdir == "2026-11-22");
  BOOST_TEST(pl2.vm_name == "web01");
  BOOST_TEST(pl2.dedup_key == "sha256:abc");

  publish_request pub{"job-7", 4, "local/slot-2"};
  auto pub2 = round_trip(sys, pub);
  BOOST_TEST(pub2.job_id == "job-7");
  BOOST_TEST(pub2.epoch == 4u);
  BOOST_TEST(pub2.holder == "local/slot-2");

  job_progress pr{"job-7", 4, "local/slot-2", "copy", 45.5, 100, 200, 1.5e8, 12.0, "disk 1/2"};
  auto pr2 = round_trip(sys, pr);
  BOOST_TEST(pr2.epoch == 4u);
  BOOST_TEST(pr2.holder == "local/slot-2");
  BOOST_TEST(pr2.percent == 45.5);
  BOOST_TEST(pr2.bytes_total == 200u);
  BOOST_TEST(pr2.message == "disk 1/2");

  job_outcome o;
  o.job_id = "job-7";
  o.epoch = 5;
  o.holder = "local/slot-1";
  o.status = "failed";
  o.error_kind = "io_error";
  o.error = "write failed";
  o.log_tail = {"phase copy", "error: write failed"};
  o.duration_s = 12.5;
  o.bytes_converted = 99;
  o.error_details = {"Gave up waiting for root file system device.", "(initramfs)"};
  auto o2 = round_trip(sys, o);
  BOOST_TEST(o2.epoch == 5u);
  BOOST_TEST(o2.holder == "local/slot-1");
  BOOST_TEST(o2.status == "failed");
  BOOST_TEST(o2.log_tail == o.log_tail);
  BOOST_TEST(o2.duration_s == 12.5);
  BOOST_TEST(o2.error_details == o.error_details);

  job_event e;
  e.kind = "retry_scheduled";
  e.job_id = "job-7";
  e.attempt = 2;
  e.next_retry_at_ms = 1763800000000;
  auto e2 = round_trip(sys, e);
  BOOST_TEST(e2.kind == "retry_scheduled");
  BOOST_TEST(e2.next_retry_at_ms == 1763800000000);

  queue_state q{5, 1, 2, "paused"};
  auto q2 = round_trip(sys, q);
  BOOST_TEST(q2.queued == 5u);
  BOOST_TEST(q2.mode == "paused");

  control_command c{"job-status", R"({"job_id":"job-7"})"};
  BOOST_TEST(round_trip(sys, c).args_json == c.args_json);
  control_reply r{false, R"({"ok":false,"error":"no job"})"};
  auto r2 = round_trip(sys, r);
  BOOST_TEST(!r2.ok);
  BOOST_TEST(r2.body_json == r.body_json);
}

BOOST_AUTO_TEST_SUITE_END()
