// The template parser: a port of Go's text/template/parse/parse.go, function for function,
// including its three-token lookahead, so that the trees and the error messages (with the
// line of the token last read) match Go's.
//
// Errors unwind with a private exception, as Go's parser panics; ParseProgram catches it and
// nothing escapes this file. Recursion is bounded by Limits::max_depth.

#include <charconv>
#include <cmath>
#include <cstring>
#include <exception>
#include <utility>

#include "templates/gofmt.h"
#include "templates/internal/ast.h"
#include "templates/internal/builtins.h"
#include "templates/internal/lexer.h"
#include "templates/template.h"

namespace cairn::templates {

namespace internal {

namespace {

// Go's maxPipelineCmds.
constexpr size_t kMaxPipelineCmds = 100000;

struct ParseFailure {
  Status status;
};

std::string Quote(std::string_view s) {
  Value v = Value::String(std::string(s));
  return GoSprintf("%q", std::span<const Value>(&v, 1));
}

// ---- strconv: the number syntax of Go literals ------------------------------------------

char Lower(char c) { return static_cast<char>(c | ('x' - 'X')); }

// UnderscoreOk is strconv's underscoreOK: underscores only between digits or after a base
// prefix.
bool UnderscoreOk(std::string_view s) {
  char saw = '^';  // ^ start, 0 digit or prefix, _ underscore, ! other
  size_t i = 0;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) s.remove_prefix(1);
  bool hex = false;
  if (s.size() >= 2 && s[0] == '0' &&
      (Lower(s[1]) == 'b' || Lower(s[1]) == 'o' || Lower(s[1]) == 'x')) {
    i = 2;
    saw = '0';
    hex = Lower(s[1]) == 'x';
  }
  for (; i < s.size(); i++) {
    char c = s[i];
    if ((c >= '0' && c <= '9') || (hex && Lower(c) >= 'a' && Lower(c) <= 'f')) {
      saw = '0';
      continue;
    }
    if (c == '_') {
      if (saw != '0') return false;
      saw = '_';
      continue;
    }
    if (saw == '_') return false;
    saw = '!';
  }
  return saw != '_';
}

// ParseUint is strconv.ParseUint(s, 0, 64).
bool ParseUint(std::string_view s0, uint64_t* out) {
  if (s0.empty()) return false;
  std::string_view s = s0;
  uint64_t base = 10;
  if (s[0] == '0') {
    if (s.size() >= 3 && Lower(s[1]) == 'b') {
      base = 2;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'o') {
      base = 8;
      s.remove_prefix(2);
    } else if (s.size() >= 3 && Lower(s[1]) == 'x') {
      base = 16;
      s.remove_prefix(2);
    } else {
      base = 8;
      s.remove_prefix(1);
    }
  }
  const uint64_t cutoff = UINT64_MAX / base + 1;
  bool underscores = false;
  uint64_t n = 0;
  for (char c : s) {
    uint64_t d;
    if (c == '_') {
      underscores = true;
      continue;
    } else if (c >= '0' && c <= '9') {
      d = static_cast<uint64_t>(c - '0');
    } else if (Lower(c) >= 'a' && Lower(c) <= 'z') {
      d = static_cast<uint64_t>(Lower(c) - 'a' + 10);
    } else {
      return false;
    }
    if (d >= base) return false;
    if (n >= cutoff) return false;  // out of range
    n *= base;
    uint64_t n1 = n + d;
    if (n1 < n) return false;
    n = n1;
  }
  if (underscores && !UnderscoreOk(s0)) return false;
  *out = n;
  return true;
}

// ParseInt is strconv.ParseInt(s, 0, 64).
bool ParseInt(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  bool neg = false;
  if (s[0] == '+') {
    s.remove_prefix(1);
  } else if (s[0] == '-') {
    neg = true;
    s.remove_prefix(1);
  }
  uint64_t un;
  if (!ParseUint(s, &un)) return false;
  constexpr uint64_t kCutoff = uint64_t{1} << 63;
  if (!neg && un >= kCutoff) return false;
  if (neg && un > kCutoff) return false;
  *out = neg ? static_cast<int64_t>(~un + 1) : static_cast<int64_t>(un);
  return true;
}

// ParseFloat is strconv.ParseFloat(s, 64) for the forms the lexer produces: decimal and
// hexadecimal (with mandatory p exponent) mantissas, underscores between digits. The
// syntax is checked as Go's readFloat does; the value is converted by from_chars, which
// rounds correctly as Go does. Overflow fails, as Go's ErrRange does.
bool ParseFloat(std::string_view s, double* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) {
    neg = s[i] == '-';
    i++;
  }
  bool hex = false;
  if (i + 1 < s.size() && s[i] == '0' && Lower(s[i + 1]) == 'x') {
    hex = true;
    i += 2;
  }
  std::string clean;  // mantissa and exponent without underscores or prefix
  bool underscores = false, saw_dot = false, saw_digits = false;
  for (; i < s.size(); i++) {
    char c = s[i];
    if (c == '_') {
      underscores = true;
    } else if (c == '.') {
      if (saw_dot) break;
      saw_dot = true;
      clean += c;
    } else if ((c >= '0' && c <= '9') || (hex && Lower(c) >= 'a' && Lower(c) <= 'f')) {
      saw_digits = true;
      clean += c;
    } else {
      break;
    }
  }
  if (!saw_digits) return false;
  int64_t exp_sign = 1;
  bool big_exp = false;
  if (i < s.size() && Lower(s[i]) == (hex ? 'p' : 'e')) {
    clean += hex ? 'p' : 'e';
    i++;
    if (i >= s.size()) return false;
    if (s[i] == '+' || s[i] == '-') {
      if (s[i] == '-') exp_sign = -1;
      clean += s[i];
      i++;
    }
    if (i >= s.size() || s[i] < '0' || s[i] > '9') return false;
    int64_t e = 0;
    for (; i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '_'); i++) {
      if (s[i] == '_') {
        underscores = true;
        continue;
      }
      if (e < 100000) e = e * 10 + (s[i] - '0');
      clean += s[i];
    }
    big_exp = exp_sign > 0 && e >= 100000;
  } else if (hex) {
    return false;  // a hexadecimal mantissa needs a p exponent
  }
  if (underscores && !UnderscoreOk(s.substr(0, i))) return false;
  if (i != s.size()) return false;
  double v = 0;
  auto res = std::from_chars(clean.data(), clean.data() + clean.size(), v,
                             hex ? std::chars_format::hex : std::chars_format::general);
  if (res.ptr != clean.data() + clean.size()) return false;
  if (res.ec == std::errc::result_out_of_range) {
    // Overflow is an error; underflow rounds to zero.
    if (big_exp || exp_sign > 0) return false;
    v = 0;
  } else if (res.ec != std::errc()) {
    return false;
  }
  if (std::isinf(v)) return false;
  *out = neg ? -v : v;
  return true;
}

bool FitsInt64(double f) { return f >= -9223372036854775808.0 && f < 9223372036854775808.0; }
bool FitsUint64(double f) { return f >= 0 && f < 18446744073709551616.0; }

// SimplifyComplex pulls out the real types a complex number with zero imaginary part has.
void SimplifyComplex(NumberNode* n) {
  n->is_float = n->imag == 0;
  if (n->is_float) {
    n->float64 = n->real;
    n->is_int = FitsInt64(n->real) && static_cast<double>(static_cast<int64_t>(n->real)) == n->real;
    if (n->is_int) n->int64 = static_cast<int64_t>(n->real);
    n->is_uint =
        FitsUint64(n->real) && static_cast<double>(static_cast<uint64_t>(n->real)) == n->real;
    if (n->is_uint) n->uint64 = static_cast<uint64_t>(n->real);
  }
}

// IsEmptyTree is parse.IsEmptyTree: a tree of nothing but spaces and comments.
bool IsEmptyTree(const Node* n) {
  if (n == nullptr) return true;
  switch (n->type) {
    case NodeType::kComment:
      return true;
    case NodeType::kList:
      for (const auto& c : static_cast<const ListNode*>(n)->nodes) {
        if (!IsEmptyTree(c.get())) return false;
      }
      return true;
    case NodeType::kText: {
      // bytes.TrimSpace: ASCII white space plus U+0085 and U+00A0.
      std::string_view t = static_cast<const TextNode*>(n)->text;
      for (size_t i = 0; i < t.size(); i++) {
        auto c = static_cast<unsigned char>(t[i]);
        if (c == ' ' || (c >= '\t' && c <= '\r')) continue;
        if (c == 0xC2 && i + 1 < t.size() &&
            (static_cast<unsigned char>(t[i + 1]) == 0x85 ||
             static_cast<unsigned char>(t[i + 1]) == 0xA0)) {
          i++;
          continue;
        }
        return false;
      }
      return true;
    }
    default:
      return false;
  }
}

// Shared is what the parsers of one text share: the lexer, the trees found so far and the
// nesting counter.
struct Shared {
  std::string parse_name;
  const FuncMap* funcs;
  Lexer* lex;
  std::map<std::string, std::unique_ptr<Tree>, std::less<>>* trees;
  int max_depth;
  int depth = 0;
};

// TreeParser parses one template: the top level or a define/block body (Go's Tree while
// parsing).
class TreeParser {
 public:
  TreeParser(Shared& shared, std::string name) : s_(shared), name_(std::move(name)) {}

  void ParseTop();
  void ParseDefinition();
  void Add();

 private:
  // Token stream with three tokens of lookahead.
  Item& Next() {
    if (peek_count_ > 0) {
      peek_count_--;
    } else {
      token_[0] = s_.lex->NextItem();
    }
    return token_[peek_count_];
  }
  void Backup() { peek_count_++; }
  void Backup2(Item t1) {
    token_[1] = std::move(t1);
    peek_count_ = 2;
  }
  void Backup3(Item t2, Item t1) {  // reverse order: we're pushing back
    token_[1] = std::move(t1);
    token_[2] = std::move(t2);
    peek_count_ = 3;
  }
  Item& Peek() {
    if (peek_count_ > 0) return token_[peek_count_ - 1];
    peek_count_ = 1;
    token_[0] = s_.lex->NextItem();
    return token_[0];
  }
  Item NextNonSpace() {
    for (;;) {
      Item& t = Next();
      if (t.type != ItemType::kSpace) return t;
    }
  }
  Item PeekNonSpace() {
    Item t = NextNonSpace();
    Backup();
    return t;
  }

  [[noreturn]] void Fail(StatusCode code, const std::string& message) {
    throw ParseFailure{Status(code, "template: " + s_.parse_name + ":" +
                                        std::to_string(token_[0].line) + ": " + message)};
  }
  [[noreturn]] void Errorf(const std::string& message) {
    Fail(StatusCode::kInvalidArgument, message);
  }
  [[noreturn]] void Unexpected(const Item& token, std::string_view context);
  Item Expect(ItemType expected, std::string_view context) {
    Item token = NextNonSpace();
    if (token.type != expected) Unexpected(token, context);
    return token;
  }
  Item ExpectOneOf(ItemType e1, ItemType e2, std::string_view context) {
    Item token = NextNonSpace();
    if (token.type != e1 && token.type != e2) Unexpected(token, context);
    return token;
  }

  // Nesting guard for control structures and parenthesized pipelines.
  class Nest {
   public:
    Nest(TreeParser* p, bool expression) : p_(p) {
      if (++p_->s_.depth > p_->s_.max_depth) {
        p_->Fail(StatusCode::kResourceExhausted, expression
                                                     ? "max expression depth exceeded"
                                                     : "max control structure depth exceeded");
      }
    }
    ~Nest() { --p_->s_.depth; }
    Nest(const Nest&) = delete;
    Nest& operator=(const Nest&) = delete;

   private:
    TreeParser* p_;
  };

  bool HasFunction(std::string_view name) const {
    return s_.funcs->find(name) != s_.funcs->end() || FindBuiltin(name) != nullptr;
  }

  std::unique_ptr<ListNode> ItemList(NodePtr* next);
  NodePtr TextOrAction();
  NodePtr Action();
  NodePtr BreakControl(int pos, int line, bool is_break);
  std::unique_ptr<PipeNode> Pipeline(std::string_view context, ItemType end);
  void CheckPipeline(const PipeNode& pipe, std::string_view context);
  NodePtr ParseControl(NodeType type, std::string_view context);
  NodePtr EndControl();
  NodePtr ElseControl();
  NodePtr BlockControl();
  NodePtr TemplateControl();
  std::string ParseTemplateName(const Item& token, std::string_view context);
  std::unique_ptr<CommandNode> Command();
  NodePtr Operand();
  NodePtr Term();
  NodePtr NewNumber(int pos, const std::string& text, ItemType type);
  NodePtr UseVar(int pos, const std::string& name);

  Shared& s_;
  std::string name_;
  std::unique_ptr<ListNode> root_;
  Item token_[3];
  int peek_count_ = 0;
  std::vector<std::string> vars_{"$"};  // variables defined at the moment
  int action_line_ = 0;                 // line of the "{{" starting the current action
  int range_depth_ = 0;
};

void TreeParser::Unexpected(const Item& token, std::string_view context) {
  if (token.type == ItemType::kError) {
    std::string extra;
    if (action_line_ != 0 && action_line_ != token.line) {
      extra = " in action started at " + s_.parse_name + ":" + std::to_string(action_line_);
      if (token.val.ends_with(" action")) extra.erase(0, std::strlen(" in action"));
    }
    Errorf(ItemString(token) + extra);
  }
  Errorf("unexpected " + ItemString(token) + " in " + std::string(context));
}

// Add installs the finished tree, unless a non-empty one of that name exists.
void TreeParser::Add() {
  auto it = s_.trees->find(name_);
  if (it == s_.trees->end() || IsEmptyTree(it->second->root.get())) {
    auto tree = std::make_unique<Tree>();
    tree->name = name_;
    tree->root = std::move(root_);
    (*s_.trees)[name_] = std::move(tree);
    return;
  }
  if (!IsEmptyTree(root_.get()))
    Errorf("template: multiple definition of template " + Quote(name_));
}

// ParseTop is Go's parse(): the top level, which may hold {{define}}s.
void TreeParser::ParseTop() {
  root_ = std::make_unique<ListNode>(Peek().pos);
  while (Peek().type != ItemType::kEof) {
    if (Peek().type == ItemType::kLeftDelim) {
      Item delim = Next();
      if (NextNonSpace().type == ItemType::kDefine) {
        TreeParser def(s_, "definition");  // renamed once the name is known
        def.ParseDefinition();
        continue;
      }
      Backup2(std::move(delim));
    }
    NodePtr n = TextOrAction();
    if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
      Errorf("unexpected " + n->String());
    }
    root_->nodes.push_back(std::move(n));
  }
  Add();
}

// ParseDefinition parses {{define "name"}} ... {{end}}; "define" has been read.
void TreeParser::ParseDefinition() {
  constexpr std::string_view kContext = "define clause";
  Item name = ExpectOneOf(ItemType::kString, ItemType::kRawString, kContext);
  auto unquoted = Unquote(name.val);
  if (!unquoted.ok()) Errorf(unquoted.status().message());
  name_ = *std::move(unquoted);
  Expect(ItemType::kRightDelim, kContext);
  NodePtr end;
  {
    Nest nest(this, false);
    root_ = ItemList(&end);
  }
  if (end->type != NodeType::kEnd) {
    Errorf("unexpected " + end->String() + " in " + std::string(kContext));
  }
  Add();
}

// ItemList parses textOrAction* up to an {{end}} or {{else}}, returned in *next.
std::unique_ptr<ListNode> TreeParser::ItemList(NodePtr* next) {
  auto list = std::make_unique<ListNode>(PeekNonSpace().pos);
  while (PeekNonSpace().type != ItemType::kEof) {
    NodePtr n = TextOrAction();
    if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
      *next = std::move(n);
      return list;
    }
    list->nodes.push_back(std::move(n));
  }
  Errorf("unexpected EOF");
}

NodePtr TreeParser::TextOrAction() {
  Item token = NextNonSpace();
  switch (token.type) {
    case ItemType::kText:
      return std::make_unique<TextNode>(token.pos, std::move(token.val));
    case ItemType::kLeftDelim: {
      action_line_ = token.line;
      struct Clear {
        int* line;
        ~Clear() { *line = 0; }
      } clear{&action_line_};
      return Action();
    }
    case ItemType::kComment:
      return std::make_unique<CommentNode>(token.pos, std::move(token.val));
    default:
      Unexpected(token, "input");
  }
}

// Action parses a control structure or a pipeline; the "{{" has been read.
NodePtr TreeParser::Action() {
  Item token = NextNonSpace();
  switch (token.type) {
    case ItemType::kBlock:
      return BlockControl();
    case ItemType::kBreak:
      return BreakControl(token.pos, token.line, true);
    case ItemType::kContinue:
      return BreakControl(token.pos, token.line, false);
    case ItemType::kElse:
      return ElseControl();
    case ItemType::kEnd:
      return EndControl();
    case ItemType::kIf:
      return ParseControl(NodeType::kIf, "if");
    case ItemType::kRange:
      return ParseControl(NodeType::kRange, "range");
    case ItemType::kTemplate:
      return TemplateControl();
    case ItemType::kWith:
      return ParseControl(NodeType::kWith, "with");
    default:
      break;
  }
  Backup();
  Item& peek = Peek();
  int pos = peek.pos;
  int line = peek.line;
  // Variables declared here persist until the enclosing {{end}}.
  return std::make_unique<ActionNode>(pos, line, Pipeline("command", ItemType::kRightDelim));
}

NodePtr TreeParser::BreakControl(int pos, int line, bool is_break) {
  std::string_view what = is_break ? "{{break}}" : "{{continue}}";
  Item token = NextNonSpace();
  if (token.type != ItemType::kRightDelim) Unexpected(token, what);
  if (range_depth_ == 0) Errorf(std::string(what) + " outside {{range}}");
  if (is_break) return std::make_unique<BreakNode>(pos, line);
  return std::make_unique<ContinueNode>(pos, line);
}

// Pipeline parses: declarations? command ('|' command)*
std::unique_ptr<PipeNode> TreeParser::Pipeline(std::string_view context, ItemType end) {
  Item token = PeekNonSpace();
  auto pipe = std::make_unique<PipeNode>(token.pos, token.line);
  // Declarations or assignments?
  for (bool more = true; more;) {
    more = false;
    Item v = PeekNonSpace();
    if (v.type != ItemType::kVariable) break;
    Next();
    // With spaces as tokens, "$x foo" needs three tokens of lookahead to tell an argument
    // from a declaration, so remember the token next to the variable.
    Item token_after_variable = Peek();
    Item next = PeekNonSpace();
    if (next.type == ItemType::kAssign || next.type == ItemType::kDeclare) {
      pipe->is_assign = next.type == ItemType::kAssign;
      NextNonSpace();
      pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, std::vector<std::string>{v.val}));
      vars_.push_back(v.val);
    } else if (next.type == ItemType::kChar && next.val == ",") {
      NextNonSpace();
      pipe->decl.push_back(std::make_unique<VariableNode>(v.pos, std::vector<std::string>{v.val}));
      vars_.push_back(v.val);
      if (context == "range" && pipe->decl.size() < 2) {
        ItemType t = PeekNonSpace().type;
        if (t == ItemType::kVariable || t == ItemType::kRightDelim || t == ItemType::kRightParen) {
          more = true;  // the second variable of a range
          continue;
        }
        Errorf("range can only initialize variables");
      }
      Errorf("too many declarations in " + std::string(context));
    } else if (token_after_variable.type == ItemType::kSpace) {
      Backup3(std::move(v), std::move(token_after_variable));
    } else {
      Backup2(std::move(v));
    }
  }
  for (;;) {
    Item t = NextNonSpace();
    if (t.type == end) {
      CheckPipeline(*pipe, context);
      return pipe;
    }
    switch (t.type) {
      case ItemType::kBool:
      case ItemType::kCharConstant:
      case ItemType::kComplex:
      case ItemType::kDot:
      case ItemType::kField:
      case ItemType::kIdentifier:
      case ItemType::kNumber:
      case ItemType::kNil:
      case ItemType::kRawString:
      case ItemType::kString:
      case ItemType::kVariable:
      case ItemType::kLeftParen:
        Backup();
        pipe->cmds.push_back(Command());
        if (pipe->cmds.size() > kMaxPipelineCmds) Errorf("pipeline too long");
        break;
      default:
        Unexpected(t, context);
    }
  }
}

void TreeParser::CheckPipeline(const PipeNode& pipe, std::string_view context) {
  if (pipe.cmds.empty()) Errorf("missing value for " + std::string(context));
  // Only the first command of a pipeline can start with a non-executable operand.
  for (size_t i = 1; i < pipe.cmds.size(); i++) {
    switch (pipe.cmds[i]->args[0]->type) {
      case NodeType::kBool:
      case NodeType::kDot:
      case NodeType::kNil:
      case NodeType::kNumber:
      case NodeType::kString:
        Errorf("non executable command in pipeline stage " + std::to_string(i + 1));
      default:
        break;
    }
  }
}

// ParseControl parses {{if|range|with pipeline}} list ({{else}} list)? {{end}}, treating
// {{else if ...}} (and {{else with ...}}) as {{else}}{{if ...}}...{{end}}{{end}}.
NodePtr TreeParser::ParseControl(NodeType type, std::string_view context) {
  Nest nest(this, false);
  size_t vars_mark = vars_.size();
  std::unique_ptr<PipeNode> pipe = Pipeline(context, ItemType::kRightDelim);
  if (type == NodeType::kRange) range_depth_++;
  NodePtr next;
  std::unique_ptr<ListNode> list = ItemList(&next);
  if (type == NodeType::kRange) range_depth_--;
  std::unique_ptr<ListNode> else_list;
  if (next->type == NodeType::kElse) {
    if (type == NodeType::kIf && Peek().type == ItemType::kIf) {
      Next();  // consume the "if"
      else_list = std::make_unique<ListNode>(next->pos);
      else_list->nodes.push_back(ParseControl(NodeType::kIf, "if"));
    } else if (type == NodeType::kWith && Peek().type == ItemType::kWith) {
      Next();
      else_list = std::make_unique<ListNode>(next->pos);
      else_list->nodes.push_back(ParseControl(NodeType::kWith, "with"));
    } else {
      else_list = ItemList(&next);
      if (next->type != NodeType::kEnd) Errorf("expected end; found " + next->String());
    }
  }
  vars_.resize(vars_mark);
  int pos = pipe->pos;
  int line = pipe->line;
  return std::make_unique<BranchNode>(type, pos, line, std::move(pipe), std::move(list),
                                      std::move(else_list));
}

NodePtr TreeParser::EndControl() {
  return std::make_unique<EndNode>(Expect(ItemType::kRightDelim, "end").pos);
}

NodePtr TreeParser::ElseControl() {
  Item peek = PeekNonSpace();
  // {{else if ...}} and {{else with ...}} leave the keyword pending.
  if (peek.type == ItemType::kIf || peek.type == ItemType::kWith) {
    return std::make_unique<ElseNode>(peek.pos, peek.line);
  }
  Item token = Expect(ItemType::kRightDelim, "else");
  return std::make_unique<ElseNode>(token.pos, token.line);
}

// BlockControl parses {{block "name" pipeline}} body {{end}}: it defines "name" and calls it.
NodePtr TreeParser::BlockControl() {
  constexpr std::string_view kContext = "block clause";
  Item token = NextNonSpace();
  std::string name = ParseTemplateName(token, kContext);
  std::unique_ptr<PipeNode> pipe = Pipeline(kContext, ItemType::kRightDelim);
  {
    Nest nest(this, false);
    TreeParser block(s_, name);
    NodePtr end;
    block.root_ = block.ItemList(&end);
    if (end->type != NodeType::kEnd) {
      Errorf("unexpected " + end->String() + " in " + std::string(kContext));
    }
    block.Add();
  }
  return std::make_unique<TemplateNode>(token.pos, token.line, name, Quote(name), std::move(pipe));
}

NodePtr TreeParser::TemplateControl() {
  constexpr std::string_view kContext = "template clause";
  Item token = NextNonSpace();
  std::string name = ParseTemplateName(token, kContext);
  std::unique_ptr<PipeNode> pipe;
  if (NextNonSpace().type != ItemType::kRightDelim) {
    Backup();
    // Variables declared here persist until the enclosing {{end}}.
    pipe = Pipeline(kContext, ItemType::kRightDelim);
  }
  return std::make_unique<TemplateNode>(token.pos, token.line, name, Quote(name), std::move(pipe));
}

std::string TreeParser::ParseTemplateName(const Item& token, std::string_view context) {
  if (token.type == ItemType::kString || token.type == ItemType::kRawString) {
    auto s = Unquote(token.val);
    if (!s.ok()) Errorf(s.status().message());
    return *std::move(s);
  }
  Unexpected(token, context);
}

// Command parses operand (space operand)* up to a '|' (consumed) or a right delimiter or
// parenthesis (left for the caller).
std::unique_ptr<CommandNode> TreeParser::Command() {
  auto cmd = std::make_unique<CommandNode>(PeekNonSpace().pos);
  for (;;) {
    PeekNonSpace();  // skip leading spaces
    NodePtr operand = Operand();
    if (operand) cmd->args.push_back(std::move(operand));
    Item& token = Next();
    if (token.type == ItemType::kSpace) continue;
    if (token.type == ItemType::kRightDelim || token.type == ItemType::kRightParen) {
      Backup();
    } else if (token.type != ItemType::kPipe) {
      Unexpected(token, "operand");
    }
    break;
  }
  if (cmd->args.empty()) Errorf("empty command");
  return cmd;
}

// Operand parses term .Field*.
NodePtr TreeParser::Operand() {
  NodePtr node = Term();
  if (!node) return nullptr;
  if (Peek().type == ItemType::kField) {
    auto chain = std::make_unique<ChainNode>(Peek().pos, nullptr);
    while (Peek().type == ItemType::kField) chain->field.push_back(Next().val.substr(1));
    // Fields after a field or variable extend it; after a literal they are an error; after
    // anything else (a parenthesized pipeline, a function) they form a chain.
    switch (node->type) {
      case NodeType::kField: {
        std::vector<std::string> ident = static_cast<FieldNode*>(node.get())->ident;
        ident.insert(ident.end(), chain->field.begin(), chain->field.end());
        return std::make_unique<FieldNode>(chain->pos, std::move(ident));
      }
      case NodeType::kVariable: {
        std::vector<std::string> ident = static_cast<VariableNode*>(node.get())->ident;
        ident.insert(ident.end(), chain->field.begin(), chain->field.end());
        return std::make_unique<VariableNode>(chain->pos, std::move(ident));
      }
      case NodeType::kBool:
      case NodeType::kString:
      case NodeType::kNumber:
      case NodeType::kNil:
      case NodeType::kDot:
        Errorf("unexpected . after term " + Quote(node->String()));
      default:
        chain->node = std::move(node);
        return chain;
    }
  }
  return node;
}

// Term parses a literal, a function name, ., .Field, $x or a parenthesized pipeline; null
// when the next item is none of these.
NodePtr TreeParser::Term() {
  Item token = NextNonSpace();
  switch (token.type) {
    case ItemType::kIdentifier:
      if (!HasFunction(token.val)) Errorf("function " + Quote(token.val) + " not defined");
      return std::make_unique<IdentifierNode>(token.pos, std::move(token.val));
    case ItemType::kDot:
      return std::make_unique<DotNode>(token.pos);
    case ItemType::kNil:
      return std::make_unique<NilNode>(token.pos);
    case ItemType::kVariable:
      return UseVar(token.pos, token.val);
    case ItemType::kField:
      return std::make_unique<FieldNode>(token.pos, std::vector<std::string>{token.val.substr(1)});
    case ItemType::kBool:
      return std::make_unique<BoolNode>(token.pos, token.val == "true");
    case ItemType::kCharConstant:
    case ItemType::kComplex:
    case ItemType::kNumber:
      return NewNumber(token.pos, token.val, token.type);
    case ItemType::kLeftParen: {
      Nest nest(this, true);
      return Pipeline("parenthesized pipeline", ItemType::kRightParen);
    }
    case ItemType::kString:
    case ItemType::kRawString: {
      auto s = Unquote(token.val);
      if (!s.ok()) Errorf(s.status().message());
      return std::make_unique<StringNode>(token.pos, token.val, *std::move(s));
    }
    default:
      Backup();
      return nullptr;
  }
}

NodePtr TreeParser::UseVar(int pos, const std::string& name) {
  for (const auto& v : vars_) {
    if (v == name) return std::make_unique<VariableNode>(pos, std::vector<std::string>{name});
  }
  Errorf("undefined variable " + Quote(name));
}

// NewNumber is Go's newNumber: the value under every type that can hold it.
NodePtr TreeParser::NewNumber(int pos, const std::string& text, ItemType type) {
  auto n = std::make_unique<NumberNode>(pos, text);
  if (type == ItemType::kCharConstant) {
    std::string_view tail;
    bool multibyte;
    auto r = UnquoteChar(std::string_view(text).substr(1), text[0], &tail, &multibyte);
    if (!r.ok()) Errorf(r.status().message());
    if (tail != "'") Errorf("malformed character constant: " + text);
    n->int64 = *r;
    n->is_int = true;
    n->uint64 = static_cast<uint64_t>(*r);
    n->is_uint = true;
    n->float64 = *r;  // odd, but those are the rules
    n->is_float = true;
    return n;
  }
  if (type == ItemType::kComplex) {
    // re±imi: split at the sign that is not the leading one or part of an exponent.
    size_t split = std::string::npos;
    for (size_t i = text.size() - 1; i > 0; i--) {
      if ((text[i] == '+' || text[i] == '-') && Lower(text[i - 1]) != 'e' &&
          Lower(text[i - 1]) != 'p') {
        split = i;
        break;
      }
    }
    double re = 0, im = 0;
    if (split == std::string::npos || !ParseFloat(std::string_view(text).substr(0, split), &re) ||
        !ParseFloat(std::string_view(text).substr(split, text.size() - split - 1), &im)) {
      Errorf("illegal number syntax: " + Quote(text));
    }
    n->is_complex = true;
    n->real = re;
    n->imag = im;
    SimplifyComplex(n.get());
    return n;
  }
  // Imaginary constants can only be complex unless they are zero.
  if (!text.empty() && text.back() == 'i') {
    double f;
    if (ParseFloat(std::string_view(text).substr(0, text.size() - 1), &f)) {
      n->is_complex = true;
      n->imag = f;
      SimplifyComplex(n.get());
      return n;
    }
  }
  // Integers first, so 0x123 etc. parse as such.
  uint64_t u = 0;
  if (ParseUint(text, &u)) {
    n->is_uint = true;
    n->uint64 = u;
  }
  int64_t i;
  if (ParseInt(text, &i)) {
    n->is_int = true;
    n->int64 = i;
    if (i == 0) {  // in case of -0
      n->is_uint = true;
      n->uint64 = u;
    }
  }
  if (n->is_int) {
    n->is_float = true;
    n->float64 = static_cast<double>(n->int64);
  } else if (n->is_uint) {
    n->is_float = true;
    n->float64 = static_cast<double>(n->uint64);
  } else {
    double f;
    if (ParseFloat(text, &f)) {
      // Parsed as a float but looks like an integer: a number too large for an int.
      if (text.find_first_of(".eEpP") == std::string::npos) {
        Errorf("integer overflow: " + Quote(text));
      }
      n->is_float = true;
      n->float64 = f;
      if (!n->is_int && FitsInt64(f) && static_cast<double>(static_cast<int64_t>(f)) == f) {
        n->is_int = true;
        n->int64 = static_cast<int64_t>(f);
      }
      if (!n->is_uint && FitsUint64(f) && static_cast<double>(static_cast<uint64_t>(f)) == f) {
        n->is_uint = true;
        n->uint64 = static_cast<uint64_t>(f);
      }
    }
  }
  if (!n->is_int && !n->is_uint && !n->is_float) Errorf("illegal number syntax: " + Quote(text));
  return n;
}

}  // namespace

Result<std::shared_ptr<const Program>> ParseProgram(std::string name, std::string_view text,
                                                    FuncMap funcs, const Limits& limits) {
  auto program = std::make_shared<Program>();
  program->name = name;
  program->text = std::string(text);
  program->funcs = std::move(funcs);
  program->limits = limits;
  // break and continue are keywords unless the function map defines them.
  Lexer lex(program->text, program->funcs.find("break") == program->funcs.end(),
            program->funcs.find("continue") == program->funcs.end());
  Shared shared{name, &program->funcs, &lex, &program->trees, limits.max_depth};
  try {
    TreeParser top(shared, name);
    top.ParseTop();
  } catch (const ParseFailure& failure) {
    return failure.status;
  }
  return std::shared_ptr<const Program>(std::move(program));
}

}  // namespace internal

Result<Template> Template::Parse(std::string name, std::string_view text, FuncMap funcs,
                                 Limits limits) {
  if (text.size() > limits.max_template_bytes) {
    return ResourceExhaustedError("template: " + name + ": template text is " +
                                  std::to_string(text.size()) + " bytes, over the limit of " +
                                  std::to_string(limits.max_template_bytes));
  }
  CAIRN_ASSIGN_OR_RETURN(auto program,
                         internal::ParseProgram(std::move(name), text, std::move(funcs), limits));
  return Template(std::move(program));
}

const std::string& Template::name() const {
  static const std::string kEmpty;
  return program_ ? program_->name : kEmpty;
}

}  // namespace cairn::templates
