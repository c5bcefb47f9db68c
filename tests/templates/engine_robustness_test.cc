// Bounds (output, steps, recursion), concurrent execution, and damaged templates: nothing
// may crash, and every failure is a Status with the engine's codes.

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "templates/funcs.h"
#include "templates/template.h"
#include "testing/fakes.h"
#include "testing/mutate.h"

namespace cairn::templates {
namespace {

Value Data() {
  return Value::FromJson(nlohmann::json::parse(R"({
    "Subject": {"commonName": "foo"}, "SANs": [{"type": "dns", "value": "foo"}],
    "List": [1, 2, 3], "Map": {"a": "x", "b": null}, "Name": "cairn", "N": 3,
    "Insecure": {"CR": {"PublicKey": null}, "User": {"x": [1, {"y": 2}]}}
  })"));
}

FuncMap Funcs() {
  FuncMap f;
  f["toJson"] = [](std::span<const Value> args) -> Result<Value> {
    if (args.size() != 1) return InvalidArgumentError("wrong number of args for toJson");
    return Value::String(args[0].ToJson().dump());
  };
  f["typeIs"] = [](std::span<const Value> args) -> Result<Value> {
    if (args.size() != 2) return InvalidArgumentError("wrong number of args for typeIs");
    return Value::Bool(args[0].Print() == args[1].TypeName());
  };
  f["fail"] = [](std::span<const Value> args) -> Result<Value> {
    return FailError(args.empty() ? "" : args[0].Print());
  };
  return f;
}

TEST(EngineRobustnessTest, OutputIsBounded) {
  Limits limits;
  limits.max_output_bytes = 10;
  CAIRN_ASSERT_OK_AND_ASSIGN(Template t,
                             Template::Parse("leaf", "{{range 100}}x{{end}}", {}, limits));
  auto out = t.Execute(Value());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(out.status().message(), "template: leaf: output exceeds the limit of 10 bytes");

  CAIRN_ASSERT_OK_AND_ASSIGN(Template fits,
                             Template::Parse("leaf", "{{range 10}}x{{end}}", {}, limits));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string exact, fits.Execute(Value()));
  EXPECT_EQ(exact, "xxxxxxxxxx");
}

TEST(EngineRobustnessTest, StepsAreBounded) {
  Limits limits;
  limits.max_steps = 1000;
  CAIRN_ASSERT_OK_AND_ASSIGN(Template t,
                             Template::Parse("leaf", "{{range 1000000000}}{{end}}", {}, limits));
  auto out = t.Execute(Value());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(out.status().message(), "template: leaf: execution exceeds the limit of 1000 steps");

  // Large function results count: a loop building megabyte strings stops early.
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Template wide,
      Template::Parse("leaf", "{{range 100000}}{{$x := printf \"%1000000d\" 1}}{{end}}", {}));
  EXPECT_EQ(wide.Execute(Value()).status().code(), StatusCode::kResourceExhausted);

  // The default bound stops an endless range at once too.
  CAIRN_ASSERT_OK_AND_ASSIGN(Template endless,
                             Template::Parse("leaf", "{{range 9223372036854775807}}{{end}}", {}));
  EXPECT_EQ(endless.Execute(Value()).status().code(), StatusCode::kResourceExhausted);
}

TEST(EngineRobustnessTest, InfiniteRecursionEndsWithAnError) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Template t,
      Template::Parse("t", "{{define \"R\"}}{{template \"R\" .}}{{end}}{{template \"R\" .}}", {}));
  auto out = t.Execute(Value());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(),
            "template: t:1:25: executing \"R\" at <{{template \"R\" .}}>: exceeded maximum "
            "template depth (100)");

  // Mutual recursion through control structures ends the same way.
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Template u,
      Template::Parse("t",
                      "{{define \"A\"}}{{if 1}}{{range 1}}{{template \"B\" .}}{{end}}{{end}}{{end}}"
                      "{{define \"B\"}}{{with 1}}{{template \"A\" .}}{{end}}{{end}}"
                      "{{template \"A\" .}}",
                      {}));
  out = u.Execute(Value());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("exceeded maximum"), std::string::npos) << out.status();
}

TEST(EngineRobustnessTest, ConcurrentExecutionsShareOneTemplate) {
  CAIRN_ASSERT_OK_AND_ASSIGN(
      Template t, Template::Parse("leaf",
                                  "{{range $i, $v := .List}}{{$i}}:{{$v}},{{end}}{{toJson .Map}}"
                                  "{{with .Name}}{{printf \"%q\" .}}{{end}}",
                                  Funcs()));
  const std::string want = "0:1,1:2,2:3,{\"a\":\"x\",\"b\":null}\"cairn\"";
  Value data = Data();
  Template copy = t;  // copies share the parse tree
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int i = 0; i < 8; i++) {
    threads.emplace_back([&, i] {
      const Template& mine = i % 2 ? copy : t;
      for (int j = 0; j < 200; j++) {
        auto out = mine.Execute(data);
        if (!out.ok() || *out != want) mismatches[static_cast<size_t>(i)]++;
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

// Real templates, damaged by the shared mutator: parsing and executing must return a value
// or a Status with one of the engine's codes, never crash or hang.
TEST(EngineRobustnessTest, MutatedTemplatesNeverCrash) {
  const std::vector<std::string> seeds = {
      R"({
	"subject": {{ toJson .Subject }},
	"sans": {{ toJson .SANs }},
{{- if typeIs "*rsa.PublicKey" .Insecure.CR.PublicKey }}
	"keyUsage": ["keyEncipherment", "digitalSignature"],
{{- else }}
	"keyUsage": ["digitalSignature"],
{{- end }}
	"extKeyUsage": ["serverAuth", "clientAuth"]
})",
      R"({{- define "item" }}{{ printf "%q:%v" .k .v }}{{ end -}}
{{ range $k, $v := .Map }}{{ template "item" (dict) }}{{ end }}
{{ $x := 0 }}{{ range $i, $e := .List }}{{ if gt $e 1.0 }}{{ $x = $e }}{{ break }}{{ end }}{{ end }}{{ $x }}
{{ with .Insecure.User.x }}{{ index . 1 "y" }}{{ else with .Name }}{{ . }}{{ end }}
{{ block "b" .List }}{{ len . }} {{ slice . 1 }} {{ and .  (or 0 1) }}{{ end }}
{{/* comment */ -}} {{ 'a' }} {{ 0x1F }} {{ 1e3 }} {{ `raw` }} {{ "q\t" | html | js | urlquery }}
{{ if not .Token.email }}{{ fail "email required" }}{{ end }})",
      "{{range 3}}{{.}}{{continue}}{{end}}{{with $v := .Name}}{{$v}}{{end}}{{eq .N 3.0}}"
      "{{printf \"%5.2f %x %-4s %v\" 3.14159 255 \"ab\" .List}}{{print 1 \"a\" nil}}",
  };
  FuncMap funcs = Funcs();
  funcs["dict"] = [](std::span<const Value>) -> Result<Value> { return Value::MakeMap({}); };
  Value data = Data();
  std::mt19937 rng(20240601);
  int parsed = 0, executed = 0;
  for (int iter = 0; iter < 4000; iter++) {
    std::string text = seeds[static_cast<size_t>(iter) % seeds.size()];
    int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits; e++) text = testing::Mutate(std::move(text), rng);
    Limits limits;
    limits.max_steps = 20000;
    auto t = Template::Parse("fuzz", text, funcs, limits);
    if (!t.ok()) {
      EXPECT_TRUE(t.status().code() == StatusCode::kInvalidArgument ||
                  t.status().code() == StatusCode::kResourceExhausted)
          << t.status();
      EXPECT_EQ(t.status().message().rfind("template: fuzz", 0), 0u) << t.status();
      continue;
    }
    parsed++;
    auto out = t->Execute(data);
    if (out.ok()) {
      executed++;
      continue;
    }
    const Status& s = out.status();
    EXPECT_TRUE(s.code() == StatusCode::kInvalidArgument ||
                s.code() == StatusCode::kResourceExhausted)
        << s;
    if (!IsFailError(s)) {
      EXPECT_EQ(s.message().rfind("template: fuzz", 0), 0u) << s;
    }
  }
  // The mutations leave a fair share of templates valid, so execution is exercised.
  EXPECT_GT(parsed, 100);
  EXPECT_GT(executed, 50);
}

// Random bytes built from the template alphabet reach deeper into the lexer and parser.
TEST(EngineRobustnessTest, RandomTokenSoupNeverCrashes) {
  const std::vector<std::string> pieces = {
      "{{",   "}}",     "{{- ",     " -}}",   "if",     "else",     "end",     "range",
      "with", "define", "template", "block",  "break",  "continue", " ",       "\n",
      ".",    ".A",     "$",        "$x",     ":=",     "=",        "|",       "(",
      ")",    "\"s\"",  "`r`",      "'c'",    "1",      "0x1p4",    "-",       "nil",
      "true", "len",    "index",    "printf", "and",    "or",       "not",     "eq",
      "/*",   "*/",     ",",        "toJson", "\"%d\"", "\xff",     "\xe2\x82"};
  std::mt19937 rng(7);
  for (int iter = 0; iter < 4000; iter++) {
    std::string text;
    int n = 1 + static_cast<int>(rng() % 30);
    for (int i = 0; i < n; i++) text += pieces[rng() % pieces.size()];
    Limits limits;
    limits.max_steps = 5000;
    auto t = Template::Parse("soup", text, Funcs(), limits);
    if (!t.ok()) continue;
    auto out = t->Execute(Data());
    if (!out.ok()) {
      EXPECT_TRUE(out.status().code() == StatusCode::kInvalidArgument ||
                  out.status().code() == StatusCode::kResourceExhausted)
          << out.status();
    }
  }
}

}  // namespace
}  // namespace cairn::templates
