#pragma once

// The text/template lexer (Go's text/template/parse/lex.go, Go 1.21+ synchronous form) and
// the strconv unquoting the parser applies to its string and character literals. Internal to
// src/templates.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace cairn::templates::internal {

// ItemType is lex.go's itemType; keywords come after kKeyword.
enum class ItemType {
  kError,         // error occurred; val is the message
  kBool,          // boolean constant
  kChar,          // printable ASCII character; grab bag for comma etc.
  kCharConstant,  // character constant
  kComment,       // comment text (only with emit_comment)
  kComplex,       // complex constant (1+2i)
  kAssign,        // '=' introducing an assignment
  kDeclare,       // ':=' introducing a declaration
  kEof,
  kField,       // alphanumeric identifier starting with '.'
  kIdentifier,  // alphanumeric identifier not starting with '.'
  kLeftDelim,   // "{{"
  kLeftParen,   // '(' inside an action
  kNumber,      // simple number, including imaginary
  kPipe,        // '|'
  kRawString,   // raw quoted string (quotes included)
  kRightDelim,  // "}}"
  kRightParen,  // ')' inside an action
  kSpace,       // run of spaces separating arguments
  kString,      // quoted string (quotes included)
  kText,        // plain text
  kVariable,    // '$', '$x', ...
  kKeyword,     // delimits the keywords below
  kBlock,
  kBreak,
  kContinue,
  kDot,
  kDefine,
  kElse,
  kEnd,
  kIf,
  kNil,
  kRange,
  kTemplate,
  kWith,
};

// Item is one token: its type, byte offset in the input, text and starting line.
struct Item {
  ItemType type = ItemType::kEof;
  int pos = 0;
  std::string val;
  int line = 1;
};

// ItemString is lex.go's item.String(), used in "unexpected X in Y" messages: EOF, the error
// text, "<keyword>", or the value quoted (cut at 10 runes followed by "...").
std::string ItemString(const Item& item);

// Lexer splits template text into items, one per NextItem call. `break_ok` and
// `continue_ok` say whether break/continue are keywords (they are not when the function map
// defines functions of those names). The input must outlive the lexer. Not thread-safe.
class Lexer {
 public:
  Lexer(std::string_view input, bool break_ok, bool continue_ok)
      : input_(input), break_ok_(break_ok), continue_ok_(continue_ok) {}

  // NextItem returns the next item; after an error or EOF it keeps returning EOF or errors.
  Item NextItem();

 private:
  // The lexer's states (Go's stateFn values); kDone means an item was produced.
  enum class State {
    kDone,
    kText,
    kLeftDelim,
    kComment,
    kRightDelim,
    kInsideAction,
    kSpace,
    kIdentifier,
    kField,
    kVariable,
    kChar,
    kNumber,
    kQuote,
    kRawQuote,
  };

  State Step(State s);
  State LexText();
  State LexLeftDelim();
  State LexComment();
  State LexRightDelim();
  State LexInsideAction();
  State LexSpace();
  State LexIdentifier();
  State LexFieldOrVariable(ItemType type);
  State LexVariable();
  State LexChar();
  State LexNumber();
  State LexQuote();
  State LexRawQuote();

  int32_t Next();
  int32_t Peek();
  void Backup();
  Item ThisItem(ItemType t);
  State Emit(ItemType t) { return EmitItem(ThisItem(t)); }
  State EmitItem(Item i) {
    item_ = std::move(i);
    return State::kDone;
  }
  void Ignore();
  bool Accept(std::string_view valid);
  void AcceptRun(std::string_view valid);
  State Errorf(std::string message);
  bool AtTerminator();
  void AtRightDelim(bool* delim, bool* trim_spaces) const;
  bool ScanNumber();

  std::string_view input_;
  bool break_ok_;
  bool continue_ok_;
  size_t pos_ = 0;       // current position in the input
  size_t start_ = 0;     // start of the current item
  bool at_eof_ = false;  // Next has returned EOF (Backup is then a no-op, as in Go)
  int paren_depth_ = 0;
  int line_ = 1;        // 1 + newlines seen
  int start_line_ = 1;  // line of the current item's start
  bool inside_action_ = false;
  Item item_;
};

// Unquote is strconv.Unquote for the string literals a template holds ("..." with Go
// escapes, `...` raw with carriage returns dropped). Fails with kInvalidArgument "invalid
// syntax".
Result<std::string> Unquote(std::string_view quoted);

// UnquoteChar is strconv.UnquoteChar(s, quote): decodes the first (possibly escaped)
// character of `s`; sets `*tail` to the rest and `*multibyte` when the value must be encoded
// as UTF-8. Fails with kInvalidArgument "invalid syntax".
Result<int32_t> UnquoteChar(std::string_view s, char quote, std::string_view* tail,
                            bool* multibyte);

}  // namespace cairn::templates::internal
