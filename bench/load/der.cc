#include "der.h"

#include <openssl/x509.h>

#include "base/encoding.h"

namespace cairn::bench::der {
namespace {

// OIDs, content bytes only.
constexpr std::string_view kOidCommonName("\x55\x04\x03", 3);
constexpr std::string_view kOidSubjectAltName("\x55\x1d\x11", 3);
constexpr std::string_view kOidExtensionRequest("\x2a\x86\x48\x86\xf7\x0d\x01\x09\x0e", 9);
constexpr std::string_view kOidEcdsaSha256("\x2a\x86\x48\xce\x3d\x04\x03\x02", 8);

const EVP_MD* Sha256() {
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

bool Digest(std::string_view data, unsigned char out[32]) {
  unsigned int len = 0;
  return EVP_Digest(data.data(), data.size(), out, &len, Sha256(), nullptr) == 1 && len == 32;
}

}  // namespace

std::string Tlv(uint8_t tag, std::string_view content) {
  std::string out;
  out.reserve(content.size() + 6);
  out += static_cast<char>(tag);
  size_t n = content.size();
  if (n < 0x80) {
    out += static_cast<char>(n);
  } else if (n <= 0xff) {
    out += '\x81';
    out += static_cast<char>(n);
  } else if (n <= 0xffff) {
    out += '\x82';
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xff);
  } else {
    out += '\x83';
    out += static_cast<char>(n >> 16);
    out += static_cast<char>((n >> 8) & 0xff);
    out += static_cast<char>(n & 0xff);
  }
  out += content;
  return out;
}

bool Reader::Next(uint8_t* tag, std::string_view* content, std::string_view* whole) {
  if (in_.empty()) return false;
  if (in_.size() < 2) return ok_ = false;
  auto b = [&](size_t i) { return static_cast<unsigned char>(in_[i]); };
  *tag = b(0);
  if ((*tag & 0x1f) == 0x1f) return ok_ = false;  // multi-byte tags: not in certificates
  size_t len = b(1), header = 2;
  if (len & 0x80) {
    size_t octets = len & 0x7f;
    if (octets == 0 || octets > 3 || in_.size() < 2 + octets) return ok_ = false;
    len = 0;
    for (size_t i = 0; i < octets; ++i) len = (len << 8) | b(2 + i);
    header += octets;
  }
  if (in_.size() - header < len) return ok_ = false;
  *content = in_.substr(header, len);
  if (whole != nullptr) *whole = in_.substr(0, header + len);
  in_.remove_prefix(header + len);
  return true;
}

std::optional<EcdsaSha256> EcdsaSha256::Create(EVP_PKEY* key, bool sign) {
  EcdsaSha256 e;
  e.ctx_.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!e.ctx_ || Sha256() == nullptr) return std::nullopt;
  int rc = sign ? EVP_PKEY_sign_init(e.ctx_.get()) : EVP_PKEY_verify_init(e.ctx_.get());
  if (rc != 1) return std::nullopt;
  e.max_sig_ = static_cast<size_t>(EVP_PKEY_get_size(key));
  return e;
}

std::string EcdsaSha256::Sign(std::string_view data) {
  unsigned char digest[32];
  if (!Digest(data, digest)) return "";
  std::string sig(max_sig_, '\0');
  size_t len = sig.size();
  if (EVP_PKEY_sign(ctx_.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, digest,
                    sizeof digest) != 1) {
    return "";
  }
  sig.resize(len);
  return sig;
}

bool EcdsaSha256::Verify(std::string_view data, std::string_view sig) {
  unsigned char digest[32];
  if (!Digest(data, digest)) return false;
  return EVP_PKEY_verify(ctx_.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                         digest, sizeof digest) == 1;
}

std::string SpkiDer(EVP_PKEY* key) {
  int len = i2d_PUBKEY(key, nullptr);
  if (len <= 0) return "";
  std::string out(static_cast<size_t>(len), '\0');
  unsigned char* p = reinterpret_cast<unsigned char*>(out.data());
  i2d_PUBKEY(key, &p);
  return out;
}

std::string CsrPem(const std::string& spki, const std::string& name, EcdsaSha256& signer) {
  std::string subject =
      Tlv(0x30, Tlv(0x31, Tlv(0x30, Tlv(0x06, kOidCommonName) + Tlv(0x0c, name))));
  std::string san = Tlv(0x30, Tlv(0x82, name));
  std::string extensions = Tlv(0x30, Tlv(0x30, Tlv(0x06, kOidSubjectAltName) + Tlv(0x04, san)));
  std::string attribute = Tlv(0x30, Tlv(0x06, kOidExtensionRequest) + Tlv(0x31, extensions));
  std::string info =
      Tlv(0x30, Tlv(0x02, std::string_view("\0", 1)) + subject + spki + Tlv(0xa0, attribute));
  std::string sig = signer.Sign(info);
  if (sig.empty()) return "";
  std::string csr = Tlv(
      0x30, info + Tlv(0x30, Tlv(0x06, kOidEcdsaSha256)) + Tlv(0x03, std::string(1, '\0') + sig));
  std::string b64 = Base64Encode(csr);
  std::string pem = "-----BEGIN CERTIFICATE REQUEST-----\n";
  for (size_t i = 0; i < b64.size(); i += 64) {
    pem.append(b64, i, 64);
    pem += '\n';
  }
  pem += "-----END CERTIFICATE REQUEST-----\n";
  return pem;
}

std::optional<CertFields> ParseCertificate(std::string_view der) {
  uint8_t tag = 0;
  std::string_view cert, tbs_content, alg, sig, v;
  CertFields f;
  Reader top(der);
  if (!top.Next(&tag, &cert) || tag != 0x30) return std::nullopt;
  Reader c(cert);
  if (!c.Next(&tag, &tbs_content, &f.tbs) || tag != 0x30) return std::nullopt;
  if (!c.Next(&tag, &alg) || tag != 0x30) return std::nullopt;
  if (!c.Next(&tag, &sig) || tag != 0x03 || sig.empty() || sig[0] != '\0') return std::nullopt;
  f.signature = sig.substr(1);

  Reader t(tbs_content);
  if (!t.Next(&tag, &v)) return std::nullopt;
  if (tag == 0xa0 && !t.Next(&tag, &v)) return std::nullopt;  // version, then serial
  if (tag != 0x02) return std::nullopt;
  if (!t.Next(&tag, &v) || tag != 0x30) return std::nullopt;  // signature algorithm
  if (!t.Next(&tag, &v, &f.issuer) || tag != 0x30) return std::nullopt;
  if (!t.Next(&tag, &v) || tag != 0x30) return std::nullopt;  // validity
  std::string_view subject;
  if (!t.Next(&tag, &subject) || tag != 0x30) return std::nullopt;
  if (!t.Next(&tag, &v, &f.spki) || tag != 0x30) return std::nullopt;

  Reader rdns(subject);
  std::string_view set;
  while (rdns.Next(&tag, &set)) {
    Reader atvs(set);
    std::string_view atv;
    while (atvs.Next(&tag, &atv)) {
      Reader a(atv);
      std::string_view oid, value;
      if (a.Next(&tag, &oid) && tag == 0x06 && oid == kOidCommonName && a.Next(&tag, &value)) {
        f.common_name = value;
      }
    }
  }
  if (!rdns.ok()) return std::nullopt;

  std::string_view rest;
  while (t.Next(&tag, &rest)) {
    if (tag != 0xa3) continue;
    Reader wrapper(rest);
    std::string_view exts;
    if (!wrapper.Next(&tag, &exts) || tag != 0x30) return std::nullopt;
    Reader e(exts);
    std::string_view ext;
    while (e.Next(&tag, &ext)) {
      Reader x(ext);
      std::string_view oid, value;
      if (!x.Next(&tag, &oid) || tag != 0x06) return std::nullopt;
      if (!x.Next(&tag, &value)) return std::nullopt;
      if (tag == 0x01 && !x.Next(&tag, &value)) return std::nullopt;  // critical
      if (tag != 0x04 || oid != kOidSubjectAltName) continue;
      Reader names_seq(value);
      std::string_view names;
      if (!names_seq.Next(&tag, &names) || tag != 0x30) return std::nullopt;
      Reader n(names);
      std::string_view gn;
      while (n.Next(&tag, &gn)) {
        if (tag == 0x82) f.dns_names.push_back(gn);
      }
      if (!n.ok()) return std::nullopt;
    }
    if (!e.ok()) return std::nullopt;
  }
  if (!t.ok()) return std::nullopt;
  return f;
}

std::string PemToDer(std::string_view pem) {
  size_t begin = pem.find("-----BEGIN ");
  if (begin == std::string_view::npos) return "";
  size_t body = pem.find('\n', begin);
  size_t end = pem.find("-----END ", begin);
  if (body == std::string_view::npos || end == std::string_view::npos || end < body) return "";
  std::string b64;
  b64.reserve(end - body);
  for (size_t i = body; i < end; ++i) {
    char ch = pem[i];
    if (ch != '\n' && ch != '\r' && ch != ' ' && ch != '\t') b64 += ch;
  }
  auto der = Base64Decode(b64);
  return der.ok() ? *der : "";
}

}  // namespace cairn::bench::der
