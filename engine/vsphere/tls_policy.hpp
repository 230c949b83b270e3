#pragma once
// How a vSphere connection (SOAP calls and NFC downloads) trusts the server:
// the system CA store, a given CA file, a pinned SHA-256 certificate
// thumbprint, or nothing at all (--insecure).
#include <curl/curl.h>

#include <string>
#include <string_view>

namespace h2k::vsphere {

struct TlsPolicy {
  std::string ca_file;     // CA bundle (PEM) to verify against instead of the system store
  std::string thumbprint;  // SHA-256 of the server's leaf certificate, "AB:CD:..." (any case, colons optional)
  bool insecure = false;   // verify nothing (the caller warns the user)
};

// "abcd..." / "AB:CD:..." (64 hex digits) -> "AB:CD:...". Throws
// std::invalid_argument naming what is wrong (length, a non-hex character).
std::string normalize_thumbprint(std::string_view thumbprint);

// SHA-256 of a DER certificate as "AB:CD:...".
std::string thumbprint_of_der(const unsigned char* der, std::size_t size);

// What the thumbprint check saw during one transfer (filled by the pin check;
// must outlive the transfer). `presented` is empty if no certificate was
// checked against a pin.
struct TlsCheck {
  std::string expected;
  std::string presented;
};

// Sets the handle's verification from the policy. With a thumbprint the
// connection is accepted iff the leaf certificate's SHA-256 matches, whatever
// its chain and host name (the pin is the stronger statement). `policy` (and
// `check`) must outlive the transfer: the TLS callback reads them. Throws
// std::runtime_error if this libcurl cannot pin (not built with OpenSSL).
void apply_tls_policy(CURL* curl, const TlsPolicy& policy);
void apply_tls_policy(CURL* curl, const TlsPolicy& policy, TlsCheck& check);

// The reason of a failed transfer, TLS failures made plain: a pin mismatch
// says "certificate thumbprint mismatch: server presented X, expected Y"; a
// chain that does not verify says so and names the options that fix it.
std::string describe_transfer_failure(CURLcode code, const char* curl_error_buffer, const TlsPolicy& policy,
                                      const TlsCheck* check);

}  // namespace h2k::vsphere
