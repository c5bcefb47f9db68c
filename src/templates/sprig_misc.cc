// sprig's defaults, JSON, reflection, regular expression, path, URL and network functions.
//
// Regular expressions follow Go's regexp (RE2 syntax, leftmost-first matching) with a small
// Pike-VM engine: matching is linear in the input, so a template cannot stall the CA with a
// pathological pattern. Unicode classes (\pL, \p{Greek}, ...) cover the scripts the rest of
// this library knows; case folding is simple (per rune upper/lower).

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/strings.h"
#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates::internal {

namespace {

// ============================ Regular expressions =======================================

namespace re {

constexpr size_t kMaxPattern = 16 * 1024;
constexpr size_t kMaxInsts = 100000;
constexpr int kMaxRepeat = 1000;
constexpr uint64_t kMaxSteps = 50'000'000;  // thread steps per call

struct Range {
  char32_t lo, hi;
};

// ClassItem is a predicate over runes (for \pL and friends) or a range list.
enum class Pred {
  kNone,
  kLetter,
  kUpper,
  kLower,
  kDigit,
  kPunct,
  kSpace,
  kHan,
  kGreek,
  kCyrillic,
  kLatin
};

struct CharClass {
  std::vector<Range> ranges;
  std::vector<std::pair<Pred, bool>> preds;  // predicate, negated
  bool negate = false;
  bool fold = false;

  bool MatchOne(char32_t r) const {
    for (const Range& rg : ranges) {
      if (r >= rg.lo && r <= rg.hi) return true;
    }
    for (const auto& [p, neg] : preds) {
      if (TestPred(p, r) != neg) return true;
    }
    return false;
  }
  bool Match(char32_t r) const {
    bool m = MatchOne(r);
    if (!m && fold) m = MatchOne(ToLowerRune(r)) || MatchOne(ToUpperRune(r));
    return m != negate;
  }
  static bool TestPred(Pred p, char32_t r) {
    switch (p) {
      case Pred::kLetter:
        return IsLetterRune(r);
      case Pred::kUpper:
        return IsUpperRune(r);
      case Pred::kLower:
        return IsLowerRune(r);
      case Pred::kDigit:
        return IsDigitRune(r);
      case Pred::kPunct:
        return IsPunctRune(r);
      case Pred::kSpace:
        return IsSpaceRune(r);
      case Pred::kHan:
        return (r >= 0x4E00 && r <= 0x9FFF) || (r >= 0x3400 && r <= 0x4DBF);
      case Pred::kGreek:
        return r >= 0x370 && r <= 0x3FF;
      case Pred::kCyrillic:
        return r >= 0x400 && r <= 0x4FF;
      case Pred::kLatin:
        return (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || r == 0xAA || r == 0xBA ||
               (r >= 0xC0 && r <= 0x24F && r != 0xD7 && r != 0xF7);
      case Pred::kNone:
        return false;
    }
    return false;
  }
};

enum class AssertKind { kBeginText, kEndText, kBeginLine, kEndLine, kWordB, kNotWordB };

enum class NodeKind {
  kEmpty,
  kLiteral,
  kClass,
  kAnyChar,
  kAnyNotNL,
  kConcat,
  kAlt,
  kRepeat,
  kCapture,
  kAssert
};

struct Node {
  NodeKind kind = NodeKind::kEmpty;
  char32_t rune = 0;
  bool fold = false;
  std::shared_ptr<CharClass> cls;
  std::vector<std::unique_ptr<Node>> subs;
  int min = 0, max = 0;  // max -1: unbounded
  bool greedy = true;
  int cap = 0;
  AssertKind assert_kind = AssertKind::kBeginText;
};

using NodePtr = std::unique_ptr<Node>;

struct Flags {
  bool fold = false, multiline = false, dotnl = false, ungreedy = false;
};

Status ParseError(std::string_view code, std::string_view arg) {
  return InvalidArgumentError("error parsing regexp: " + std::string(code) + ": `" +
                              std::string(arg) + "`");
}

class Parser {
 public:
  explicit Parser(std::string_view pattern) : src_(pattern) {}

  Result<NodePtr> Parse() {
    Flags flags;
    CAIRN_ASSIGN_OR_RETURN(NodePtr n, ParseAlt(flags, 0));
    if (pos_ < src_.size()) {
      // Only an unmatched ')' stops the top level early.
      return ParseError("unexpected )", src_);
    }
    return n;
  }

  int num_caps() const { return ncap_; }
  const std::vector<std::string>& names() const { return names_; }

 private:
  bool More() const { return pos_ < src_.size(); }
  char32_t Peek() const {
    size_t i = pos_;
    return DecodeRune(src_, i);
  }
  char32_t Next() { return DecodeRune(src_, pos_); }

  Result<NodePtr> ParseAlt(Flags& flags, int depth) {
    if (depth > 1000) return ParseError("expression nests too deeply", src_);
    std::vector<NodePtr> alts;
    CAIRN_ASSIGN_OR_RETURN(NodePtr first, ParseConcat(flags, depth));
    alts.push_back(std::move(first));
    while (More() && src_[pos_] == '|') {
      ++pos_;
      CAIRN_ASSIGN_OR_RETURN(NodePtr n, ParseConcat(flags, depth));
      alts.push_back(std::move(n));
    }
    if (alts.size() == 1) return std::move(alts[0]);
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kAlt;
    n->subs = std::move(alts);
    return n;
  }

  Result<NodePtr> ParseConcat(Flags& flags, int depth) {
    auto cat = std::make_unique<Node>();
    cat->kind = NodeKind::kConcat;
    while (More() && src_[pos_] != '|' && src_[pos_] != ')') {
      size_t atom_start = pos_;
      char c = src_[pos_];
      if (c == '*' || c == '+' || c == '?' || (c == '{' && LooksLikeRepeat(pos_))) {
        size_t end = pos_ + 1;
        if (c == '{') end = src_.find('}', pos_) + 1;
        if (end < src_.size() && src_[end] == '?') ++end;
        return ParseError("missing argument to repetition operator", src_.substr(pos_, end - pos_));
      }
      NodePtr atom;
      if (c == '(') {
        ++pos_;
        if (More() && src_[pos_] == '?') {
          // Flags or a named/non-capturing group.
          CAIRN_ASSIGN_OR_RETURN(atom, ParseGroupExt(flags, depth, atom_start));
          if (!atom) continue;  // a bare flag group like (?i)
        } else {
          int cap = ++ncap_;
          names_.emplace_back();
          Flags inner = flags;
          CAIRN_ASSIGN_OR_RETURN(NodePtr body, ParseAlt(inner, depth + 1));
          if (!More() || src_[pos_] != ')') return ParseError("missing closing )", src_);
          ++pos_;
          atom = std::make_unique<Node>();
          atom->kind = NodeKind::kCapture;
          atom->cap = cap;
          atom->subs.push_back(std::move(body));
        }
      } else if (c == '[') {
        CAIRN_ASSIGN_OR_RETURN(atom, ParseClass(flags));
      } else if (c == '.') {
        ++pos_;
        atom = std::make_unique<Node>();
        atom->kind = flags.dotnl ? NodeKind::kAnyChar : NodeKind::kAnyNotNL;
      } else if (c == '^') {
        ++pos_;
        atom = MakeAssert(flags.multiline ? AssertKind::kBeginLine : AssertKind::kBeginText);
      } else if (c == '$') {
        ++pos_;
        atom = MakeAssert(flags.multiline ? AssertKind::kEndLine : AssertKind::kEndText);
      } else if (c == '\\') {
        CAIRN_ASSIGN_OR_RETURN(atom, ParseEscape(flags, cat.get()));
        if (!atom) continue;  // \Q...\E appended literals itself
      } else {
        atom = Literal(Next(), flags);
      }
      // Repetition operators.
      bool repeated = false;
      while (More()) {
        char q = src_[pos_];
        int mn = 0, mx = -1;
        size_t op_start = pos_;
        if (q == '*') {
          ++pos_;
        } else if (q == '+') {
          mn = 1;
          ++pos_;
        } else if (q == '?') {
          mx = 1;
          ++pos_;
        } else if (q == '{' && LooksLikeRepeat(pos_)) {
          CAIRN_RETURN_IF_ERROR(ParseRepeat(mn, mx));
        } else {
          break;
        }
        bool greedy = true;
        if (More() && src_[pos_] == '?') {
          greedy = false;
          ++pos_;
        }
        if (flags.ungreedy) greedy = !greedy;
        if (repeated) {
          return ParseError("invalid nested repetition operator",
                            src_.substr(op_start - 1, pos_ - op_start + 1));
        }
        repeated = true;
        if (atom->kind == NodeKind::kEmpty) {
          return ParseError("missing argument to repetition operator",
                            src_.substr(op_start, pos_ - op_start));
        }
        auto rep = std::make_unique<Node>();
        rep->kind = NodeKind::kRepeat;
        rep->min = mn;
        rep->max = mx;
        rep->greedy = greedy;
        rep->subs.push_back(std::move(atom));
        atom = std::move(rep);
      }
      cat->subs.push_back(std::move(atom));
    }
    if (cat->subs.size() == 1) return std::move(cat->subs[0]);
    if (cat->subs.empty()) {
      auto e = std::make_unique<Node>();
      e->kind = NodeKind::kEmpty;
      return e;
    }
    return cat;
  }

  bool LooksLikeRepeat(size_t at) const {
    // {n}, {n,}, {n,m}; anything else is a literal '{'.
    size_t i = at + 1;
    size_t digits = 0;
    while (i < src_.size() && src_[i] >= '0' && src_[i] <= '9') ++i, ++digits;
    if (digits == 0 || i >= src_.size()) return false;
    if (src_[i] == '}') return true;
    if (src_[i] != ',') return false;
    ++i;
    while (i < src_.size() && src_[i] >= '0' && src_[i] <= '9') ++i;
    return i < src_.size() && src_[i] == '}';
  }

  Status ParseRepeat(int& mn, int& mx) {
    size_t start = pos_;
    ++pos_;
    auto num = [&]() -> int64_t {
      int64_t v = 0;
      while (More() && src_[pos_] >= '0' && src_[pos_] <= '9') {
        v = std::min<int64_t>(v * 10 + (src_[pos_] - '0'), 100000);
        ++pos_;
      }
      return v;
    };
    int64_t a = num(), b = a;
    if (src_[pos_] == ',') {
      ++pos_;
      b = (More() && src_[pos_] == '}') ? -1 : num();
    }
    ++pos_;  // '}'
    if (a > kMaxRepeat || b > kMaxRepeat || (b >= 0 && b < a)) {
      return ParseError("invalid repeat count", src_.substr(start, pos_ - start));
    }
    mn = static_cast<int>(a);
    mx = static_cast<int>(b);
    return Status::Ok();
  }

  NodePtr Literal(char32_t r, const Flags& flags) {
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kLiteral;
    n->rune = r;
    n->fold = flags.fold;
    return n;
  }

  NodePtr MakeAssert(AssertKind k) {
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kAssert;
    n->assert_kind = k;
    return n;
  }

  NodePtr ClassNode(std::shared_ptr<CharClass> c) {
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kClass;
    n->cls = std::move(c);
    return n;
  }

  Result<NodePtr> ParseGroupExt(Flags& flags, int depth, size_t start) {
    // At "?" after "(".
    ++pos_;
    std::string_view rest = src_.substr(pos_);
    if (rest.starts_with("P<") || rest.starts_with("<")) {
      size_t name_start = pos_ + (rest[0] == 'P' ? 2 : 1);
      size_t close = src_.find('>', name_start);
      if (close == std::string_view::npos) {
        return ParseError("invalid named capture", src_.substr(start));
      }
      std::string_view name = src_.substr(name_start, close - name_start);
      bool ok = !name.empty();
      for (char c : name) {
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_')) {
          ok = false;
        }
      }
      if (ok && std::find(names_.begin(), names_.end(), name) != names_.end()) {
        return ParseError("duplicate capture group name", name);
      }
      if (!ok) return ParseError("invalid named capture", src_.substr(start, close + 1 - start));
      pos_ = close + 1;
      int cap = ++ncap_;
      names_.emplace_back(name);
      Flags inner = flags;
      CAIRN_ASSIGN_OR_RETURN(NodePtr body, ParseAlt(inner, depth + 1));
      if (!More() || src_[pos_] != ')') return ParseError("missing closing )", src_);
      ++pos_;
      auto n = std::make_unique<Node>();
      n->kind = NodeKind::kCapture;
      n->cap = cap;
      n->subs.push_back(std::move(body));
      return n;
    }
    // Flags: (?flags) or (?flags:re).
    Flags nf = flags;
    bool neg = false, any = false;
    while (More()) {
      char c = src_[pos_];
      if (c == 'i' || c == 'm' || c == 's' || c == 'U') {
        bool v = !neg;
        if (c == 'i') nf.fold = v;
        if (c == 'm') nf.multiline = v;
        if (c == 's') nf.dotnl = v;
        if (c == 'U') nf.ungreedy = v;
        any = true;
        ++pos_;
      } else if (c == '-' && !neg) {
        neg = true;
        any = false;
        ++pos_;
      } else if (c == ')' || c == ':') {
        if (neg && !any) break;
        ++pos_;
        if (c == ')') {
          flags = nf;
          return NodePtr();
        }
        CAIRN_ASSIGN_OR_RETURN(NodePtr body, ParseAlt(nf, depth + 1));
        if (!More() || src_[pos_] != ')') return ParseError("missing closing )", src_);
        ++pos_;
        return body;
      } else {
        break;
      }
    }
    size_t end = std::min(src_.size(), pos_ + 1);
    return ParseError("invalid or unsupported Perl syntax", src_.substr(start, end - start));
  }

  // PerlClass fills `c` for \d \s \w (and their negations via `neg`).
  static void PerlClass(char k, CharClass& c) {
    switch (k) {
      case 'd':
        c.ranges.push_back({'0', '9'});
        break;
      case 's':
        c.ranges.push_back({'\t', '\n'});
        c.ranges.push_back({'\f', '\r'});
        c.ranges.push_back({' ', ' '});
        break;
      case 'w':
        c.ranges.push_back({'0', '9'});
        c.ranges.push_back({'A', 'Z'});
        c.ranges.push_back({'_', '_'});
        c.ranges.push_back({'a', 'z'});
        break;
      default:
        break;
    }
  }

  // Negated ranges of a set, over the whole rune space.
  static std::vector<Range> Negate(std::vector<Range> rs) {
    std::sort(rs.begin(), rs.end(), [](const Range& a, const Range& b) { return a.lo < b.lo; });
    std::vector<Range> out;
    char32_t next = 0;
    for (const Range& r : rs) {
      if (r.lo > next) out.push_back({next, r.lo - 1});
      if (r.hi + 1 > next) next = r.hi + 1;
    }
    if (next <= 0x10FFFF) out.push_back({next, 0x10FFFF});
    return out;
  }

  Result<std::pair<Pred, bool>> ParseUnicodeClass(char kind, size_t start) {
    // At the char after \p or \P.
    std::string name;
    if (More() && src_[pos_] == '{') {
      size_t close = src_.find('}', pos_);
      if (close == std::string_view::npos) {
        return ParseError("invalid character class range", src_.substr(start));
      }
      name = std::string(src_.substr(pos_ + 1, close - pos_ - 1));
      pos_ = close + 1;
    } else if (More()) {
      name = std::string(1, src_[pos_]);
      ++pos_;
    }
    bool neg = kind == 'P';
    if (!name.empty() && name[0] == '^') {
      neg = !neg;
      name.erase(0, 1);
    }
    static const std::pair<std::string_view, Pred> kNames[] = {
        {"L", Pred::kLetter},    {"Lu", Pred::kUpper},          {"Ll", Pred::kLower},
        {"N", Pred::kDigit},     {"Nd", Pred::kDigit},          {"P", Pred::kPunct},
        {"Z", Pred::kSpace},     {"Zs", Pred::kSpace},          {"Han", Pred::kHan},
        {"Greek", Pred::kGreek}, {"Cyrillic", Pred::kCyrillic}, {"Latin", Pred::kLatin},
    };
    for (const auto& [n, p] : kNames) {
      if (name == n) return std::make_pair(p, neg);
    }
    return ParseError("invalid character class range", src_.substr(start, pos_ - start));
  }

  // ParseEscapeRune parses an escape that denotes one rune (after the backslash); returns
  // kNoRune when the escape is not a single rune.
  static constexpr char32_t kNoRune = 0xFFFFFFFF;
  Result<char32_t> ParseEscapeRune(size_t start) {
    if (!More()) return ParseError("trailing backslash at end of expression", "");
    char c = src_[pos_];
    auto bad = [&] {
      size_t i = pos_;
      DecodeRune(src_, i);
      return ParseError("invalid escape sequence", src_.substr(start, i - start));
    };
    switch (c) {
      case 'a':
        ++pos_;
        return char32_t{7};
      case 'f':
        ++pos_;
        return char32_t{'\f'};
      case 't':
        ++pos_;
        return char32_t{'\t'};
      case 'n':
        ++pos_;
        return char32_t{'\n'};
      case 'r':
        ++pos_;
        return char32_t{'\r'};
      case 'v':
        ++pos_;
        return char32_t{'\v'};
      case 'x': {
        ++pos_;
        auto hexv = [](char h) -> int {
          if (h >= '0' && h <= '9') return h - '0';
          if (h >= 'a' && h <= 'f') return h - 'a' + 10;
          if (h >= 'A' && h <= 'F') return h - 'A' + 10;
          return -1;
        };
        if (More() && src_[pos_] == '{') {
          size_t close = src_.find('}', pos_);
          if (close == std::string_view::npos || close == pos_ + 1) return bad();
          uint32_t v = 0;
          for (size_t i = pos_ + 1; i < close; ++i) {
            int h = hexv(src_[i]);
            if (h < 0 || v > 0x10FFFF) return bad();
            v = v * 16 + static_cast<uint32_t>(h);
          }
          if (v > 0x10FFFF) return bad();
          pos_ = close + 1;
          return static_cast<char32_t>(v);
        }
        if (pos_ + 2 > src_.size() || hexv(src_[pos_]) < 0 || hexv(src_[pos_ + 1]) < 0) {
          return bad();
        }
        char32_t v = static_cast<char32_t>(hexv(src_[pos_]) * 16 + hexv(src_[pos_ + 1]));
        pos_ += 2;
        return v;
      }
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7': {
        // Octal: \0 alone, or \[0-7]{1,3} when starting with 0 or followed by more digits.
        if (c != '0' &&
            !(pos_ + 1 < src_.size() && src_[pos_ + 1] >= '0' && src_[pos_ + 1] <= '7')) {
          return bad();  // backreferences are not supported in RE2
        }
        uint32_t v = 0;
        for (int k = 0; k < 3 && More() && src_[pos_] >= '0' && src_[pos_] <= '7'; ++k) {
          v = v * 8 + static_cast<uint32_t>(src_[pos_] - '0');
          ++pos_;
        }
        return static_cast<char32_t>(v);
      }
      default:
        break;
    }
    if (static_cast<unsigned char>(c) < 0x80 &&
        !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))) {
      ++pos_;
      return static_cast<char32_t>(c);  // escaped punctuation
    }
    return kNoRune;
  }

  Result<NodePtr> ParseEscape(const Flags& flags, Node* cat) {
    size_t start = pos_;
    ++pos_;  // backslash
    if (!More()) return ParseError("trailing backslash at end of expression", "");
    char c = src_[pos_];
    switch (c) {
      case 'A':
        ++pos_;
        return MakeAssert(AssertKind::kBeginText);
      case 'z':
        ++pos_;
        return MakeAssert(AssertKind::kEndText);
      case 'b':
        ++pos_;
        return MakeAssert(AssertKind::kWordB);
      case 'B':
        ++pos_;
        return MakeAssert(AssertKind::kNotWordB);
      case 'Q': {
        ++pos_;
        size_t end = src_.find("\\E", pos_);
        std::string_view lit =
            src_.substr(pos_, end == std::string_view::npos ? std::string_view::npos : end - pos_);
        pos_ = end == std::string_view::npos ? src_.size() : end + 2;
        size_t i = 0;
        while (i < lit.size()) cat->subs.push_back(Literal(DecodeRune(lit, i), flags));
        return NodePtr();
      }
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W': {
        ++pos_;
        auto cls = std::make_shared<CharClass>();
        PerlClass(static_cast<char>(c | 0x20), *cls);
        cls->negate = c >= 'A' && c <= 'Z';
        return ClassNode(cls);
      }
      case 'p':
      case 'P': {
        ++pos_;
        CAIRN_ASSIGN_OR_RETURN(auto pred, ParseUnicodeClass(c, start));
        auto cls = std::make_shared<CharClass>();
        cls->preds.push_back(pred);
        cls->fold = flags.fold;
        return ClassNode(cls);
      }
      default:
        break;
    }
    CAIRN_ASSIGN_OR_RETURN(char32_t r, ParseEscapeRune(start));
    if (r == kNoRune) {
      size_t i = pos_;
      DecodeRune(src_, i);
      return ParseError("invalid escape sequence", src_.substr(start, i - start));
    }
    return Literal(r, flags);
  }

  Result<NodePtr> ParseClass(const Flags& flags) {
    size_t start = pos_;
    ++pos_;  // '['
    auto cls = std::make_shared<CharClass>();
    cls->fold = flags.fold;
    if (More() && src_[pos_] == '^') {
      cls->negate = true;
      ++pos_;
    }
    bool first = true;
    auto missing = [&] { return ParseError("missing closing ]", src_.substr(start)); };
    for (;;) {
      if (!More()) return missing();
      char c = src_[pos_];
      if (c == ']' && !first) {
        ++pos_;
        break;
      }
      first = false;
      // POSIX class [:name:].
      if (c == '[' && src_.substr(pos_).starts_with("[:")) {
        size_t close = src_.find(":]", pos_ + 2);
        if (close != std::string_view::npos) {
          std::string_view name = src_.substr(pos_ + 2, close - pos_ - 2);
          bool neg = !name.empty() && name[0] == '^';
          if (neg) name.remove_prefix(1);
          std::vector<Range> rs;
          if (name == "alnum")
            rs = {{'0', '9'}, {'A', 'Z'}, {'a', 'z'}};
          else if (name == "alpha")
            rs = {{'A', 'Z'}, {'a', 'z'}};
          else if (name == "ascii")
            rs = {{0, 0x7f}};
          else if (name == "blank")
            rs = {{'\t', '\t'}, {' ', ' '}};
          else if (name == "cntrl")
            rs = {{0, 0x1f}, {0x7f, 0x7f}};
          else if (name == "digit")
            rs = {{'0', '9'}};
          else if (name == "graph")
            rs = {{'!', '~'}};
          else if (name == "lower")
            rs = {{'a', 'z'}};
          else if (name == "print")
            rs = {{' ', '~'}};
          else if (name == "punct")
            rs = {{'!', '/'}, {':', '@'}, {'[', '`'}, {'{', '~'}};
          else if (name == "space")
            rs = {{'\t', '\r'}, {' ', ' '}};
          else if (name == "upper")
            rs = {{'A', 'Z'}};
          else if (name == "word")
            rs = {{'0', '9'}, {'A', 'Z'}, {'_', '_'}, {'a', 'z'}};
          else if (name == "xdigit")
            rs = {{'0', '9'}, {'A', 'F'}, {'a', 'f'}};
          else {
            return ParseError("invalid character class range", src_.substr(pos_, close + 2 - pos_));
          }
          if (neg) rs = Negate(rs);
          cls->ranges.insert(cls->ranges.end(), rs.begin(), rs.end());
          pos_ = close + 2;
          continue;
        }
      }
      size_t item_start = pos_;
      char32_t lo;
      if (c == '\\') {
        size_t esc = pos_;
        ++pos_;
        if (!More()) return ParseError("trailing backslash at end of expression", "");
        char e = src_[pos_];
        if (e == 'd' || e == 'D' || e == 's' || e == 'S' || e == 'w' || e == 'W') {
          ++pos_;
          CharClass tmp;
          PerlClass(static_cast<char>(e | 0x20), tmp);
          std::vector<Range> rs = tmp.ranges;
          if (e >= 'A' && e <= 'Z') rs = Negate(rs);
          cls->ranges.insert(cls->ranges.end(), rs.begin(), rs.end());
          continue;
        }
        if (e == 'p' || e == 'P') {
          ++pos_;
          CAIRN_ASSIGN_OR_RETURN(auto pred, ParseUnicodeClass(e, esc));
          cls->preds.push_back(pred);
          continue;
        }
        CAIRN_ASSIGN_OR_RETURN(lo, ParseEscapeRune(esc));
        if (lo == kNoRune) {
          size_t i = pos_;
          DecodeRune(src_, i);
          return ParseError("invalid escape sequence", src_.substr(esc, i - esc));
        }
      } else {
        lo = Next();
      }
      char32_t hi = lo;
      if (pos_ + 1 < src_.size() && src_[pos_] == '-' && src_[pos_ + 1] != ']') {
        ++pos_;
        if (src_[pos_] == '\\') {
          size_t esc = pos_;
          ++pos_;
          CAIRN_ASSIGN_OR_RETURN(hi, ParseEscapeRune(esc));
          if (hi == kNoRune) return ParseError("invalid escape sequence", src_.substr(esc, 2));
        } else {
          hi = Next();
        }
        if (hi < lo) {
          return ParseError("invalid character class range",
                            src_.substr(item_start, pos_ - item_start));
        }
      }
      cls->ranges.push_back({lo, hi});
    }
    return ClassNode(cls);
  }

  std::string_view src_;
  size_t pos_ = 0;
  int ncap_ = 0;
  std::vector<std::string> names_;  // names_[i] names capture i+1
};

enum class Op { kRune, kClass, kAny, kAnyNotNL, kSplit, kJmp, kSave, kMatch, kAssert };

struct Inst {
  Op op = Op::kMatch;
  char32_t rune = 0;
  bool fold = false;
  const CharClass* cls = nullptr;
  int x = 0, y = 0;  // split/jmp targets; save slot
  AssertKind assert_kind = AssertKind::kBeginText;
};

class Program {
 public:
  static Result<std::shared_ptr<Program>> Compile(std::string_view pattern) {
    if (pattern.size() > kMaxPattern) {
      return ResourceExhaustedError("regexp: pattern exceeds " + std::to_string(kMaxPattern) +
                                    " bytes");
    }
    Parser p(pattern);
    CAIRN_ASSIGN_OR_RETURN(NodePtr root, p.Parse());
    auto prog = std::make_shared<Program>();
    prog->ncap_ = p.num_caps() + 1;
    prog->names_.push_back("");
    for (const std::string& n : p.names()) prog->names_.push_back(n);
    prog->Emit(Op::kSave).x = 0;
    CAIRN_RETURN_IF_ERROR(prog->Gen(*root, 0));
    prog->Emit(Op::kSave).x = 1;
    prog->Emit(Op::kMatch);
    if (prog->insts_.size() > kMaxInsts) {
      return InvalidArgumentError("error parsing regexp: expression too large");
    }
    prog->root_ = std::move(root);
    return prog;
  }

  int num_caps() const { return ncap_; }
  const std::vector<std::string>& names() const { return names_; }

  // Exec finds the leftmost-first match starting at or after `start`; fills `caps` (2 per
  // group, -1 when unset). Returns false when there is no match.
  Result<bool> Exec(std::string_view s, size_t start, std::vector<int64_t>& caps,
                    uint64_t& steps) const {
    const size_t n = insts_.size();
    const size_t slots = static_cast<size_t>(ncap_) * 2;
    struct Thread {
      int pc;
      std::shared_ptr<std::vector<int64_t>> caps;
    };
    std::vector<Thread> clist, nlist;
    std::vector<uint64_t> mark(n, 0);
    uint64_t gen = 1;
    bool matched = false;
    std::vector<int64_t> best;

    // AddThread follows non-consuming instructions from `pc` at `pos`.
    auto add = [&](std::vector<Thread>& list, int pc0, std::shared_ptr<std::vector<int64_t>> c0,
                   size_t pos) {
      struct Frame {
        int pc;
        std::shared_ptr<std::vector<int64_t>> caps;
      };
      std::vector<Frame> stack;
      stack.push_back({pc0, std::move(c0)});
      while (!stack.empty()) {
        Frame f = std::move(stack.back());
        stack.pop_back();
        int pc = f.pc;
        for (;;) {
          if (mark[static_cast<size_t>(pc)] == gen) break;
          mark[static_cast<size_t>(pc)] = gen;
          const Inst& in = insts_[static_cast<size_t>(pc)];
          if (in.op == Op::kJmp) {
            pc = in.x;
            continue;
          }
          if (in.op == Op::kSplit) {
            stack.push_back({in.y, f.caps});
            pc = in.x;
            continue;
          }
          if (in.op == Op::kSave) {
            auto c = std::make_shared<std::vector<int64_t>>(*f.caps);
            if (static_cast<size_t>(in.x) < c->size())
              (*c)[static_cast<size_t>(in.x)] = static_cast<int64_t>(pos);
            f.caps = std::move(c);
            pc = pc + 1;
            continue;
          }
          if (in.op == Op::kAssert) {
            if (!Assert(in.assert_kind, s, pos)) break;
            pc = pc + 1;
            continue;
          }
          list.push_back({pc, f.caps});
          break;
        }
      }
    };

    size_t pos = start;
    auto empty_caps = std::make_shared<std::vector<int64_t>>(slots, -1);
    for (;;) {
      if (!matched) add(clist, 0, empty_caps, pos);
      if (clist.empty() && matched) break;
      ++gen;
      char32_t r = 0;
      size_t next = pos;
      bool at_end = pos >= s.size();
      if (!at_end) r = DecodeRune(s, next);
      steps += clist.size();
      if (steps > kMaxSteps) {
        return ResourceExhaustedError("regexp: matching exceeds the work limit");
      }
      for (size_t t = 0; t < clist.size(); ++t) {
        const Inst& in = insts_[static_cast<size_t>(clist[t].pc)];
        bool ok = false;
        switch (in.op) {
          case Op::kMatch:
            matched = true;
            best = *clist[t].caps;
            t = clist.size();  // cut lower-priority threads
            continue;
          case Op::kRune:
            ok = !at_end && (r == in.rune || (in.fold && (ToLowerRune(r) == ToLowerRune(in.rune))));
            break;
          case Op::kClass:
            ok = !at_end && in.cls->Match(r);
            break;
          case Op::kAny:
            ok = !at_end;
            break;
          case Op::kAnyNotNL:
            ok = !at_end && r != '\n';
            break;
          default:
            break;
        }
        if (ok) add(nlist, clist[t].pc + 1, clist[t].caps, next);
      }
      std::swap(clist, nlist);
      nlist.clear();
      if (at_end) break;
      pos = next;
    }
    if (matched) caps = std::move(best);
    return matched;
  }

 private:
  static bool IsWord(char32_t r) {
    return (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || r == '_';
  }
  static bool Assert(AssertKind k, std::string_view s, size_t pos) {
    char32_t before = 0, after = 0;
    bool has_before = pos > 0, has_after = pos < s.size();
    if (has_before) {
      size_t b = pos - 1;
      while (b > 0 && (static_cast<unsigned char>(s[b]) & 0xc0) == 0x80) --b;
      size_t i = b;
      before = DecodeRune(s, i);
    }
    if (has_after) {
      size_t i = pos;
      after = DecodeRune(s, i);
    }
    switch (k) {
      case AssertKind::kBeginText:
        return pos == 0;
      case AssertKind::kEndText:
        return pos == s.size();
      case AssertKind::kBeginLine:
        return pos == 0 || before == '\n';
      case AssertKind::kEndLine:
        return pos == s.size() || after == '\n';
      case AssertKind::kWordB:
        return (has_before && IsWord(before)) != (has_after && IsWord(after));
      case AssertKind::kNotWordB:
        return (has_before && IsWord(before)) == (has_after && IsWord(after));
    }
    return false;
  }

  Inst& Emit(Op op) {
    insts_.emplace_back();
    insts_.back().op = op;
    return insts_.back();
  }
  int Pc() const { return static_cast<int>(insts_.size()); }

  Status Gen(const Node& n, int depth) {
    if (insts_.size() > kMaxInsts) {
      return InvalidArgumentError("error parsing regexp: expression too large");
    }
    if (depth > 2000) return InvalidArgumentError("error parsing regexp: expression too deep");
    switch (n.kind) {
      case NodeKind::kEmpty:
        return Status::Ok();
      case NodeKind::kLiteral: {
        Inst& in = Emit(Op::kRune);
        in.rune = n.rune;
        in.fold = n.fold;
        return Status::Ok();
      }
      case NodeKind::kClass:
        Emit(Op::kClass).cls = n.cls.get();
        return Status::Ok();
      case NodeKind::kAnyChar:
        Emit(Op::kAny);
        return Status::Ok();
      case NodeKind::kAnyNotNL:
        Emit(Op::kAnyNotNL);
        return Status::Ok();
      case NodeKind::kAssert:
        Emit(Op::kAssert).assert_kind = n.assert_kind;
        return Status::Ok();
      case NodeKind::kConcat:
        for (const NodePtr& s : n.subs) CAIRN_RETURN_IF_ERROR(Gen(*s, depth + 1));
        return Status::Ok();
      case NodeKind::kCapture: {
        Emit(Op::kSave).x = 2 * n.cap;
        CAIRN_RETURN_IF_ERROR(Gen(*n.subs[0], depth + 1));
        Emit(Op::kSave).x = 2 * n.cap + 1;
        return Status::Ok();
      }
      case NodeKind::kAlt: {
        std::vector<int> jumps;
        for (size_t i = 0; i < n.subs.size(); ++i) {
          if (i + 1 < n.subs.size()) {
            int split = Pc();
            Emit(Op::kSplit);
            insts_[static_cast<size_t>(split)].x = Pc();
            CAIRN_RETURN_IF_ERROR(Gen(*n.subs[i], depth + 1));
            jumps.push_back(Pc());
            Emit(Op::kJmp);
            insts_[static_cast<size_t>(split)].y = Pc();
          } else {
            CAIRN_RETURN_IF_ERROR(Gen(*n.subs[i], depth + 1));
          }
        }
        for (int j : jumps) insts_[static_cast<size_t>(j)].x = Pc();
        return Status::Ok();
      }
      case NodeKind::kRepeat:
        return GenRepeat(n, depth);
    }
    return Status::Ok();
  }

  // GenQuest emits x? ; GenStar emits x*.
  Status GenQuest(const Node& x, bool greedy, int depth) {
    int split = Pc();
    Emit(Op::kSplit);
    int body = Pc();
    CAIRN_RETURN_IF_ERROR(Gen(x, depth + 1));
    SetSplit(split, body, Pc(), greedy);
    return Status::Ok();
  }
  Status GenStar(const Node& x, bool greedy, int depth) {
    int split = Pc();
    Emit(Op::kSplit);
    int body = Pc();
    CAIRN_RETURN_IF_ERROR(Gen(x, depth + 1));
    Emit(Op::kJmp).x = split;
    SetSplit(split, body, Pc(), greedy);
    return Status::Ok();
  }
  void SetSplit(int split, int body, int out, bool greedy) {
    Inst& in = insts_[static_cast<size_t>(split)];
    in.x = greedy ? body : out;
    in.y = greedy ? out : body;
  }

  Status GenRepeat(const Node& n, int depth) {
    const Node& x = *n.subs[0];
    if (n.min == 0 && n.max == -1) return GenStar(x, n.greedy, depth);
    if (n.min == 1 && n.max == -1) {
      int body = Pc();
      CAIRN_RETURN_IF_ERROR(Gen(x, depth + 1));
      int split = Pc();
      Emit(Op::kSplit);
      SetSplit(split, body, Pc(), n.greedy);
      return Status::Ok();
    }
    for (int i = 0; i < n.min; ++i) CAIRN_RETURN_IF_ERROR(Gen(x, depth + 1));
    if (n.max == -1) return GenStar(x, n.greedy, depth);
    // (x(x(x)?)?)? for the optional copies.
    std::vector<int> splits;
    for (int i = n.min; i < n.max; ++i) {
      splits.push_back(Pc());
      Emit(Op::kSplit);
      insts_.back().x = Pc();
      CAIRN_RETURN_IF_ERROR(Gen(x, depth + 1));
      if (insts_.size() > kMaxInsts) {
        return InvalidArgumentError("error parsing regexp: expression too large");
      }
    }
    int out = Pc();
    for (int s : splits) SetSplit(s, s + 1, out, n.greedy);
    return Status::Ok();
  }

  std::vector<Inst> insts_;
  int ncap_ = 1;
  std::vector<std::string> names_;
  NodePtr root_;  // owns the character classes instructions point at
};

// Regexp bundles a program with Go's regexp operations over strings.
class Regexp {
 public:
  static Result<Regexp> Compile(std::string_view pattern) {
    CAIRN_ASSIGN_OR_RETURN(auto prog, Program::Compile(pattern));
    Regexp r;
    r.prog_ = std::move(prog);
    r.expr_ = std::string(pattern);
    return r;
  }

  Result<bool> Match(std::string_view s) const {
    std::vector<int64_t> caps;
    uint64_t steps = 0;
    return prog_->Exec(s, 0, caps, steps);
  }

  // FindAll is Go's allMatches: up to n matches (n < 0: all), each as capture offsets.
  Result<std::vector<std::vector<int64_t>>> FindAll(std::string_view s, int64_t n) const {
    std::vector<std::vector<int64_t>> out;
    uint64_t steps = 0;
    int64_t prev_end = -1;
    size_t pos = 0;
    while ((n < 0 || static_cast<int64_t>(out.size()) < n) && pos <= s.size()) {
      std::vector<int64_t> caps;
      CAIRN_ASSIGN_OR_RETURN(bool m, prog_->Exec(s, pos, caps, steps));
      if (!m) break;
      bool accept = true;
      if (caps[1] == static_cast<int64_t>(pos)) {
        if (caps[0] == prev_end) accept = false;
        if (pos < s.size()) {
          size_t i = pos;
          DecodeRune(s, i);
          pos = i;
        } else {
          pos = s.size() + 1;
        }
      } else {
        pos = static_cast<size_t>(caps[1]);
      }
      prev_end = caps[1];
      if (accept) {
        out.push_back(std::move(caps));
        CAIRN_RETURN_IF_ERROR(CheckListSize("regexp", out.size()));
      }
    }
    return out;
  }

  // ReplaceAll is Go's replaceAll with `repl` producing the replacement for a match.
  template <typename F>
  Result<std::string> ReplaceAll(std::string_view s, F repl) const {
    std::string out;
    size_t last_end = 0, search = 0;
    uint64_t steps = 0;
    while (search <= s.size()) {
      std::vector<int64_t> a;
      CAIRN_ASSIGN_OR_RETURN(bool m, prog_->Exec(s, search, a, steps));
      if (!m) break;
      out.append(s.substr(last_end, static_cast<size_t>(a[0]) - last_end));
      if (a[1] > static_cast<int64_t>(last_end) || a[0] == 0) repl(out, a);
      CAIRN_RETURN_IF_ERROR(CheckStringSize("regexReplaceAll", out.size()));
      last_end = static_cast<size_t>(a[1]);
      size_t width = 0;
      if (search < s.size()) {
        size_t i = search;
        DecodeRune(s, i);
        width = i - search;
      }
      if (search + width > static_cast<size_t>(a[1])) {
        search += width;
      } else if (search + 1 > static_cast<size_t>(a[1])) {
        ++search;
      } else {
        search = static_cast<size_t>(a[1]);
      }
    }
    out.append(s.substr(last_end));
    CAIRN_RETURN_IF_ERROR(CheckStringSize("regexReplaceAll", out.size()));
    return out;
  }

  // Expand is Go's Regexp.expand of `tmpl` ($1, ${1}, $name, ${name}, $$).
  void Expand(std::string& dst, std::string_view tmpl, std::string_view src,
              const std::vector<int64_t>& m) const {
    while (!tmpl.empty()) {
      size_t d = tmpl.find('$');
      if (d == std::string_view::npos) break;
      dst.append(tmpl.substr(0, d));
      tmpl.remove_prefix(d + 1);
      if (!tmpl.empty() && tmpl[0] == '$') {
        dst += '$';
        tmpl.remove_prefix(1);
        continue;
      }
      // extract
      bool brace = !tmpl.empty() && tmpl[0] == '{';
      size_t i = brace ? 1 : 0;
      size_t name_start = i;
      while (i < tmpl.size()) {
        char c = tmpl[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_')) {
          break;
        }
        ++i;
      }
      std::string_view name = tmpl.substr(name_start, i - name_start);
      bool ok = !name.empty();
      if (ok && brace) {
        if (i >= tmpl.size() || tmpl[i] != '}') {
          ok = false;
        } else {
          ++i;
        }
      }
      if (!ok) {
        dst += '$';
        continue;
      }
      tmpl.remove_prefix(i);
      int64_t num = 0;
      bool is_num = true;
      for (char c : name) {
        if (c < '0' || c > '9' || num > 100000000) {
          is_num = false;
          break;
        }
        num = num * 10 + (c - '0');
      }
      auto group = [&](int64_t g) {
        size_t k = static_cast<size_t>(g) * 2;
        if (k + 1 < m.size() && m[k] >= 0) {
          dst.append(src.substr(static_cast<size_t>(m[k]), static_cast<size_t>(m[k + 1] - m[k])));
        }
      };
      if (is_num) {
        group(num);
      } else {
        const auto& names = prog_->names();
        for (size_t g = 0; g < names.size(); ++g) {
          if (names[g] == name) {
            group(static_cast<int64_t>(g));
            break;
          }
        }
      }
    }
    dst.append(tmpl);
  }

  const std::string& expr() const { return expr_; }

 private:
  std::shared_ptr<Program> prog_;
  std::string expr_;
};

std::string QuoteMeta(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

}  // namespace re

// MustCompileError is the panic text of regexp.MustCompile.
Status MustCompileError(std::string_view pattern, const Status& err) {
  if (err.code() == StatusCode::kResourceExhausted) return err;
  return InvalidArgumentError("regexp: Compile(" + GoQuoteString(pattern) + "): " + err.message());
}

Result<re::Regexp> CompileFor(std::string_view pattern, bool must_variant) {
  auto r = re::Regexp::Compile(pattern);
  if (r.ok()) return r;
  // The must* variants return Compile's error; the others panic in MustCompile.
  if (must_variant) return r.status();
  return MustCompileError(pattern, r.status());
}

Value StringsValue(const std::vector<std::string>& v) {
  List l;
  for (const std::string& s : v) l.push_back(Value::String(s));
  return Value::MakeList(std::move(l));
}

void AddRegexFuncs(FuncMap& funcs) {
  funcs["regexMatch"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("regexMatch", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string pattern, ArgString(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
    auto r = re::Regexp::Compile(pattern);
    if (!r.ok()) return Value::Bool(false);
    CAIRN_ASSIGN_OR_RETURN(bool m, r->Match(s));
    return Value::Bool(m);
  };
  funcs["mustRegexMatch"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("mustRegexMatch", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string pattern, ArgString(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
    CAIRN_ASSIGN_OR_RETURN(re::Regexp r, re::Regexp::Compile(pattern));
    CAIRN_ASSIGN_OR_RETURN(bool m, r.Match(s));
    return Value::Bool(m);
  };
  for (bool must : {false, true}) {
    std::string find_all = must ? "mustRegexFindAll" : "regexFindAll";
    funcs[find_all] = [must, find_all](std::span<const Value> args) -> Result<Value> {
      CAIRN_RETURN_IF_ERROR(CheckArgs(find_all, args, 3));
      CAIRN_ASSIGN_OR_RETURN(std::string pattern, ArgString(args[0]));
      CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
      CAIRN_ASSIGN_OR_RETURN(int64_t n, ArgInt(args[2]));
      CAIRN_ASSIGN_OR_RETURN(re::Regexp r, CompileFor(pattern, must));
      CAIRN_ASSIGN_OR_RETURN(auto ms, r.FindAll(s, n));
      std::vector<std::string> out;
      for (const auto& m : ms) {
        out.push_back(s.substr(static_cast<size_t>(m[0]), static_cast<size_t>(m[1] - m[0])));
      }
      return StringsValue(out);
    };
    std::string find = must ? "mustRegexFind" : "regexFind";
    funcs[find] = [must, find](std::span<const Value> args) -> Result<Value> {
      CAIRN_RETURN_IF_ERROR(CheckArgs(find, args, 2));
      CAIRN_ASSIGN_OR_RETURN(std::string pattern, ArgString(args[0]));
      CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
      CAIRN_ASSIGN_OR_RETURN(re::Regexp r, CompileFor(pattern, must));
      CAIRN_ASSIGN_OR_RETURN(auto ms, r.FindAll(s, 1));
      if (ms.empty()) return Value::String("");
      return Value::String(
          s.substr(static_cast<size_t>(ms[0][0]), static_cast<size_t>(ms[0][1] - ms[0][0])));
    };
    for (bool literal : {false, true}) {
      std::string name = std::string(must ? "mustR" : "r") +
                         (literal ? "egexReplaceAllLiteral" : "egexReplaceAll");
      funcs[name] = [must, literal, name](std::span<const Value> args) -> Result<Value> {
        CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 3));
        CAIRN_ASSIGN_OR_RETURN(std::string pattern, ArgString(args[0]));
        CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
        CAIRN_ASSIGN_OR_RETURN(std::string repl, ArgString(args[2]));
        CAIRN_ASSIGN_OR_RETURN(re::Regexp r, CompileFor(pattern, must));
        CAIRN_ASSIGN_OR_RETURN(
            std::string out, r.ReplaceAll(s, [&](std::string& dst, const std::vector<int64_t>& m) {
              if (literal) {
                dst += repl;
              } else {
                r.Expand(dst, repl, s, m);
              }
            }));
        return Value::String(std::move(out));
      };
    }
    std::string split = must ? "mustRegexSplit" : "regexSplit";
    funcs[split] = [must, split](std::span<const Value> args) -> Result<Value> {
      CAIRN_RETURN_IF_ERROR(CheckArgs(split, args, 3));
      CAIRN_ASSIGN_OR_RETURN(std::string pattern, ArgString(args[0]));
      CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[1]));
      CAIRN_ASSIGN_OR_RETURN(int64_t n, ArgInt(args[2]));
      CAIRN_ASSIGN_OR_RETURN(re::Regexp r, CompileFor(pattern, must));
      std::vector<std::string> out;
      if (n == 0) return StringsValue(out);
      if (!r.expr().empty() && s.empty()) return StringsValue({""});
      CAIRN_ASSIGN_OR_RETURN(auto ms, r.FindAll(s, n));
      size_t beg = 0, end = 0;
      for (const auto& m : ms) {
        if (n > 0 && static_cast<int64_t>(out.size()) == n - 1) break;
        end = static_cast<size_t>(m[0]);
        if (m[1] != 0) out.push_back(s.substr(beg, end - beg));
        beg = static_cast<size_t>(m[1]);
      }
      if (end != s.size()) out.push_back(s.substr(beg));
      return StringsValue(out);
    };
  }
  funcs["regexQuoteMeta"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("regexQuoteMeta", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
    return Value::String(re::QuoteMeta(s));
  };
}

// ================================ Paths =================================================

// PathClean is Go's path.Clean.
std::string PathClean(std::string_view p) {
  if (p.empty()) return ".";
  bool rooted = p[0] == '/';
  size_t n = p.size();
  std::string out;
  size_t r = 0, dotdot = 0;
  if (rooted) {
    out += '/';
    r = 1;
    dotdot = 1;
  }
  while (r < n) {
    if (p[r] == '/') {
      ++r;
    } else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
      ++r;
    } else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
      r += 2;
      if (out.size() > dotdot) {
        size_t w = out.size() - 1;
        while (w > dotdot && out[w] != '/') --w;
        out.resize(w);
      } else if (!rooted) {
        if (!out.empty()) out += '/';
        out += "..";
        dotdot = out.size();
      }
    } else {
      if ((rooted && out.size() != 1) || (!rooted && !out.empty())) out += '/';
      for (; r < n && p[r] != '/'; ++r) out += p[r];
    }
  }
  if (out.empty()) return ".";
  return out;
}

std::string PathBase(std::string_view p) {
  if (p.empty()) return ".";
  while (!p.empty() && p.back() == '/') p.remove_suffix(1);
  size_t i = p.rfind('/');
  if (i != std::string_view::npos) p.remove_prefix(i + 1);
  if (p.empty()) return "/";
  return std::string(p);
}

std::string PathDir(std::string_view p) {
  size_t i = p.rfind('/');
  std::string_view dir = i == std::string_view::npos ? std::string_view() : p.substr(0, i + 1);
  return PathClean(dir);
}

std::string PathExt(std::string_view p) {
  for (size_t i = p.size(); i > 0 && p[i - 1] != '/'; --i) {
    if (p[i - 1] == '.') return std::string(p.substr(i - 1));
  }
  return "";
}

// ================================= URLs =================================================

enum class Encoding { kPath, kHost, kZone, kUserPassword, kQueryComponent, kFragment };

bool ShouldEscape(unsigned char c, Encoding mode) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return false;
  if (mode == Encoding::kHost || mode == Encoding::kZone) {
    switch (c) {
      case '!':
      case '$':
      case '&':
      case '\'':
      case '(':
      case ')':
      case '*':
      case '+':
      case ',':
      case ';':
      case '=':
      case ':':
      case '[':
      case ']':
      case '<':
      case '>':
      case '"':
        return false;
      default:
        break;
    }
  }
  switch (c) {
    case '-':
    case '_':
    case '.':
    case '~':
      return false;
    case '$':
    case '&':
    case '+':
    case ',':
    case '/':
    case ':':
    case ';':
    case '=':
    case '?':
    case '@':
      switch (mode) {
        case Encoding::kPath:
          return c == '?';
        case Encoding::kUserPassword:
          return c == '@' || c == '/' || c == '?' || c == ':';
        case Encoding::kQueryComponent:
          return true;
        case Encoding::kFragment:
          return false;
        default:
          break;
      }
      break;
    default:
      break;
  }
  if (mode == Encoding::kFragment) {
    switch (c) {
      case '!':
      case '(':
      case ')':
      case '*':
        return false;
      default:
        break;
    }
  }
  return true;
}

std::string UrlEscape(std::string_view s, Encoding mode) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (ShouldEscape(c, mode)) {
      if (c == ' ' && mode == Encoding::kQueryComponent) {
        out += '+';
      } else {
        out += '%';
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

int Unhex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> UrlUnescape(std::string_view s, Encoding mode) {
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '%') {
      if (i + 2 >= s.size() || Unhex(s[i + 1]) < 0 || Unhex(s[i + 2]) < 0) {
        std::string_view bad = s.substr(i, 3);
        return InvalidArgumentError("invalid URL escape " + GoQuoteString(bad));
      }
      if (mode == Encoding::kHost && Unhex(s[i + 1]) < 8 && s.substr(i, 3) != "%25") {
        return InvalidArgumentError("invalid URL escape " + GoQuoteString(s.substr(i, 3)));
      }
      i += 3;
    } else {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if ((mode == Encoding::kHost || mode == Encoding::kZone) && c < 0x80 &&
          ShouldEscape(c, mode)) {
        return InvalidArgumentError("invalid character " + GoQuoteString(s.substr(i, 1)) +
                                    " in host name");
      }
      ++i;
    }
  }
  std::string out;
  for (size_t i = 0; i < s.size();) {
    if (s[i] == '%') {
      out += static_cast<char>(Unhex(s[i + 1]) * 16 + Unhex(s[i + 2]));
      i += 3;
    } else if (s[i] == '+' && mode == Encoding::kQueryComponent) {
      out += ' ';
      ++i;
    } else {
      out += s[i++];
    }
  }
  return out;
}

bool ValidOptionalPort(std::string_view port) {
  if (port.empty()) return true;
  if (port[0] != ':') return false;
  for (char c : port.substr(1)) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

struct Url {
  std::string scheme, opaque, host, path, raw_query, fragment;
  bool has_user = false, has_password = false, force_query = false, omit_host = false;
  std::string username, password;
};

Result<std::string> ParseHost(std::string_view host) {
  if (host.starts_with("[")) {
    size_t i = host.rfind(']');
    if (i == std::string_view::npos) return InvalidArgumentError("missing ']' in host");
    std::string_view colon_port = host.substr(i + 1);
    if (!ValidOptionalPort(colon_port)) {
      return InvalidArgumentError("invalid port " + GoQuoteString(colon_port) + " after host");
    }
    size_t zone = host.substr(0, i).find("%25");
    if (zone != std::string_view::npos) {
      CAIRN_ASSIGN_OR_RETURN(std::string h1, UrlUnescape(host.substr(0, zone), Encoding::kHost));
      CAIRN_ASSIGN_OR_RETURN(std::string h2,
                             UrlUnescape(host.substr(zone, i - zone), Encoding::kZone));
      CAIRN_ASSIGN_OR_RETURN(std::string h3, UrlUnescape(host.substr(i), Encoding::kHost));
      return h1 + h2 + h3;
    }
  } else {
    size_t i = host.rfind(':');
    if (i != std::string_view::npos) {
      std::string_view colon_port = host.substr(i);
      if (!ValidOptionalPort(colon_port)) {
        return InvalidArgumentError("invalid port " + GoQuoteString(colon_port) + " after host");
      }
    }
  }
  return UrlUnescape(host, Encoding::kHost);
}

bool ValidUserinfo(std::string_view s) {
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) continue;
    if (std::string_view("-._:~!$&'()*+,;=%@").find(c) == std::string_view::npos) return false;
  }
  return true;
}

Result<Url> ParseUrlNoFrag(std::string_view raw) {
  for (unsigned char c : raw) {
    if (c < 0x20 || c == 0x7f) {
      return InvalidArgumentError("net/url: invalid control character in URL");
    }
  }
  Url u;
  if (raw == "*") {
    u.path = "*";
    return u;
  }
  std::string_view rest = raw;
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) continue;
    if ((c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.') {
      if (i == 0) break;
      continue;
    }
    if (c == ':') {
      if (i == 0) return InvalidArgumentError("missing protocol scheme");
      u.scheme = ToLower(raw.substr(0, i));
      rest = raw.substr(i + 1);
    }
    break;
  }
  size_t q = rest.find('?');
  if (!rest.empty() && rest.back() == '?' && q == rest.size() - 1) {
    u.force_query = true;
    rest.remove_suffix(1);
  } else if (q != std::string_view::npos) {
    u.raw_query = std::string(rest.substr(q + 1));
    rest = rest.substr(0, q);
  }
  if (!rest.starts_with("/")) {
    if (!u.scheme.empty()) {
      u.opaque = std::string(rest);
      return u;
    }
    std::string_view seg = rest.substr(0, rest.find('/'));
    if (seg.find(':') != std::string_view::npos) {
      return InvalidArgumentError("first path segment in URL cannot contain colon");
    }
  }
  if ((!u.scheme.empty() || !rest.starts_with("///")) && rest.starts_with("//")) {
    std::string_view authority = rest.substr(2);
    rest = std::string_view();
    size_t slash = authority.find('/');
    if (slash != std::string_view::npos) {
      rest = authority.substr(slash);
      authority = authority.substr(0, slash);
    }
    size_t at = authority.rfind('@');
    CAIRN_ASSIGN_OR_RETURN(
        u.host, ParseHost(at == std::string_view::npos ? authority : authority.substr(at + 1)));
    if (at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      if (!ValidUserinfo(userinfo)) return InvalidArgumentError("net/url: invalid userinfo");
      u.has_user = true;
      size_t colon = userinfo.find(':');
      if (colon == std::string_view::npos) {
        CAIRN_ASSIGN_OR_RETURN(u.username, UrlUnescape(userinfo, Encoding::kUserPassword));
      } else {
        CAIRN_ASSIGN_OR_RETURN(u.username,
                               UrlUnescape(userinfo.substr(0, colon), Encoding::kUserPassword));
        CAIRN_ASSIGN_OR_RETURN(u.password,
                               UrlUnescape(userinfo.substr(colon + 1), Encoding::kUserPassword));
        u.has_password = true;
      }
    }
  } else if (!u.scheme.empty() && rest.starts_with("/")) {
    u.omit_host = true;
  }
  CAIRN_ASSIGN_OR_RETURN(u.path, UrlUnescape(rest, Encoding::kPath));
  return u;
}

Result<Url> ParseUrl(std::string_view raw) {
  size_t hash = raw.find('#');
  std::string_view no_frag = raw.substr(0, hash);
  auto u = ParseUrlNoFrag(no_frag);
  if (!u.ok()) {
    return InvalidArgumentError("parse " + GoQuoteString(no_frag) + ": " + u.status().message());
  }
  if (hash != std::string_view::npos) {
    auto f = UrlUnescape(raw.substr(hash + 1), Encoding::kFragment);
    if (!f.ok()) {
      return InvalidArgumentError("parse " + GoQuoteString(raw) + ": " + f.status().message());
    }
    u->fragment = *f;
  }
  return u;
}

std::string UserString(const Url& u) {
  std::string s = UrlEscape(u.username, Encoding::kUserPassword);
  if (u.has_password) s += ":" + UrlEscape(u.password, Encoding::kUserPassword);
  return s;
}

std::string Hostname(std::string_view host) {
  size_t colon = host.rfind(':');
  if (colon != std::string_view::npos && ValidOptionalPort(host.substr(colon))) {
    host = host.substr(0, colon);
  }
  if (host.starts_with("[") && host.ends_with("]")) host = host.substr(1, host.size() - 2);
  return std::string(host);
}

std::string UrlString(const Url& u) {
  std::string buf;
  if (!u.scheme.empty()) buf += u.scheme + ":";
  if (!u.opaque.empty()) {
    buf += u.opaque;
  } else {
    if (!u.scheme.empty() || !u.host.empty() || u.has_user) {
      if (!(u.omit_host && u.host.empty() && !u.has_user)) {
        if (!u.host.empty() || !u.path.empty() || u.has_user) buf += "//";
        if (u.has_user) buf += UserString(u) + "@";
        if (!u.host.empty()) buf += UrlEscape(u.host, Encoding::kHost);
      }
    }
    std::string path = u.path == "*" ? "*" : UrlEscape(u.path, Encoding::kPath);
    if (!path.empty() && path[0] != '/' && !u.host.empty()) buf += '/';
    if (buf.empty()) {
      std::string_view seg = std::string_view(path).substr(0, path.find('/'));
      if (seg.find(':') != std::string_view::npos) buf += "./";
    }
    buf += path;
  }
  if (u.force_query || !u.raw_query.empty()) buf += "?" + u.raw_query;
  if (!u.fragment.empty()) buf += "#" + UrlEscape(u.fragment, Encoding::kFragment);
  return buf;
}

Result<std::string> DictString(const Map& d, const std::string& key) {
  auto it = d.find(key);
  if (it == d.end()) return std::string();
  if (it->second.kind() != Value::Kind::kString) {
    if (it->second.is_nil())
      return InvalidArgumentError(
          "runtime error: invalid memory address or nil pointer dereference");
    return InvalidArgumentError("unable to parse " + key + " key, must be of type string, but " +
                                it->second.KindName() + " found");
  }
  return it->second.as_string();
}

// ============================== Defaults & JSON =========================================

Func JsonFunc(std::string name, std::string_view indent, bool escape_html, bool must) {
  return [name, indent, escape_html, must](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 1));
    auto r = MarshalJson(args[0], indent, escape_html);
    if (!r.ok()) {
      if (must || r.status().code() == StatusCode::kResourceExhausted) return r.status();
      return Value::String("");
    }
    CAIRN_RETURN_IF_ERROR(CheckStringSize(name, r->size()));
    return Value::String(std::move(*r));
  };
}

}  // namespace

void AddSprigMiscFuncs(FuncMap& funcs, const FuncEnv& env) {
  (void)env;
  // Defaults.
  funcs["default"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("default", args, 1));
    if (args.size() < 2 || IsEmpty(args[1])) return args[0];
    return args[1];
  };
  funcs["empty"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("empty", args, 1));
    return Value::Bool(IsEmpty(args[0]));
  };
  funcs["coalesce"] = [](std::span<const Value> args) -> Result<Value> {
    for (const Value& v : args) {
      if (!IsEmpty(v)) return v;
    }
    return Value();
  };
  funcs["all"] = [](std::span<const Value> args) -> Result<Value> {
    for (const Value& v : args) {
      if (IsEmpty(v)) return Value::Bool(false);
    }
    return Value::Bool(true);
  };
  funcs["any"] = [](std::span<const Value> args) -> Result<Value> {
    for (const Value& v : args) {
      if (!IsEmpty(v)) return Value::Bool(true);
    }
    return Value::Bool(false);
  };
  funcs["ternary"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("ternary", args, 3));
    CAIRN_ASSIGN_OR_RETURN(bool b, ArgBool(args[2]));
    return b ? args[0] : args[1];
  };
  funcs["fromJson"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("fromJson", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
    auto v = ParseJsonValue(s);
    return v.ok() ? *v : Value();
  };
  funcs["mustFromJson"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("mustFromJson", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
    return ParseJsonValue(s);
  };
  funcs["toJson"] = JsonFunc("toJson", "", true, false);
  funcs["mustToJson"] = JsonFunc("mustToJson", "", true, true);
  funcs["toPrettyJson"] = JsonFunc("toPrettyJson", "  ", true, false);
  funcs["mustToPrettyJson"] = JsonFunc("mustToPrettyJson", "  ", true, true);
  // toRawJson panics on error in sprig (the template fails either way).
  funcs["toRawJson"] = JsonFunc("toRawJson", "", false, true);
  funcs["mustToRawJson"] = JsonFunc("mustToRawJson", "", false, true);

  // Reflection.
  funcs["typeOf"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("typeOf", args, 1));
    return Value::String(args[0].TypeName());
  };
  funcs["typeIs"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("typeIs", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string target, ArgString(args[0]));
    return Value::Bool(target == args[1].TypeName());
  };
  funcs["typeIsLike"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("typeIsLike", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string target, ArgString(args[0]));
    std::string t = args[1].TypeName();
    return Value::Bool(target == t || "*" + target == t);
  };
  funcs["kindOf"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("kindOf", args, 1));
    return Value::String(args[0].KindName());
  };
  funcs["kindIs"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("kindIs", args, 2));
    CAIRN_ASSIGN_OR_RETURN(std::string target, ArgString(args[0]));
    return Value::Bool(target == args[1].KindName());
  };
  funcs["deepEqual"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("deepEqual", args, 2));
    return Value::Bool(DeepEqual(args[0], args[1]));
  };

  AddRegexFuncs(funcs);

  // Paths (path and path/filepath are the same on a Unix system).
  auto path_fn = [](std::string name, std::string (*f)(std::string_view)) -> Func {
    return [name, f](std::span<const Value> args) -> Result<Value> {
      CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 1));
      CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
      return Value::String(f(s));
    };
  };
  auto is_abs = [](std::string name) -> Func {
    return [name](std::span<const Value> args) -> Result<Value> {
      CAIRN_RETURN_IF_ERROR(CheckArgs(name, args, 1));
      CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
      return Value::Bool(!s.empty() && s[0] == '/');
    };
  };
  funcs["base"] = path_fn("base", PathBase);
  funcs["dir"] = path_fn("dir", PathDir);
  funcs["clean"] = path_fn("clean", PathClean);
  funcs["ext"] = path_fn("ext", PathExt);
  funcs["isAbs"] = is_abs("isAbs");
  funcs["osBase"] = path_fn("osBase", PathBase);
  funcs["osDir"] = path_fn("osDir", PathDir);
  funcs["osClean"] = path_fn("osClean", PathClean);
  funcs["osExt"] = path_fn("osExt", PathExt);
  funcs["osIsAbs"] = is_abs("osIsAbs");

  // URLs.
  funcs["urlParse"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("urlParse", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string s, ArgString(args[0]));
    auto u = ParseUrl(s);
    if (!u.ok()) return InvalidArgumentError("unable to parse url: " + u.status().message());
    Map m;
    m["scheme"] = Value::String(u->scheme);
    m["host"] = Value::String(u->host);
    m["hostname"] = Value::String(Hostname(u->host));
    m["path"] = Value::String(u->path);
    m["query"] = Value::String(u->raw_query);
    m["opaque"] = Value::String(u->opaque);
    m["fragment"] = Value::String(u->fragment);
    m["userinfo"] = Value::String(u->has_user ? UserString(*u) : "");
    return Value::MakeMap(std::move(m));
  };
  funcs["urlJoin"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("urlJoin", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const Map* d, ArgMap(args[0]));
    Map empty;
    if (d == nullptr) d = &empty;
    Url u;
    CAIRN_ASSIGN_OR_RETURN(u.scheme, DictString(*d, "scheme"));
    CAIRN_ASSIGN_OR_RETURN(u.host, DictString(*d, "host"));
    CAIRN_ASSIGN_OR_RETURN(u.path, DictString(*d, "path"));
    CAIRN_ASSIGN_OR_RETURN(u.raw_query, DictString(*d, "query"));
    CAIRN_ASSIGN_OR_RETURN(u.opaque, DictString(*d, "opaque"));
    CAIRN_ASSIGN_OR_RETURN(u.fragment, DictString(*d, "fragment"));
    CAIRN_ASSIGN_OR_RETURN(std::string userinfo, DictString(*d, "userinfo"));
    if (!userinfo.empty()) {
      auto tmp = ParseUrl("proto://" + userinfo + "@host");
      if (!tmp.ok()) {
        return InvalidArgumentError("unable to parse userinfo in dict: " + tmp.status().message());
      }
      u.has_user = tmp->has_user;
      u.has_password = tmp->has_password;
      u.username = tmp->username;
      u.password = tmp->password;
    }
    return Value::String(UrlString(u));
  };

  // Network: templates must not make the CA resolve names.
  funcs["getHostByName"] = [](std::span<const Value>) -> Result<Value> {
    return UnimplementedError("getHostByName is not supported");
  };
  // Semantic versions are not implemented.
  for (const char* name : {"semver", "semverCompare"}) {
    std::string n = name;
    funcs[n] = [n](std::span<const Value>) -> Result<Value> {
      return UnimplementedError(n + " is not supported by cairn");
    };
  }
  // sprig's own fail; AddStepFunctions replaces it with step's.
  funcs["fail"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("fail", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string msg, ArgString(args[0]));
    return InvalidArgumentError(msg);
  };
}

}  // namespace cairn::templates::internal
