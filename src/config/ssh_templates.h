#pragma once

// step's default SSH configuration templates (certificates' templates.DefaultSSHTemplates and
// DefaultSSHTemplateData): what `cairn ca init --ssh` writes to templates/ssh/ and lists in
// ca.json's templates block, and what /ssh/config renders when ca.json has no templates block.
// The texts are Go text/template sources rendered when a client asks for its SSH configuration
// (`step ssh config`); they see `.User.*` (the data the client sends: GOOS, StepPath,
// StepBasePath, Context, User, Console, Provisioner, Certificate, Key) and
// `.Step.SSH.{HostKey,UserKey,HostFederatedKeys,UserFederatedKeys}` (keys with `.Type` and
// `.Marshal`), and render what step-ca's defaults render.

#include <string_view>
#include <vector>

#include "config/config.h"

namespace cairn::config {

// kDefaultSshdConfigTemplate is the text of step's sshd_config.tpl (step-ca back-fills its
// `requires` when an unchanged copy lacks them).
extern const std::string_view kDefaultSshdConfigTemplate;

// DefaultSshUserTemplates returns config.tpl, step_includes.tpl, step_config.tpl and
// known_hosts.tpl with their texts as `content` (template_path empty, comment "#").
std::vector<SshTemplateConfig> DefaultSshUserTemplates();

// DefaultSshHostTemplates returns sshd_config.tpl (requires Certificate and Key) and ca.tpl.
std::vector<SshTemplateConfig> DefaultSshHostTemplates();

}  // namespace cairn::config
