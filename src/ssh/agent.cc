#include "ssh/agent.h"

#include <openssl/crypto.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/encoding.h"
#include "ssh/private_key.h"
#include "ssh/wire.h"

namespace cairn::ssh {
namespace {

using Clock = std::chrono::steady_clock;

// draft-miller-ssh-agent §5.1 message numbers.
constexpr uint8_t kAgentFailure = 5;
constexpr uint8_t kAgentSuccess = 6;
constexpr uint8_t kRequestIdentities = 11;
constexpr uint8_t kIdentitiesAnswer = 12;
constexpr uint8_t kSignRequest = 13;
constexpr uint8_t kSignResponse = 14;
constexpr uint8_t kAddIdentity = 17;
constexpr uint8_t kRemoveIdentity = 18;
constexpr uint8_t kRemoveAllIdentities = 19;
constexpr uint8_t kAddIdConstrained = 25;
// Replies OpenSSH's client also takes as failure (extension failure, ssh.com's failure).
constexpr uint8_t kExtensionFailure = 28;
constexpr uint8_t kComAgent2Failure = 102;
// §5.2 constraints, §5.3 signature flags.
constexpr uint8_t kConstrainLifetime = 1;
constexpr uint8_t kConstrainConfirm = 2;
constexpr uint32_t kRsaSha2_256 = 0x02;
constexpr uint32_t kRsaSha2_512 = 0x04;

constexpr std::string_view kCertSuffix = "-cert-v01@openssh.com";

bool IsFailure(uint8_t type) {
  return type == kAgentFailure || type == kExtensionFailure || type == kComAgent2Failure;
}

Status BadReply(std::string_view why) {
  return InvalidArgumentError("ssh-agent: malformed reply: " + std::string(why));
}

// Wiped is a string cleansed when it goes away (requests that carry private keys).
struct Wiped {
  std::string s;
  ~Wiped() { OPENSSL_cleanse(s.data(), s.size()); }
};

}  // namespace

std::string AgentIdentity::KeyType() const {
  WireReader r(blob);
  auto type = r.ReadString(256);
  return type.ok() ? std::string(*type) : std::string();
}

bool AgentIdentity::IsCertificate() const { return KeyType().ends_with(kCertSuffix); }

std::string AgentIdentity::MarshalAuthorizedKey() const {
  std::string line = KeyType() + " " + Base64Encode(blob);
  if (!comment.empty()) line += " " + comment;
  return line;
}

Result<AgentClient> AgentClient::Connect(const std::string& socket_path,
                                         std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.empty() || socket_path.size() >= sizeof(addr.sun_path)) {
    return InvalidArgumentError("ssh-agent: invalid socket path \"" + socket_path + "\"");
  }
  std::memcpy(addr.sun_path, socket_path.data(), socket_path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return UnavailableError(std::string("ssh-agent: socket: ") + std::strerror(errno));
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
    const int err = errno;
    ::close(fd);
    return UnavailableError("error connecting with ssh-agent at " + socket_path + ": " +
                            std::strerror(err));
  }
  return AgentClient(fd, timeout);
}

Result<AgentClient> AgentClient::ConnectFromEnv(std::chrono::milliseconds timeout) {
  const char* sock = std::getenv("SSH_AUTH_SOCK");
  if (sock == nullptr || *sock == '\0') {
    return FailedPreconditionError("SSH_AUTH_SOCK is not set: is an ssh-agent running?");
  }
  return Connect(sock, timeout);
}

AgentClient::AgentClient(AgentClient&& other) noexcept : fd_(other.fd_), timeout_(other.timeout_) {
  other.fd_ = -1;
}

AgentClient& AgentClient::operator=(AgentClient&& other) noexcept {
  if (this != &other) {
    Close();
    fd_ = other.fd_;
    timeout_ = other.timeout_;
    other.fd_ = -1;
  }
  return *this;
}

AgentClient::~AgentClient() { Close(); }

void AgentClient::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

namespace {

// WaitFor polls `fd` for `events` until `deadline`.
Status WaitFor(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return DeadlineExceededError("ssh-agent: timed out waiting for the agent");
    pollfd p{.fd = fd, .events = events, .revents = 0};
    const int n = ::poll(&p, 1, static_cast<int>(left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return UnavailableError(std::string("ssh-agent: poll: ") + std::strerror(errno));
    if (n == 0) continue;  // the loop re-checks the deadline
    return Status();
  }
}

}  // namespace

Status AgentClient::WriteAll(std::string_view data) {
  const auto deadline = Clock::now() + timeout_;
  while (!data.empty()) {
    CAIRN_RETURN_IF_ERROR(WaitFor(fd_, POLLOUT, deadline));
    const ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return UnavailableError(std::string("ssh-agent: write: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status();
}

Status AgentClient::ReadExactly(char* out, size_t n) {
  const auto deadline = Clock::now() + timeout_;
  while (n > 0) {
    CAIRN_RETURN_IF_ERROR(WaitFor(fd_, POLLIN, deadline));
    const ssize_t got = ::recv(fd_, out, n, MSG_DONTWAIT);
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
      return UnavailableError(std::string("ssh-agent: read: ") + std::strerror(errno));
    }
    if (got == 0) return UnavailableError("ssh-agent: the agent closed the connection");
    out += got;
    n -= static_cast<size_t>(got);
  }
  return Status();
}

Result<std::string> AgentClient::Call(std::string_view request) {
  if (fd_ < 0) return FailedPreconditionError("ssh-agent: the connection is closed");
  if (request.size() > kMaxAgentMessage) {
    return ResourceExhaustedError("ssh-agent: request larger than " +
                                  std::to_string(kMaxAgentMessage) + " bytes");
  }
  WireWriter frame;
  frame.PutString(request);
  Wiped framed{frame.Take()};
  Status s = WriteAll(framed.s);
  if (s.ok()) {
    char len_bytes[4];
    s = ReadExactly(len_bytes, sizeof len_bytes);
    if (s.ok()) {
      WireReader lr(std::string_view(len_bytes, sizeof len_bytes));
      const uint32_t len = lr.ReadUint32().value();
      if (len == 0) {
        s = BadReply("empty message");
      } else if (len > kMaxAgentMessage) {
        s = ResourceExhaustedError("ssh-agent: reply larger than " +
                                   std::to_string(kMaxAgentMessage) + " bytes");
      } else {
        std::string reply(len, '\0');
        s = ReadExactly(reply.data(), reply.size());
        if (s.ok()) return reply;
      }
    }
  }
  // After a failed exchange the stream position is unknown: no further requests on it.
  Close();
  return s;
}

Status AgentClient::Expect(std::string_view request, Status refused) {
  Result<std::string> reply = Call(request);
  if (!reply.ok()) return reply.status();
  if (reply->empty()) return BadReply("empty message");
  const auto type = static_cast<uint8_t>(reply->front());
  if (type == kAgentSuccess && reply->size() == 1) return Status();
  if (IsFailure(type)) return refused;
  return BadReply("unexpected message type " + std::to_string(type));
}

Status AgentClient::AddIdentity(const crypto::PrivateKey& key, const Certificate* cert,
                                const AgentAddOptions& options) {
  if (options.comment.size() > kMaxPrivateKeyComment) {
    return InvalidArgumentError("ssh-agent: comment longer than " +
                                std::to_string(kMaxPrivateKeyComment) + " bytes");
  }
  const bool constrained = options.lifetime_seconds > 0 || options.confirm;
  Wiped fields;
  CAIRN_ASSIGN_OR_RETURN(fields.s, MarshalPrivateKeyFields(key, cert));
  WireWriter w;
  w.PutByte(constrained ? kAddIdConstrained : kAddIdentity);
  w.PutRaw(fields.s);
  w.PutString(options.comment);
  if (options.lifetime_seconds > 0) {
    w.PutByte(kConstrainLifetime);
    w.PutUint32(options.lifetime_seconds);
  }
  if (options.confirm) w.PutByte(kConstrainConfirm);
  Wiped request{w.Take()};
  return Expect(request.s, FailedPreconditionError("ssh-agent: the agent refused to add the key"));
}

Result<std::vector<AgentIdentity>> AgentClient::ListIdentities() {
  const char request[] = {static_cast<char>(kRequestIdentities)};
  CAIRN_ASSIGN_OR_RETURN(std::string reply, Call(std::string_view(request, 1)));
  const auto type = static_cast<uint8_t>(reply[0]);
  if (IsFailure(type)) {
    return FailedPreconditionError("ssh-agent: the agent refused to list its identities");
  }
  if (type != kIdentitiesAnswer) {
    return BadReply("unexpected message type " + std::to_string(type));
  }
  WireReader r(std::string_view(reply).substr(1));
  CAIRN_ASSIGN_OR_RETURN(uint32_t count, r.ReadUint32());
  if (count > kMaxAgentIdentities) {
    return ResourceExhaustedError("ssh-agent: more than " + std::to_string(kMaxAgentIdentities) +
                                  " identities");
  }
  std::vector<AgentIdentity> out;
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    CAIRN_ASSIGN_OR_RETURN(std::string_view blob, r.ReadString(kMaxAgentMessage));
    CAIRN_ASSIGN_OR_RETURN(std::string_view comment, r.ReadString(kMaxAgentMessage));
    if (blob.empty()) return BadReply("empty key blob");
    out.push_back({std::string(blob), std::string(comment)});
  }
  CAIRN_RETURN_IF_ERROR(r.ExpectEnd("ssh-agent identities answer"));
  return out;
}

Status AgentClient::RemoveIdentity(std::string_view blob) {
  WireWriter w;
  w.PutByte(kRemoveIdentity);
  w.PutString(blob);
  return Expect(w.data(), NotFoundError("ssh-agent: the agent does not hold that identity"));
}

Status AgentClient::RemoveAll() {
  const char request[] = {static_cast<char>(kRemoveAllIdentities)};
  return Expect(std::string_view(request, 1),
                FailedPreconditionError("ssh-agent: the agent refused to remove its identities"));
}

Result<std::string> AgentClient::Sign(std::string_view blob, std::string_view data,
                                      SignatureAlgorithm alg) {
  WireReader br(blob);
  CAIRN_ASSIGN_OR_RETURN(std::string_view type, br.ReadString(256));
  uint32_t flags = 0;
  const bool rsa = type == kKeyRsa || type == std::string(kKeyRsa) + std::string(kCertSuffix);
  if (rsa) {
    flags = alg == SignatureAlgorithm::kRsaSha256 ? kRsaSha2_256 : kRsaSha2_512;
  } else if (alg != SignatureAlgorithm::kDefault) {
    return InvalidArgumentError("ssh-agent: an RSA signature format for a " + std::string(type) +
                                " key");
  }
  WireWriter w;
  w.PutByte(kSignRequest);
  w.PutString(blob);
  w.PutString(data);
  w.PutUint32(flags);
  CAIRN_ASSIGN_OR_RETURN(std::string reply, Call(w.data()));
  const auto rtype = static_cast<uint8_t>(reply[0]);
  if (IsFailure(rtype)) return FailedPreconditionError("ssh-agent: the agent refused to sign");
  if (rtype != kSignResponse) return BadReply("unexpected message type " + std::to_string(rtype));
  WireReader r(std::string_view(reply).substr(1));
  CAIRN_ASSIGN_OR_RETURN(std::string_view sig, r.ReadString(kMaxAgentMessage));
  CAIRN_RETURN_IF_ERROR(r.ExpectEnd("ssh-agent sign response"));
  return std::string(sig);
}

}  // namespace cairn::ssh
