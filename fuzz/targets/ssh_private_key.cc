// OpenSSH private keys ("openssh-key-v1", what `ssh-keygen -N ''` writes and `cairn ssh`
// commands read): a key that parses is consistent (its SSH public key is the public half of the
// private key), writing it and parsing the result gives the same key and comment, and the same
// text parses the same way twice.

#include <string_view>

#include "fuzz/fuzz.h"
#include "fuzz/support/fuzz_env.h"
#include "ssh/key.h"
#include "ssh/private_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  auto key = cairn::ssh::ParseOpenSshPrivateKey(in);
  auto twice = cairn::ssh::ParseOpenSshPrivateKey(in);
  FUZZ_CHECK(key.ok() == twice.ok());
  if (!key.ok()) {
    FUZZ_CHECK(key.status().code() == twice.status().code());
    FUZZ_CHECK(key.status().message() == twice.status().message());
    return 0;
  }
  FUZZ_CHECK(twice->public_key.Equals(key->public_key) && twice->comment == key->comment);
  FUZZ_CHECK(key->comment.size() <= cairn::ssh::kMaxPrivateKeyComment);
  // The stored public key is the private key's own public half.
  auto derived = cairn::ssh::PublicKey::FromCrypto(key->key.public_key());
  FUZZ_CHECK(derived.ok() && derived->Equals(key->public_key));

  cairn::fuzz::SeededRandom random;
  auto written = cairn::ssh::MarshalOpenSshPrivateKey(key->key, key->comment, random);
  FUZZ_CHECK(written.ok());
  auto again = cairn::ssh::ParseOpenSshPrivateKey(*written);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->public_key.Equals(key->public_key));
  FUZZ_CHECK(again->comment == key->comment);
  auto der = key->key.ToPkcs8Der();
  auto der2 = again->key.ToPkcs8Der();
  FUZZ_CHECK(der.ok() && der2.ok() && *der == *der2);
  // Writing is deterministic for a given random sequence.
  random.Reset();
  auto rewritten = cairn::ssh::MarshalOpenSshPrivateKey(again->key, again->comment, random);
  FUZZ_CHECK(rewritten.ok() && *rewritten == *written);
  return 0;
}
