#include "cli/ca_admin_session.h"

#include <cstdio>
#include <optional>

#include "base/clock.h"
#include "cli/ui.h"
#include "crypto/key.h"
#include "crypto/random.h"
#include "pki/certificate.h"
#include "pki/csr.h"
#include "pki/name.h"

namespace cairn::cli {

void AddAdminFlags(CLI::App& cmd, AdminFlags& admin, ClientFlags& client) {
  cmd.add_option("--admin-cert", admin.cert,
                 "Admin certificate (<chain>) in PEM format to store in the 'x5c' header of a "
                 "JWT.");
  cmd.add_option("--admin-key", admin.key,
                 "Private key <file>, used to sign a JWT, corresponding to the admin certificate "
                 "that will be stored in the 'x5c' header.");
  cmd.add_option("--admin-provisioner,--admin-issuer", admin.provisioner,
                 "The provisioner <name> to use for generating admin credentials.");
  cmd.add_option("--admin-subject,--admin-name", admin.subject,
                 "The admin <subject> to use for generating admin credentials.");
  cmd.add_option("--admin-password-file,--password-file", admin.password_file,
                 "The path to the <file> containing the password to decrypt the one-time token "
                 "generating key.");
  AddCaUrlFlag(cmd, client);
  AddRootFlag(cmd, client);
}

Result<std::unique_ptr<AdminSession>> AdminSession::Open(ClientFlags& client,
                                                         const AdminFlags& admin) {
  CAIRN_RETURN_IF_ERROR(ApplyDefaults(client));
  auto session = std::unique_ptr<AdminSession>(new AdminSession());
  CAIRN_ASSIGN_OR_RETURN(session->client_, OnlineClient(client));
  std::optional<crypto::PrivateKey> key;
  std::vector<pki::Certificate> chain;
  if (!admin.cert.empty() || !admin.key.empty()) {
    if (admin.cert.empty()) {
      return InvalidArgumentError("flag '--admin-key' requires the '--admin-cert' flag");
    }
    if (admin.key.empty()) {
      return InvalidArgumentError("flag '--admin-cert' requires the '--admin-key' flag");
    }
    CAIRN_ASSIGN_OR_RETURN(std::string pem, ReadTextFile(admin.cert));
    auto certs = pki::Certificate::ParsePemBundle(pem);
    if (!certs.ok()) return certs.status().Annotate("error reading admin certificate");
    chain = std::move(certs).value();
    auto k = LoadPrivateKeyFile(admin.key, admin.password_file);
    if (!k.ok()) return k.status().Annotate("error reading admin key");
    key = std::move(k).value();
    if (!key->public_key().Equals(chain.front().public_key())) {
      return InvalidArgumentError("the admin key does not match the admin certificate");
    }
  } else {
    std::fprintf(stderr, "No admin credentials found. You must login to execute admin commands.\n");
    std::string subject = admin.subject;
    if (subject.empty()) {
      CAIRN_ASSIGN_OR_RETURN(
          subject, PromptLine("Please enter admin name/subject (e.g., name@example.com)"));
      if (subject.empty()) return InvalidArgumentError("the admin subject cannot be empty");
    }
    ClientFlags token_flags = client;
    token_flags.provisioner = admin.provisioner;
    token_flags.password_file = admin.password_file;
    token_flags.provisioner_password_file = admin.password_file;
    TokenFlowRequest request;
    request.type = client::TokenType::kSign;
    request.subject = subject;
    request.sans = {subject};
    CAIRN_ASSIGN_OR_RETURN(std::string token, MakeToken(token_flags, request, nullptr));
    CAIRN_ASSIGN_OR_RETURN(crypto::PrivateKey fresh, crypto::PrivateKey::Generate({}));
    key = std::move(fresh);
    pki::Name name;
    name.common_name = subject;
    CAIRN_ASSIGN_OR_RETURN(auto csr, pki::CreateCsr(name, pki::SplitSans({subject}), *key));
    client::SignRequest sign;
    sign.csr_pem = csr.pem();
    sign.ott = token;
    CAIRN_ASSIGN_OR_RETURN(client::SignResponse signed_cert, session->client_->Sign(sign));
    for (const std::string& pem : signed_cert.chain_pems) {
      CAIRN_ASSIGN_OR_RETURN(auto cert, pki::Certificate::FromPem(pem));
      chain.push_back(std::move(cert));
    }
    if (chain.empty()) return InvalidArgumentError("the CA returned no admin certificate");
  }
  for (const auto& c : chain) session->chain_der_.push_back(c.der());
  session->subject_ = chain.front().subject_cn();
  if (session->subject_.empty()) {
    return InvalidArgumentError("the admin certificate has no common name");
  }
  CAIRN_ASSIGN_OR_RETURN(session->key_, jose::Jwk::FromPkey(key->get(), /*include_private=*/true));
  return session;
}

Result<nlohmann::json> AdminSession::Call(std::string_view method, std::string_view path,
                                          std::string_view body) {
  std::string_view bare = path.substr(0, path.find('?'));
  CAIRN_ASSIGN_OR_RETURN(
      std::string token,
      client::AdminToken(chain_der_, subject_, key_, client_->ca_url() + std::string(bare),
                         SystemClock::Default().Now(), crypto::OsslRandom::Default()));
  return client_->Admin(method, path, body, token);
}

}  // namespace cairn::cli
