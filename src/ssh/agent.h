#pragma once

// A client of ssh-agent (draft-miller-ssh-agent, OpenSSH's PROTOCOL.agent) over the Unix socket
// named by SSH_AUTH_SOCK: add an identity (a plain key, or a key with its certificate, with
// optional lifetime and confirmation constraints), list, remove, remove all, and sign.
//
// Every reply is bounded (kMaxAgentMessage bytes, kMaxAgentIdentities identities) and every
// read and write times out, so a stuck or hostile agent cannot hang or exhaust the caller.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "crypto/key.h"
#include "ssh/certificate.h"
#include "ssh/key.h"
#include "ssh/signature.h"

namespace cairn::ssh {

// kMaxAgentMessage bounds one agent message, either way (OpenSSH's AGENT_MAX_LEN).
inline constexpr size_t kMaxAgentMessage = 256 << 10;
// kMaxAgentIdentities bounds the identities of a list reply (OpenSSH's MAX_AGENT_IDENTITIES).
inline constexpr size_t kMaxAgentIdentities = 2048;
// kDefaultAgentTimeout is how long one request may wait for the agent.
inline constexpr std::chrono::milliseconds kDefaultAgentTimeout{10000};

// AgentIdentity is one identity an agent holds: a public key or certificate blob and its
// comment.
struct AgentIdentity {
  // blob is the public key or certificate in the SSH wire format.
  std::string blob;
  std::string comment;

  // KeyType returns the type name at the start of the blob ("ssh-ed25519",
  // "ecdsa-sha2-nistp256-cert-v01@openssh.com", ...), "" when the blob does not start with a
  // string.
  std::string KeyType() const;
  // IsCertificate reports whether the type is a "-cert-v01@openssh.com" one.
  bool IsCertificate() const;
  // MarshalAuthorizedKey returns "type base64 comment" (as `ssh-add -L` prints it, no newline).
  std::string MarshalAuthorizedKey() const;
};

// AgentAddOptions are the comment and constraints of a new identity.
struct AgentAddOptions {
  // comment is shown by `ssh-add -l` (at most kMaxPrivateKeyComment bytes).
  std::string comment;
  // lifetime_seconds > 0 makes the agent forget the identity after that many seconds
  // (SSH_AGENT_CONSTRAIN_LIFETIME); 0 means no limit.
  uint32_t lifetime_seconds = 0;
  // confirm asks the agent to confirm every use with the user (SSH_AGENT_CONSTRAIN_CONFIRM).
  bool confirm = false;
};

// AgentClient is a connection to an ssh-agent. It owns the socket, which is closed on
// destruction. Not thread-safe (one request at a time); move-only.
class AgentClient {
 public:
  // Connect opens the agent socket at `socket_path`, waiting at most `timeout` for each later
  // request. Fails with kInvalidArgument for an empty path or one too long for a Unix socket,
  // kUnavailable when the agent cannot be reached (the OS error is in the message).
  static Result<AgentClient> Connect(const std::string& socket_path,
                                     std::chrono::milliseconds timeout = kDefaultAgentTimeout);
  // ConnectFromEnv connects to $SSH_AUTH_SOCK. Fails with kFailedPrecondition when it is unset
  // or empty ("SSH_AUTH_SOCK is not set: is an ssh-agent running?"), else as Connect.
  static Result<AgentClient> ConnectFromEnv(
      std::chrono::milliseconds timeout = kDefaultAgentTimeout);

  AgentClient(AgentClient&& other) noexcept;
  AgentClient& operator=(AgentClient&& other) noexcept;
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;
  ~AgentClient();

  // AddIdentity adds `key` to the agent: alone when `cert` is null (SSH_AGENTC_ADD_IDENTITY),
  // else as the certificate identity "<type>-cert-v01@openssh.com" (the agent then lists the
  // certificate, not the plain key). With a lifetime or confirm, SSH_AGENTC_ADD_ID_CONSTRAINED.
  // Fails with kInvalidArgument when `cert` is for another key or the comment is too long,
  // kFailedPrecondition when the agent refuses (SSH_AGENT_FAILURE), kDeadlineExceeded on a
  // timeout, kUnavailable when the connection fails, kInvalidArgument for a malformed reply.
  Status AddIdentity(const crypto::PrivateKey& key, const Certificate* cert,
                     const AgentAddOptions& options);
  // ListIdentities returns the agent's identities (SSH_AGENTC_REQUEST_IDENTITIES), in the
  // agent's order. Fails with kResourceExhausted when the reply exceeds kMaxAgentMessage or
  // kMaxAgentIdentities, kInvalidArgument for a malformed reply, else as AddIdentity.
  Result<std::vector<AgentIdentity>> ListIdentities();
  // RemoveIdentity removes the identity with this public key or certificate blob
  // (SSH_AGENTC_REMOVE_IDENTITY). Fails with kNotFound when the agent refuses (it does not hold
  // it), else as AddIdentity.
  Status RemoveIdentity(std::string_view blob);
  // RemoveAll removes every identity (SSH_AGENTC_REMOVE_ALL_IDENTITIES). Fails as AddIdentity.
  Status RemoveAll();
  // Sign asks the agent to sign `data` with the identity `blob` (SSH_AGENTC_SIGN_REQUEST) and
  // returns the signature blob; `alg` selects rsa-sha2-256/512 for RSA keys (the flags
  // SSH_AGENT_RSA_SHA2_256/512; kDefault asks for rsa-sha2-512). Fails with kFailedPrecondition
  // when the agent refuses, else as AddIdentity.
  Result<std::string> Sign(std::string_view blob, std::string_view data,
                           SignatureAlgorithm alg = SignatureAlgorithm::kDefault);

 private:
  AgentClient(int fd, std::chrono::milliseconds timeout) : fd_(fd), timeout_(timeout) {}
  // Call sends one request and returns the reply (type byte and contents).
  Result<std::string> Call(std::string_view request);
  // Expect sends `request` and requires SSH_AGENT_SUCCESS; `refused` is returned for
  // SSH_AGENT_FAILURE.
  Status Expect(std::string_view request, Status refused);
  Status WriteAll(std::string_view data);
  Status ReadExactly(char* out, size_t n);
  void Close();

  int fd_ = -1;
  std::chrono::milliseconds timeout_;
};

}  // namespace cairn::ssh
