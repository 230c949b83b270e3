// Which accelerator boots the guest, and the firmware lookup.
#include <boost/test/unit_test.hpp>

#include "engine/verify/accel.hpp"
#include "engine/verify/ovmf.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k;
using namespace h2k::test;

BOOST_AUTO_TEST_SUITE(verify_accel)

BOOST_AUTO_TEST_CASE(auto_follows_the_libguestfs_settings_then_the_device) {
  // force_tcg: the operator said KVM does not work here.
  BOOST_TEST((choose_accel(AccelChoice::Auto, "force_tcg", true) == Accel::Tcg));
  BOOST_TEST((choose_accel(AccelChoice::Auto, "gdb=1, force_tcg ,x=y", true) == Accel::Tcg));
  BOOST_TEST((choose_accel(AccelChoice::Auto, "", true) == Accel::Kvm));
  BOOST_TEST((choose_accel(AccelChoice::Auto, "force_tcg_not", true) == Accel::Kvm));
  BOOST_TEST((choose_accel(AccelChoice::Auto, "", false) == Accel::Tcg));
}

BOOST_AUTO_TEST_CASE(explicit_choices_are_taken_as_asked) {
  BOOST_TEST((choose_accel(AccelChoice::Kvm, "force_tcg", false) == Accel::Kvm));
  BOOST_TEST((choose_accel(AccelChoice::Tcg, "", true) == Accel::Tcg));
}

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST((accel_choice_from_string("auto") == AccelChoice::Auto));
  BOOST_TEST((accel_choice_from_string("kvm") == AccelChoice::Kvm));
  BOOST_TEST((accel_choice_from_string("tcg") == AccelChoice::Tcg));
  BOOST_CHECK_THROW(accel_choice_from_string("KVM"), std::invalid_argument);
  BOOST_TEST(std::string(to_string(Accel::Tcg)) == "tcg");
  BOOST_TEST(std::string(to_string(AccelChoice::Auto)) == "auto");
}

BOOST_AUTO_TEST_CASE(kvm_usable_needs_a_kvm_device) {
  BOOST_TEST(!kvm_usable("/nonexistent/kvm"));
  BOOST_TEST(!kvm_usable("/dev/null"));  // opens, but is no KVM
  ScratchDir dir("accel");
  write_file(dir.path() / "kvm", "not a device");
  BOOST_TEST(!kvm_usable(dir.path() / "kvm"));
}

BOOST_AUTO_TEST_CASE(ovmf_is_found_where_the_distributions_put_it) {
  ScratchDir root("ovmf");
  BOOST_TEST(!find_ovmf(root.path()).has_value());
  // Fedora's layout, code without vars is not enough.
  write_file(root.path() / "usr/share/edk2/ovmf/OVMF_CODE.fd", "code");
  BOOST_TEST(!find_ovmf(root.path()).has_value());
  write_file(root.path() / "usr/share/edk2/ovmf/OVMF_VARS.fd", "vars");
  auto f = find_ovmf(root.path());
  BOOST_TEST_REQUIRE(f.has_value());
  BOOST_TEST(f->code == root.path() / "usr/share/edk2/ovmf/OVMF_CODE.fd");
  // Debian's 4M build is preferred when both are there.
  write_file(root.path() / "usr/share/OVMF/OVMF_CODE_4M.fd", "code");
  write_file(root.path() / "usr/share/OVMF/OVMF_VARS_4M.fd", "vars");
  f = find_ovmf(root.path());
  BOOST_TEST(f->vars == root.path() / "usr/share/OVMF/OVMF_VARS_4M.fd");
}

BOOST_AUTO_TEST_SUITE_END()
