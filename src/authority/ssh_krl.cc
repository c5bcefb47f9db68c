// The OpenSSH KRL of the CA's SSH revocations (GET /ssh/krl, `cairn ssh krl`; beyond step-ca).

#include <charconv>
#include <chrono>

#include "authority/authority.h"
#include "ssh/krl.h"

namespace cairn::authority {
namespace {

// kPageSize is how many revocations one store read returns.
constexpr int kPageSize = 1000;
// kExpiredGrace keeps revocations of certificates that expired recently, for hosts whose clock
// runs behind.
constexpr auto kExpiredGrace = std::chrono::hours(24);

// ParseSshSerial reads a canonical decimal uint64; nullopt for anything else (X.509-sized
// serials cannot be SSH serials).
std::optional<uint64_t> ParseSshSerial(std::string_view s) {
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

}  // namespace

Result<std::string> Authority::BuildSshKrl(store::Store& store,
                                           const std::optional<ssh::PublicKey>& user_key,
                                           const std::optional<ssh::PublicKey>& host_key,
                                           Time now) {
  if (!user_key && !host_key) {
    return FailedPreconditionError("the certificate authority has no SSH keys");
  }
  std::vector<uint64_t> serials;
  std::string cursor;
  for (;;) {
    CAIRN_ASSIGN_OR_RETURN(std::vector<store::RevocationRecord> page,
                           store.ListSshRevocations(cursor, kPageSize));
    for (const auto& rec : page) {
      const bool expired = rec.expires_at != Time{} && rec.expires_at + kExpiredGrace < now;
      const std::optional<uint64_t> serial = ParseSshSerial(rec.serial);
      if (expired || !serial || *serial == 0) continue;
      serials.push_back(*serial);
      if (serials.size() > ssh::kMaxKrl / 8) {
        return ResourceExhaustedError("ssh: too many SSH revocations for one KRL");
      }
    }
    if (page.size() < static_cast<size_t>(kPageSize)) break;
    cursor = page.back().serial;
  }

  ssh::KrlSpec spec;
  spec.generated = TruncateToSeconds(now);
  // The generation time doubles as the version: it increases with every KRL made.
  spec.version = static_cast<uint64_t>(std::max<int64_t>(0, ToUnixSeconds(now)));
  spec.comment = "Cairn SSH certificate revocations";
  for (const auto* key : {&user_key, &host_key}) {
    if (!*key) continue;
    // One section per distinct CA key (a CA may use one key for both).
    if (key == &host_key && user_key && user_key->Equals(**key)) continue;
    spec.certificates.push_back({.ca_key = **key, .serials = serials});
  }
  return ssh::MarshalKrl(spec);
}

Result<std::string> Authority::SshKrl() const {
  if (!ssh_user_public_ && !ssh_host_public_) {
    std::string msg = "the certificate authority is not configured to sign SSH certificates";
    return UnimplementedError(msg).WithPublicMessage(msg);
  }
  return BuildSshKrl(env_.store, ssh_user_public_, ssh_host_public_, env_.clock.Now());
}

}  // namespace cairn::authority
