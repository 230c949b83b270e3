// vsphere.client's check of VsphereSession itself (what hyperctl does not
// show): call() from several threads at once on one session, a fault's type
// and host, device URL rewriting, and a refused login that names the user but
// never the password.
//   session_check HOST:PORT USER THUMBPRINT VM_PATH   (password: $VSPHERE_PASSWORD)
// Prints "ok: ..." lines; exits 1 with "FAIL: ..." on the first wrong answer.
#include <atomic>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "engine/vsphere/inventory.hpp"
#include "engine/vsphere/vsphere_session.hpp"

namespace vs = h2k::vsphere;

namespace {

[[noreturn]] void fail(const std::string& what) {
  std::cerr << "FAIL: " << what << "\n";
  std::exit(1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) fail("usage: session_check HOST:PORT USER THUMBPRINT VM_PATH");
  const char* password = std::getenv("VSPHERE_PASSWORD");
  if (!password) fail("VSPHERE_PASSWORD is not set");
  vs::TlsPolicy tls;
  tls.thumbprint = argv[3];
  const vs::Endpoint endpoint = vs::parse_endpoint(argv[1], tls);
  try {
    auto session = vs::VsphereSession::login(endpoint, {argv[2], password});
    const vs::MoRef vm = vs::find_vm(*session, argv[4]);
    const std::string name = vs::vm_info(*session, vm).name;

    // One session, four threads, 25 calls each: every answer is the right one.
    std::atomic<int> right{0};
    std::vector<std::string> errors(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
      threads.emplace_back([&, t] {
        try {
          for (int i = 0; i < 25; ++i) {
            const auto r = vs::retrieve_properties(*session, vm, {"name"});
            if (vs::property_value(r, "name").child_value() == name) ++right;
          }
        } catch (const std::exception& e) {
          errors[t] = e.what();
        }
      });
    for (auto& t : threads) t.join();
    for (const auto& e : errors)
      if (!e.empty()) fail("concurrent call(): " + e);
    if (right != 100) fail("concurrent call(): " + std::to_string(right.load()) + " of 100 answers named " + name);
    std::cout << "ok: 100 concurrent calls on one session from 4 threads all answered " << name << "\n";

    try {
      vs::retrieve_properties(*session, {"VirtualMachine", "vm-999999"}, {"name"});
      fail("a MoRef that does not exist was answered");
    } catch (const vs::VsphereError& e) {
      if (e.fault != "ManagedObjectNotFound") fail("fault type '" + e.fault + "': " + e.what());
      if (std::string(e.what()).find(vs::authority(endpoint)) == std::string::npos) fail("fault without host: " + std::string(e.what()));
      std::cout << "ok: a missing object is a ManagedObjectNotFound fault: " << e.what() << "\n";
    }

    const std::string url = session->url_for("https://*/nfc/52ab/disk-0.vmdk");
    if (url != "https://" + vs::authority(endpoint) + "/nfc/52ab/disk-0.vmdk") fail("url_for: " + url);
    std::cout << "ok: url_for -> " << url << "\n";
  } catch (const std::exception& e) {
    fail(e.what());
  }

  const std::string wrong = std::string("not-") + password;
  try {
    vs::VsphereSession::login(endpoint, {argv[2], wrong});
    fail("a wrong password logged in");
  } catch (const vs::VsphereError& e) {
    const std::string message = e.what();
    if (e.fault != "InvalidLogin") fail("wrong password: fault '" + e.fault + "': " + message);
    if (message.find("login refused for user " + std::string(argv[2])) == std::string::npos)
      fail("wrong password: " + message);
    if (message.find(wrong) != std::string::npos) fail("the refused login's error holds the password");
    std::cout << "ok: a wrong password is InvalidLogin, the error names the user and not the password\n";
  }
  return 0;
}
