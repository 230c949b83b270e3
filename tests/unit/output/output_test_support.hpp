#pragma once
// Helpers for the output tests: schema validation with virt-xml-validate,
// pugixml parsing, a libvirt test-driver connection, and error assertions.
#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>

#include <libvirt/libvirt.h>
#include <pugixml.hpp>

#include "engine/core/error.hpp"
#include "engine/core/subprocess.hpp"
#include "engine/output/domain_xml.hpp"
#include "tests/unit/support/test_support.hpp"

namespace h2k::output_test {

namespace fs = std::filesystem;
using namespace test;  // expect_error, ScratchDir...: tests/unit/support/test_support.hpp

// libvirt's test driver keeps "test:///default" domains only while some
// connection to it is open in this process, and shares them between all such
// connections. An open Observer lets a test see what define_domain (which
// opens and closes its own connection) left behind.
inline constexpr const char* kTestUri = "test:///default";

struct ConnectClose {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};
struct DomainFree {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
using Connection = std::unique_ptr<virConnect, ConnectClose>;
using Domain = std::unique_ptr<virDomain, DomainFree>;

inline Connection open_observer() {
  Connection c(virConnectOpen(kTestUri));
  BOOST_TEST_REQUIRE(c != nullptr, "cannot open " << kTestUri);
  return c;
}

// The XML libvirt itself stored for a domain (its parser's view of ours).
inline std::string stored_xml(virDomainPtr d) {
  char* xml = virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE);
  BOOST_TEST_REQUIRE(xml != nullptr);
  std::string s(xml);
  free(xml);
  return s;
}

inline pugi::xml_document parse_xml(const std::string& xml) {
  pugi::xml_document doc;
  auto result = doc.load_string(xml.c_str());
  BOOST_TEST_REQUIRE(static_cast<bool>(result), "XML does not parse: " << result.description() << "\n" << xml);
  return doc;
}

// `virt-xml-validate <file> domain`: libvirt's RelaxNG schema, the same the
// daemon's parser follows. Returns the tool's output on failure.
inline std::string schema_errors(const std::string& xml) {
  ScratchDir dir("output");
  fs::path file = dir / "domain.xml";
  write_file(file, xml);
  SubprocessResult r = run_capture({"virt-xml-validate", file.string(), "domain"});
  return r.ok() ? std::string() : r.out + r.err;
}

// A valid one-disk Linux spec to start tests from.
inline DomainSpec basic_spec(const std::string& name = "web01") {
  DomainSpec s;
  s.name = name;
  s.disks = {{"/var/lib/hyper2kvm/web01/disk1.qcow2", "qcow2", "virtio", 1}};
  return s;
}

}  // namespace h2k::output_test
