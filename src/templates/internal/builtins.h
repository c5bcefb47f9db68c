#pragma once

// text/template's builtin functions (Go's text/template/funcs.go) and the operand type the
// executor passes them. Internal to src/templates.

#include <cstddef>
#include <span>
#include <string_view>

#include "base/result.h"
#include "templates/value.h"

namespace cairn::templates::internal {

// Operand is a value during execution. `boxed` records that its Go static type is
// interface{}: it came out of a map, a list or a struct field rather than being computed.
// Go tells the two apart in a few places that templates can observe: a missing map key is
// "no value" (a field of it is again no value), while a key holding nil is a nil interface
// (a field of it fails with "nil pointer evaluating interface {}.X"), and error messages name
// the type "interface {}". A nil Value that is not boxed is Go's invalid reflect.Value.
struct Operand {
  Value value;
  bool boxed = false;
};

// IsValid reports whether `o` is a value at all (Go's reflect.Value.IsValid).
inline bool IsValid(const Operand& o) { return o.boxed || !o.value.is_nil(); }

// IsTrue is text/template's truth: false, 0, nil, "" and empty lists and maps are false.
bool IsTrue(const Value& v);

// ParamType is the Go type a builtin declares for a parameter, which decides how the
// executor converts arguments: kAny (interface{}) receives the value, kValue
// (reflect.Value) receives the operand as is, kString requires a string.
enum class ParamType { kAny, kValue, kString };

// BuiltinSpec describes a builtin's signature, for Go's argument-count and argument-type
// checks: `num_fixed` leading parameters of `fixed_type`, then, when `variadic`, any number
// of `variadic_type`.
struct BuiltinSpec {
  std::string_view name;
  size_t num_fixed;
  bool variadic;
  ParamType fixed_type;
  ParamType variadic_type;
};

// FindBuiltin returns the builtin called `name`, or null.
const BuiltinSpec* FindBuiltin(std::string_view name);

// CallBuiltin runs builtin `spec` over evaluated, type-checked arguments (and/or are
// short-circuited by the executor and never get here). `callee_name` is the source text of
// call's first argument, for its error message. Errors carry Go's message without the
// "error calling X:" prefix the executor adds.
Result<Operand> CallBuiltin(const BuiltinSpec& spec, std::span<const Operand> args,
                            std::string_view callee_name);

}  // namespace cairn::templates::internal
