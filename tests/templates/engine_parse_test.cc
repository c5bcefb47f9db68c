// Parsing: Go's text/template error messages (template: NAME:LINE: ...) for malformed
// templates, and the limits on size and nesting.

#include <string>
#include <vector>

#include "templates/funcs.h"
#include "templates/template.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

struct ErrorCase {
  std::string text;
  std::string message;
};

FuncMap Funcs() {
  FuncMap f;
  f["toJson"] = [](std::span<const Value>) -> Result<Value> { return Value(); };
  return f;
}

TEST(EngineParseTest, ParseErrorsHaveGoMessages) {
  const std::vector<ErrorCase> cases = {
      // Lexer errors.
      {"{{.Foo}", "template: t:1: bad character U+007D '}'"},
      {"{{.Foo@}}", "template: t:1: bad character U+0040 '@'"},
      {"{{(1}}", "template: t:1: unclosed left paren"},
      {"{{1)}}", "template: t:1: unexpected right paren"},
      {"{{\"abc}}", "template: t:1: unterminated quoted string"},
      {"{{`abc}}", "template: t:1: unterminated raw quoted string"},
      {"{{'a}}", "template: t:1: unterminated character constant"},
      {"{{/* x }}", "template: t:1: unclosed comment"},
      {"{{/* x */ }}", "template: t:1: comment ends before closing delimiter"},
      {"a\n{{ .X\n", "template: t:3: unclosed action started at t:2"},
      {"{{ .X", "template: t:1: unclosed action"},
      {"{{1a}}", "template: t:1: bad number syntax: \"1a\""},
      {"{{x := 1}}", "template: t:1: function \"x\" not defined"},
      {"{{$ : 1}}", "template: t:1: expected :="},
      {"{{a#}}", "template: t:1: bad character U+0023 '#'"},
      {"{{0xi}}", "template: t:1: illegal number syntax: \"0xi\""},
      {"line1\n{{", "template: t:2: unclosed action"},
      {"line1\n{{\"x\"\n\"y\"\n", "template: t:4: unclosed action started at t:2"},
      {"{{\n\n\n\n\n", "template: t:6: unclosed action started at t:1"},
      {"{{/*\nhello\n}}", "template: t:1: unclosed comment"},
      {"{{ $v := `\n` }} {{", "template: t:2: unclosed action"},
      {"{{\x01}}", "template: t:1: unrecognized character in action: U+0001"},
      {"{{.A\xe2\x86\x92}}", "template: t:1: bad character U+2192 '\xe2\x86\x92'"},
      // Parser errors.
      {"{{ .X }", "template: t:1: unexpected \"}\" in operand"},
      {"{{if}}", "template: t:1: missing value for if"},
      {"{{range}}{{end}}", "template: t:1: missing value for range"},
      {"{{end}}", "template: t:1: unexpected {{end}}"},
      {"{{else}}", "template: t:1: unexpected {{else}}"},
      {"{{if true}}", "template: t:1: unexpected EOF"},
      {"{{if true}}{{else}}{{else}}{{end}}", "template: t:1: expected end; found {{else}}"},
      {"{{foo}}", "template: t:1: function \"foo\" not defined"},
      {"{{.X | foo}}", "template: t:1: function \"foo\" not defined"},
      {"{{$x}}", "template: t:1: undefined variable \"$x\""},
      {"{{if true}}{{$x := 1}}{{end}}{{$x}}", "template: t:1: undefined variable \"$x\""},
      {"{{.X | 3}}", "template: t:1: non executable command in pipeline stage 2"},
      {"{{.X | \"a\"}}", "template: t:1: non executable command in pipeline stage 2"},
      {"{{\"a\".B}}", "template: t:1: unexpected . after term \"\\\"a\\\"\""},
      {"{{..A}}", "template: t:1: unexpected . after term \".\""},
      {"{{break}}", "template: t:1: {{break}} outside {{range}}"},
      {"{{continue}}", "template: t:1: {{continue}} outside {{range}}"},
      {"{{range .}}{{else}}{{break}}{{end}}", "template: t:1: {{break}} outside {{range}}"},
      {"{{range .}}{{break 1}}{{end}}", "template: t:1: unexpected \"1\" in {{break}}"},
      {"line1\n{{\nx\n}}", "template: t:3: function \"x\" not defined"},
      {"{{`x`3}}", "template: t:1: unexpected \"3\" in operand"},
      {"{{$x := 23}}{{with $x.y := 3}}{{$x 23}}{{end}}",
       "template: t:1: unexpected \":=\" in operand"},
      {"{{range $k}}{{end}}", "template: t:1: undefined variable \"$k\""},
      {"{{range $k, $v := }}{{end}}", "template: t:1: missing value for range"},
      {"{{range $k, 123 := .}}{{end}}", "template: t:1: range can only initialize variables"},
      {"{{\"\\q\"}}", "template: t:1: invalid syntax"},
      {"{{99999999999999999999}}", "template: t:1: integer overflow: \"99999999999999999999\""},
      {"{{08}}", "template: t:1: integer overflow: \"08\""},
      {"{{0x}}", "template: t:1: illegal number syntax: \"0x\""},
      {"{{1_}}", "template: t:1: illegal number syntax: \"1_\""},
      {"{{1e400}}", "template: t:1: illegal number syntax: \"1e400\""},
      {"{{'ab'}}", "template: t:1: malformed character constant: 'ab'"},
      {"{{''}}", "template: t:1: invalid syntax"},
      {"{{define \"a\"}}x{{end}}{{define \"a\"}}y{{end}}",
       "template: t:1: template: multiple definition of template \"a\""},
      {"{{define \"B\"}}X{{end}}{{block \"B\" .}}Y{{end}}",
       "template: t:1: template: multiple definition of template \"B\""},
      {"{{define a}}{{end}}", "template: t:1: unexpected \"a\" in define clause"},
      {"{{define \"a\" 1}}{{end}}", "template: t:1: unexpected \"1\" in define clause"},
      {"{{define \"a\"}}{{else}}{{end}}", "template: t:1: unexpected {{else}} in define clause"},
      {"{{template .X}}", "template: t:1: unexpected \".X\" in template clause"},
      {"{{block}}{{end}}", "template: t:1: unexpected \"}}\" in block clause"},
      {"{{range $a, $b, $c := .}}{{end}}", "template: t:1: too many declarations in range"},
      {"{{with $x, $y := .}}{{end}}", "template: t:1: too many declarations in with"},
      {"{{range $a, 1}}{{end}}", "template: t:1: range can only initialize variables"},
      {"{{if 1}}{{define \"x\"}}{{end}}{{end}}", "template: t:1: unexpected <define> in command"},
      {"{{(.X}}", "template: t:1: unclosed left paren"},
      {"{{()}}", "template: t:1: missing value for parenthesized pipeline"},
      {"{{else if}}", "template: t:1: unexpected {{else}}"},
      {"{{with .}}{{else if .}}{{end}}", "template: t:1: unexpected <if> in input"},
      // The line is that of the token last read.
      {"a\nb\n{{.X}\n", "template: t:3: bad character U+007D '}'"},
      {"a\n{{if true}}\nb\n", "template: t:4: unexpected EOF"},
      {"{{`a\nb` | foo}}", "template: t:2: function \"foo\" not defined"},
  };
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.text);
    auto t = Template::Parse("t", c.text, Funcs());
    ASSERT_FALSE(t.ok());
    EXPECT_EQ(t.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(t.status().message(), c.message);
  }
}

TEST(EngineParseTest, ValidTemplatesParse) {
  const std::vector<std::string> cases = {
      "",
      "text only",
      "{{/* only a comment */}}",
      "{{- /* trimmed comment */ -}}",
      "{{.}} {{$}} {{.A.B.C}} {{$.A}} {{(.A).B}} {{toJson .}}",
      "{{.X | }}",
      "{{range $x = 0}}{{$x}}{{end}}",
      "{{ $x \n := \n 1 \n }}",
      "{{\n\"x\"\n|\nprintf\n}}",
      "{{$x := 1}}{{$x = 2}}{{$y, $z := 1}}",  // two declarations outside range are rejected
  };
  for (size_t i = 0; i + 1 < cases.size(); i++) {
    SCOPED_TRACE(cases[i]);
    CAIRN_EXPECT_OK(Template::Parse("t", cases[i], Funcs()));
  }
  EXPECT_FALSE(Template::Parse("t", cases.back(), Funcs()).ok());
}

TEST(EngineParseTest, BreakIsAFunctionWhenDefined) {
  FuncMap f;
  f["break"] = [](std::span<const Value>) -> Result<Value> { return Value::String("b"); };
  CAIRN_ASSERT_OK_AND_ASSIGN(Template t, Template::Parse("t", "{{break}}", f));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string out, t.Execute(Value()));
  EXPECT_EQ(out, "b");
}

TEST(EngineParseTest, TemplateTextSizeIsBounded) {
  Limits limits;
  limits.max_template_bytes = 16;
  auto t = Template::Parse("leaf", std::string(17, 'x'), {}, limits);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(t.status().message(),
            "template: leaf: template text is 17 bytes, over the limit of 16");
  CAIRN_EXPECT_OK(Template::Parse("leaf", std::string(16, 'x'), {}, limits));
}

TEST(EngineParseTest, NestingIsBounded) {
  Limits limits;
  limits.max_depth = 10;
  auto nested = [](int n, std::string_view open, std::string_view close) {
    std::string s;
    for (int i = 0; i < n; i++) s += open;
    s += "x";
    for (int i = 0; i < n; i++) s += close;
    return s;
  };
  CAIRN_EXPECT_OK(Template::Parse("t", nested(10, "{{if 1}}", "{{end}}"), {}, limits));
  auto deep = Template::Parse("t", nested(11, "{{if 1}}", "{{end}}"), {}, limits);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(deep.status().message(), "template: t:1: max control structure depth exceeded");

  auto parens_of = [](int n) {
    return "{{" + std::string(static_cast<size_t>(n), '(') + "1" +
           std::string(static_cast<size_t>(n), ')') + "}}";
  };
  CAIRN_EXPECT_OK(Template::Parse("t", parens_of(10), {}, limits).status());
  auto parens = Template::Parse("t", parens_of(11), {}, limits);
  EXPECT_EQ(parens.status().message(), "template: t:1: max expression depth exceeded");

  // The defaults survive hostile nesting without exhausting the stack.
  EXPECT_FALSE(Template::Parse("t", nested(100000, "{{if 1}}", "{{end}}"), {}).ok());
  EXPECT_FALSE(Template::Parse("t", parens_of(100000), {}).ok());
  EXPECT_FALSE(Template::Parse("t", nested(100000, "{{block \"b\" 1}}", "{{end}}"), {}).ok());
}

}  // namespace
}  // namespace cairn::templates
