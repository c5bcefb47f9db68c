#include "base/json_flat.h"

#include <cstdint>
#include <string>

namespace cairn {
namespace {

// kMaxDigits keeps every accepted integer within int64_t and uint64_t.
constexpr size_t kMaxDigits = 18;

class FlatParser {
 public:
  explicit FlatParser(std::string_view text) : p_(text.data()), end_(text.data() + text.size()) {}

  std::optional<nlohmann::json> Object() {
    SkipSpace();
    if (!Eat('{')) return std::nullopt;
    nlohmann::json out = nlohmann::json::object();
    SkipSpace();
    if (!Eat('}')) {
      while (true) {
        SkipSpace();
        std::optional<std::string> key = String();
        if (!key) return std::nullopt;
        SkipSpace();
        if (!Eat(':')) return std::nullopt;
        SkipSpace();
        std::optional<nlohmann::json> value = Value();
        if (!value) return std::nullopt;
        auto [it, inserted] =
            out.get_ref<nlohmann::json::object_t&>().emplace(std::string(*key), std::move(*value));
        if (!inserted) return std::nullopt;  // a duplicate name: the caller's parser decides
        SkipSpace();
        if (Eat(',')) continue;
        if (Eat('}')) break;
        return std::nullopt;
      }
    }
    SkipSpace();
    if (p_ != end_) return std::nullopt;
    return out;
  }

 private:
  void SkipSpace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool Eat(char c) {
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }

  // String reads a string of printable ASCII and the escapes \" \\ \/ \b \f \n \r \t (not
  // \uXXXX), and returns what it denotes.
  std::optional<std::string> String() {
    if (!Eat('"')) return std::nullopt;
    std::string out;
    const char* run = p_;  // start of the pending run of plain characters
    while (p_ != end_) {
      const unsigned char c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        out.append(run, p_);
        ++p_;
        return out;
      }
      if (c < 0x20 || c > 0x7e) return std::nullopt;
      if (c != '\\') {
        ++p_;
        continue;
      }
      out.append(run, p_);
      if (++p_ == end_) return std::nullopt;
      switch (*p_) {
        case '"':
        case '\\':
        case '/':
          out.push_back(*p_);
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        default:
          return std::nullopt;  // \uXXXX (and anything invalid): the full parser's
      }
      run = ++p_;
    }
    return std::nullopt;
  }

  bool Literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return false;
    }
    p_ += word.size();
    return true;
  }

  // Integer reads -?(0|[1-9][0-9]*) of at most kMaxDigits digits, followed by neither a
  // fraction nor an exponent. Non-negative values are unsigned, as nlohmann reads them.
  std::optional<nlohmann::json> Integer() {
    const bool negative = Eat('-');
    const char* start = p_;
    uint64_t v = 0;
    while (p_ != end_ && *p_ >= '0' && *p_ <= '9') {
      v = v * 10 + static_cast<uint64_t>(*p_ - '0');
      ++p_;
    }
    const size_t digits = static_cast<size_t>(p_ - start);
    if (digits == 0 || digits > kMaxDigits || (digits > 1 && *start == '0')) return std::nullopt;
    if (p_ != end_ && (*p_ == '.' || *p_ == 'e' || *p_ == 'E')) return std::nullopt;
    if (negative) {
      if (v == 0) return std::nullopt;  // "-0": leave it to the full parser
      return nlohmann::json(-static_cast<int64_t>(v));
    }
    return nlohmann::json(v);
  }

  std::optional<nlohmann::json> Value() {
    if (p_ == end_) return std::nullopt;
    switch (*p_) {
      case '"': {
        std::optional<std::string> s = String();
        if (!s) return std::nullopt;
        return nlohmann::json(std::move(*s));
      }
      case '[': {
        ++p_;
        nlohmann::json arr = nlohmann::json::array();
        SkipSpace();
        if (Eat(']')) return arr;
        while (true) {
          SkipSpace();
          std::optional<std::string> s = String();
          if (!s) return std::nullopt;
          arr.push_back(std::move(*s));
          SkipSpace();
          if (Eat(',')) continue;
          if (Eat(']')) return arr;
          return std::nullopt;
        }
      }
      case 't':
        if (Literal("true")) return nlohmann::json(true);
        return std::nullopt;
      case 'f':
        if (Literal("false")) return nlohmann::json(false);
        return std::nullopt;
      case 'n':
        if (Literal("null")) return nlohmann::json(nullptr);
        return std::nullopt;
      default:
        return Integer();
    }
  }

  const char* p_;
  const char* end_;
};

}  // namespace

std::optional<nlohmann::json> ParseFlatJsonObject(std::string_view text) {
  return FlatParser(text).Object();
}

}  // namespace cairn
