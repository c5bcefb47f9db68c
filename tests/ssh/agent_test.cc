#include "ssh/agent.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "crypto/signer.h"
#include "ssh/certificate.h"
#include "ssh/signature.h"
#include "ssh/ssh_keygen_for_test.h"
#include "ssh/wire.h"
#include "testing/fakes.h"

namespace cairn::ssh {
namespace {

using ::cairn::testing::FakeRandom;
using testing::AllKeyCases;
using testing::KeyCase;
using testing::KeyFor;
using testing::RunCommand;
using testing::TempDir;

bool IsSocket(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// AgentTest runs a real OpenSSH `ssh-agent -d -a <sock>` (debug mode: foreground, the debug log
// on stderr, kept in agent.log) for each test.
class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // ssh-agent is installed by scripts/install-deps.sh --with-tests: its absence is a failure.
    ASSERT_EQ(RunCommand("command -v ssh-agent ssh-add").exit_code, 0)
        << "ssh-agent/ssh-add are not installed (scripts/install-deps.sh --with-tests)";
    sock_ = dir_.File("agent.sock");
    log_ = dir_.File("agent.log");
    pid_ = ::fork();
    ASSERT_GE(pid_, 0);
    if (pid_ == 0) {
      const int log = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      const int null = ::open("/dev/null", O_RDWR);
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(log, 2);
      ::execlp("ssh-agent", "ssh-agent", "-d", "-a", sock_.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int i = 0; i < 500 && !IsSocket(sock_); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_TRUE(IsSocket(sock_)) << "ssh-agent did not start: " << dir_.Read("agent.log");
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
  }

  AgentClient Connect() { return AgentClient::Connect(sock_).value(); }
  // SshAdd runs ssh-add against the test's agent.
  std::string SshAdd(const std::string& args) {
    return RunCommand("SSH_AUTH_SOCK=" + sock_ + " ssh-add " + args).output;
  }
  std::string Log() { return dir_.Read("agent.log"); }

  TempDir dir_;
  std::string sock_, log_;
  pid_t pid_ = -1;
};

PublicKey Pub(const crypto::PrivateKey& key) {
  return PublicKey::FromCrypto(key.public_key()).value();
}

Certificate CertFor(const crypto::PrivateKey& key, const std::string& key_id,
                    uint64_t serial = 1234) {
  static const auto* ca =
      new crypto::PrivateKey(crypto::PrivateKey::Generate({crypto::KeyType::kEcP256}).value());
  crypto::KeySigner signer(*ca);
  FakeRandom random(serial);
  const auto now = static_cast<uint64_t>(ToUnixSeconds(SystemClock::Default().Now()));
  return SignCertificate({.key = Pub(key),
                          .serial = serial,
                          .key_id = key_id,
                          .principals = {"alice"},
                          .valid_after = now - 60,
                          .valid_before = now + 3600,
                          .extensions = DefaultUserExtensions()},
                         signer, random)
      .value();
}

class AgentKeyTest : public AgentTest, public ::testing::WithParamInterface<KeyCase> {};

TEST_P(AgentKeyTest, AddPlainKeyListAndSign) {
  const crypto::PrivateKey& key = KeyFor(GetParam());
  const PublicKey pub = Pub(key);
  AgentClient agent = Connect();
  CAIRN_ASSERT_OK(agent.AddIdentity(key, nullptr, {.comment = "plain@test"}));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto ids, agent.ListIdentities());
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0].blob, pub.Marshal());
  EXPECT_EQ(ids[0].comment, "plain@test");
  EXPECT_FALSE(ids[0].IsCertificate());
  EXPECT_EQ(ids[0].KeyType(), pub.type());
  // OpenSSH's ssh-add sees the same key.
  EXPECT_EQ(SshAdd("-L"), pub.MarshalAuthorizedKey("plain@test"));
  EXPECT_EQ(ids[0].MarshalAuthorizedKey() + "\n", pub.MarshalAuthorizedKey("plain@test"));

  // The agent signs with it, and the signature verifies with our verifier.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string sig, agent.Sign(pub.Marshal(), "data to sign"));
  CAIRN_EXPECT_OK(VerifySignature(pub, "data to sign", sig));
  EXPECT_FALSE(VerifySignature(pub, "other data", sig).ok());
  if (key.type() == crypto::KeyType::kRsa) {
    EXPECT_EQ(SignatureFormat(sig).value(), kSigRsaSha512);
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string sig256,
                               agent.Sign(pub.Marshal(), "x", SignatureAlgorithm::kRsaSha256));
    EXPECT_EQ(SignatureFormat(sig256).value(), kSigRsaSha256);
    CAIRN_EXPECT_OK(VerifySignature(pub, "x", sig256));
  } else {
    EXPECT_EQ(agent.Sign(pub.Marshal(), "x", SignatureAlgorithm::kRsaSha256).status().code(),
              StatusCode::kInvalidArgument);
  }
}

TEST_P(AgentKeyTest, AddKeyWithCertificateAndLifetime) {
  const crypto::PrivateKey& key = KeyFor(GetParam());
  const Certificate cert = CertFor(key, "alice@example.com");
  AgentClient agent = Connect();
  CAIRN_ASSERT_OK(
      agent.AddIdentity(key, &cert, {.comment = "alice@example.com", .lifetime_seconds = 3600}));
  // `ssh-add -L` shows the certificate, exactly as a -cert.pub file holds it.
  EXPECT_EQ(SshAdd("-L"), cert.MarshalAuthorizedKey("alice@example.com"));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto ids, agent.ListIdentities());
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_TRUE(ids[0].IsCertificate());
  EXPECT_EQ(ids[0].KeyType(), cert.type_name());
  EXPECT_EQ(ids[0].blob, cert.Marshal());
  // The lifetime constraint reached the agent (its debug log names it).
  EXPECT_NE(Log().find("(life: 3600)"), std::string::npos) << Log();
  // The agent signs with the certified key.
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string sig, agent.Sign(cert.Marshal(), "challenge"));
  CAIRN_EXPECT_OK(VerifySignature(cert.key(), "challenge", sig));
}

INSTANTIATE_TEST_SUITE_P(AllKeys, AgentKeyTest, ::testing::ValuesIn(AllKeyCases()),
                         [](const ::testing::TestParamInfo<KeyCase>& i) { return i.param.name; });

TEST_F(AgentTest, RemoveAndRemoveAll) {
  const auto k1 = crypto::PrivateKey::Generate({crypto::KeyType::kEd25519}).value();
  const auto k2 = crypto::PrivateKey::Generate({crypto::KeyType::kEcP256}).value();
  const Certificate c2 = CertFor(k2, "two");
  AgentClient agent = Connect();
  CAIRN_ASSERT_OK(agent.AddIdentity(k1, nullptr, {.comment = "one"}));
  CAIRN_ASSERT_OK(agent.AddIdentity(k2, &c2, {.comment = "two"}));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto ids, agent.ListIdentities());
  ASSERT_EQ(ids.size(), 2u);

  CAIRN_ASSERT_OK(agent.RemoveIdentity(c2.Marshal()));
  CAIRN_ASSERT_OK_AND_ASSIGN(ids, agent.ListIdentities());
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0].comment, "one");
  EXPECT_EQ(agent.RemoveIdentity(c2.Marshal()).code(), StatusCode::kNotFound);

  CAIRN_ASSERT_OK(agent.AddIdentity(k2, &c2, {.comment = "two"}));
  CAIRN_ASSERT_OK(agent.RemoveAll());
  CAIRN_ASSERT_OK_AND_ASSIGN(ids, agent.ListIdentities());
  EXPECT_TRUE(ids.empty());
  EXPECT_EQ(SshAdd("-l"), "The agent has no identities.\n");
}

TEST_F(AgentTest, LifetimeExpires) {
  const auto key = crypto::PrivateKey::Generate({crypto::KeyType::kEd25519}).value();
  AgentClient agent = Connect();
  CAIRN_ASSERT_OK(agent.AddIdentity(key, nullptr, {.comment = "brief", .lifetime_seconds = 1}));
  CAIRN_ASSERT_OK_AND_ASSIGN(auto ids, agent.ListIdentities());
  ASSERT_EQ(ids.size(), 1u);
  // ssh-agent drops expired keys before answering; wait (bounded) for it to forget this one.
  bool gone = false;
  for (int i = 0; i < 50 && !gone; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CAIRN_ASSERT_OK_AND_ASSIGN(ids, agent.ListIdentities());
    gone = ids.empty();
  }
  EXPECT_TRUE(gone) << "the agent still holds a key whose 1s lifetime ended";
}

TEST_F(AgentTest, ConfirmConstraint) {
  const auto key = crypto::PrivateKey::Generate({crypto::KeyType::kEd25519}).value();
  AgentClient agent = Connect();
  CAIRN_ASSERT_OK(agent.AddIdentity(key, nullptr, {.comment = "careful", .confirm = true}));
  EXPECT_NE(Log().find("(confirm: 1)"), std::string::npos) << Log();
}

TEST_F(AgentTest, ConnectFailures) {
  EXPECT_EQ(AgentClient::Connect(dir_.File("nothing.sock")).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(AgentClient::Connect("").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(AgentClient::Connect("/" + std::string(200, 'x')).status().code(),
            StatusCode::kInvalidArgument);
  const char* saved = std::getenv("SSH_AUTH_SOCK");
  const std::string saved_value = saved ? saved : "";
  ::unsetenv("SSH_AUTH_SOCK");
  EXPECT_EQ(AgentClient::ConnectFromEnv().status().code(), StatusCode::kFailedPrecondition);
  ::setenv("SSH_AUTH_SOCK", sock_.c_str(), 1);
  auto agent = AgentClient::ConnectFromEnv();
  CAIRN_ASSERT_OK(agent.status());
  CAIRN_EXPECT_OK(agent->ListIdentities().status());
  if (saved) {
    ::setenv("SSH_AUTH_SOCK", saved_value.c_str(), 1);
  } else {
    ::unsetenv("SSH_AUTH_SOCK");
  }
}

TEST(AgentCertificateTest, CertificateForAnotherKeyIsRefused) {
  // The request is refused before anything is sent, so a socket that never answers will do.
  TempDir dir;
  const std::string path = dir.File("s");
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 4), 0);
  const auto key = crypto::PrivateKey::Generate({crypto::KeyType::kEd25519}).value();
  const auto other = crypto::PrivateKey::Generate({crypto::KeyType::kEd25519}).value();
  const Certificate cert = CertFor(other, "x");
  auto agent = AgentClient::Connect(path, std::chrono::milliseconds(200));
  CAIRN_ASSERT_OK(agent.status());
  EXPECT_EQ(agent->AddIdentity(key, &cert, {}).code(), StatusCode::kInvalidArgument);
  ::close(fd);
}

// FakeAgent accepts one connection on a Unix socket, reads one request and answers with
// `reply` (raw bytes, framing included) — or never answers when `reply` is empty.
class FakeAgent {
 public:
  explicit FakeAgent(std::string reply) : reply_(std::move(reply)) {
    path_ = dir_.File("fake.sock");
    fd_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strcpy(addr.sun_path, path_.c_str());
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    if (!reply_.empty()) {
      thread_ = std::thread([this] {
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        (void)::read(c, buf, sizeof buf);
        (void)::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
        ::close(c);  // what was sent stays readable
      });
    }
  }
  ~FakeAgent() {
    ::shutdown(fd_, SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    ::close(fd_);
  }
  const std::string& path() const { return path_; }

 private:
  TempDir dir_;
  std::string path_;
  std::string reply_;
  int fd_ = -1;
  std::thread thread_;
};

std::string Frame(const std::string& body) {
  WireWriter w;
  w.PutString(body);
  return w.Take();
}

TEST(AgentBoundsTest, StuckAgentTimesOut) {
  FakeAgent fake("");
  auto agent = AgentClient::Connect(fake.path(), std::chrono::milliseconds(200));
  CAIRN_ASSERT_OK(agent.status());
  auto ids = agent->ListIdentities();
  EXPECT_EQ(ids.status().code(), StatusCode::kDeadlineExceeded) << ids.status().message();
  // The connection is closed after a failed exchange.
  EXPECT_EQ(agent->RemoveAll().code(), StatusCode::kFailedPrecondition);
}

TEST(AgentBoundsTest, HostileReplies) {
  struct Case {
    std::string name;
    std::string reply;
    StatusCode code;
  };
  WireWriter many;
  many.PutByte(12);
  many.PutUint32(kMaxAgentIdentities + 1);
  WireWriter trailing;
  trailing.PutByte(12);
  trailing.PutUint32(0);
  trailing.PutByte(0);
  WireWriter lying;
  lying.PutByte(12);
  lying.PutUint32(5);  // five identities announced, none sent
  const std::vector<Case> cases = {
      {"huge length", std::string("\x7f\xff\xff\xff", 4), StatusCode::kResourceExhausted},
      {"length just over the bound", Frame(std::string(kMaxAgentMessage + 1, '\x0c')),
       StatusCode::kResourceExhausted},
      {"empty message", std::string("\0\0\0\0", 4), StatusCode::kInvalidArgument},
      {"too many identities", Frame(many.data()), StatusCode::kResourceExhausted},
      {"trailing bytes", Frame(trailing.data()), StatusCode::kInvalidArgument},
      {"truncated list", Frame(lying.data()), StatusCode::kInvalidArgument},
      {"wrong message type", Frame("\x06"), StatusCode::kInvalidArgument},
      {"failure", Frame("\x05"), StatusCode::kFailedPrecondition},
      {"closed early", std::string("\0\0\0\x09\x0c", 5), StatusCode::kUnavailable},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    FakeAgent fake(c.reply);
    auto agent = AgentClient::Connect(fake.path(), std::chrono::milliseconds(2000));
    CAIRN_ASSERT_OK(agent.status());
    auto ids = agent->ListIdentities();
    EXPECT_EQ(ids.status().code(), c.code) << ids.status().message();
  }
}

}  // namespace
}  // namespace cairn::ssh
