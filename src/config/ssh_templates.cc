#include "config/ssh_templates.h"

namespace cairn::config {
namespace {

constexpr std::string_view kConfigTpl = R"tpl(Host *
{{- if or .User.GOOS "none" | eq "windows" }}
{{- if .User.StepBasePath }}
	Include "{{ .User.StepBasePath | replace "\\" "/" | trimPrefix "C:" }}/ssh/includes"
{{- else }}
	Include "{{ .User.StepPath | replace "\\" "/" | trimPrefix "C:" }}/ssh/includes"
{{- end }}
{{- else }}
{{- if .User.StepBasePath }}
	Include "{{.User.StepBasePath}}/ssh/includes"
{{- else }}
	Include "{{.User.StepPath}}/ssh/includes"
{{- end }}
{{- end }})tpl";

constexpr std::string_view kStepIncludesTpl =
    R"tpl({{- if or .User.GOOS "none" | eq "windows" }}Include "{{ .User.StepPath | replace "\\" "/" | trimPrefix "C:" }}/ssh/config"{{- else }}Include "{{.User.StepPath}}/ssh/config"{{- end }})tpl";

constexpr std::string_view kStepConfigTpl =
    R"tpl(Match exec "step ssh check-host{{- if .User.Context }} --context {{ .User.Context }}{{- end }} %h"
{{- if .User.User }}
	User {{.User.User}}
{{- end }}
{{- if or .User.GOOS "none" | eq "windows" }}
	UserKnownHostsFile "{{.User.StepPath}}\ssh\known_hosts"
	ProxyCommand C:\Windows\System32\cmd.exe /c step ssh proxycommand{{- if .User.Context }} --context {{ .User.Context }}{{- end }}{{- if .User.Console}} --console {{- end }}{{- if .User.Provisioner }} --provisioner {{ .User.Provisioner }}{{- end }} %r %h %p
{{- else }}
	UserKnownHostsFile "{{.User.StepPath}}/ssh/known_hosts"
	ProxyCommand step ssh proxycommand{{- if .User.Context }} --context {{ .User.Context }}{{- end }}{{- if .User.Console}} --console {{- end }}{{- if .User.Provisioner }} --provisioner {{ .User.Provisioner }}{{- end }} %r %h %p
{{- end }}
)tpl";

constexpr std::string_view kKnownHostsTpl =
    R"tpl(@cert-authority * {{.Step.SSH.HostKey.Type}} {{.Step.SSH.HostKey.Marshal | toString | b64enc}}
{{- range .Step.SSH.HostFederatedKeys}}
@cert-authority * {{.Type}} {{.Marshal | toString | b64enc}}
{{- end }}
)tpl";

constexpr std::string_view kSshdConfigTpl = R"tpl(Match all
	TrustedUserCAKeys /etc/ssh/ca.pub
	HostCertificate /etc/ssh/{{.User.Certificate}}
	HostKey /etc/ssh/{{.User.Key}})tpl";

constexpr std::string_view kCaTpl =
    R"tpl({{.Step.SSH.UserKey.Type}} {{.Step.SSH.UserKey.Marshal | toString | b64enc}}
{{- range .Step.SSH.UserFederatedKeys}}
{{.Type}} {{.Marshal | toString | b64enc}}
{{- end }}
)tpl";

SshTemplateConfig Default(std::string_view name, std::string_view type, std::string_view path,
                          std::string_view text, std::vector<std::string> requires_keys = {}) {
  SshTemplateConfig t;
  t.name = name;
  t.type = type;
  t.path = path;
  t.comment = "#";
  t.content = text;
  t.requires_keys = std::move(requires_keys);
  return t;
}

}  // namespace

const std::string_view kDefaultSshdConfigTemplate = kSshdConfigTpl;

std::vector<SshTemplateConfig> DefaultSshUserTemplates() {
  return {
      Default("config.tpl", "snippet", "~/.ssh/config", kConfigTpl),
      Default("step_includes.tpl", "prepend-line", "${STEPPATH}/ssh/includes", kStepIncludesTpl),
      Default("step_config.tpl", "file", "ssh/config", kStepConfigTpl),
      Default("known_hosts.tpl", "file", "ssh/known_hosts", kKnownHostsTpl)};
}

std::vector<SshTemplateConfig> DefaultSshHostTemplates() {
  return {Default("sshd_config.tpl", "snippet", "/etc/ssh/sshd_config", kSshdConfigTpl,
                  {"Certificate", "Key"}),
          Default("ca.tpl", "snippet", "/etc/ssh/ca.pub", kCaTpl)};
}

}  // namespace cairn::config
