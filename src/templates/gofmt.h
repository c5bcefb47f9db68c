#pragma once

// Go's fmt package over template values: what text/template's printf, print and println
// builtins produce, and what the engine's error messages quote (%q, %#U).
//
// Formatting follows Go 1.21's fmt exactly for the kinds a Value can hold: the verbs
// %v %+v %#v %T %t %d %b %o %O %x %X %c %q %U %e %E %f %F %g %G %s and %%, the flags
// '+' '-' '#' ' ' '0', width and precision (also as '*' and explicit argument indexes
// "%[2]d"), and fmt's in-band errors: "%!d(string=hi)" for a verb that does not fit its
// operand, "%!d(MISSING)", "%!(EXTRA int=1)", "%!(NOVERB)", "%!d(BADINDEX)",
// "%!(BADWIDTH)", "%!(BADPREC)". Composite values (lists, maps, structs) are formatted
// element by element with the same verb and flags, as Go does.
//
// Known differences, none of which a certificate template can observe in practice: %p
// prints "%!p(...)" (Go prints an address), a pointer-to-struct nested inside another value
// prints as "&{...}" (Go prints its address), and %#v of a time.Time prints its %v form
// (Go prints a time.Date(...) expression).

#include <span>
#include <string>
#include <string_view>

#include "templates/value.h"

namespace cairn::templates {

// GoSprintf is fmt.Sprintf(format, args...). Width and precision are capped as Go caps them
// (1e6); the caller bounds the total output. Thread-safe.
std::string GoSprintf(std::string_view format, std::span<const Value> args);

// GoSprint is fmt.Sprint(args...): operands formatted with %v, a space between two operands
// when neither is a string. Thread-safe.
std::string GoSprint(std::span<const Value> args);

// GoSprintln is fmt.Sprintln(args...): operands formatted with %v, always separated by a
// space, followed by a newline. Thread-safe.
std::string GoSprintln(std::span<const Value> args);

}  // namespace cairn::templates
