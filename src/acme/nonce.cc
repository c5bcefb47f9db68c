#include "acme/nonce.h"

#include "acme/problem.h"
#include "base/encoding.h"
#include "base/strings.h"
#include "crypto/digest.h"

namespace cairn::acme {
namespace {

constexpr size_t kExpiryBytes = 8;
constexpr size_t kRandomBytes = 12;
constexpr size_t kMacBytes = 16;
constexpr size_t kNonceBytes = kExpiryBytes + kRandomBytes + kMacBytes;
constexpr std::string_view kSettingName = "acme.nonce-key";
constexpr std::string_view kUsedPrefix = "acme-nonce:";

}  // namespace

Result<std::unique_ptr<NonceSource>> NonceSource::Create(store::Store& store, Random& random,
                                                         const Clock& clock, Duration lifetime) {
  CAIRN_ASSIGN_OR_RETURN(std::string fresh, random.Bytes(32));
  CAIRN_ASSIGN_OR_RETURN(std::string stored,
                         store.GetOrCreateSetting(kSettingName, Base64UrlEncode(fresh)));
  CAIRN_ASSIGN_OR_RETURN(std::string key, Base64UrlDecode(stored));
  if (key.size() < 32) return InternalError("acme: the stored nonce key is too short");
  return std::unique_ptr<NonceSource>(
      new NonceSource(store, random, clock, lifetime, std::move(key)));
}

std::string NonceSource::Mac(std::string_view data) const {
  auto mac = crypto::Hmac(crypto::HashAlg::kSha256, key_, data);
  return mac.ok() ? mac->substr(0, kMacBytes) : std::string(kMacBytes, '\0');
}

Result<std::string> NonceSource::Make() {
  const int64_t expiry = ToUnixSeconds(clock_.Now() + lifetime_);
  std::string raw(kExpiryBytes, '\0');
  for (size_t i = 0; i < kExpiryBytes; ++i) {
    raw[i] =
        static_cast<char>((static_cast<uint64_t>(expiry) >> (8 * (kExpiryBytes - 1 - i))) & 0xff);
  }
  CAIRN_ASSIGN_OR_RETURN(std::string r, random_.Bytes(kRandomBytes));
  raw += r;
  raw += Mac(raw);
  return Base64UrlEncode(raw);
}

Result<int64_t> NonceSource::PurgeUsed() {
  return store_.PurgeUsedTokens(kUsedPrefix, clock_.Now() - lifetime_ - std::chrono::minutes(1));
}

Status NonceSource::Consume(std::string_view nonce) {
  if (nonce.empty()) return BadNonce("JWS has no nonce");
  auto raw = Base64UrlDecode(nonce);
  if (!raw.ok() || raw->size() != kNonceBytes) return BadNonce("nonce is not one of ours");
  std::string_view body(raw->data(), kExpiryBytes + kRandomBytes);
  std::string_view mac(raw->data() + kExpiryBytes + kRandomBytes, kMacBytes);
  if (!ConstantTimeEquals(Mac(body), mac)) return BadNonce("nonce is not one of ours");
  uint64_t expiry = 0;
  for (size_t i = 0; i < kExpiryBytes; ++i) {
    expiry = (expiry << 8) | static_cast<unsigned char>((*raw)[i]);
  }
  if (static_cast<int64_t>(expiry) < ToUnixSeconds(clock_.Now())) {
    return BadNonce("nonce has expired");
  }
  Status s = store_.UseToken(std::string(kUsedPrefix) + std::string(nonce));
  if (s.code() == StatusCode::kAlreadyExists) return BadNonce("nonce was already used");
  return s;
}

}  // namespace cairn::acme
