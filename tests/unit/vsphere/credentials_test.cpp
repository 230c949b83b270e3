#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>

#include "engine/vsphere/credentials.hpp"
#include "tests/unit/support/test_support.hpp"

using namespace h2k::vsphere;
namespace fs = std::filesystem;

namespace {

// Clears VSPHERE_USERNAME / VSPHERE_PASSWORD for one test and restores them.
class CleanEnv {
public:
  CleanEnv() {
    for (const char* name : {"VSPHERE_USERNAME", "VSPHERE_PASSWORD"}) {
      if (const char* v = std::getenv(name)) saved_.emplace_back(name, v);
      ::unsetenv(name);
    }
  }
  ~CleanEnv() {
    ::unsetenv("VSPHERE_USERNAME");
    ::unsetenv("VSPHERE_PASSWORD");
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }

private:
  std::vector<std::pair<std::string, std::string>> saved_;
};

fs::path credentials_file(const h2k::test::ScratchDir& dir, const std::string& text, mode_t mode) {
  const fs::path path = dir / "vsphere.yaml";
  h2k::test::write_file(path, text);
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

std::string refusal(const std::optional<std::string>& user, const std::optional<fs::path>& file) {
  try {
    resolve_credentials(user, file);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  BOOST_FAIL("the credentials were accepted");
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(vsphere_credentials)

BOOST_AUTO_TEST_CASE(an_owner_only_file_gives_user_and_password) {
  CleanEnv env;
  h2k::test::ScratchDir dir("vsphere-cred");
  const auto file = credentials_file(dir, "# vCenter\nusername: administrator@vsphere.local\npassword: 'p@ss: w''rd #1'\n", 0600);
  const VsphereCredentials c = resolve_credentials(std::nullopt, file);
  BOOST_TEST(c.username == "administrator@vsphere.local");
  BOOST_TEST(c.password == "p@ss: w'rd #1");
  BOOST_TEST(resolve_credentials(std::nullopt, credentials_file(dir, "username: u\npassword: \"a\\\"b\"\n", 0400))
                 .password == "a\"b");
}

BOOST_AUTO_TEST_CASE(a_file_others_can_read_is_refused_with_the_chmod_that_fixes_it) {
  CleanEnv env;
  h2k::test::ScratchDir dir("vsphere-cred");
  const auto file = credentials_file(dir, "username: u\npassword: secret-pw\n", 0644);
  const std::string message = refusal(std::nullopt, file);
  BOOST_TEST(message == file.string() + ": mode 0644 is too open; vSphere credentials must be 0600 (chmod 600 " +
                            file.string() + ")");
  BOOST_TEST(refusal(std::nullopt, credentials_file(dir, "username: u\npassword: secret-pw\n", 0640))
                 .find("mode 0640 is too open") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_password_says_where_to_put_one) {
  CleanEnv env;
  h2k::test::ScratchDir dir("vsphere-cred");
  const auto file = credentials_file(dir, "username: u\n", 0600);
  const std::string message = refusal(std::nullopt, file);
  BOOST_TEST(message.find("no vSphere password for user u") != std::string::npos);
  BOOST_TEST(message.find("VSPHERE_PASSWORD") != std::string::npos);
  BOOST_TEST(message.find(file.string()) != std::string::npos);
  BOOST_TEST(refusal(std::string("u"), std::nullopt).find("VSPHERE_PASSWORD") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_missing_user_name_says_how_to_give_one) {
  CleanEnv env;
  ::setenv("VSPHERE_PASSWORD", "pw", 1);
  const std::string message = refusal(std::nullopt, std::nullopt);
  BOOST_TEST(message.find("--username") != std::string::npos);
  BOOST_TEST(message.find("VSPHERE_USERNAME") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(argument_beats_file_beats_environment_for_the_user_and_env_wins_the_password) {
  CleanEnv env;
  h2k::test::ScratchDir dir("vsphere-cred");
  const auto file = credentials_file(dir, "username: from-file\npassword: file-pw\n", 0600);
  ::setenv("VSPHERE_USERNAME", "from-env", 1);
  BOOST_TEST(resolve_credentials(std::string("from-arg"), file).username == "from-arg");
  BOOST_TEST(resolve_credentials(std::nullopt, file).username == "from-file");
  ::setenv("VSPHERE_PASSWORD", "env-pw", 1);
  BOOST_TEST(resolve_credentials(std::nullopt, file).password == "env-pw");
  BOOST_TEST(resolve_credentials(std::nullopt, std::nullopt).username == "from-env");
}

BOOST_AUTO_TEST_CASE(an_unknown_key_is_named_and_the_password_never_echoed) {
  CleanEnv env;
  h2k::test::ScratchDir dir("vsphere-cred");
  const auto file = credentials_file(dir, "username: u\npasword: hunter2-secret\n", 0600);
  const std::string message = refusal(std::nullopt, file);
  BOOST_TEST(message.find(file.string() + ":2: unknown key 'pasword'") != std::string::npos);
  BOOST_TEST(message.find("hunter2-secret") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
