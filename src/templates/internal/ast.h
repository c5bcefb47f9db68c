#pragma once

// Parse trees of text/template (Go's text/template/parse/node.go). Nodes are immutable once
// parsed and owned by their parent; a Program owns every tree. String() renders a node as
// Go does, because execution errors quote it ("executing \"leaf\" at <.Foo.Bar>").
// Internal to src/templates.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "templates/funcs.h"
#include "templates/template.h"

namespace cairn::templates::internal {

enum class NodeType {
  kText,
  kAction,
  kBool,
  kChain,
  kCommand,
  kDot,
  kElse,  // transient: never in a finished tree
  kEnd,   // transient: never in a finished tree
  kField,
  kIdentifier,
  kIf,
  kList,
  kNil,
  kNumber,
  kPipe,
  kRange,
  kString,
  kTemplate,
  kVariable,
  kWith,
  kComment,
  kBreak,
  kContinue,
};

// Node is one element of a parse tree: its type and byte offset in the template text.
struct Node {
  Node(NodeType t, int p) : type(t), pos(p) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // WriteTo appends the node's Go String() form.
  virtual void WriteTo(std::string& out) const = 0;
  std::string String() const {
    std::string s;
    WriteTo(s);
    return s;
  }

  const NodeType type;
  const int pos;
};

using NodePtr = std::unique_ptr<Node>;

struct ListNode final : Node {
  explicit ListNode(int p) : Node(NodeType::kList, p) {}
  void WriteTo(std::string& out) const override {
    for (const auto& n : nodes) n->WriteTo(out);
  }
  std::vector<NodePtr> nodes;
};

struct TextNode final : Node {
  TextNode(int p, std::string t) : Node(NodeType::kText, p), text(std::move(t)) {}
  void WriteTo(std::string& out) const override { out += text; }
  const std::string text;
};

struct CommentNode final : Node {
  CommentNode(int p, std::string t) : Node(NodeType::kComment, p), text(std::move(t)) {}
  void WriteTo(std::string& out) const override { out += "{{" + text + "}}"; }
  const std::string text;
};

// VariableNode is $x, possibly followed by fields ($x.A.B): ident = {"$x", "A", "B"}.
struct VariableNode final : Node {
  VariableNode(int p, std::vector<std::string> i) : Node(NodeType::kVariable, p), ident(i) {}
  void WriteTo(std::string& out) const override {
    for (size_t i = 0; i < ident.size(); ++i) {
      if (i > 0) out += '.';
      out += ident[i];
    }
  }
  const std::vector<std::string> ident;
};

struct CommandNode;

// PipeNode is a pipeline with optional variable declarations ($x := ...) or assignments.
struct PipeNode final : Node {
  PipeNode(int p, int l) : Node(NodeType::kPipe, p), line(l) {}
  void WriteTo(std::string& out) const override;
  const int line;
  bool is_assign = false;
  std::vector<std::unique_ptr<VariableNode>> decl;
  std::vector<std::unique_ptr<CommandNode>> cmds;
};

// CommandNode is one command of a pipeline: a function or operand and its arguments.
struct CommandNode final : Node {
  explicit CommandNode(int p) : Node(NodeType::kCommand, p) {}
  void WriteTo(std::string& out) const override {
    for (size_t i = 0; i < args.size(); ++i) {
      if (i > 0) out += ' ';
      if (args[i]->type == NodeType::kPipe) {
        out += '(';
        args[i]->WriteTo(out);
        out += ')';
      } else {
        args[i]->WriteTo(out);
      }
    }
  }
  std::vector<NodePtr> args;
};

inline void PipeNode::WriteTo(std::string& out) const {
  if (!decl.empty()) {
    for (size_t i = 0; i < decl.size(); ++i) {
      if (i > 0) out += ", ";
      decl[i]->WriteTo(out);
    }
    out += is_assign ? " = " : " := ";
  }
  for (size_t i = 0; i < cmds.size(); ++i) {
    if (i > 0) out += " | ";
    cmds[i]->WriteTo(out);
  }
}

// ActionNode is a non-control action such as {{.Field}} or {{$x := f 1}}.
struct ActionNode final : Node {
  ActionNode(int p, int l, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::kAction, p), line(l), pipe(std::move(pp)) {}
  void WriteTo(std::string& out) const override {
    out += "{{";
    pipe->WriteTo(out);
    out += "}}";
  }
  const int line;
  const std::unique_ptr<PipeNode> pipe;
};

// IdentifierNode names a function.
struct IdentifierNode final : Node {
  IdentifierNode(int p, std::string i) : Node(NodeType::kIdentifier, p), ident(std::move(i)) {}
  void WriteTo(std::string& out) const override { out += ident; }
  const std::string ident;
};

struct DotNode final : Node {
  explicit DotNode(int p) : Node(NodeType::kDot, p) {}
  void WriteTo(std::string& out) const override { out += '.'; }
};

struct NilNode final : Node {
  explicit NilNode(int p) : Node(NodeType::kNil, p) {}
  void WriteTo(std::string& out) const override { out += "nil"; }
};

// FieldNode is .A.B: ident = {"A", "B"}.
struct FieldNode final : Node {
  FieldNode(int p, std::vector<std::string> i) : Node(NodeType::kField, p), ident(i) {}
  void WriteTo(std::string& out) const override {
    for (const auto& id : ident) {
      out += '.';
      out += id;
    }
  }
  const std::vector<std::string> ident;
};

// ChainNode is a term followed by field accesses: (pipeline).A.B or fn.A.
struct ChainNode final : Node {
  ChainNode(int p, NodePtr n) : Node(NodeType::kChain, p), node(std::move(n)) {}
  void WriteTo(std::string& out) const override {
    if (node->type == NodeType::kPipe) {
      out += '(';
      node->WriteTo(out);
      out += ')';
    } else {
      node->WriteTo(out);
    }
    for (const auto& f : field) {
      out += '.';
      out += f;
    }
  }
  NodePtr node;
  std::vector<std::string> field;
};

struct BoolNode final : Node {
  BoolNode(int p, bool t) : Node(NodeType::kBool, p), value(t) {}
  void WriteTo(std::string& out) const override { out += value ? "true" : "false"; }
  const bool value;
};

// NumberNode holds a numeric constant under every type that can represent it, as Go's
// ideal constants (is_int: fits int64, is_uint: fits uint64, ...).
struct NumberNode final : Node {
  NumberNode(int p, std::string t) : Node(NodeType::kNumber, p), text(std::move(t)) {}
  void WriteTo(std::string& out) const override { out += text; }
  bool is_int = false;
  bool is_uint = false;
  bool is_float = false;
  bool is_complex = false;
  int64_t int64 = 0;
  uint64_t uint64 = 0;
  double float64 = 0;
  double real = 0;  // complex parts
  double imag = 0;
  const std::string text;
};

// StringNode is a string constant: its source form and unquoted value.
struct StringNode final : Node {
  StringNode(int p, std::string q, std::string t)
      : Node(NodeType::kString, p), quoted(std::move(q)), text(std::move(t)) {}
  void WriteTo(std::string& out) const override { out += quoted; }
  const std::string quoted;
  const std::string text;
};

// EndNode and ElseNode are {{end}} and {{else}}; they only exist while parsing.
struct EndNode final : Node {
  explicit EndNode(int p) : Node(NodeType::kEnd, p) {}
  void WriteTo(std::string& out) const override { out += "{{end}}"; }
};

struct ElseNode final : Node {
  ElseNode(int p, int l) : Node(NodeType::kElse, p), line(l) {}
  void WriteTo(std::string& out) const override { out += "{{else}}"; }
  const int line;
};

// BranchNode is {{if}}, {{range}} or {{with}} with its pipeline, body and optional else.
struct BranchNode final : Node {
  BranchNode(NodeType t, int p, int l, std::unique_ptr<PipeNode> pp, std::unique_ptr<ListNode> lst,
             std::unique_ptr<ListNode> el)
      : Node(t, p), line(l), pipe(std::move(pp)), list(std::move(lst)), else_list(std::move(el)) {}
  void WriteTo(std::string& out) const override {
    out += type == NodeType::kIf ? "{{if " : type == NodeType::kRange ? "{{range " : "{{with ";
    pipe->WriteTo(out);
    out += "}}";
    list->WriteTo(out);
    if (else_list) {
      out += "{{else}}";
      else_list->WriteTo(out);
    }
    out += "{{end}}";
  }
  const int line;
  const std::unique_ptr<PipeNode> pipe;
  const std::unique_ptr<ListNode> list;
  const std::unique_ptr<ListNode> else_list;  // may be null
};

// TemplateNode is {{template "name" pipeline}} (also what {{block}} leaves in place).
struct TemplateNode final : Node {
  TemplateNode(int p, int l, std::string n, std::string quoted_name, std::unique_ptr<PipeNode> pp)
      : Node(NodeType::kTemplate, p),
        line(l),
        name(std::move(n)),
        quoted(std::move(quoted_name)),
        pipe(std::move(pp)) {}
  void WriteTo(std::string& out) const override {
    out += "{{template ";
    out += quoted;
    if (pipe) {
      out += ' ';
      pipe->WriteTo(out);
    }
    out += "}}";
  }
  const int line;
  const std::string name;
  const std::string quoted;              // strconv.Quote(name)
  const std::unique_ptr<PipeNode> pipe;  // may be null
};

struct BreakNode final : Node {
  BreakNode(int p, int l) : Node(NodeType::kBreak, p), line(l) {}
  void WriteTo(std::string& out) const override { out += "{{break}}"; }
  const int line;
};

struct ContinueNode final : Node {
  ContinueNode(int p, int l) : Node(NodeType::kContinue, p), line(l) {}
  void WriteTo(std::string& out) const override { out += "{{continue}}"; }
  const int line;
};

// Tree is one named template: the top-level text or a {{define}}/{{block}} body.
struct Tree {
  std::string name;
  std::unique_ptr<ListNode> root;
};

// Program is everything one Template::Parse produced: the text (for error positions), every
// named tree, the functions and the limits. Immutable after parsing; shared by copies of
// the Template and by concurrent executions.
struct Program {
  std::string name;  // the top-level template's name (Go's ParseName)
  std::string text;
  std::map<std::string, std::unique_ptr<Tree>, std::less<>> trees;
  FuncMap funcs;
  Limits limits;
};

// ParseProgram lexes and parses `text` into a Program (parse.cc). Errors are Go's parse
// errors, e.g. `template: leaf:3: unexpected "}" in operand`.
Result<std::shared_ptr<const Program>> ParseProgram(std::string name, std::string_view text,
                                                    FuncMap funcs, const Limits& limits);

}  // namespace cairn::templates::internal
