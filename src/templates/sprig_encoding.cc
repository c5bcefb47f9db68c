// sprig's encoding, hashing, random and crypto functions (strings.go, crypto.go).
//
// Implemented: b64enc/b64dec, b32enc/b32dec, sha1sum/sha256sum/sha512sum, adler32sum, uuidv4,
// randBytes, htpasswd (the "sha" scheme), encryptAES/decryptAES, derivePassword and
// genPrivateKey (rsa, ecdsa, ed25519). The certificate generators and bcrypt are registered
// but fail with "<name> is not supported by cairn", so templates that mention them still parse.

#include <array>
#include <string>

#include "base/encoding.h"
#include "crypto/cipher.h"
#include "crypto/digest.h"
#include "crypto/key.h"
#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates::internal {

namespace {

constexpr std::string_view kB64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::string_view kB32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

std::string Base32Encode(std::string_view data) {
  std::string out;
  size_t i = 0;
  while (i < data.size()) {
    uint8_t block[5] = {0, 0, 0, 0, 0};
    size_t n = std::min<size_t>(5, data.size() - i);
    for (size_t k = 0; k < n; ++k) block[k] = static_cast<uint8_t>(data[i + k]);
    uint64_t bits = 0;
    for (uint8_t b : block) bits = (bits << 8) | b;
    static constexpr size_t kChars[] = {0, 2, 4, 5, 7, 8};
    size_t chars = kChars[n];
    for (size_t k = 0; k < 8; ++k) {
      if (k < chars) {
        out += kB32[(bits >> (35 - 5 * k)) & 31];
      } else {
        out += '=';
      }
    }
    i += n;
  }
  return out;
}

Status Corrupt(std::string_view enc, size_t at) {
  return InvalidArgumentError("illegal " + std::string(enc) + " data at input byte " +
                              std::to_string(at));
}

// DecodePadded decodes standard (padded) base64 or base32 as Go's StdEncoding.DecodeString:
// CR and LF are skipped, padding is required, a bad byte is reported by its offset.
Result<std::string> DecodePadded(std::string_view in, std::string_view alphabet, int bits,
                                 std::string_view enc_name) {
  const size_t quantum = bits == 6 ? 4 : 8;
  std::array<int, 256> map;
  map.fill(-1);
  for (size_t i = 0; i < alphabet.size(); ++i)
    map[static_cast<uint8_t>(alphabet[i])] = static_cast<int>(i);
  std::string out;
  uint64_t acc = 0;
  size_t j = 0;  // symbols in the current quantum
  size_t quantum_start = 0;
  size_t i = 0;
  auto skip_nl = [&] {
    while (i < in.size() && (in[i] == '\r' || in[i] == '\n')) ++i;
  };
  auto flush = [&](size_t symbols) {
    size_t nbits = symbols * static_cast<size_t>(bits);
    size_t nbytes = nbits / 8;
    acc <<= (quantum * static_cast<size_t>(bits) - nbits);
    for (size_t k = 0; k < nbytes; ++k) {
      out += static_cast<char>((acc >> (quantum * static_cast<size_t>(bits) - 8 * (k + 1))) & 0xff);
    }
    acc = 0;
  };
  for (;;) {
    skip_nl();
    if (i >= in.size()) {
      if (j != 0) return Corrupt(enc_name, quantum_start);
      return out;
    }
    if (j == 0) quantum_start = i;
    char c = in[i];
    if (c == '=') {
      // Valid data lengths before padding: base64 2 or 3; base32 2, 4, 5 or 7.
      bool valid = bits == 6 ? (j == 2 || j == 3) : (j == 2 || j == 4 || j == 5 || j == 7);
      if (!valid) return Corrupt(enc_name, i);
      size_t pads = quantum - j;
      for (size_t k = 0; k < pads; ++k) {
        skip_nl();
        if (i >= in.size()) return Corrupt(enc_name, in.size());
        if (in[i] != '=') return Corrupt(enc_name, i);
        ++i;
      }
      skip_nl();
      if (i < in.size()) return Corrupt(enc_name, i);
      flush(j);
      return out;
    }
    int v = map[static_cast<uint8_t>(c)];
    if (v < 0) return Corrupt(enc_name, i);
    acc = (acc << bits) | static_cast<uint64_t>(v);
    ++j;
    ++i;
    if (j == quantum) {
      flush(quantum);
      j = 0;
    }
  }
}

uint32_t Adler32(std::string_view data) {
  constexpr uint32_t kMod = 65521;
  uint32_t a = 1, b = 0;
  for (unsigned char c : data) {
    a = (a + c) % kMod;
    b = (b + a) % kMod;
  }
  return (b << 16) | a;
}

Func Unsupported(std::string name) {
  return [name](std::span<const Value>) -> Result<Value> {
    return UnimplementedError(name + " is not supported by cairn");
  };
}

Func StringToString(std::string name, std::string (*f)(std::string_view)) {
  return [name, f](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
    return Value::String(f(s));
  };
}

// AesKey is sprig's key: the password's bytes, zero-padded or cut to 32.
std::string AesKey(std::string_view password) {
  std::string key(32, '\0');
  for (size_t i = 0; i < 32 && i < password.size(); ++i) key[i] = password[i];
  return key;
}

Result<std::string> AesCbc(bool encrypt, std::string_view key, std::string_view iv,
                           std::string_view in) {
  return crypto::Aes256CbcNoPadding(encrypt, key, iv, in);
}

void AppendBe32(std::string& b, uint32_t v) {
  b += static_cast<char>(v >> 24);
  b += static_cast<char>(v >> 16);
  b += static_cast<char>(v >> 8);
  b += static_cast<char>(v);
}

// DerivePassword is sprig's derivePassword (the Master Password algorithm).
Result<std::string> DerivePassword(uint32_t counter, std::string_view type,
                                   std::string_view password, std::string_view user,
                                   std::string_view site) {
  static const std::map<std::string_view, std::vector<std::string_view>> kTemplates = {
      {"maximum", {"anoxxxxxxxxxxxxxxxxx", "axxxxxxxxxxxxxxxxxno"}},
      {"long",
       {"CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv", "CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv",
        "CvccCvcvCvcvno", "CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
        "CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv", "CvccCvccCvcvno",
        "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno", "CvccnoCvcvCvcc", "CvccCvcvnoCvcc",
        "CvccCvcvCvccno"}},
      {"medium", {"CvcnoCvc", "CvcCvcno"}},
      {"short", {"Cvcn"}},
      {"basic", {"aaanaaan", "aannaaan", "aaannaaa"}},
      {"pin", {"nnnn"}},
  };
  auto chars_for = [](char c) -> std::string_view {
    switch (c) {
      case 'V':
        return "AEIOU";
      case 'C':
        return "BCDFGHJKLMNPQRSTVWXYZ";
      case 'v':
        return "aeiou";
      case 'c':
        return "bcdfghjklmnpqrstvwxyz";
      case 'A':
        return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
      case 'a':
        return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
      case 'n':
        return "0123456789";
      case 'o':
        return "@&%?,=[]_:-+*$#!'^~;()/.";
      default:
        return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz0123456789!@#$%^&*()";
    }
  };
  auto it = kTemplates.find(type);
  if (it == kTemplates.end()) return "cannot find password template " + std::string(type);
  if (password.size() > 4096 || user.size() > 4096 || site.size() > 4096) {
    return ResourceExhaustedError("derivePassword: input too long");
  }
  std::string salt = "com.lyndir.masterpassword";
  AppendBe32(salt, static_cast<uint32_t>(user.size()));
  salt += user;
  auto derived = crypto::Scrypt(password, salt, 32768, 8, 2, 64ull * 1024 * 1024, 64);
  if (!derived.ok()) return "failed to derive password: scrypt failed";
  const std::string& key = *derived;
  std::string msg = "com.lyndir.masterpassword";
  AppendBe32(msg, static_cast<uint32_t>(site.size()));
  msg += site;
  AppendBe32(msg, counter);
  CAIRN_ASSIGN_OR_RETURN(std::string seed, crypto::Hmac(crypto::HashAlg::kSha256, key, msg));
  const auto& temps = it->second;
  std::string_view temp = temps[static_cast<uint8_t>(seed[0]) % temps.size()];
  std::string out;
  for (size_t i = 0; i < temp.size(); ++i) {
    std::string_view chars = chars_for(temp[i]);
    out += chars[static_cast<uint8_t>(seed[i + 1]) % chars.size()];
  }
  return out;
}

}  // namespace

void AddSprigEncodingFuncs(FuncMap& funcs, const FuncEnv& env) {
  funcs["b64enc"] = StringToString("b64enc", [](std::string_view s) { return Base64Encode(s); });
  funcs["b64dec"] = StringToString("b64dec", [](std::string_view s) {
    auto r = DecodePadded(s, kB64, 6, "base64");
    return r.ok() ? *r : r.status().message();
  });
  funcs["b32enc"] = StringToString("b32enc", [](std::string_view s) { return Base32Encode(s); });
  funcs["b32dec"] = StringToString("b32dec", [](std::string_view s) {
    auto r = DecodePadded(s, kB32, 5, "base32");
    return r.ok() ? *r : r.status().message();
  });
  funcs["sha1sum"] =
      StringToString("sha1sum", [](std::string_view s) { return HexEncode(crypto::Sha1(s)); });
  funcs["sha256sum"] =
      StringToString("sha256sum", [](std::string_view s) { return HexEncode(crypto::Sha256(s)); });
  funcs["sha512sum"] =
      StringToString("sha512sum", [](std::string_view s) { return HexEncode(crypto::Sha512(s)); });
  funcs["adler32sum"] =
      StringToString("adler32sum", [](std::string_view s) { return std::to_string(Adler32(s)); });

  funcs["uuidv4"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("uuidv4", args, 0));
    CAIRN_ASSIGN_OR_RETURN(std::string b, env.random->Bytes(16));
    b[6] = static_cast<char>((static_cast<uint8_t>(b[6]) & 0x0f) | 0x40);
    b[8] = static_cast<char>((static_cast<uint8_t>(b[8]) & 0x3f) | 0x80);
    std::string h = HexEncode(b);
    return Value::String(h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
                         h.substr(16, 4) + "-" + h.substr(20));
  };
  funcs["randBytes"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("randBytes", args, 1));
    CAIRN_ASSIGN_OR_RETURN(int64_t n, ArgInt(args[0]));
    if (n < 0) return InvalidArgumentError("runtime error: makeslice: len out of range");
    CAIRN_RETURN_IF_ERROR(CheckStringSize("randBytes", static_cast<size_t>(n) * 4 / 3));
    CAIRN_ASSIGN_OR_RETURN(std::string b, env.random->Bytes(static_cast<size_t>(n)));
    return Value::String(Base64Encode(b));
  };
  funcs["htpasswd"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("htpasswd", args, 3));
    CAIRN_ASSIGN_OR_RETURN(std::string user, ArgString(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string password, ArgString(args[1]));
    CAIRN_ASSIGN_OR_RETURN(std::string alg, ArgString(args[2]));
    if (user.find(':') != std::string::npos) return Value::String("invalid username: " + user);
    if (alg == "sha") {
      return Value::String(user + ":{SHA}" + Base64Encode(crypto::Sha1(password)));
    }
    return UnimplementedError("htpasswd with bcrypt is not supported by cairn");
  };
  funcs["encryptAES"] = [env](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("encryptAES", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string password, ArgString(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string plaintext, ArgString(args[1]));
    if (plaintext.empty()) return Value::String("");
    CAIRN_RETURN_IF_ERROR(CheckStringSize("encryptAES", plaintext.size() * 4 / 3 + 64));
    size_t pad = 16 - plaintext.size() % 16;
    plaintext.append(pad, static_cast<char>(pad));
    CAIRN_ASSIGN_OR_RETURN(std::string iv, env.random->Bytes(16));
    CAIRN_ASSIGN_OR_RETURN(std::string ct, AesCbc(true, AesKey(password), iv, plaintext));
    return Value::String(Base64Encode(iv + ct));
  };
  funcs["decryptAES"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("decryptAES", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string password, ArgString(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string crypt64, ArgString(args[1]));
    if (crypt64.empty()) return Value::String("");
    CAIRN_ASSIGN_OR_RETURN(std::string crypt, DecodePadded(crypt64, kB64, 6, "base64"));
    if (crypt.size() < 16) {
      return InvalidArgumentError("runtime error: slice bounds out of range [:16] with length " +
                                  std::to_string(crypt.size()));
    }
    std::string iv = crypt.substr(0, 16);
    std::string body = crypt.substr(16);
    if (body.size() % 16 != 0) return InvalidArgumentError("crypto/cipher: input not full blocks");
    if (body.empty()) {
      return InvalidArgumentError("runtime error: index out of range [-1]");
    }
    CAIRN_ASSIGN_OR_RETURN(std::string pt, AesCbc(false, AesKey(password), iv, body));
    size_t pad = static_cast<uint8_t>(pt.back());
    if (pad > pt.size()) {
      return InvalidArgumentError("runtime error: slice bounds out of range");
    }
    return Value::String(pt.substr(0, pt.size() - pad));
  };
  funcs["derivePassword"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("derivePassword", args, 5));
    // counter is a uint32 parameter: an integer constant in the template.
    if (args[0].kind() != Value::Kind::kInt || args[0].as_int() < 0 ||
        args[0].as_int() > 0xffffffffll) {
      return WrongType("uint32", args[0]);
    }
    CAIRN_ASSIGN_OR_RETURN(std::string type, ArgString(args[1]));
    CAIRN_ASSIGN_OR_RETURN(std::string password, ArgString(args[2]));
    CAIRN_ASSIGN_OR_RETURN(std::string user, ArgString(args[3]));
    CAIRN_ASSIGN_OR_RETURN(std::string site, ArgString(args[4]));
    CAIRN_ASSIGN_OR_RETURN(std::string out, DerivePassword(static_cast<uint32_t>(args[0].as_int()),
                                                           type, password, user, site));
    return Value::String(std::move(out));
  };
  funcs["genPrivateKey"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("genPrivateKey", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string type, ArgString(args[0]));
    crypto::KeySpec spec;
    if (type.empty() || type == "rsa") {
      spec.type = crypto::KeyType::kRsa;
      spec.rsa_bits = 4096;
    } else if (type == "ecdsa") {
      spec.type = crypto::KeyType::kEcP256;
    } else if (type == "ed25519") {
      spec.type = crypto::KeyType::kEd25519;
    } else if (type == "dsa") {
      return UnimplementedError("genPrivateKey dsa is not supported by cairn");
    } else {
      return Value::String("Unknown type " + type);
    }
    auto key = crypto::PrivateKey::Generate(spec);
    if (!key.ok()) {
      return Value::String("failed to generate private key: " + key.status().message());
    }
    CAIRN_ASSIGN_OR_RETURN(std::string pem, key->ToPem());
    return Value::String(std::move(pem));
  };
  for (const char* name :
       {"bcrypt", "genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey",
        "genSignedCert", "genSignedCertWithKey", "buildCustomCert"}) {
    funcs[name] = Unsupported(name);
  }
}

}  // namespace cairn::templates::internal
