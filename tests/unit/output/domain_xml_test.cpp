// The domain XML for every shape of guest we produce: valid against
// libvirt's schema, accepted by libvirt's parser, and saying what we mean
// (boot order, MACs, buses, firmware) when read back.
#include "tests/unit/output/output_test_support.hpp"

#include <set>
#include <sstream>

using namespace h2k;
using namespace h2k::output_test;

namespace {

// Names with every character XML must escape, plus non-ASCII.
const char* const kNames[] = {"web01", "db & cache <primary>", "it's \"quoted\"", "caf\xc3\xa9-\xe6\x9c\x8d\xe5\x8a\xa1"};

DomainSpec make_spec(Firmware fw, const std::string& os, int disks, int nics, int variant) {
  DomainSpec s;
  std::ostringstream name;
  name << kNames[variant % 4] << " " << (fw == Firmware::Efi ? "efi" : "bios") << "-" << os << "-" << disks << "d"
       << nics << "n";
  s.name = name.str();
  s.firmware = fw;
  s.os_family = os;
  s.memory_mib = 1024u * static_cast<unsigned>(disks);
  s.vcpus = nics + 1;
  // What the guest fixer reports: Windows without virtio-win boots from SATA with e1000e.
  const std::string bus = os == "windows" ? "sata" : "virtio";
  for (int i = 0; i < disks; ++i) {
    DomainDisk d;
    d.path = "/srv/vms/" + std::to_string(variant) + "/disk" + std::to_string(i + 1) + (i == 1 ? ".raw" : ".qcow2");
    d.format = i == 1 ? "raw" : "qcow2";
    d.bus = bus;
    d.boot_order = i + 1;
    s.disks.push_back(d);
  }
  for (int i = 0; i < nics; ++i) {
    DomainNic n;
    // The first NIC keeps its (upper-case, as VMware writes it) source MAC; the second has none.
    n.mac = i == 0 ? "00:50:56:AB:CD:0" + std::to_string(variant % 10) : "";
    n.model = os == "windows" ? "e1000e" : "virtio";
    s.nics.push_back(n);
  }
  return s;
}

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Asserts the parsed XML (ours or libvirt's re-serialisation) says what the spec said.
void check_domain(const pugi::xml_node domain, const DomainSpec& spec) {
  BOOST_TEST(std::string(domain.child_value("name")) == spec.name);
  const auto os = domain.child("os");
  BOOST_TEST(std::string(os.child("type").attribute("machine").value()) == "q35");
  BOOST_TEST(std::string(os.child("type").attribute("arch").value()) == "x86_64");
  BOOST_TEST(!os.child("boot"), "<os><boot> must not be mixed with per-device boot order");
  if (spec.firmware == Firmware::Efi) {
    BOOST_TEST(std::string(os.attribute("firmware").value()) == "efi");
    auto sb = os.child("firmware").find_child_by_attribute("feature", "name", "secure-boot");
    BOOST_TEST(std::string(sb.attribute("enabled").value()) == "no");
  } else {
    BOOST_TEST(!os.attribute("firmware"));
    BOOST_TEST(!os.child("loader"));
  }
  const bool windows = spec.os_family == "windows";
  BOOST_TEST(static_cast<bool>(domain.child("features").child("hyperv")) == windows);
  BOOST_TEST(std::string(domain.child("clock").attribute("offset").value()) == (windows ? "localtime" : "utc"));

  const auto devices = domain.child("devices");
  std::vector<pugi::xml_node> disks;
  for (auto d : devices.children("disk")) disks.push_back(d);
  BOOST_TEST_REQUIRE(disks.size() == spec.disks.size());
  std::set<std::string> targets;
  for (std::size_t i = 0; i < disks.size(); ++i) {
    const auto& want = spec.disks[i];
    BOOST_TEST(std::string(disks[i].child("source").attribute("file").value()) == want.path.string());
    BOOST_TEST(std::string(disks[i].child("driver").attribute("type").value()) == want.format);
    BOOST_TEST(std::string(disks[i].child("driver").attribute("cache").value()) == "none");
    BOOST_TEST(std::string(disks[i].child("driver").attribute("io").value()) == "native");
    const auto target = disks[i].child("target");
    BOOST_TEST(std::string(target.attribute("bus").value()) == want.bus);
    const std::string dev = target.attribute("dev").value();
    BOOST_TEST(dev.substr(0, 2) == (want.bus == "virtio" ? "vd" : "sd"));
    targets.insert(dev);
    BOOST_TEST(disks[i].child("boot").attribute("order").as_int() == want.boot_order);
  }
  BOOST_TEST(targets.size() == disks.size(), "two disks share a target name");

  std::vector<pugi::xml_node> nics;
  for (auto n : devices.children("interface")) nics.push_back(n);
  BOOST_TEST_REQUIRE(nics.size() == spec.nics.size());
  for (std::size_t i = 0; i < nics.size(); ++i) {
    const auto& want = spec.nics[i];
    BOOST_TEST(std::string(nics[i].child("model").attribute("type").value()) == want.model);
    BOOST_TEST(std::string(nics[i].child("source").attribute("network").value()) == want.network);
    if (!want.mac.empty()) BOOST_TEST(std::string(nics[i].child("mac").attribute("address").value()) == lower(want.mac));
  }
  BOOST_TEST(static_cast<bool>(
      devices.find_child_by_attribute("channel", "type", "unix").child("target").attribute("name")));
  BOOST_TEST(std::string(devices.child("rng").attribute("model").value()) == "virtio");
  BOOST_TEST(std::string(devices.child("memballoon").attribute("model").value()) == "virtio");
  BOOST_TEST(std::string(devices.child("graphics").attribute("listen").value()) == "127.0.0.1");
  BOOST_TEST(static_cast<bool>(devices.child("console")));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(domain_xml)

BOOST_AUTO_TEST_CASE(every_guest_shape_validates_and_round_trips_through_libvirt) {
  Connection observer = open_observer();
  int variant = 0;
  for (Firmware fw : {Firmware::Bios, Firmware::Efi})
    for (const char* os : {"linux", "windows"})
      for (int disks = 1; disks <= 3; ++disks)
        for (int nics = 0; nics <= 2; ++nics) {
          const DomainSpec spec = make_spec(fw, os, disks, nics, variant++);
          BOOST_TEST_CONTEXT("domain '" << spec.name << "'") {
            const std::string xml = render_domain_xml(spec);
            const std::string errors = schema_errors(xml);
            BOOST_TEST(errors.empty(), "virt-xml-validate rejected:\n" << errors << "\n" << xml);

            auto ours = parse_xml(xml);
            BOOST_TEST(std::string(ours.child("domain").attribute("type").value()) == "kvm");
            BOOST_TEST(ours.child("domain").child("memory").text().as_ullong() == spec.memory_mib);
            BOOST_TEST(std::string(ours.child("domain").child("memory").attribute("unit").value()) == "MiB");
            BOOST_TEST(ours.child("domain").child("vcpu").text().as_int() == spec.vcpus);
            check_domain(ours.child("domain"), spec);

            // libvirt's own parser must read the same meaning back.
            const std::string uuid = define_domain(xml, kTestUri);
            Domain defined(virDomainLookupByUUIDString(observer.get(), uuid.c_str()));
            BOOST_TEST_REQUIRE(defined != nullptr);
            auto stored = parse_xml(stored_xml(defined.get()));
            check_domain(stored.child("domain"), spec);
            // A NIC without a MAC got one from libvirt.
            for (auto nic : stored.child("domain").child("devices").children("interface"))
              BOOST_TEST(std::string(nic.child("mac").attribute("address").value()).size() == 17u);
          }
        }
}

BOOST_AUTO_TEST_CASE(first_disk_boots_when_no_order_was_given) {
  DomainSpec spec = basic_spec();
  spec.disks = {{"/d/a.qcow2", "qcow2", "virtio", 0}, {"/d/b.qcow2", "qcow2", "virtio", 0}};
  auto doc = parse_xml(render_domain_xml(spec));
  auto disks = doc.child("domain").child("devices").children("disk");
  auto it = disks.begin();
  BOOST_TEST(it->child("boot").attribute("order").as_int() == 1);
  ++it;
  BOOST_TEST(!it->child("boot"));
  BOOST_TEST(schema_errors(render_domain_xml(spec)).empty());
}

BOOST_AUTO_TEST_CASE(boot_order_follows_the_spec_not_the_list_position) {
  // The source VM booted from its second disk.
  DomainSpec spec = basic_spec();
  spec.disks = {{"/d/data.qcow2", "qcow2", "virtio", 2}, {"/d/system.qcow2", "qcow2", "virtio", 1}};
  auto doc = parse_xml(render_domain_xml(spec));
  auto boot_disk = doc.child("domain").child("devices").find_child([](pugi::xml_node n) {
    return std::string(n.name()) == "disk" && n.child("boot").attribute("order").as_int() == 1;
  });
  BOOST_TEST(std::string(boot_disk.child("source").attribute("file").value()) == "/d/system.qcow2");
}

BOOST_AUTO_TEST_CASE(mixed_buses_number_each_bus_from_a) {
  DomainSpec spec = basic_spec();
  spec.disks = {{"/d/a.qcow2", "qcow2", "sata", 1}, {"/d/b.qcow2", "qcow2", "virtio", 2},
                {"/d/c.qcow2", "qcow2", "sata", 3}};
  auto doc = parse_xml(render_domain_xml(spec));
  std::vector<std::string> devs;
  for (auto d : doc.child("domain").child("devices").children("disk"))
    devs.push_back(d.child("target").attribute("dev").value());
  BOOST_TEST(devs == (std::vector<std::string>{"sda", "vda", "sdb"}), boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(uuid_is_written_when_given) {
  DomainSpec spec = basic_spec();
  spec.uuid = "6f1b4a52-0d8e-4c7e-9f3a-2b5c8d9e0a11";
  auto doc = parse_xml(render_domain_xml(spec));
  BOOST_TEST(std::string(doc.child("domain").child_value("uuid")) == spec.uuid);
  BOOST_TEST(!parse_xml(render_domain_xml(basic_spec())).child("domain").child("uuid"));
}

BOOST_AUTO_TEST_SUITE_END()
