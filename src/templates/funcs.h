#pragma once

// Functions callable from templates. A FuncMap maps names to functions; the engine adds
// Go's builtins (and, or, not, len, index, slice, printf, print, println, html, js,
// urlquery, eq, ne, lt, le, gt, ge, call) itself, and the caller adds the sets below.

#include <functional>
#include <map>
#include <span>
#include <string>

#include "base/clock.h"
#include "base/random.h"
#include "base/result.h"
#include "templates/value.h"

namespace cairn::templates {

// Func is one template function. It receives the evaluated arguments and returns a value
// or an error. The engine prefixes errors with the template name, line and column
// ("template: leaf:3:14: executing ... error calling X: <message>"), except errors made by
// FailError, which carry the template author's message to the user unchanged.
using Func = std::function<Result<Value>(std::span<const Value> args)>;

// FuncMap is a set of named functions.
using FuncMap = std::map<std::string, Func, std::less<>>;

// FuncEnv is what time- and randomness-dependent functions use, so tests can fix them.
struct FuncEnv {
  const Clock* clock = nullptr;  // now, date helpers; null means the system clock
  Random* random = nullptr;      // randAlphaNum, uuidv4, ...; null means the system CSPRNG
};

// FailError is the status `fail` returns: kInvalidArgument whose public message is exactly
// `message` (step-ca answers 400 with it). IsFailError recognises it after the engine has
// passed it through.
Status FailError(std::string message);
bool IsFailError(const Status& s);

// AddSprigFunctions adds sprig's TxtFuncMap as step-ca exposes it: everything except `env`
// and `expandenv` (stepca.md §6.3).
void AddSprigFunctions(FuncMap& funcs, const FuncEnv& env);

// AddStepFunctions adds step's own: fail, formatTime, toTime, parseTime, mustParseTime,
// toTimeLayout.
void AddStepFunctions(FuncMap& funcs, const FuncEnv& env);

// AddX509Functions adds the X.509 template helpers: asn1Enc, asn1Marshal, asn1Seq, asn1Set.
void AddX509Functions(FuncMap& funcs);

// StepFuncMap returns sprig (minus env/expandenv) + step's functions: what SSH and
// configuration templates get. X509FuncMap adds the X.509 helpers.
FuncMap StepFuncMap(const FuncEnv& env);
FuncMap X509FuncMap(const FuncEnv& env);

}  // namespace cairn::templates
