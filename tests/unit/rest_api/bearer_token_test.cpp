// BearerToken: the token file must be the owner's alone; errors name the file
// but never hold the token; only "Bearer <exact token>" is accepted.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <boost/test/unit_test.hpp>

#include "actors/rest_api/bearer_token.hpp"

using namespace h2k;
namespace fs = std::filesystem;

namespace {

struct TokenDir {
  fs::path dir;
  TokenDir() {
    char tmpl[] = "/tmp/h2k-token-XXXXXX";
    dir = ::mkdtemp(tmpl);
  }
  ~TokenDir() { fs::remove_all(dir); }
  fs::path write(const std::string& name, const std::string& text, mode_t mode) const {
    fs::path p = dir / name;
    std::ofstream(p) << text;
    ::chmod(p.c_str(), mode);
    return p;
  }
};

std::string refusal(const fs::path& file) {
  try {
    BearerToken::from_file(file);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_SUITE(bearer_token)

BOOST_AUTO_TEST_CASE(accepts_only_the_exact_token) {
  TokenDir d;
  BearerToken t = BearerToken::from_file(d.write("token", "s3cret-token\n", 0600));
  BOOST_TEST(t.accepts("Bearer s3cret-token"));
  BOOST_TEST(t.accepts("bearer s3cret-token"));  // the scheme is case-insensitive
  BOOST_TEST(!t.accepts("Bearer s3cret-tokeN"));
  BOOST_TEST(!t.accepts("Bearer s3cret-toke"));
  BOOST_TEST(!t.accepts("Bearer s3cret-token2"));
  BOOST_TEST(!t.accepts("Basic s3cret-token"));
  BOOST_TEST(!t.accepts("s3cret-token"));
  BOOST_TEST(!t.accepts(""));
  BOOST_TEST(!t.accepts("Bearer "));
}

BOOST_AUTO_TEST_CASE(a_file_others_can_read_is_refused_naming_it_not_the_token) {
  TokenDir d;
  auto open_file = d.write("token", "s3cret-token\n", 0644);
  const std::string why = refusal(open_file);
  BOOST_TEST(contains(why, open_file.string()));
  BOOST_TEST(contains(why, "api.token_file"));
  BOOST_TEST(contains(why, "0644"));
  BOOST_TEST(!contains(why, "s3cret"));
  BOOST_TEST(contains(refusal(d.write("group", "s3cret-token", 0640)), "0640"));
}

BOOST_AUTO_TEST_CASE(missing_or_empty_files_are_refused) {
  TokenDir d;
  BOOST_TEST(contains(refusal(d.dir / "absent"), "cannot open"));
  BOOST_TEST(contains(refusal(d.write("empty", " \n", 0600)), "empty"));
  BOOST_TEST(contains(refusal(d.dir), "not a regular file"));
}

BOOST_AUTO_TEST_SUITE_END()
