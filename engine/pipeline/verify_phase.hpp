#pragma once
// The pipeline's "verify" phase: the verification boot of the STAGED disks
// with the domain's hardware (internal to engine/pipeline).
#include <filesystem>

#include "engine/core/progress.hpp"
#include "engine/output/domain_xml.hpp"
#include "engine/pipeline/convert.hpp"
#include "engine/verify/boot_verifier.hpp"

namespace h2k {

// The boot request: the domain's disks (their staged copies under
// `staging_dir`), NICs, firmware and clock; memory capped at 4 GiB and vCPUs
// at what the host has (a boot test needs no more, and runs beside other work).
BootVerifyRequest boot_request_for(const DomainSpec& domain, const ConvertRequest& request,
                                   const std::filesystem::path& staging_dir);

// Boots and returns the result when the guest passed or nothing could tell
// (inconclusive: the caller warns). Throws ConversionError(GuestFix) naming
// the source VM file when the guest failed to boot: the reason and the last
// console lines in the message, the whole console tail as its details.
BootVerification verify_staged_boot(const DomainSpec& domain, const ConvertRequest& request,
                                    const std::filesystem::path& staging_dir, const ProgressSink& progress,
                                    const CancelToken& cancel);

}  // namespace h2k
