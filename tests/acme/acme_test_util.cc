#include "acme/acme_test_util.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

#include "acme/problem.h"
#include "base/encoding.h"
#include "base/file.h"
#include "base/strings.h"
#include "config/config.h"
#include "crypto/digest.h"
#include "crypto/signer.h"
#include "jose/jws.h"
#include "pki/builder.h"

namespace cairn::acme::testutil {

using nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// ---- Reading responses.

std::vector<std::string> HeadersOf(const AcmeResponse& r, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : r.headers) {
    if (EqualsIgnoreCase(k, name)) out.push_back(v);
  }
  return out;
}

std::string HeaderOf(const AcmeResponse& r, std::string_view name) {
  auto all = HeadersOf(r, name);
  return all.empty() ? std::string() : all.front();
}

json BodyJson(const AcmeResponse& r) { return json::parse(r.body, nullptr, false); }

std::string ProblemOf(const AcmeResponse& r) {
  if (r.content_type != "application/problem+json") return "";
  json j = BodyJson(r);
  if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return "";
  std::string t = j["type"].get<std::string>();
  if (!t.starts_with(kProblemPrefix)) return "not-acme:" + t;
  return t.substr(kProblemPrefix.size());
}

std::string Describe(const AcmeResponse& r) {
  return std::to_string(r.status) + " " + r.content_type + " " + r.body.substr(0, 600);
}

std::vector<std::string> LastSegments(const std::string& url, size_t n) {
  std::vector<std::string> parts = Split(url, '/');
  if (parts.size() < n) return {};
  return std::vector<std::string>(parts.end() - static_cast<ptrdiff_t>(n), parts.end());
}

std::string LastSegment(const std::string& url) {
  auto s = LastSegments(url, 1);
  return s.empty() ? std::string() : s[0];
}

// ---- The http-01 responder.

Http01Server::Http01Server() {
  router_.Handle("GET", "/.well-known/acme-challenge/{token}",
                 [this](http::Request& req, http::Response& resp) {
                   std::lock_guard<std::mutex> lock(mu_);
                   ++requests_;
                   auto it = answers_.find(req.PathParam("token"));
                   if (it == answers_.end()) {
                     resp.SetBody(404, "text/plain", "no such token");
                   } else {
                     resp.SetBody(200, "application/octet-stream", it->second);
                   }
                 });
}

Http01Server::~Http01Server() {
  if (server_) server_->Stop(milliseconds(100));
}

Status Http01Server::Start(int port) {
  http::ServerOptions opts;
  opts.address = "127.0.0.1:" + std::to_string(port);
  opts.tls = false;
  opts.threads = 4;
  CAIRN_ASSIGN_OR_RETURN(server_, http::Server::Create(opts, router_));
  return server_->Start();
}

int Http01Server::port() const { return server_->port(); }

void Http01Server::Set(const std::string& token, const std::string& body) {
  std::lock_guard<std::mutex> lock(mu_);
  answers_[token] = body;
}

int Http01Server::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

int ClosedPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof(addr);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

// ---- The client side.

std::string KeyAuthz(const Client& c, const std::string& token) {
  return token + "." + c.key.PublicKey().Thumbprint();
}

std::string CsrDer(const std::string& cn, const pki::SubjectAltNames& sans,
                   std::optional<crypto::PrivateKey>* key_out) {
  auto key = crypto::PrivateKey::Generate({}).value();
  pki::Name name;
  name.common_name = cn;
  std::string der = pki::CreateCsr(name, sans, key).value().der();
  if (key_out) *key_out = key;
  return der;
}

json Ident(const std::string& type, const std::string& value) {
  return json{{"type", type}, {"value", value}};
}

// ---- The fixture.

AcmeTestBase::AcmeTestBase() = default;
AcmeTestBase::~AcmeTestBase() = default;

void AcmeTestBase::TearDown() {
  server_.reset();
  authority_.reset();
  if (!dir_.empty()) std::filesystem::remove_all(dir_);
}

void AcmeTestBase::SetUpCa(const json& provisioners) {
  MakePki();
  if (HasFatalFailure()) return;
  CreateAuthority(provisioners);
  if (HasFatalFailure()) return;
  StartResponders();
  if (HasFatalFailure()) return;
  StartServer();
}

void AcmeTestBase::MakePki() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  dir_ =
      std::filesystem::temp_directory_path() / ("cairn-acme-test-" + std::to_string(::getpid()) +
                                                "-" + info->test_suite_name() + "-" + info->name());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  CAIRN_ASSERT_OK_AND_ASSIGN(auto root_key, crypto::PrivateKey::Generate({}));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto int_key, crypto::PrivateKey::Generate({}));
  pki::CertificateTemplate t;
  t.subject.common_name = "Test Root CA";
  t.serial_decimal = "1";
  t.not_before = clock_.Now() - hours(1);
  t.not_after = clock_.Now() + hours(24 * 365);
  t.key_usage = pki::kCertSign | pki::kCrlSign;
  t.basic_constraints = {.present = true, .is_ca = true, .max_path_len = 1};
  crypto::KeySigner root_signer(root_key);
  CAIRN_ASSERT_OK_AND_ASSIGN(root_,
                             pki::SignCertificate(t, root_key.public_key(), nullptr, root_signer));
  t.subject.common_name = "Test Intermediate CA";
  t.serial_decimal = "2";
  t.basic_constraints.max_path_len = 0;
  CAIRN_ASSERT_OK_AND_ASSIGN(intermediate_,
                             pki::SignCertificate(t, int_key.public_key(), &*root_, root_signer));
  CAIRN_ASSERT_OK(WriteFileAtomic(Path("root.crt"), root_->pem()));
  CAIRN_ASSERT_OK(WriteFileAtomic(Path("int.crt"), intermediate_->pem()));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string int_pem, int_key.ToPem("secret"));
  CAIRN_ASSERT_OK(WriteFileAtomic(Path("int.key"), int_pem, 0600));
}

void AcmeTestBase::CreateAuthority(const json& provisioners) {
  json config = {{"root", Path("root.crt")}, {"crt", Path("int.crt")},
                 {"key", Path("int.key")},   {"address", "127.0.0.1:0"},
                 {"dnsNames", {"ca.test"}},  {"authority", {{"provisioners", provisioners}}}};
  CAIRN_ASSERT_OK_AND_ASSIGN(config::CaConfig cfg,
                             config::ParseCaConfig(config.dump(), "test ca.json"));
  authority::AuthorityOptions opts{
      .home = dir_.string(), .password = "secret", .start_time = clock_.Now() - minutes(5)};
  CAIRN_ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<authority::Authority> a,
      authority::Authority::Create(cfg, opts, authority::Env{clock_, random_, store(), log_}));
  authority_ = std::move(a);
}

void AcmeTestBase::StartResponders() {
  CAIRN_ASSERT_OK_AND_ASSIGN(dns_, testing::DnsTestServer::Start());
  CAIRN_ASSERT_OK(http01_.Start());
  options_.validation.dns_resolver = dns_->address();
  options_.validation.http01_port = http01_.port();
  options_.validation.timeout = seconds(2);
  options_.validation_attempts = 2;
  options_.retry_delay = milliseconds(10);
}

void AcmeTestBase::StartServer() {
  server_.reset();
  auto s = AcmeServer::Create(
      AcmeServer::Env{clock_, random_, store(), log_}, [this] { return authority_; }, options_);
  ASSERT_TRUE(s.ok()) << s.status();
  server_ = std::move(s).value();
}

std::string AcmeTestBase::UrlFor(Endpoint ep, const std::vector<std::string>& ids,
                                 const std::string& prov) {
  const Urls u = U(prov);
  auto id = [&](size_t i) { return i < ids.size() ? ids[i] : std::string(); };
  switch (ep) {
    case Endpoint::kNewAccount:
      return u.NewAccount();
    case Endpoint::kAccount:
      return u.Account(id(0));
    case Endpoint::kAccountOrders:
      return u.Orders(id(0));
    case Endpoint::kNewOrder:
      return u.NewOrder();
    case Endpoint::kOrder:
      return u.Order(id(0));
    case Endpoint::kFinalize:
      return u.Finalize(id(0));
    case Endpoint::kAuthz:
      return u.Authz(id(0));
    case Endpoint::kChallenge:
      return u.Challenge(id(0), id(1));
    case Endpoint::kCertificate:
      return u.Certificate(id(0));
    case Endpoint::kRevokeCert:
      return u.RevokeCert();
    case Endpoint::kKeyChange:
      return u.KeyChange();
    default:
      return "";
  }
}

AcmeResponse AcmeTestBase::Send(const AcmeRequest& req) {
  AcmeResponse resp;
  server_->Handle(req, resp);
  return resp;
}

AcmeRequest AcmeTestBase::Req(Endpoint ep, std::vector<std::string> ids, std::string prov,
                              std::string method) {
  AcmeRequest r;
  r.endpoint = ep;
  r.ids = std::move(ids);
  r.method = std::move(method);
  r.host = kHost;
  r.provisioner = std::move(prov);
  r.content_type = "application/jose+json";
  r.remote_address = "127.0.0.1";
  return r;
}

std::string AcmeTestBase::FreshNonce(const std::string& prov, const std::string& remote_address) {
  AcmeRequest req = Req(Endpoint::kNewNonce, {}, prov, "HEAD");
  req.remote_address = remote_address;
  AcmeResponse r = Send(req);
  EXPECT_EQ(r.status, 200) << Describe(r);
  return HeaderOf(r, "Replay-Nonce");
}

std::string AcmeTestBase::Jws(const jose::Jwk& key, const std::string& url,
                              const std::string& nonce, const std::optional<json>& payload,
                              bool use_jwk, const std::string& kid) {
  json header{{"url", url}, {"nonce", nonce}};
  if (use_jwk) {
    header["jwk"] = key.PublicKey().ToJson(false);
  } else {
    header["kid"] = kid;
  }
  auto jws = jose::SignFlattened(payload ? payload->dump() : "", key, header);
  EXPECT_TRUE(jws.ok()) << jws.status();
  return jws.ok() ? *jws : std::string();
}

std::string AcmeTestBase::TakeNonce(Client& c) {
  std::string n = std::move(c.nonce);
  c.nonce.clear();
  return n.empty() ? FreshNonce(c.prov, c.remote_address) : n;
}

AcmeResponse AcmeTestBase::SendBody(Client& c, Endpoint ep, std::vector<std::string> ids,
                                    std::string body, std::string content_type) {
  AcmeRequest req = Req(ep, std::move(ids), c.prov);
  req.body = std::move(body);
  req.content_type = std::move(content_type);
  req.remote_address = c.remote_address;
  AcmeResponse resp = Send(req);
  c.nonce = HeaderOf(resp, "Replay-Nonce");
  return resp;
}

AcmeResponse AcmeTestBase::Post(Client& c, Endpoint ep, std::vector<std::string> ids,
                                std::optional<json> payload, bool use_jwk) {
  std::string body =
      Jws(c.key, UrlFor(ep, ids, c.prov), TakeNonce(c), payload, use_jwk, c.account_url);
  return SendBody(c, ep, std::move(ids), std::move(body));
}

Client AcmeTestBase::NewKeyClient(const std::string& prov, const char* kty, const char* crv) {
  Client c;
  c.prov = prov;
  c.key = jose::Jwk::Generate(kty, crv).value();
  return c;
}

AcmeResponse AcmeTestBase::Register(Client& c, json payload) {
  AcmeResponse r = Post(c, Endpoint::kNewAccount, {}, payload, /*use_jwk=*/true);
  EXPECT_EQ(r.status, 201) << Describe(r);
  c.account_url = HeaderOf(r, "Location");
  c.account_id = LastSegment(c.account_url);
  return r;
}

Client AcmeTestBase::NewAccount(const std::string& prov) {
  Client c = NewKeyClient(prov);
  Register(c);
  return c;
}

std::string AcmeTestBase::CreateOrder(Client& c, const json& identifiers) {
  AcmeResponse r = Post(c, Endpoint::kNewOrder, {}, json{{"identifiers", identifiers}});
  EXPECT_EQ(r.status, 201) << Describe(r);
  if (r.status != 201) return "";
  std::string loc = HeaderOf(r, "Location");
  EXPECT_TRUE(loc.starts_with(U(c.prov).Order(""))) << loc;
  return LastSegment(loc);
}

json AcmeTestBase::GetJson(Client& c, Endpoint ep, std::vector<std::string> ids) {
  AcmeResponse r = Post(c, ep, std::move(ids), std::nullopt);
  EXPECT_EQ(r.status, 200) << Describe(r);
  return BodyJson(r);
}

void AcmeTestBase::Publish(const Client& c, const json& authz, const std::string& type,
                           bool wrong) {
  const std::string token = authz["challenges"][0]["token"].get<std::string>();
  std::string key_authz = KeyAuthz(c, token);
  if (wrong) key_authz = token + ".not-the-thumbprint";
  if (type == "http-01") {
    http01_.Set(token, key_authz + "\n");
  } else if (type == "dns-01") {
    const std::string value = Base64UrlEncode(crypto::Sha256(key_authz));
    dns_->AddTxt("_acme-challenge." + authz["identifier"]["value"].get<std::string>(), value);
  }
}

json AcmeTestBase::FindChallenge(const json& authz, const std::string& type) {
  for (const json& ch : authz["challenges"]) {
    if (ch["type"] == type) return ch;
  }
  return json();
}

json AcmeTestBase::Answer(Client& c, const std::string& authz_id, const std::string& type,
                          bool wrong) {
  json authz = GetJson(c, Endpoint::kAuthz, {authz_id});
  json ch = FindChallenge(authz, type);
  EXPECT_TRUE(ch.is_object()) << type << " not offered: " << authz.dump();
  if (!ch.is_object()) return authz;
  Publish(c, authz, type, wrong);
  auto ids = LastSegments(ch["url"].get<std::string>(), 2);
  AcmeResponse r = Post(c, Endpoint::kChallenge, ids, json::object());
  EXPECT_EQ(r.status, 200) << Describe(r);
  // The validation runs on a worker. Poll the challenge until it has an outcome:
  // WaitForValidationsForTest would hang on a validation waiting for a retry on the fake
  // clock, and other clients may be validating at the same time.
  for (int i = 0; i < answer_max_polls_; ++i) {
    json now = GetJson(c, Endpoint::kChallenge, ids);
    if (now["status"] != "processing" || now.contains("error")) break;
    std::this_thread::sleep_for(answer_poll_interval_);
  }
  return GetJson(c, Endpoint::kAuthz, {authz_id});
}

IssuedCert AcmeTestBase::Issue(Client& c, const json& identifiers, const std::string& type) {
  IssuedCert out;
  out.order_id = CreateOrder(c, identifiers);
  if (out.order_id.empty()) return out;
  json order = GetJson(c, Endpoint::kOrder, {out.order_id});
  for (const json& az : order["authorizations"]) {
    json authz = Answer(c, LastSegment(az.get<std::string>()), type);
    EXPECT_EQ(authz["status"], "valid") << authz.dump();
  }
  order = GetJson(c, Endpoint::kOrder, {out.order_id});
  EXPECT_EQ(order["status"], "ready") << order.dump();
  pki::SubjectAltNames sans;
  std::string cn;
  for (const json& id : identifiers) {
    if (id["type"] == "dns") {
      sans.dns.push_back(id["value"]);
      if (cn.empty()) cn = id["value"];
    } else {
      sans.ips.push_back(id["value"]);
    }
  }
  AcmeResponse fin = Post(c, Endpoint::kFinalize, {out.order_id},
                          json{{"csr", Base64UrlEncode(CsrDer(cn, sans, &out.key))}});
  EXPECT_EQ(fin.status, 200) << Describe(fin);
  order = BodyJson(fin);
  EXPECT_EQ(order["status"], "valid") << order.dump();
  if (!order.contains("certificate")) return out;
  EXPECT_EQ(order["certificate"], U(c.prov).Certificate(out.order_id));
  AcmeResponse cert = Post(c, Endpoint::kCertificate, {out.order_id}, std::nullopt);
  EXPECT_EQ(cert.status, 200) << Describe(cert);
  EXPECT_EQ(cert.content_type, "application/pem-certificate-chain");
  auto chain = pki::Certificate::ParsePemBundle(cert.body);
  EXPECT_TRUE(chain.ok()) << chain.status();
  if (chain.ok()) out.chain = std::move(chain).value();
  return out;
}

size_t AcmeTestBase::OrderCount(const Client& c) {
  auto list = store().ListAcmeOrders(c.account_id, "", 1000);
  EXPECT_TRUE(list.ok());
  return list.ok() ? list->size() : 0;
}

size_t AcmeTestBase::CertificateCount() {
  auto list = store().ListCertificates("", 1000);
  EXPECT_TRUE(list.ok());
  return list.ok() ? list->size() : 0;
}

bool AcmeTestBase::AccountExists(const Client& c) {
  auto rec = store().GetAcmeAccountByKey(c.prov, c.key.PublicKey().Thumbprint());
  EXPECT_TRUE(rec.ok());
  return rec.ok() && rec->has_value();
}

json AcmeTestBase::Eab(const jose::Jwk& account_key, const std::string& kid,
                       const std::string& hmac, const std::string& url, json extra) {
  json header{{"kid", kid}, {"url", url}};
  header.update(extra);
  auto sym = jose::Jwk::FromSymmetric(hmac).value();
  auto jws = jose::SignFlattened(account_key.PublicKey().ToJsonString(false), sym, header, "HS256");
  EXPECT_TRUE(jws.ok()) << jws.status();
  return json::parse(jws.ok() ? *jws : "{}");
}

std::string AcmeTestBase::CertId(const pki::Certificate& cert) {
  std::string serial = HexDecode(cert.serial_hex()).value();
  if (!serial.empty() && (static_cast<unsigned char>(serial[0]) & 0x80)) {
    serial.insert(serial.begin(), '\0');
  }
  return Base64UrlEncode(cert.authority_key_id()) + "." + Base64UrlEncode(serial);
}

}  // namespace cairn::acme::testutil
