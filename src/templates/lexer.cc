// The template lexer: a port of Go's text/template/parse/lex.go (the synchronous lexer of Go
// 1.20 and later), state for state, so that token boundaries, trim markers, line numbers and
// error texts match Go's exactly.

#include "templates/internal/lexer.h"

#include <algorithm>
#include <utility>

#include "templates/gofmt.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates::internal {

namespace {

constexpr int32_t kEof = -1;
constexpr std::string_view kLeftDelim = "{{";
constexpr std::string_view kRightDelim = "}}";
constexpr std::string_view kLeftComment = "/*";
constexpr std::string_view kRightComment = "*/";
// Trim markers: "{{- " and " -}}". The space is required so "{{-3}}" stays a number.
constexpr size_t kTrimMarkerLen = 2;
constexpr std::string_view kSpaceChars = " \t\r\n";

bool IsSpace(int32_t r) { return r == ' ' || r == '\t' || r == '\r' || r == '\n'; }

bool IsAlphaNumeric(int32_t r) {
  if (r < 0) return false;
  if (r < 0x80) {
    return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9');
  }
  auto c = static_cast<char32_t>(r);
  return IsLetterRune(c) || IsDigitRune(c);
}

bool HasLeftTrimMarker(std::string_view s) {
  return s.size() >= 2 && s[0] == '-' && IsSpace(static_cast<unsigned char>(s[1]));
}

bool HasRightTrimMarker(std::string_view s) {
  return s.size() >= 2 && IsSpace(static_cast<unsigned char>(s[0])) && s[1] == '-';
}

size_t RightTrimLength(std::string_view s) {
  size_t n = s.find_last_not_of(kSpaceChars);
  return n == std::string_view::npos ? s.size() : s.size() - n - 1;
}

size_t LeftTrimLength(std::string_view s) {
  size_t n = s.find_first_not_of(kSpaceChars);
  return n == std::string_view::npos ? s.size() : n;
}

int CountNewlines(std::string_view s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

bool Contains(std::string_view valid, int32_t r) {
  if (r < 0 || r >= 0x80) return false;  // every accept set is ASCII
  return valid.find(static_cast<char>(r)) != std::string_view::npos;
}

// DecodeLastRune is utf8.DecodeLastRuneInString: (RuneError, 1) for an invalid ending.
std::pair<int32_t, size_t> DecodeLastRune(std::string_view s) {
  size_t end = s.size();
  if (end == 0) return {static_cast<int32_t>(kRuneError), 0};
  auto last = static_cast<unsigned char>(s[end - 1]);
  if (last < 0x80) return {last, 1};
  size_t lim = end >= 4 ? end - 4 : 0;
  size_t start = end - 1;
  while (start > lim && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) start--;
  size_t i = start;
  char32_t r = DecodeRune(s.substr(0, end), i);
  if (i != end) return {static_cast<int32_t>(kRuneError), 1};
  return {static_cast<int32_t>(r), end - start};
}

std::string RuneU(int32_t r) {
  Value v = Value::Int(r);
  return GoSprintf("%#U", std::span<const Value>(&v, 1));
}

int UnHex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Status SyntaxError() { return InvalidArgumentError("invalid syntax"); }

}  // namespace

std::string ItemString(const Item& item) {
  switch (item.type) {
    case ItemType::kEof:
      return "EOF";
    case ItemType::kError:
      return item.val;
    default:
      break;
  }
  if (item.type > ItemType::kKeyword) return "<" + item.val + ">";
  Value v = Value::String(item.val);
  std::span<const Value> args(&v, 1);
  // Go: len(i.val) > 10 counts bytes, %.10q then cuts at ten runes.
  if (item.val.size() > 10) return GoSprintf("%.10q...", args);
  return GoSprintf("%q", args);
}

int32_t Lexer::Next() {
  if (pos_ >= input_.size()) {
    at_eof_ = true;
    return kEof;
  }
  size_t i = pos_;
  auto r = static_cast<int32_t>(DecodeRune(input_, i));
  pos_ = i;
  if (r == '\n') line_++;
  return r;
}

int32_t Lexer::Peek() {
  int32_t r = Next();
  Backup();
  return r;
}

void Lexer::Backup() {
  if (!at_eof_ && pos_ > 0) {
    auto [r, w] = DecodeLastRune(input_.substr(0, pos_));
    pos_ -= w;
    if (r == '\n') line_--;
  }
}

Item Lexer::ThisItem(ItemType t) {
  Item i{t, static_cast<int>(start_), std::string(input_.substr(start_, pos_ - start_)),
         start_line_};
  start_ = pos_;
  start_line_ = line_;
  return i;
}

void Lexer::Ignore() {
  line_ += CountNewlines(input_.substr(start_, pos_ - start_));
  start_ = pos_;
  start_line_ = line_;
}

bool Lexer::Accept(std::string_view valid) {
  if (Contains(valid, Next())) return true;
  Backup();
  return false;
}

void Lexer::AcceptRun(std::string_view valid) {
  while (Contains(valid, Next())) {
  }
  Backup();
}

Lexer::State Lexer::Errorf(std::string message) {
  item_ = Item{ItemType::kError, static_cast<int>(start_), std::move(message), start_line_};
  // Truncate the input so every later call ends at once.
  start_ = 0;
  pos_ = 0;
  input_ = input_.substr(0, 0);
  return State::kDone;
}

Item Lexer::NextItem() {
  item_ = Item{ItemType::kEof, static_cast<int>(pos_), "EOF", start_line_};
  State s = inside_action_ ? State::kInsideAction : State::kText;
  while (s != State::kDone) s = Step(s);
  return std::move(item_);
}

Lexer::State Lexer::Step(State s) {
  switch (s) {
    case State::kDone:
      return State::kDone;
    case State::kText:
      return LexText();
    case State::kLeftDelim:
      return LexLeftDelim();
    case State::kComment:
      return LexComment();
    case State::kRightDelim:
      return LexRightDelim();
    case State::kInsideAction:
      return LexInsideAction();
    case State::kSpace:
      return LexSpace();
    case State::kIdentifier:
      return LexIdentifier();
    case State::kField:
      return LexFieldOrVariable(ItemType::kField);
    case State::kVariable:
      return LexVariable();
    case State::kChar:
      return LexChar();
    case State::kNumber:
      return LexNumber();
    case State::kQuote:
      return LexQuote();
    case State::kRawQuote:
      return LexRawQuote();
  }
  return State::kDone;
}

// LexText scans until an opening action delimiter, trimming the spaces before a "{{- ".
Lexer::State Lexer::LexText() {
  size_t x = input_.find(kLeftDelim, pos_);
  if (x != std::string_view::npos) {
    if (x > pos_) {
      pos_ = x;
      size_t trim_length = 0;
      size_t delim_end = pos_ + kLeftDelim.size();
      if (HasLeftTrimMarker(input_.substr(delim_end))) {
        trim_length = RightTrimLength(input_.substr(start_, pos_ - start_));
      }
      pos_ -= trim_length;
      line_ += CountNewlines(input_.substr(start_, pos_ - start_));
      Item i = ThisItem(ItemType::kText);
      pos_ += trim_length;
      Ignore();
      if (!i.val.empty()) return EmitItem(std::move(i));
    }
    return State::kLeftDelim;
  }
  pos_ = input_.size();
  if (pos_ > start_) {
    line_ += CountNewlines(input_.substr(start_, pos_ - start_));
    return Emit(ItemType::kText);
  }
  return Emit(ItemType::kEof);
}

void Lexer::AtRightDelim(bool* delim, bool* trim_spaces) const {
  std::string_view rest = input_.substr(pos_);
  if (HasRightTrimMarker(rest) && rest.substr(kTrimMarkerLen).starts_with(kRightDelim)) {
    *delim = true;
    *trim_spaces = true;
    return;
  }
  *delim = rest.starts_with(kRightDelim);
  *trim_spaces = false;
}

Lexer::State Lexer::LexLeftDelim() {
  pos_ += kLeftDelim.size();
  bool trim_space = HasLeftTrimMarker(input_.substr(pos_));
  size_t after_marker = trim_space ? kTrimMarkerLen : 0;
  if (input_.substr(pos_ + after_marker).starts_with(kLeftComment)) {
    pos_ += after_marker;
    Ignore();
    return State::kComment;
  }
  Item i = ThisItem(ItemType::kLeftDelim);
  inside_action_ = true;
  pos_ += after_marker;
  Ignore();
  paren_depth_ = 0;
  return EmitItem(std::move(i));
}

Lexer::State Lexer::LexComment() {
  pos_ += kLeftComment.size();
  size_t x = input_.find(kRightComment, pos_);
  if (x == std::string_view::npos) return Errorf("unclosed comment");
  pos_ = x + kRightComment.size();
  bool delim, trim_space;
  AtRightDelim(&delim, &trim_space);
  if (!delim) return Errorf("comment ends before closing delimiter");
  line_ += CountNewlines(input_.substr(start_, pos_ - start_));
  ThisItem(ItemType::kComment);  // comments are not emitted (no ParseComments mode)
  if (trim_space) pos_ += kTrimMarkerLen;
  pos_ += kRightDelim.size();
  if (trim_space) pos_ += LeftTrimLength(input_.substr(pos_));
  Ignore();
  return State::kText;
}

Lexer::State Lexer::LexRightDelim() {
  bool delim, trim_space;
  AtRightDelim(&delim, &trim_space);
  if (trim_space) {
    pos_ += kTrimMarkerLen;
    Ignore();
  }
  pos_ += kRightDelim.size();
  Item i = ThisItem(ItemType::kRightDelim);
  if (trim_space) {
    pos_ += LeftTrimLength(input_.substr(pos_));
    Ignore();
  }
  inside_action_ = false;
  return EmitItem(std::move(i));
}

Lexer::State Lexer::LexInsideAction() {
  bool delim, trim;
  AtRightDelim(&delim, &trim);
  if (delim) {
    if (paren_depth_ == 0) return State::kRightDelim;
    return Errorf("unclosed left paren");
  }
  int32_t r = Next();
  if (r == kEof) return Errorf("unclosed action");
  if (IsSpace(r)) {
    Backup();  // put the space back in case this is " -}}"
    return State::kSpace;
  }
  switch (r) {
    case '=':
      return Emit(ItemType::kAssign);
    case ':':
      if (Next() != '=') return Errorf("expected :=");
      return Emit(ItemType::kDeclare);
    case '|':
      return Emit(ItemType::kPipe);
    case '"':
      return State::kQuote;
    case '`':
      return State::kRawQuote;
    case '$':
      return State::kVariable;
    case '\'':
      return State::kChar;
    case '.':
      // ".field", unless a digit follows: then '.' starts a number.
      if (pos_ < input_.size()) {
        char c = input_[pos_];
        if (c < '0' || c > '9') return State::kField;
      }
      Backup();
      return State::kNumber;
    case '(':
      paren_depth_++;
      return Emit(ItemType::kLeftParen);
    case ')':
      paren_depth_--;
      if (paren_depth_ < 0) return Errorf("unexpected right paren");
      return Emit(ItemType::kRightParen);
    default:
      break;
  }
  if (r == '+' || r == '-' || (r >= '0' && r <= '9')) {
    Backup();
    return State::kNumber;
  }
  if (IsAlphaNumeric(r)) {
    Backup();
    return State::kIdentifier;
  }
  if (r < 0x7F && r >= 0x20) return Emit(ItemType::kChar);
  return Errorf("unrecognized character in action: " + RuneU(r));
}

// LexSpace scans a run of spaces; the first is known to be present. A " -}}" ends the run.
Lexer::State Lexer::LexSpace() {
  int num_spaces = 0;
  while (IsSpace(Peek())) {
    Next();
    num_spaces++;
  }
  std::string_view rest = input_.substr(pos_ - 1);
  if (HasRightTrimMarker(rest) && rest.substr(kTrimMarkerLen).starts_with(kRightDelim)) {
    Backup();  // before the space
    if (num_spaces == 1) return State::kRightDelim;
  }
  return Emit(ItemType::kSpace);
}

Lexer::State Lexer::LexIdentifier() {
  for (;;) {
    int32_t r = Next();
    if (IsAlphaNumeric(r)) continue;
    Backup();
    std::string_view word = input_.substr(start_, pos_ - start_);
    if (!AtTerminator()) return Errorf("bad character " + RuneU(r));
    static constexpr std::pair<std::string_view, ItemType> kKeywords[] = {
        {"block", ItemType::kBlock},
        {"break", ItemType::kBreak},
        {"continue", ItemType::kContinue},
        {"define", ItemType::kDefine},
        {"else", ItemType::kElse},
        {"end", ItemType::kEnd},
        {"if", ItemType::kIf},
        {"range", ItemType::kRange},
        {"nil", ItemType::kNil},
        {"template", ItemType::kTemplate},
        {"with", ItemType::kWith},
    };
    for (const auto& [name, type] : kKeywords) {
      if (word == name) {
        if ((type == ItemType::kBreak && !break_ok_) ||
            (type == ItemType::kContinue && !continue_ok_)) {
          return Emit(ItemType::kIdentifier);
        }
        return Emit(type);
      }
    }
    if (word == "true" || word == "false") return Emit(ItemType::kBool);
    return Emit(ItemType::kIdentifier);
  }
}

Lexer::State Lexer::LexVariable() {
  if (AtTerminator()) return Emit(ItemType::kVariable);  // just "$"
  return LexFieldOrVariable(ItemType::kVariable);
}

// LexFieldOrVariable scans [.$]Alphanumeric; the . or $ has been scanned.
Lexer::State Lexer::LexFieldOrVariable(ItemType type) {
  if (AtTerminator()) {  // nothing interesting follows: "." or "$"
    return Emit(type == ItemType::kVariable ? ItemType::kVariable : ItemType::kDot);
  }
  int32_t r;
  for (;;) {
    r = Next();
    if (!IsAlphaNumeric(r)) {
      Backup();
      break;
    }
  }
  if (!AtTerminator()) return Errorf("bad character " + RuneU(r));
  return Emit(type);
}

// AtTerminator reports whether the input is at a character that may follow an identifier:
// it splits .X.Y in two and rejects "$x+2".
bool Lexer::AtTerminator() {
  int32_t r = Peek();
  if (IsSpace(r)) return true;
  switch (r) {
    case kEof:
    case '.':
    case ',':
    case '|':
    case ':':
    case ')':
    case '(':
      return true;
    default:
      return input_.substr(pos_).starts_with(kRightDelim);
  }
}

Lexer::State Lexer::LexChar() {
  for (;;) {
    int32_t r = Next();
    if (r == '\\') {
      int32_t e = Next();
      if (e != kEof && e != '\n') continue;
      return Errorf("unterminated character constant");
    }
    if (r == kEof || r == '\n') return Errorf("unterminated character constant");
    if (r == '\'') break;
  }
  return Emit(ItemType::kCharConstant);
}

// LexNumber scans a number: decimal, octal, hex, float or imaginary. It accepts some invalid
// forms ("089", "0x0.2"); the parser's conversion rejects them.
Lexer::State Lexer::LexNumber() {
  auto bad = [&] {
    Value v = Value::String(std::string(input_.substr(start_, pos_ - start_)));
    return Errorf("bad number syntax: " + GoSprintf("%q", std::span<const Value>(&v, 1)));
  };
  if (!ScanNumber()) return bad();
  int32_t sign = Peek();
  if (sign == '+' || sign == '-') {
    // Complex: 1+2i. No spaces, must end in 'i'.
    if (!ScanNumber() || input_[pos_ - 1] != 'i') return bad();
    return Emit(ItemType::kComplex);
  }
  return Emit(ItemType::kNumber);
}

bool Lexer::ScanNumber() {
  Accept("+-");
  std::string_view digits = "0123456789_";
  if (Accept("0")) {
    // A leading 0 does not mean octal in floats.
    if (Accept("xX")) {
      digits = "0123456789abcdefABCDEF_";
    } else if (Accept("oO")) {
      digits = "01234567_";
    } else if (Accept("bB")) {
      digits = "01_";
    }
  }
  AcceptRun(digits);
  if (Accept(".")) AcceptRun(digits);
  if (digits.size() == 10 + 1 && Accept("eE")) {
    Accept("+-");
    AcceptRun("0123456789_");
  }
  if (digits.size() == 16 + 6 + 1 && Accept("pP")) {
    Accept("+-");
    AcceptRun("0123456789_");
  }
  Accept("i");  // imaginary?
  // The next thing mustn't be alphanumeric.
  if (IsAlphaNumeric(Peek())) {
    Next();
    return false;
  }
  return true;
}

Lexer::State Lexer::LexQuote() {
  for (;;) {
    int32_t r = Next();
    if (r == '\\') {
      int32_t e = Next();
      if (e != kEof && e != '\n') continue;
      return Errorf("unterminated quoted string");
    }
    if (r == kEof || r == '\n') return Errorf("unterminated quoted string");
    if (r == '"') break;
  }
  return Emit(ItemType::kString);
}

Lexer::State Lexer::LexRawQuote() {
  for (;;) {
    int32_t r = Next();
    if (r == kEof) return Errorf("unterminated raw quoted string");
    if (r == '`') break;
  }
  return Emit(ItemType::kRawString);
}

Result<int32_t> UnquoteChar(std::string_view s, char quote, std::string_view* tail,
                            bool* multibyte) {
  *multibyte = false;
  if (s.empty()) return SyntaxError();
  auto c = static_cast<unsigned char>(s[0]);
  if (c == static_cast<unsigned char>(quote) && (quote == '\'' || quote == '"')) {
    return SyntaxError();
  }
  if (c >= 0x80) {
    size_t i = 0;
    char32_t r = DecodeRune(s, i);
    *multibyte = true;
    *tail = s.substr(i);
    return static_cast<int32_t>(r);
  }
  if (c != '\\') {
    *tail = s.substr(1);
    return static_cast<int32_t>(c);
  }
  // An escape.
  if (s.size() <= 1) return SyntaxError();
  char e = s[1];
  s.remove_prefix(2);
  int32_t value = 0;
  switch (e) {
    case 'a':
      value = '\a';
      break;
    case 'b':
      value = '\b';
      break;
    case 'f':
      value = '\f';
      break;
    case 'n':
      value = '\n';
      break;
    case 'r':
      value = '\r';
      break;
    case 't':
      value = '\t';
      break;
    case 'v':
      value = '\v';
      break;
    case 'x':
    case 'u':
    case 'U': {
      size_t n = e == 'x' ? 2 : e == 'u' ? 4 : 8;
      if (s.size() < n) return SyntaxError();
      uint32_t v = 0;
      for (size_t j = 0; j < n; j++) {
        int x = UnHex(s[j]);
        if (x < 0) return SyntaxError();
        v = v << 4 | static_cast<uint32_t>(x);
      }
      s.remove_prefix(n);
      if (e == 'x') {  // a single byte, possibly not UTF-8
        value = static_cast<int32_t>(v);
        break;
      }
      if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return SyntaxError();
      value = static_cast<int32_t>(v);
      *multibyte = true;
      break;
    }
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7': {
      int32_t v = e - '0';
      if (s.size() < 2) return SyntaxError();
      for (size_t j = 0; j < 2; j++) {
        int32_t x = s[j] - '0';
        if (x < 0 || x > 7) return SyntaxError();
        v = (v << 3) | x;
      }
      s.remove_prefix(2);
      if (v > 255) return SyntaxError();
      value = v;
      break;
    }
    case '\\':
      value = '\\';
      break;
    case '\'':
    case '"':
      if (e != quote) return SyntaxError();
      value = e;
      break;
    default:
      return SyntaxError();
  }
  *tail = s;
  return value;
}

Result<std::string> Unquote(std::string_view in) {
  if (in.size() < 2) return SyntaxError();
  char quote = in.front();
  if (quote != in.back()) return SyntaxError();
  std::string_view body = in.substr(1, in.size() - 2);
  if (quote == '`') {
    if (body.find('`') != std::string_view::npos) return SyntaxError();
    // Carriage returns are discarded from raw strings.
    std::string out;
    out.reserve(body.size());
    for (char c : body) {
      if (c != '\r') out += c;
    }
    return out;
  }
  if (quote != '"') return SyntaxError();
  if (body.find('\n') != std::string_view::npos) return SyntaxError();
  if (body.find('\\') == std::string_view::npos && body.find('"') == std::string_view::npos) {
    // No escapes: the text must be valid UTF-8.
    for (size_t i = 0; i < body.size();) {
      size_t start = i;
      if (DecodeRune(body, i) == kRuneError && i - start == 1) return SyntaxError();
    }
    return std::string(body);
  }
  std::string out;
  std::string_view rest = body;
  while (!rest.empty()) {
    std::string_view tail;
    bool multibyte = false;
    CAIRN_ASSIGN_OR_RETURN(int32_t r, UnquoteChar(rest, '"', &tail, &multibyte));
    rest = tail;
    if (r < 0x80 || !multibyte) {
      out += static_cast<char>(r);
    } else {
      AppendRune(out, static_cast<char32_t>(r));
    }
  }
  return out;
}

}  // namespace cairn::templates::internal
