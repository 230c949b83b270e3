#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <memory>

#include "engine/core/error.hpp"
#include "engine/output/domain_xml.hpp"

namespace h2k {
namespace {

struct ConnectClose {
  void operator()(virConnectPtr c) const { virConnectClose(c); }
};
struct DomainFree {
  void operator()(virDomainPtr d) const { virDomainFree(d); }
};
using Connection = std::unique_ptr<virConnect, ConnectClose>;
using Domain = std::unique_ptr<virDomain, DomainFree>;

// Keeps libvirt from printing errors to stderr on this connection: they are
// reported through the exception instead.
void quiet(void*, virErrorPtr) {}

std::string last_error() {
  const char* message = virGetLastErrorMessage();
  return message ? message : "unknown libvirt error";
}

ErrorKind kind_of_define_error() {
  virErrorPtr e = virGetLastError();
  if (!e) return ErrorKind::Internal;
  switch (e->code) {
    case VIR_ERR_CONFIG_UNSUPPORTED:   // e.g. no EFI firmware installed on the host
    case VIR_ERR_NO_SUPPORT:
      return ErrorKind::Unsupported;
    case VIR_ERR_OPERATION_FAILED:     // "domain 'x' already exists with uuid ..."
    case VIR_ERR_DOM_EXIST:
      return ErrorKind::InvalidInput;
    case VIR_ERR_SYSTEM_ERROR:
    case VIR_ERR_RPC:
    case VIR_ERR_NO_CONNECT:
      return ErrorKind::Io;
    default:                           // our XML was refused: a bug on our side
      return ErrorKind::Internal;
  }
}

}  // namespace

std::string define_domain(const std::string& xml, const std::string& connect_uri) {
  Connection conn(virConnectOpen(connect_uri.c_str()));
  // A daemon that is down or unreachable may be back on retry: Io.
  if (!conn) throw ConversionError(ErrorKind::Io, connect_uri, "cannot connect to libvirt: " + last_error());
  virConnSetErrorFunc(conn.get(), nullptr, quiet);

  Domain domain(virDomainDefineXML(conn.get(), xml.c_str()));
  if (!domain)
    throw ConversionError(kind_of_define_error(), connect_uri, "libvirt refused the domain: " + last_error());

  char uuid[VIR_UUID_STRING_BUFLEN] = {};
  if (virDomainGetUUIDString(domain.get(), uuid) != 0)
    throw ConversionError(ErrorKind::Internal, connect_uri, "cannot read the new domain's UUID: " + last_error());
  return uuid;
}

}  // namespace h2k
