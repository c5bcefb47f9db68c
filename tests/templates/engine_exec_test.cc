// Execution of Go text/template constructs: each case's expected output is what Go's
// text/template (1.21, with 1.22's range over integers and 1.23's else with) produces.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "templates/funcs.h"
#include "templates/template.h"
#include "testing/fakes.h"

namespace cairn::templates {
namespace {

Value Json(std::string_view text) { return Value::FromJson(nlohmann::json::parse(text)); }

// TestData is a map like the template data step-ca builds from JSON (numbers are float64).
Value TestData() {
  return Json(R"({
    "Name": "cairn", "Num": 3, "Frac": 1.5, "List": ["a", "b", "c"], "Map": {"b": 2, "a": 1},
    "Empty": [], "Nil": null, "True": true, "False": false, "Zero": 0, "Str": "",
    "Nested": {"Inner": {"Leaf": "deep"}}, "M": {"a": ["x", "y"]}
  })");
}

// TestFuncs holds a failing function and the `fail` of step's templates.
FuncMap TestFuncs() {
  FuncMap f;
  f["boom"] = [](std::span<const Value>) -> Result<Value> {
    return InvalidArgumentError("kaboom");
  };
  f["fail"] = [](std::span<const Value> args) -> Result<Value> {
    return FailError(args.empty() ? "" : args[0].Print());
  };
  f["upper"] = [](std::span<const Value> args) -> Result<Value> {
    std::string s = args.empty() ? "" : args.back().Print();
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return Value::String(s);
  };
  f["nargs"] = [](std::span<const Value> args) -> Result<Value> {
    return Value::Int(static_cast<int64_t>(args.size()));
  };
  return f;
}

Result<std::string> Render(std::string_view text, const Value& data, Limits limits = {}) {
  CAIRN_ASSIGN_OR_RETURN(Template t, Template::Parse("t", text, TestFuncs(), limits));
  return t.Execute(data);
}

struct Case {
  std::string text;
  std::string want;
};

void RunCases(const std::vector<Case>& cases, const Value& data) {
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    auto out = Render(c.text, data);
    ASSERT_TRUE(out.ok()) << out.status();
    EXPECT_EQ(*out, c.want);
  }
}

TEST(EngineExecTest, TextFieldsAndPrinting) {
  RunCases(
      {
          {"", ""},
          {"plain text", "plain text"},
          {"{{.Name}}", "cairn"},
          {"{{ .Num }}", "3"},
          {"{{.Frac}}", "1.5"},
          {"{{.True}}", "true"},
          {"{{.List}}", "[a b c]"},
          {"{{.Map}}", "map[a:1 b:2]"},
          {"{{.Nested.Inner.Leaf}}", "deep"},
          {"{{.Nested.Inner}}", "map[Leaf:deep]"},
          {"{{.}}",
           "map[Empty:[] False:false Frac:1.5 List:[a b c] M:map[a:[x y]] Map:map[a:1 b:2] "
           "Name:cairn Nested:map[Inner:map[Leaf:deep]] Nil:<nil> Num:3 Str: True:true "
           "Zero:0]"},
          // A missing key and a nil value print as <no value>; so do fields of a missing key.
          {"{{.Missing}}", "<no value>"},
          {"{{.Nil}}", "<no value>"},
          {"{{.Missing.Deeper.Still}}", "<no value>"},
          {"{{$.Name}}", "cairn"},
          {"{{(.Nested).Inner.Leaf}}", "deep"},
      },
      TestData());
  // Nil data: dot and $ are no value, and so are their fields.
  RunCases({{"{{.}}|{{$}}|{{.Foo.Bar}}", "<no value>|<no value>|<no value>"}}, Value());
}

TEST(EngineExecTest, TrimMarkersAndComments) {
  RunCases(
      {
          {"a  {{- .Name -}}  b", "acairnb"},
          {"{{23 -}} < {{- 45}}", "23<45"},
          {"x {{- 3}}", "x3"},
          {"x {{-3}}", "x -3"},  // no space after '-': a negative number
          {"a\n{{- if true }}\nb\n{{- end }}\n", "a\nb\n"},
          {"a\t\n {{- /* comment */ -}} \n\tb", "ab"},
          {"{{/* a comment */}}x", "x"},
          {"{{/* multi\nline */}}x{{/* again */}}", "x"},
          {"a {{- /* c */}} b", "a b"},
          {"{{- .Name}}", "cairn"},
          {"[{{.Name -}}\n\n]", "[cairn]"},
          {"{{ .Name\n}}", "cairn"},  // newlines are spaces inside actions
      },
      TestData());
}

TEST(EngineExecTest, IfElseWith) {
  RunCases(
      {
          {"{{if .True}}yes{{end}}", "yes"},
          {"{{if .False}}yes{{else}}no{{end}}", "no"},
          {"{{if .Missing}}1{{else if .False}}2{{else if .Name}}3{{else}}4{{end}}", "3"},
          {"{{if .Missing}}1{{else if .False}}2{{else}}4{{end}}", "4"},
          {"{{if .Empty}}y{{else}}n{{end}}", "n"},
          {"{{if .Map}}y{{else}}n{{end}}", "y"},
          {"{{if .Zero}}y{{else}}n{{end}}", "n"},
          {"{{if 0.0}}y{{else}}n{{end}}", "n"},
          {"{{if .Str}}y{{else}}n{{end}}", "n"},
          {"{{if .Nil}}y{{else}}n{{end}}", "n"},
          {"{{if .Nested}}y{{else}}n{{end}}", "y"},
          {"{{with .Name}}[{{.}}]{{end}}", "[cairn]"},
          {"{{with .Missing}}x{{else}}none{{end}}", "none"},
          {"{{with .Missing}}a{{else with .Name}}{{.}}{{else}}c{{end}}", "cairn"},
          {"{{with .Missing}}a{{else with .Nil}}b{{else}}c{{end}}", "c"},
          {"{{with $x := .Nested.Inner}}{{$x.Leaf}}/{{.Leaf}}{{end}}", "deep/deep"},
      },
      TestData());
}

TEST(EngineExecTest, Range) {
  RunCases(
      {
          {"{{range .List}}[{{.}}]{{end}}", "[a][b][c]"},
          {"{{range $i, $v := .List}}{{$i}}={{$v}} {{end}}", "0=a 1=b 2=c "},
          {"{{range $v := .List}}{{$v}}{{end}}", "abc"},
          {"{{range $k, $v := .Map}}{{$k}}:{{$v}};{{end}}", "a:1;b:2;"},
          {"{{range .Map}}{{.}}{{end}}", "12"},
          {"{{range .Empty}}x{{else}}empty{{end}}", "empty"},
          {"{{range .Nil}}x{{else}}nil{{end}}", "nil"},
          {"{{range .Missing}}x{{else}}missing{{end}}", "missing"},
          {"{{range .List}}{{if eq . \"b\"}}{{break}}{{end}}{{.}}{{end}}", "a"},
          {"{{range .List}}{{if eq . \"b\"}}{{continue}}{{end}}{{.}}{{end}}", "ac"},
          {"{{range $i, $e := .List}}{{range $.List}}{{if eq . "
           "$e}}{{break}}{{end}}-{{end}}|{{end}}",
           "|-|--|"},
          // Go 1.22: range over an integer.
          {"{{range 3}}{{.}}{{end}}", "012"},
          {"{{range $i := 3}}{{$i}}{{end}}", "012"},
          {"{{range 0}}x{{else}}none{{end}}", "none"},
          {"{{range -2}}x{{else}}none{{end}}", "none"},
          // $ stays the data; variables of the body are fresh each iteration.
          {"{{range .List}}{{$.Name}}{{end}}", "cairncairncairn"},
          {"{{$x := 0}}{{range .List}}{{$x = .}}{{end}}{{$x}}", "c"},
          {"{{$i := 9}}{{range $i = .List}}{{end}}{{$i}}", "c"},
      },
      TestData());
}

TEST(EngineExecTest, Variables) {
  RunCases(
      {
          {"{{$x := 1}}{{$x}}", "1"},
          {"{{$x := .Name}}{{$x}}-{{$x}}", "cairn-cairn"},
          {"{{$x := 1}}{{if true}}{{$x = 2}}{{end}}{{$x}}", "2"},
          {"{{$x := 1}}{{if true}}{{$x := 2}}{{$x}}{{end}}{{$x}}", "21"},
          {"{{$x := .Nested}}{{$x.Inner.Leaf}}", "deep"},
          {"{{$ := 5}}{{$}}", "5"},
          {"{{$x := .Missing}}{{$x.Deeper}}", "<no value>"},
          {"{{$x := .Nil}}{{$x.Deeper}}", "<no value>"},
      },
      TestData());
}

TEST(EngineExecTest, PipelinesAndParentheses) {
  RunCases(
      {
          {"{{.Name | printf \"%s!\"}}", "cairn!"},
          {"{{\"a\" | printf \"%s-%s\" \"b\"}}", "b-a"},
          {"{{.Name | upper | printf \"<%s>\"}}", "<CAIRN>"},
          {"{{printf \"%d\" (len .List)}}", "3"},
          {"{{(index .List 1)}}", "b"},
          {"{{(printf \"%s\" .Name)}}", "cairn"},
          {"{{nargs}} {{nargs 1 2}} {{1 | nargs 2}}", "0 2 2"},
          {"{{index .M \"a\" 1}}", "y"},
          {"{{(index .M \"a\") | len}}", "2"},
      },
      TestData());
}

TEST(EngineExecTest, Literals) {
  RunCases(
      {
          {"{{'a'}}", "97"},
          {"{{'\\n'}}", "10"},
          {"{{'\\u00e9'}}", "233"},
          {"{{'é'}}", "233"},
          {"{{0x10}} {{0X1f}}", "16 31"},
          {"{{0o17}} {{017}}", "15 15"},
          {"{{0b101}}", "5"},
          {"{{1_000}} {{0x_ff}}", "1000 255"},
          {"{{1e3}} {{1.5}} {{.5}}", "1000 1.5 0.5"},
          {"{{1e6}} {{1e21}} {{123456789.0}}", "1e+06 1e+21 1.23456789e+08"},
          {"{{0x1p4}}", "16"},
          {"{{-5}} {{+5}}", "-5 5"},
          {"{{\"a\\tb\\x41\\u00e9\\101\"}}", "a\tbAéA"},
          {"{{`raw\\n`}}", "raw\\n"},
          {"{{`a\r\nb`}}", "a\nb"},  // raw strings drop carriage returns
          {"{{true}} {{false}}", "true false"},
          {"{{printf \"%T %T %T %T\" 1 1.0 'x' 0x1p0}}", "int float64 int float64"},
      },
      Value());
}

TEST(EngineExecTest, Builtins) {
  RunCases(
      {
          {"{{and 1 0 2}}", "0"},
          {"{{and 1 2}}", "2"},
          {"{{or 0 \"\" \"x\"}}", "x"},
          {"{{or 0 \"\"}}", ""},
          {"{{not .True}} {{not .Missing}}", "false true"},
          {"{{or 1 boom}} {{and 0 boom}}", "1 0"},  // short-circuit: boom is never called
          {"{{true | and 1}} {{false | or 0}}", "true false"},
          {"{{len .List}} {{len .Map}} {{len \"héllo\"}} {{len .Empty}}", "3 2 6 0"},
          {"{{index .List 1}} {{index .Map \"b\"}} {{index .Map \"zz\"}}", "b 2 <no value>"},
          {"{{index \"abc\" 1}}", "98"},
          {"{{index .List}}", "[a b c]"},
          {"{{slice .List 1}} {{slice .List 1 2}} {{slice .List}}", "[b c] [b] [a b c]"},
          {"{{slice \"hello\" 1 3}} {{slice \"hello\" 3}}", "el lo"},
          {"{{slice .List 0 1 2}}", "[a]"},
          {"{{print 1 2 \"a\" 3}}", "1 2a3"},
          {"{{print \"a\" \"b\"}}", "ab"},
          {"{{println 1 \"a\"}}", "1 a\n"},
          {"{{print nil}} {{print .Missing}}", "<nil> <nil>"},
          {"{{printf \"%d-%s-%v\" 1 \"a\" .List}}", "1-a-[a b c]"},
          {"{{printf \"%5.2f|%-4d|%x\" 3.14159 7 255}}", " 3.14|7   |ff"},
          {"{{printf \"%s\" .Missing}}", "%!s(<nil>)"},
          {"{{printf \"%d\" .Num}}", "%!d(float64=3)"},
          {"{{printf \"%d\"}}", "%!d(MISSING)"},
          {"{{printf \"x\" 1}}", "x%!(EXTRA int=1)"},
          {"{{printf \"%q\" \"a\\\"b\"}}", "\"a\\\"b\""},
          {"{{html \"<a href='x'>&\\\"\"}}", "&lt;a href=&#39;x&#39;&gt;&amp;&#34;"},
          {"{{html .Missing}} {{html 1 2}}", "&lt;no value&gt; 1 2"},
          {"{{js \"a'b<c>=&\\\"\\\\\"}}", "a\\'b\\u003Cc\\u003E\\u003D\\u0026\\\"\\\\"},
          {"{{js \"\\x01é\"}}", "\\u0001é"},
          {"{{urlquery \"a b&c=d/é~\"}}", "a+b%26c%3Dd%2F%C3%A9~"},
          {"{{eq 1 1}} {{eq \"a\" \"b\" \"a\"}} {{eq .Num 3.0}} {{eq 1 2 3}}",
           "true true true false"},
          {"{{eq .Missing nil}} {{eq .Nil \"x\"}} {{eq .Missing 1}}", "true false false"},
          {"{{ne 1 2}} {{ne \"a\" \"a\"}}", "true false"},
          {"{{lt 1 2}} {{le 2 2}} {{gt \"b\" \"a\"}} {{ge 1 2}} {{lt 1.5 .Num}}",
           "true true true false true"},
          {"{{eq .Map .Missing}} {{eq .List nil}}", "false false"},
      },
      TestData());
}

TEST(EngineExecTest, DefineTemplateBlock) {
  RunCases(
      {
          {"{{define \"T\"}}[{{.}}]{{end}}{{template \"T\" .Name}}", "[cairn]"},
          {"{{define \"T\"}}[{{.}}]{{end}}{{template \"T\"}}", "[<no value>]"},
          {"{{template \"T\" .Name}}{{define \"T\"}}({{.}}){{end}}", "(cairn)"},
          {"{{block \"B\" .Name}}<{{.}}>{{end}}", "<cairn>"},
          {"{{block \"B\" .}}{{.Name}}{{end}}|{{template \"B\" .Nested}}", "cairn|<no value>"},
          // A called template sees only its own dot and $.
          {"{{define \"T\"}}{{$.Leaf}}{{end}}{{$x := 1}}{{template \"T\" .Nested.Inner}}", "deep"},
          // Recursion that ends.
          {"{{define \"L\"}}{{if .}}{{index . 0}}{{template \"L\" (slice . 1)}}{{end}}{{end}}"
           "{{template \"L\" .List}}",
           "abc"},
          // A define named as the template itself replaces an empty top level.
          {"{{define \"t\"}}replaced{{end}}  ", "replaced"},
      },
      TestData());
}

Value SubjectStruct() {
  Struct s;
  s.type_name = "x509util.Subject";
  s.fields.push_back({"CommonName", "commonName", true, Value::String("foo.example.com")});
  s.fields.push_back(
      {"Organization", "organization", true, Value::MakeList({Value::String("Acme")})});
  s.fields.push_back({"Extra", "extra", true, Value()});
  return Value::MakeStruct(std::move(s));
}

TEST(EngineExecTest, Structs) {
  Map m;
  m["Subject"] = SubjectStruct();
  Value data = Value::MakeMap(std::move(m));
  RunCases(
      {
          {"{{.Subject.CommonName}}", "foo.example.com"},
          {"{{index .Subject.Organization 0}}", "Acme"},
          {"{{.Subject}}", "{foo.example.com [Acme] <nil>}"},
          {"{{printf \"%+v\" .Subject}}",
           "{CommonName:foo.example.com Organization:[Acme] Extra:<nil>}"},
          {"{{if .Subject}}true{{end}}", "true"},
          {"{{with .Subject}}{{.CommonName}}{{end}}", "foo.example.com"},
      },
      data);
}

// ---- Errors --------------------------------------------------------------------------

struct ErrorCase {
  std::string text;
  std::string message;
};

void RunErrorCases(const std::vector<ErrorCase>& cases, const Value& data) {
  for (const ErrorCase& c : cases) {
    SCOPED_TRACE(c.text);
    auto out = Render(c.text, data);
    ASSERT_FALSE(out.ok()) << *out;
    EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(out.status().message(), c.message);
  }
}

TEST(EngineExecTest, ExecutionErrorsHaveGoMessages) {
  RunErrorCases(
      {
          {"{{.Name.Foo}}",
           "template: t:1:7: executing \"t\" at <.Name.Foo>: can't evaluate field Foo in type "
           "interface {}"},
          {"{{.Nil.Foo}}",
           "template: t:1:6: executing \"t\" at <.Nil.Foo>: nil pointer evaluating interface "
           "{}.Foo"},
          {"line one\n  {{.A}}\n{{.Name.Foo}}",
           "template: t:3:7: executing \"t\" at <.Name.Foo>: can't evaluate field Foo in type "
           "interface {}"},
          {"{{index .List 5}}",
           "template: t:1:2: executing \"t\" at <index .List 5>: error calling index: index out "
           "of range: 5"},
          {"{{index .List 3}}",
           "template: t:1:2: executing \"t\" at <index .List 3>: error calling index: reflect: "
           "slice index out of range"},
          {"{{index .List 1.0}}",
           "template: t:1:2: executing \"t\" at <index .List 1.0>: error calling index: cannot "
           "index slice/array with type float64"},
          {"{{index .Map 1}}",
           "template: t:1:2: executing \"t\" at <index .Map 1>: error calling index: value has "
           "type int; should be string"},
          {"{{index .Num 1}}",
           "template: t:1:2: executing \"t\" at <index .Num 1>: error calling index: can't index "
           "item of type float64"},
          {"{{index nil 1}}",
           "template: t:1:2: executing \"t\" at <index nil 1>: error calling index: index of "
           "untyped nil"},
          {"{{slice .List 2 1}}",
           "template: t:1:2: executing \"t\" at <slice .List 2 1>: error calling slice: invalid "
           "slice index: 2 > 1"},
          {"{{slice \"abc\" 1 2 3}}",
           "template: t:1:2: executing \"t\" at <slice \"abc\" 1 2 3>: error calling slice: "
           "cannot 3-index slice a string"},
          {"{{len 3}}",
           "template: t:1:2: executing \"t\" at <len 3>: error calling len: len of type int"},
          {"{{len .Nil}}",
           "template: t:1:2: executing \"t\" at <len .Nil>: error calling len: len of nil "
           "pointer"},
          {"{{eq .Num 3}}",
           "template: t:1:2: executing \"t\" at <eq .Num 3>: error calling eq: incompatible "
           "types for comparison: float64 and int"},
          {"{{eq .List .List}}",
           "template: t:1:2: executing \"t\" at <eq .List .List>: error calling eq: "
           "non-comparable type [a b c]: []interface {}"},
          {"{{lt true false}}",
           "template: t:1:2: executing \"t\" at <lt true false>: error calling lt: invalid type "
           "for comparison"},
          {"{{eq 1}}",
           "template: t:1:2: executing \"t\" at <eq 1>: error calling eq: missing argument for "
           "comparison"},
          {"{{call .Name}}",
           "template: t:1:2: executing \"t\" at <call .Name>: error calling call: non-function "
           ".Name of type string"},
          {"{{nil}}", "template: t:1:2: executing \"t\" at <nil>: nil is not a command"},
          {"{{1 2}}",
           "template: t:1:2: executing \"t\" at <1>: can't give argument to "
           "non-function 1"},
          {"{{range .Name}}{{end}}",
           "template: t:1:8: executing \"t\" at <.Name>: range can't iterate over cairn"},
          {"{{range $i, $v := 3}}{{end}}",
           "template: t:1:18: executing \"t\" at <3>: can't use 3 to iterate over more than one "
           "variable"},
          {"{{template \"nope\"}}",
           "template: t:1:11: executing \"t\" at <{{template \"nope\"}}>: template \"nope\" not "
           "defined"},
          {"{{printf 1}}", "template: t:1:9: executing \"t\" at <1>: expected string; found 1"},
          {"{{printf .Num}}",
           "template: t:1:9: executing \"t\" at <.Num>: wrong type for value; expected string; "
           "got float64"},
          {"{{printf nil}}",
           "template: t:1:9: executing \"t\" at <nil>: cannot assign nil to string"},
          {"{{printf .Missing}}",
           "template: t:1:9: executing \"t\" at <.Missing>: invalid value; expected string"},
          {"{{and}}",
           "template: t:1:2: executing \"t\" at <and>: wrong number of args for and: want at "
           "least 1 got 0"},
          {"{{not 1 2}}",
           "template: t:1:2: executing \"t\" at <not>: wrong number of args for not: want 1 got "
           "2"},
          {"{{.Map.a 1}}",
           "template: t:1:6: executing \"t\" at <.Map.a>: a is not a method but has arguments"},
          {"{{$x = 1}}", "template: t:1:7: executing \"t\" at <1>: undefined variable: $x"},
          {"{{boom}}", "template: t:1:2: executing \"t\" at <boom>: error calling boom: kaboom"},
          {"{{.Name | boom}}",
           "template: t:1:10: executing \"t\" at <boom>: error calling boom: kaboom"},
          {"{{define \"x\"}}{{.Name.Foo}}{{end}}{{template \"x\" .}}",
           "template: t:1:21: executing \"x\" at <.Name.Foo>: can't evaluate field Foo in type "
           "interface {}"},
          {"{{1+2i}}",
           "template: t:1:2: executing \"t\" at <1+2i>: complex constant 1+2i is not supported"},
          {"{{9223372036854775808}}",
           "template: t:1:2: executing \"t\" at <9223372036854775808>: 9223372036854775808 "
           "overflows int"},
      },
      TestData());

  Map m;
  m["Subject"] = SubjectStruct();
  RunErrorCases(
      {
          // The struct sits in a map[string]interface{}: Go names the static type.
          {"{{.Subject.Bogus}}",
           "template: t:1:10: executing \"t\" at <.Subject.Bogus>: can't evaluate field Bogus in "
           "type interface {}"},
          {"{{.Subject.CommonName.Foo}}",
           "template: t:1:10: executing \"t\" at <.Subject.CommonName.Foo>: can't evaluate field "
           "Foo in type string"},
          {"{{.Subject.Extra.Foo}}",
           "template: t:1:10: executing \"t\" at <.Subject.Extra.Foo>: nil pointer evaluating "
           "interface {}.Foo"},
          {"{{.Subject.CommonName 1}}",
           "template: t:1:10: executing \"t\" at <.Subject.CommonName>: CommonName has "
           "arguments but cannot be invoked as function"},
      },
      Value::MakeMap(std::move(m)));
  RunErrorCases({{"{{.Bogus}}",
                  "template: t:1:2: executing \"t\" at <.Bogus>: can't evaluate field Bogus in "
                  "type x509util.Subject"}},
                SubjectStruct());
}

// Vectors from Go's own text/template tests (exec_test.go).
TEST(EngineExecTest, GoTestVectors) {
  FuncMap funcs;
  funcs["add"] = [](std::span<const Value> args) -> Result<Value> {
    int64_t sum = 0;
    for (const Value& a : args) sum += a.as_int();
    return Value::Int(sum);
  };
  funcs["makemap"] = [](std::span<const Value> args) -> Result<Value> {
    Map m;
    for (size_t i = 0; i + 1 < args.size(); i += 2) m[args[i].as_string()] = args[i + 1];
    return Value::MakeMap(std::move(m));
  };
  funcs["echo"] = [](std::span<const Value> args) -> Result<Value> { return args[0]; };
  Value data = Json(R"({"I": 17, "X": "x", "SI": [3, 4, 5], "MSIone": {"one": 1}})");
  const std::vector<Case> cases = {
      {"{{and false 0}} {{and 1 0}} {{and 0 true}} {{and 1 1}}", "false 0 0 1"},
      {"{{or 0 0}} {{or 1 0}} {{or 0 true}} {{or 1 1}}", "0 1 true 1"},
      {"{{if and true 1 `hi`}}TRUE{{else}}FALSE{{end}}", "TRUE"},
      {"{{if and true 1 `hi` | not}}TRUE{{else}}FALSE{{end}}", "FALSE"},
      {"{{printf `%d %d %d` (1) (2 | add 3) (add 4 (add 5 6))}}", "1 5 15"},
      {"{{($).X}} {{($ | echo).X}}", "x x"},
      {"{{(makemap \"up\" \"down\" \"left\" \"right\").left}}", "right"},
      {"{{if $x := true}}{{with $x := .I}}{{$x}},{{end}}{{$x}}{{end}}", "17,true"},
      {"{{if eq 1 3}}1{{else if eq 2 3}}2{{else if eq 3 3}}3{{end}}", "3"},
      {"{{printf \"%04x\" 127}} {{printf \"%g\" 3.5}}", "007f 3.5"},
      {"{{\"http://www.example.org/\"|urlquery}}", "http%3A%2F%2Fwww.example.org%2F"},
      {"{{html \"<script>alert(\\\"XSS\\\");</script>\"}}",
       "&lt;script&gt;alert(&#34;XSS&#34;);&lt;/script&gt;"},
      {"{{or .SI \"slice is empty\"}}", "[3 4 5]"},
      {"{{range $x, $y := .MSIone}}<{{$x}}={{$y}}>{{end}}", "<one=1>"},
      {"{{with $x := $}}{{$y := $.X}}{{$y}}{{end}}", "x"},
      {"{{eq (index `x` 0) 'x'}} {{eq (index `x` 0) 'y'}}", "true false"},
      {"{{\"aaa\"|printf }}", "aaa"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    CAIRN_ASSERT_OK_AND_ASSIGN(Template t, Template::Parse("t", c.text, funcs));
    CAIRN_ASSERT_OK_AND_ASSIGN(std::string out, t.Execute(data));
    EXPECT_EQ(out, c.want);
  }
  for (std::string text : {"{{eq `xy` 1}}", "{{eq 2 2.0}}", "{{lt true true}}", "{{true|printf}}",
                           "{{if nil}}x{{end}}", "{{$x := nil}}", "{{$x := 1}}{{3 | $x}}"}) {
    SCOPED_TRACE(text);
    CAIRN_ASSERT_OK_AND_ASSIGN(Template t, Template::Parse("t", text, funcs));
    EXPECT_FALSE(t.Execute(data).ok());
  }

  // An error deep in nested templates names the innermost template and its position.
  CAIRN_ASSERT_OK_AND_ASSIGN(Template nested, Template::Parse("top", R"(line 1
line 2
line 3
{{template "one" .}}
{{define "one"}}{{template "two" .}}{{end}}
{{define "two"}}{{template "three" .}}{{end}}
{{define "three"}}{{index "hi" $}}{{end}})",
                                                              {}));
  auto out = nested.Execute(Value::Int(5));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(),
            "template: top:7:20: executing \"three\" at <index \"hi\" $>: error calling index: "
            "index out of range: 5");

  // Unexported struct fields cannot be accessed.
  Struct st;
  st.type_name = "main.T";
  st.fields.push_back({"unexported", "", false, Value::Int(1)});
  CAIRN_ASSERT_OK_AND_ASSIGN(Template unexported, Template::Parse("t", "{{.unexported}}", {}));
  EXPECT_EQ(unexported.Execute(Value::MakeStruct(st)).status().message(),
            "template: t:1:2: executing \"t\" at <.unexported>: unexported is an unexported field "
            "of struct type main.T");
}

TEST(EngineExecTest, FailErrorIsReturnedUnchanged) {
  auto out = Render("{{if not .Token}}{{fail \"a token is required\"}}{{end}}", Json("{}"));
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(IsFailError(out.status()));
  EXPECT_EQ(out.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(out.status().public_message(), "a token is required");
}

TEST(EngineExecTest, FunctionErrorsKeepTheirCode) {
  FuncMap funcs;
  funcs["big"] = [](std::span<const Value>) -> Result<Value> {
    return ResourceExhaustedError("too big");
  };
  CAIRN_ASSERT_OK_AND_ASSIGN(Template t, Template::Parse("t", "{{big}}", funcs));
  auto out = t.Execute(Value());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(out.status().message(),
            "template: t:1:2: executing \"t\" at <big>: error calling big: too big");
}

TEST(EngineExecTest, SignatureErrorsOfLibraryFunctionsReadAsGos) {
  // A library function checking its Go signature reports as Go's engine would: at the
  // function or the offending argument, without "error calling".
  FuncMap funcs;
  funcs["upper"] = [](std::span<const Value> args) -> Result<Value> {
    if (args.size() != 1) {
      return InvalidArgumentError("wrong number of args for upper: want 1 got " +
                                  std::to_string(args.size()));
    }
    if (args[0].is_nil()) return InvalidArgumentError("invalid value; expected string");
    if (args[0].kind() != Value::Kind::kString) {
      return InvalidArgumentError("wrong type for value; expected string; got " +
                                  args[0].TypeName());
    }
    return args[0];
  };
  struct {
    std::string text, message;
  } cases[] = {
      {"{{upper 1 2}}",
       "template: t:1:2: executing \"t\" at <upper>: wrong number of args for upper: want 1 got 2"},
      {"{{upper .Num}}",
       "template: t:1:8: executing \"t\" at <.Num>: wrong type for value; expected string; got "
       "float64"},
      {"{{.Num | upper}}",
       "template: t:1:9: executing \"t\" at <upper>: wrong type for value; expected string; got "
       "float64"},
      {"{{upper .Missing}}",
       "template: t:1:8: executing \"t\" at <.Missing>: invalid value; expected string"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    CAIRN_ASSERT_OK_AND_ASSIGN(Template t, Template::Parse("t", c.text, funcs));
    auto out = t.Execute(TestData());
    ASSERT_FALSE(out.ok());
    EXPECT_EQ(out.status().message(), c.message);
  }
}

TEST(EngineExecTest, UserFunctionsShadowBuiltins) {
  FuncMap funcs;
  funcs["len"] = [](std::span<const Value>) -> Result<Value> { return Value::String("mine"); };
  CAIRN_ASSERT_OK_AND_ASSIGN(Template t, Template::Parse("t", "{{len 1 2 3}}", funcs));
  CAIRN_ASSERT_OK_AND_ASSIGN(std::string out, t.Execute(Value()));
  EXPECT_EQ(out, "mine");
}

TEST(EngineExecTest, EmptyTemplateObject) {
  Template t;
  EXPECT_EQ(t.name(), "");
  auto out = t.Execute(Value());
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "template: : \"\" is an incomplete or empty template");
}

}  // namespace
}  // namespace cairn::templates
