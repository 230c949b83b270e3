// The deadlines a node's link keeps for its requests to the coordinator
// (CAF 0.17 never cancels a request timeout, so the link does not use them
// on the path of every job): an answer in time closes its deadline, a
// deadline that passes first runs the request's expiry action once, and an
// answer after that is recognised as late.
#include <boost/test/unit_test.hpp>

#include <functional>
#include <string>
#include <vector>

#include "actors/cluster/request_deadlines.hpp"

using namespace h2k;

BOOST_AUTO_TEST_SUITE(request_deadlines)

BOOST_AUTO_TEST_CASE(an_answer_in_time_closes_the_request_and_nothing_expires) {
  RequestDeadlines d;
  int expired = 0;
  const auto t = d.open(1000, [&](const std::string&) { ++expired; });
  BOOST_TEST(d.open_count() == 1u);
  BOOST_TEST(d.close(t), "the answer finds its request open");
  BOOST_TEST(d.open_count() == 0u);
  BOOST_TEST(d.expire(5000, "no answer") == 0u);
  BOOST_TEST(expired == 0);
  BOOST_TEST(!d.close(t), "a second answer to the same request is not acted on");
}

BOOST_AUTO_TEST_CASE(only_requests_past_their_deadline_expire_oldest_first_and_once) {
  RequestDeadlines d;
  std::vector<std::string> order;
  const auto a = d.open(100, [&](const std::string&) { order.push_back("a"); });
  const auto b = d.open(200, [&](const std::string&) { order.push_back("b"); });
  const auto c = d.open(300, [&](const std::string&) { order.push_back("c"); });
  BOOST_TEST(d.expire(99, "no answer") == 0u, "nothing is due before the first deadline");
  BOOST_TEST(d.expire(200, "no answer") == 2u, "a deadline equal to now has passed");
  BOOST_TEST((order == std::vector<std::string>{"a", "b"}));
  BOOST_TEST(d.open_count() == 1u);
  BOOST_TEST(!d.close(a), "an answer after the deadline is late: ignored");
  BOOST_TEST(!d.close(b));
  BOOST_TEST(d.expire(10'000, "no answer") == 1u);
  BOOST_TEST(d.expire(20'000, "no answer") == 0u, "an expired request does not expire again");
  BOOST_TEST((order == std::vector<std::string>{"a", "b", "c"}));
  BOOST_TEST(!d.close(c));
}

BOOST_AUTO_TEST_CASE(an_expiry_action_may_send_again_without_that_try_expiring_in_the_same_pass) {
  // What the link does: a lost request is held and sent again, opening a
  // new deadline, here from inside the expiry action itself, and one that
  // is already due: it waits for the next pass (the next heartbeat tick).
  RequestDeadlines d;
  int tries = 0;
  std::function<void()> send;
  send = [&] {
    ++tries;
    d.open(tries == 1 ? 1000 : 900, [&](const std::string&) { send(); });
  };
  send();
  BOOST_TEST(d.expire(1000, "no answer") == 1u);
  BOOST_TEST(tries == 2, "the expired try was sent again");
  BOOST_TEST(d.open_count() == 1u, "the new try is open: not expired by the pass that made it");
  BOOST_TEST(d.expire(1000, "no answer") == 1u, "the next pass expires it");
  BOOST_TEST(tries == 3);
}

BOOST_AUTO_TEST_SUITE_END()
