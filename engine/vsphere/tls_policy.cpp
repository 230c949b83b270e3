#include "engine/vsphere/tls_policy.hpp"

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <cctype>
#include <stdexcept>

namespace h2k::vsphere {
namespace {

std::string hex_with_colons(const unsigned char* bytes, unsigned size) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    if (i) out += ':';
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0xF];
  }
  return out;
}

std::string leaf_thumbprint(X509_STORE_CTX* store) {
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned size = 0;
  if (!leaf || X509_digest(leaf, EVP_sha256(), md, &size) != 1) return {};
  return hex_with_colons(md, size);
}

// Replaces OpenSSL's chain verification when a thumbprint is pinned: the
// leaf's digest decides alone.
int verify_pinned(X509_STORE_CTX* store, void* arg) {
  auto* check = static_cast<TlsCheck*>(arg);
  check->presented = leaf_thumbprint(store);
  if (!check->presented.empty() && check->presented == check->expected) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

int verify_pinned_quiet(X509_STORE_CTX* store, void* arg) {
  const auto* expected = static_cast<const std::string*>(arg);
  if (leaf_thumbprint(store) == *expected) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
  return 0;
}

CURLcode install_pin(CURL*, void* ssl_ctx, void* arg) {
  SSL_CTX_set_cert_verify_callback(static_cast<SSL_CTX*>(ssl_ctx), verify_pinned, arg);
  return CURLE_OK;
}

CURLcode install_pin_quiet(CURL*, void* ssl_ctx, void* arg) {
  SSL_CTX_set_cert_verify_callback(static_cast<SSL_CTX*>(ssl_ctx), verify_pinned_quiet, arg);
  return CURLE_OK;
}

// A libcurl built on another TLS library cannot pin: say so rather than fall
// back to plain verification behind the user's back.
void require_ssl_ctx_callback(CURLcode rc) {
  if (rc != CURLE_OK)
    throw std::runtime_error(std::string("--thumbprint needs libcurl with OpenSSL (CURLOPT_SSL_CTX_FUNCTION: ") +
                             curl_easy_strerror(rc) + ")");
}

void apply_common(CURL* curl, const TlsPolicy& policy) {
  if (policy.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
    return;
  }
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
  // A pinned certificate is trusted for what it is, not for the name in it
  // (vCenter's self-signed certificates rarely name the address used).
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, policy.thumbprint.empty() ? 2L : 0L);
  if (!policy.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, policy.ca_file.c_str());
}

}  // namespace

std::string normalize_thumbprint(std::string_view thumbprint) {
  std::string hex;
  for (char c : thumbprint) {
    if (c == ':') continue;
    if (!std::isxdigit(static_cast<unsigned char>(c)))
      throw std::invalid_argument("thumbprint '" + std::string(thumbprint) + "': '" + std::string(1, c) +
                                  "' is not a hex digit (expected the SHA-256 fingerprint, AB:CD:... 32 bytes)");
    hex += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  if (hex.size() != 64)
    throw std::invalid_argument("thumbprint '" + std::string(thumbprint) + "': " + std::to_string(hex.size()) +
                                " hex digits, a SHA-256 fingerprint has 64 (AB:CD:... 32 bytes; a 20-byte SHA-1 "
                                "thumbprint is not accepted)");
  std::string out;
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    if (i) out += ':';
    out += hex.substr(i, 2);
  }
  return out;
}

std::string thumbprint_of_der(const unsigned char* der, std::size_t size) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned md_size = 0;
  if (EVP_Digest(der, size, md, &md_size, EVP_sha256(), nullptr) != 1) return {};
  return hex_with_colons(md, md_size);
}

void apply_tls_policy(CURL* curl, const TlsPolicy& policy) {
  apply_common(curl, policy);
  if (policy.insecure || policy.thumbprint.empty()) return;
  // The policy's thumbprint is normalized where the Endpoint is built; the
  // callback compares it as it is.
  require_ssl_ctx_callback(curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, install_pin_quiet));
  curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &policy.thumbprint);
}

void apply_tls_policy(CURL* curl, const TlsPolicy& policy, TlsCheck& check) {
  apply_common(curl, policy);
  if (policy.insecure || policy.thumbprint.empty()) return;
  check.expected = normalize_thumbprint(policy.thumbprint);
  check.presented.clear();
  require_ssl_ctx_callback(curl_easy_setopt(curl, CURLOPT_SSL_CTX_FUNCTION, install_pin));
  curl_easy_setopt(curl, CURLOPT_SSL_CTX_DATA, &check);
}

std::string describe_transfer_failure(CURLcode code, const char* curl_error_buffer, const TlsPolicy& policy,
                                      const TlsCheck* check) {
  std::string detail = curl_error_buffer && *curl_error_buffer ? curl_error_buffer : curl_easy_strerror(code);
  const bool pinned = !policy.insecure && !policy.thumbprint.empty();
  if (pinned && check && !check->presented.empty() && check->presented != check->expected)
    return "certificate thumbprint mismatch: server presented " + check->presented + ", expected " + check->expected;
  if (code == CURLE_PEER_FAILED_VERIFICATION || code == CURLE_SSL_CACERT_BADFILE ||
      detail.find("certificate") != std::string::npos) {
    if (pinned) return "TLS failure with a pinned thumbprint: " + detail;
    return "certificate verification failed: " + detail +
           (policy.ca_file.empty() ? " (against the system CA store)" : " (against --ca-file " + policy.ca_file + ")") +
           "; pass --ca-file FILE with the CA that signed it, or --thumbprint SHA256 to pin this certificate, or "
           "--insecure to skip verification";
  }
  return detail;
}

}  // namespace h2k::vsphere
