#pragma once

// Template is Go's text/template, which step-ca users write their certificate templates in.
// Parsing and execution follow Go (1.21, plus the later {{else with}}, {{break}},
// {{continue}} and range over an integer) so that a template renders byte for byte as
// step-ca renders it, and fails with the same messages:
//
//   auto t = Template::Parse("leaf", text, X509FuncMap(env));
//   if (!t.ok()) return t.status();  // "template: leaf:3: unexpected "}" in operand"
//   auto json = t->Execute(data);    // what step-ca's template would produce
//
// Supported: text and actions with trim markers ({{- and -}}), comments, pipelines,
// parenthesized pipelines, variables ($x := ..., $x = ..., $), fields of structs and map keys
// (.A.B, $x.A, (pipeline).A), every literal form (strings with Go escapes, raw strings,
// characters, numbers in every Go base with underscores and exponents, true/false/nil),
// if/else if/else, range (lists, maps in key order, integers) with else, break and continue,
// with/else with/else, define, template, block, and the builtins and, or, not, len, index,
// slice, printf, print, println, html, js, urlquery, eq, ne, lt, le, gt, ge and call.
//
// Not supported, because template data holds no Go values of these kinds: method calls on
// data (.NotAfter.Unix; only fields and map keys resolve), function values for `call`
// (which therefore always fails, as Go's does on a non-function), and complex numbers
// (parsed, but rejected when evaluated).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/result.h"
#include "templates/funcs.h"
#include "templates/value.h"

namespace cairn::templates {

namespace internal {
struct Program;
}  // namespace internal

// Limits bounds what parsing and executing one template may consume.
struct Limits {
  // Largest template text Parse accepts.
  size_t max_template_bytes = 1 << 20;
  // Largest output Execute produces.
  size_t max_output_bytes = 1 << 20;
  // Most evaluation steps one Execute may take: one per node walked and command run, plus,
  // for each function result, one per 64 bytes of a string or 8 entries of a list or map (so
  // that loops over large results are bounded in time too).
  uint64_t max_steps = 1'000'000;
  // Deepest nesting of control structures (if/with/range/define bodies, parenthesized
  // pipelines) in the text, and of template calls and control structures while executing.
  // Go allows 100000 nested template calls; this bound keeps recursion off the stack limit.
  int max_depth = 100;
};

// Template is a parsed template and the templates it defines. Copies are cheap and share the
// immutable parse tree. Execute may run concurrently from any number of threads, provided
// the functions in the FuncMap are themselves thread-safe (the library's are).
class Template {
 public:
  // An empty template; Execute fails with `"" is an incomplete or empty template`.
  Template() = default;

  // Parse parses `text` as the template `name`, with `funcs` callable in addition to the
  // builtins (a function in `funcs` shadows a builtin of the same name, as in Go). Errors:
  // kInvalidArgument with Go's message, e.g. `template: leaf:3: unexpected "}" in operand`,
  // `template: leaf:1: function "foo" not defined`; kResourceExhausted when the text is larger
  // than limits.max_template_bytes or nests deeper than limits.max_depth.
  static Result<Template> Parse(std::string name, std::string_view text, FuncMap funcs,
                                Limits limits = {});

  // Execute runs the template with `data` as dot (and $) and returns its output. Errors:
  //  - kInvalidArgument with Go's message, e.g. `template: leaf:3:14: executing "leaf" at
  //    <.Foo.Bar>: can't evaluate field Bar in type string`; a failing function gives
  //    `... at <fn .X>: error calling fn: <its message>` (the function's status code is kept),
  //    except that a function's signature complaints ("wrong number of args for fn: ...",
  //    "wrong type for value; ...", "invalid value; ...") read as Go's engine reports them;
  //  - a FailError from a function (the `fail` template function) is returned unchanged, so
  //    its public message is the template author's text;
  //  - kResourceExhausted naming the template when the output would exceed
  //    limits.max_output_bytes or execution exceeds limits.max_steps.
  // Thread-safe.
  Result<std::string> Execute(const Value& data) const;

  // name is the name given to Parse.
  const std::string& name() const;

 private:
  explicit Template(std::shared_ptr<const internal::Program> program)
      : program_(std::move(program)) {}

  std::shared_ptr<const internal::Program> program_;
};

}  // namespace cairn::templates
