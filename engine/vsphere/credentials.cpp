#include "engine/vsphere/credentials.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace h2k::vsphere {
namespace {

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return {};
  const auto e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

std::string mode_text(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

// A YAML scalar as the file would hold it: plain (a trailing " # comment"
// dropped), 'single' ('' is a quote) or "double" (\" and \\ escapes).
std::string scalar_value(const std::string& raw, const std::string& file, const std::string& key) {
  std::string v = trim(raw);
  if (v.empty()) return v;
  const char q = v.front();
  if (q == '\'' || q == '"') {
    std::string out;
    for (std::size_t i = 1; i < v.size(); ++i) {
      const char c = v[i];
      if (q == '\'' && c == '\'') {
        if (i + 1 < v.size() && v[i + 1] == '\'') { out += '\''; ++i; continue; }
        return out;
      }
      if (q == '"' && c == '\\' && i + 1 < v.size()) { out += v[++i]; continue; }
      if (q == '"' && c == '"') return out;
      out += c;
    }
    throw std::runtime_error(file + ": the value of '" + key + "' has no closing quote");
  }
  const auto comment = v.find(" #");
  return comment == std::string::npos ? v : trim(v.substr(0, comment));
}

std::map<std::string, std::string> read_credentials_file(const std::filesystem::path& path) {
  const std::string file = path.string();
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0)
    throw std::runtime_error(file + ": cannot read the vSphere credentials file: " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw std::runtime_error(file + ": the vSphere credentials file is not a regular file");
  // Group or others able to read (or write) it means the password is not ours alone.
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    throw std::runtime_error(file + ": mode " + mode_text(st.st_mode) +
                             " is too open; vSphere credentials must be 0600 (chmod 600 " + file + ")");
  std::ifstream in(path);
  if (!in) throw std::runtime_error(file + ": cannot open the vSphere credentials file");
  std::map<std::string, std::string> values;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    const std::string t = trim(line);
    if (t.empty() || t[0] == '#' || t == "---") continue;
    const auto colon = t.find(':');
    if (colon == std::string::npos || line[0] == ' ' || line[0] == '\t')
      throw std::runtime_error(file + ":" + std::to_string(number) +
                               ": expected a top-level 'key: value' line (username:, password:)");
    const std::string key = trim(t.substr(0, colon));
    if (key != "username" && key != "password")
      throw std::runtime_error(file + ":" + std::to_string(number) + ": unknown key '" + key +
                               "' (a vSphere credentials file holds username: and password:)");
    values[key] = scalar_value(t.substr(colon + 1), file, key);
  }
  return values;
}

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (v && *v) return std::string(v);
  return std::nullopt;
}

}  // namespace

VsphereCredentials resolve_credentials(const std::optional<std::string>& username,
                                       const std::optional<std::filesystem::path>& credentials_file) {
  std::map<std::string, std::string> from_file;
  if (credentials_file) from_file = read_credentials_file(*credentials_file);
  VsphereCredentials c;
  if (username && !username->empty())
    c.username = *username;
  else if (auto it = from_file.find("username"); it != from_file.end() && !it->second.empty())
    c.username = it->second;
  else if (auto u = env("VSPHERE_USERNAME"))
    c.username = *u;
  if (auto p = env("VSPHERE_PASSWORD"))
    c.password = *p;
  else if (auto it = from_file.find("password"); it != from_file.end())
    c.password = it->second;

  if (c.username.empty())
    throw std::runtime_error("no vSphere user name: pass --username, set VSPHERE_USERNAME" +
                             (credentials_file ? ", or add 'username:' to " + credentials_file->string()
                                               : ", or use --credentials FILE"));
  if (c.password.empty())
    throw std::runtime_error("no vSphere password for user " + c.username + ": set VSPHERE_PASSWORD" +
                             (credentials_file ? ", or add 'password:' to " + credentials_file->string()
                                               : ", or use --credentials FILE (mode 0600, 'password:')"));
  return c;
}

}  // namespace h2k::vsphere
