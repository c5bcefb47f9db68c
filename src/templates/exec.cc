// The template executor: a port of Go's text/template/exec.go over Values. The structure
// (and the points where Go records the current node for error messages, s.at(node)) follow
// Go's so that errors name the same position and node. Go's reflection distinctions that
// templates can observe are kept with Operand::boxed (see builtins.h).

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "templates/gofmt.h"
#include "templates/internal/ast.h"
#include "templates/internal/builtins.h"
#include "templates/template.h"

namespace cairn::templates {

namespace internal {

namespace {

// Flow is how a walk ended: normally, or at a {{break}} or {{continue}}.
enum class Flow { kNormal, kBreak, kContinue };

struct Variable {
  std::string name;
  Operand value;
};

using Args = std::span<const NodePtr>;

// Go evaluates a field used as an argument with a one-element argument list (the field
// itself), which only matters for counting: a field is never called.
const std::vector<NodePtr>& OneArg() {
  static const std::vector<NodePtr>* const kOneArg = new std::vector<NodePtr>(1);
  return *kOneArg;
}

std::string QuoteGo(std::string_view s) {
  Value v = Value::String(std::string(s));
  return GoSprintf("%q", std::span<const Value>(&v, 1));
}

bool IsHexInt(std::string_view s) {
  return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') &&
         s.find_first_of("pP") == std::string_view::npos;
}

// Executor is the state of one execution (Go's state). Not thread-safe; one per Execute.
class Executor {
 public:
  explicit Executor(const Program& program) : prog_(program) {}

  Result<std::string> Run(const Value& data);

 private:
  Status Errorf(const std::string& message) const {
    return ErrorWithCode(StatusCode::kInvalidArgument, message);
  }
  Status ErrorWithCode(StatusCode code, const std::string& message) const;
  void At(const Node* node) { node_ = node; }
  Status CountStep(uint64_t n = 1);
  Status Write(std::string_view s);

  // Variables.
  Status SetVar(const std::string& name, const Operand& value);
  Result<Operand> VarValue(const std::string& name);

  // Walking.
  Result<Flow> Walk(const Operand& dot, const Node* node);
  Result<Flow> WalkIfOrWith(const Operand& dot, const BranchNode& node);
  Result<Flow> WalkRange(const Operand& dot, const BranchNode& r);
  Status WalkTemplate(const Operand& dot, const TemplateNode& t);
  Status Enter(bool is_template);

  // Evaluation.
  Result<Operand> EvalPipeline(const Operand& dot, const PipeNode* pipe);
  Status NotAFunction(Args args, const Operand* final);
  Result<Operand> EvalCommand(const Operand& dot, const CommandNode& cmd, const Operand* final);
  Result<Operand> IdealConstant(const NumberNode& constant);
  Result<Operand> EvalFieldNode(const Operand& dot, const FieldNode& field, Args args,
                                const Operand* final);
  Result<Operand> EvalChainNode(const Operand& dot, const ChainNode& chain, Args args,
                                const Operand* final);
  Result<Operand> EvalVariableNode(const VariableNode& variable, Args args, const Operand* final);
  Result<Operand> EvalFieldChain(Operand receiver, std::span<const std::string> ident, Args args,
                                 const Operand* final);
  Result<Operand> EvalFunction(const Operand& dot, const IdentifierNode& node, const Node* cmd,
                               Args args, const Operand* final);
  Result<Operand> EvalField(const std::string& field_name, Args args, const Operand* final,
                            const Operand& receiver);
  Result<Operand> EvalCall(const Operand& dot, const Func* func, const BuiltinSpec* builtin,
                           const Node* node, const std::string& name, Args args,
                           const Operand* final);
  std::optional<Status> SignatureError(const Status& s, const Node* ident, Args rest,
                                       const std::vector<Operand>& argv, bool has_final);
  Result<Operand> ValidateType(Operand value, ParamType type);
  Result<Operand> EvalArg(const Operand& dot, ParamType type, const Node* n);
  Result<Operand> EvalEmptyInterface(const Node* n);

  const Program& prog_;
  const Tree* tmpl_ = nullptr;  // the template being executed (for its name in errors)
  const Node* node_ = nullptr;  // the current node, for errors
  std::vector<Variable> vars_;  // push-down stack of variable values
  int depth_ = 0;               // nesting of template calls and control structures
  uint64_t steps_ = 0;
  std::string out_;
};

Status Executor::ErrorWithCode(StatusCode code, const std::string& message) const {
  std::string name = tmpl_ ? tmpl_->name : prog_.name;
  if (node_ == nullptr) return Status(code, "template: " + name + ": " + message);
  // Go's ErrorContext: line and byte column (from 0) of the node in the whole text.
  auto pos = static_cast<size_t>(node_->pos);
  std::string_view text = std::string_view(prog_.text).substr(0, pos);
  size_t nl = text.rfind('\n');
  size_t col = nl == std::string_view::npos ? pos : pos - (nl + 1);
  size_t line = 1 + static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
  return Status(code, "template: " + prog_.name + ":" + std::to_string(line) + ":" +
                          std::to_string(col) + ": executing " + QuoteGo(name) + " at <" +
                          node_->String() + ">: " + message);
}

Status Executor::CountStep(uint64_t n) {
  steps_ += n;
  if (steps_ > prog_.limits.max_steps) {
    return ResourceExhaustedError("template: " + prog_.name + ": execution exceeds the limit of " +
                                  std::to_string(prog_.limits.max_steps) + " steps");
  }
  return Status::Ok();
}

Status Executor::Write(std::string_view s) {
  if (s.size() > prog_.limits.max_output_bytes - out_.size()) {
    return ResourceExhaustedError("template: " + prog_.name + ": output exceeds the limit of " +
                                  std::to_string(prog_.limits.max_output_bytes) + " bytes");
  }
  out_ += s;
  return Status::Ok();
}

Status Executor::SetVar(const std::string& name, const Operand& value) {
  for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
    if (it->name == name) {
      it->value = value;
      return Status::Ok();
    }
  }
  return Errorf("undefined variable: " + name);
}

Result<Operand> Executor::VarValue(const std::string& name) {
  for (auto it = vars_.rbegin(); it != vars_.rend(); ++it) {
    if (it->name == name) return it->value;
  }
  return Errorf("undefined variable: " + name);
}

Result<std::string> Executor::Run(const Value& data) {
  auto it = prog_.trees.find(prog_.name);
  if (it == prog_.trees.end() || !it->second->root) {
    return Errorf(QuoteGo(prog_.name) + " is an incomplete or empty template");
  }
  tmpl_ = it->second.get();
  Operand dot{data, false};
  vars_.push_back({"$", dot});
  CAIRN_ASSIGN_OR_RETURN(Flow flow, Walk(dot, tmpl_->root.get()));
  (void)flow;
  return std::move(out_);
}

Status Executor::Enter(bool is_template) {
  if (depth_ >= prog_.limits.max_depth) {
    return Errorf(std::string(is_template ? "exceeded maximum template depth ("
                                          : "exceeded maximum nesting depth (") +
                  std::to_string(prog_.limits.max_depth) + ")");
  }
  depth_++;
  return Status::Ok();
}

Result<Flow> Executor::Walk(const Operand& dot, const Node* node) {
  At(node);
  CAIRN_RETURN_IF_ERROR(CountStep());
  switch (node->type) {
    case NodeType::kAction: {
      // Variables declared here persist until the enclosing {{end}}; a declaration prints
      // nothing.
      const auto& action = static_cast<const ActionNode&>(*node);
      CAIRN_ASSIGN_OR_RETURN(Operand val, EvalPipeline(dot, action.pipe.get()));
      if (action.pipe->decl.empty()) {
        At(node);
        CAIRN_RETURN_IF_ERROR(Write(IsValid(val) ? val.value.Print() : "<no value>"));
      }
      return Flow::kNormal;
    }
    case NodeType::kBreak:
      return Flow::kBreak;
    case NodeType::kContinue:
      return Flow::kContinue;
    case NodeType::kComment:
      return Flow::kNormal;
    case NodeType::kIf:
    case NodeType::kWith:
      return WalkIfOrWith(dot, static_cast<const BranchNode&>(*node));
    case NodeType::kList:
      for (const auto& n : static_cast<const ListNode&>(*node).nodes) {
        CAIRN_ASSIGN_OR_RETURN(Flow flow, Walk(dot, n.get()));
        if (flow != Flow::kNormal) return flow;
      }
      return Flow::kNormal;
    case NodeType::kRange:
      return WalkRange(dot, static_cast<const BranchNode&>(*node));
    case NodeType::kTemplate:
      CAIRN_RETURN_IF_ERROR(WalkTemplate(dot, static_cast<const TemplateNode&>(*node)));
      return Flow::kNormal;
    case NodeType::kText:
      CAIRN_RETURN_IF_ERROR(Write(static_cast<const TextNode&>(*node).text));
      return Flow::kNormal;
    default:
      return Errorf("unknown node: " + node->String());
  }
}

// WalkIfOrWith walks {{if}} or {{with}}; they differ only in that with sets dot.
Result<Flow> Executor::WalkIfOrWith(const Operand& dot, const BranchNode& node) {
  CAIRN_RETURN_IF_ERROR(Enter(false));
  size_t mark = vars_.size();
  CAIRN_ASSIGN_OR_RETURN(Operand val, EvalPipeline(dot, node.pipe.get()));
  Flow flow = Flow::kNormal;
  if (IsTrue(val.value)) {
    CAIRN_ASSIGN_OR_RETURN(flow, Walk(node.type == NodeType::kWith ? val : dot, node.list.get()));
  } else if (node.else_list) {
    CAIRN_ASSIGN_OR_RETURN(flow, Walk(dot, node.else_list.get()));
  }
  vars_.resize(mark);
  depth_--;
  return flow;
}

Result<Flow> Executor::WalkRange(const Operand& dot, const BranchNode& r) {
  At(&r);
  CAIRN_RETURN_IF_ERROR(Enter(false));
  size_t outer_mark = vars_.size();
  CAIRN_ASSIGN_OR_RETURN(Operand val, EvalPipeline(dot, r.pipe.get()));
  // The top of the stack before any variables of the body are pushed.
  size_t mark = vars_.size();
  const auto& decl = r.pipe->decl;
  // OneIteration sets the range variables (the element; with two, the index or key and the
  // element) and walks the body once.
  auto one_iteration = [&](const Operand& index, const Operand& elem) -> Result<Flow> {
    if (!decl.empty()) {
      if (r.pipe->is_assign) {
        CAIRN_RETURN_IF_ERROR(SetVar(decl[0]->ident[0], decl.size() > 1 ? index : elem));
      } else {
        vars_[vars_.size() - 1].value = elem;
      }
    }
    if (decl.size() > 1) {
      if (r.pipe->is_assign) {
        CAIRN_RETURN_IF_ERROR(SetVar(decl[1]->ident[0], elem));
      } else {
        vars_[vars_.size() - 2].value = index;
      }
    }
    CAIRN_ASSIGN_OR_RETURN(Flow flow, Walk(elem, r.list.get()));
    vars_.resize(mark);
    return flow;
  };
  auto done = [&]() -> Result<Flow> {
    vars_.resize(outer_mark);
    depth_--;
    return Flow::kNormal;
  };
  const Value& v = val.value;
  switch (v.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kUint:
    case Value::Kind::kDuration: {
      // Go 1.22: range over an integer n yields 0..n-1, of n's type.
      if (decl.size() > 1) {
        return Errorf("can't use " + v.Print() + " to iterate over more than one variable");
      }
      uint64_t n = 0;
      if (v.kind() == Value::Kind::kInt) n = v.as_int() > 0 ? static_cast<uint64_t>(v.as_int()) : 0;
      if (v.kind() == Value::Kind::kUint) n = v.as_uint();
      if (v.kind() == Value::Kind::kDuration && v.as_duration().count() > 0) {
        n = static_cast<uint64_t>(v.as_duration().count());
      }
      if (n == 0) break;
      for (uint64_t i = 0; i < n; i++) {
        Value elem = v.kind() == Value::Kind::kUint ? Value::Uint(i)
                     : v.kind() == Value::Kind::kInt
                         ? Value::Int(static_cast<int64_t>(i))
                         : Value::Duration(std::chrono::nanoseconds(static_cast<int64_t>(i)));
        CAIRN_ASSIGN_OR_RETURN(Flow flow, one_iteration(Operand{}, Operand{elem, false}));
        if (flow == Flow::kBreak) break;
      }
      return done();
    }
    case Value::Kind::kList: {
      const List& list = v.as_list();
      if (list.empty()) break;
      for (size_t i = 0; i < list.size(); i++) {
        CAIRN_ASSIGN_OR_RETURN(Flow flow,
                               one_iteration(Operand{Value::Int(static_cast<int64_t>(i)), false},
                                             Operand{list[i], true}));
        if (flow == Flow::kBreak) break;
      }
      return done();
    }
    case Value::Kind::kMap: {
      if (v.as_map().empty()) break;
      // Iterate over a sorted copy, as Go's fmtsort does: the body may modify the map.
      std::vector<std::pair<std::string, Value>> entries(v.as_map().begin(), v.as_map().end());
      for (const auto& [key, elem] : entries) {
        CAIRN_ASSIGN_OR_RETURN(
            Flow flow, one_iteration(Operand{Value::String(key), false}, Operand{elem, true}));
        if (flow == Flow::kBreak) break;
      }
      return done();
    }
    case Value::Kind::kNil:
      break;  // nil acts as an empty map
    default:
      return Errorf("range can't iterate over " + v.Print());
  }
  Flow flow = Flow::kNormal;
  if (r.else_list) {
    CAIRN_ASSIGN_OR_RETURN(flow, Walk(dot, r.else_list.get()));
  }
  vars_.resize(outer_mark);
  depth_--;
  return flow;
}

Status Executor::WalkTemplate(const Operand& dot, const TemplateNode& t) {
  At(&t);
  auto it = prog_.trees.find(t.name);
  if (it == prog_.trees.end()) return Errorf("template " + QuoteGo(t.name) + " not defined");
  CAIRN_RETURN_IF_ERROR(Enter(true));
  // Variables declared by the pipeline persist.
  CAIRN_ASSIGN_OR_RETURN(Operand new_dot, EvalPipeline(dot, t.pipe.get()));
  // No dynamic scoping: the called template sees only $.
  std::vector<Variable> saved_vars = std::move(vars_);
  const Tree* saved_tmpl = tmpl_;
  vars_ = {{"$", new_dot}};
  tmpl_ = it->second.get();
  CAIRN_ASSIGN_OR_RETURN(Flow flow, Walk(new_dot, tmpl_->root.get()));
  (void)flow;
  vars_ = std::move(saved_vars);
  tmpl_ = saved_tmpl;
  depth_--;
  return Status::Ok();
}

// EvalPipeline evaluates a pipeline, each command receiving the previous result as its last
// argument, and pushes (or assigns) the declared variables.
Result<Operand> Executor::EvalPipeline(const Operand& dot, const PipeNode* pipe) {
  if (pipe == nullptr) return Operand{};
  At(pipe);
  std::optional<Operand> value;
  for (const auto& cmd : pipe->cmds) {
    CAIRN_ASSIGN_OR_RETURN(Operand v, EvalCommand(dot, *cmd, value ? &*value : nullptr));
    // An interface{} result is replaced by what it holds (a nil one by no value).
    v.boxed = false;
    value = std::move(v);
  }
  for (const auto& variable : pipe->decl) {
    if (pipe->is_assign) {
      CAIRN_RETURN_IF_ERROR(SetVar(variable->ident[0], *value));
    } else {
      vars_.push_back({variable->ident[0], *value});
    }
  }
  return std::move(*value);
}

Status Executor::NotAFunction(Args args, const Operand* final) {
  if (args.size() > 1 || final != nullptr) {
    return Errorf("can't give argument to non-function " + args[0]->String());
  }
  return Status::Ok();
}

Result<Operand> Executor::EvalCommand(const Operand& dot, const CommandNode& cmd,
                                      const Operand* final) {
  CAIRN_RETURN_IF_ERROR(CountStep());
  const Node* first = cmd.args[0].get();
  switch (first->type) {
    case NodeType::kField:
      return EvalFieldNode(dot, static_cast<const FieldNode&>(*first), cmd.args, final);
    case NodeType::kChain:
      return EvalChainNode(dot, static_cast<const ChainNode&>(*first), cmd.args, final);
    case NodeType::kIdentifier:  // must be a function
      return EvalFunction(dot, static_cast<const IdentifierNode&>(*first), &cmd, cmd.args, final);
    case NodeType::kPipe:
      // A parenthesized pipeline: its arguments are all inside; there must be no final.
      CAIRN_RETURN_IF_ERROR(NotAFunction(cmd.args, final));
      return EvalPipeline(dot, static_cast<const PipeNode*>(first));
    case NodeType::kVariable:
      return EvalVariableNode(static_cast<const VariableNode&>(*first), cmd.args, final);
    default:
      break;
  }
  At(first);
  CAIRN_RETURN_IF_ERROR(NotAFunction(cmd.args, final));
  switch (first->type) {
    case NodeType::kBool:
      return Operand{Value::Bool(static_cast<const BoolNode&>(*first).value), false};
    case NodeType::kDot:
      return dot;
    case NodeType::kNil:
      return Errorf("nil is not a command");
    case NodeType::kNumber:
      return IdealConstant(static_cast<const NumberNode&>(*first));
    case NodeType::kString:
      return Operand{Value::String(static_cast<const StringNode&>(*first).text), false};
    default:
      return Errorf("can't evaluate command " + QuoteGo(first->String()));
  }
}

// IdealConstant types a numeric constant by its syntax, as Go's untyped constants: a float
// when it has a '.', an exponent or is hexadecimal with p; an int otherwise.
Result<Operand> Executor::IdealConstant(const NumberNode& constant) {
  At(&constant);
  const std::string& text = constant.text;
  if (constant.is_complex) {
    return Errorf("complex constant " + text + " is not supported");
  }
  if (constant.is_float && !IsHexInt(text) && text[0] != '\'' &&
      text.find_first_of(".eEpP") != std::string::npos) {
    return Operand{Value::Float(constant.float64), false};
  }
  if (constant.is_int) return Operand{Value::Int(constant.int64), false};
  if (constant.is_uint) return Errorf(text + " overflows int");
  return Operand{};
}

Result<Operand> Executor::EvalFieldNode(const Operand& dot, const FieldNode& field, Args args,
                                        const Operand* final) {
  At(&field);
  return EvalFieldChain(dot, field.ident, args, final);
}

Result<Operand> Executor::EvalChainNode(const Operand& dot, const ChainNode& chain, Args args,
                                        const Operand* final) {
  At(&chain);
  if (chain.field.empty()) return Errorf("internal error: no fields in evalChainNode");
  if (chain.node->type == NodeType::kNil) {
    return Errorf("indirection through explicit nil in " + chain.String());
  }
  // (pipe).Field1.Field2: evaluate the pipeline, then the fields.
  CAIRN_ASSIGN_OR_RETURN(Operand pipe, EvalArg(dot, ParamType::kValue, chain.node.get()));
  return EvalFieldChain(std::move(pipe), chain.field, args, final);
}

Result<Operand> Executor::EvalVariableNode(const VariableNode& variable, Args args,
                                           const Operand* final) {
  // $x.Field: the variable, then the fields.
  At(&variable);
  CAIRN_ASSIGN_OR_RETURN(Operand value, VarValue(variable.ident[0]));
  if (variable.ident.size() == 1) {
    CAIRN_RETURN_IF_ERROR(NotAFunction(args, final));
    return value;
  }
  return EvalFieldChain(std::move(value), std::span<const std::string>(variable.ident).subspan(1),
                        args, final);
}

// EvalFieldChain evaluates .X.Y.Z; the arguments, if any, belong to the last field.
Result<Operand> Executor::EvalFieldChain(Operand receiver, std::span<const std::string> ident,
                                         Args args, const Operand* final) {
  for (size_t i = 0; i + 1 < ident.size(); i++) {
    CAIRN_ASSIGN_OR_RETURN(receiver, EvalField(ident[i], {}, nullptr, receiver));
  }
  return EvalField(ident.back(), args, final, receiver);
}

Result<Operand> Executor::EvalFunction(const Operand& dot, const IdentifierNode& node,
                                       const Node* cmd, Args args, const Operand* final) {
  At(&node);
  const std::string& name = node.ident;
  auto it = prog_.funcs.find(name);
  const Func* func = it != prog_.funcs.end() ? &it->second : nullptr;
  const BuiltinSpec* builtin = func ? nullptr : FindBuiltin(name);
  if (!func && !builtin) return Errorf(QuoteGo(name) + " is not a defined function");
  return EvalCall(dot, func, builtin, cmd, name, args, final);
}

// EvalField evaluates .Name on `receiver`: a struct field or a map key. Data has no methods.
Result<Operand> Executor::EvalField(const std::string& field_name, Args args, const Operand* final,
                                    const Operand& receiver) {
  if (!IsValid(receiver)) return Operand{};  // no value: its fields are no value either
  const Value& v = receiver.value;
  std::string type = receiver.boxed ? "interface {}" : v.TypeName();
  if (receiver.boxed && v.is_nil()) {
    return Errorf("nil pointer evaluating " + type + "." + field_name);
  }
  bool has_args = args.size() > 1 || final != nullptr;
  switch (v.kind()) {
    case Value::Kind::kStruct:
      if (const Value* field = v.as_struct().Find(field_name)) {
        if (field_name[0] >= 'a' && field_name[0] <= 'z') {
          return Errorf(field_name + " is an unexported field of struct type " + type);
        }
        if (has_args)
          return Errorf(field_name + " has arguments but cannot be invoked as function");
        // A nil field is a nil pointer or interface.
        return Operand{*field, field->is_nil()};
      }
      break;
    case Value::Kind::kMap: {
      if (has_args) return Errorf(field_name + " is not a method but has arguments");
      const Map& m = v.as_map();
      auto it = m.find(field_name);
      if (it == m.end()) return Operand{};  // missingkey=default: no value
      return Operand{it->second, true};
    }
    default:
      break;
  }
  return Errorf("can't evaluate field " + field_name + " in type " + type);
}

// EvalCall calls a function with the evaluated arguments (args[0] is the function's own
// node) and `final`, the previous command's result, appended.
Result<Operand> Executor::EvalCall(const Operand& dot, const Func* func, const BuiltinSpec* builtin,
                                   const Node* node, const std::string& name, Args args,
                                   const Operand* final) {
  Args rest = args.empty() ? args : args.subspan(1);
  size_t num_in = rest.size() + (final ? 1 : 0);
  // Functions from the FuncMap take ...interface{}; builtins have Go's signatures.
  BuiltinSpec spec =
      builtin ? *builtin : BuiltinSpec{name, 0, true, ParamType::kAny, ParamType::kAny};
  if (spec.variadic) {
    if (num_in < spec.num_fixed) {
      return Errorf("wrong number of args for " + name + ": want at least " +
                    std::to_string(spec.num_fixed) + " got " + std::to_string(rest.size()));
    }
  } else if (num_in != spec.num_fixed) {
    return Errorf("wrong number of args for " + name + ": want " + std::to_string(spec.num_fixed) +
                  " got " + std::to_string(num_in));
  }

  // and/or short-circuit: they return the first deciding argument, else the last.
  if (builtin && (name == "and" || name == "or")) {
    Operand v;
    for (const auto& arg : rest) {
      CAIRN_ASSIGN_OR_RETURN(v, EvalArg(dot, ParamType::kValue, arg.get()));
      if (IsTrue(v.value) == (name == "or")) return v;
    }
    if (final) v = *final;
    return v;
  }

  std::vector<Operand> argv;
  argv.reserve(num_in);
  size_t num_fixed = spec.variadic ? spec.num_fixed : rest.size();
  size_t i = 0;
  for (; i < num_fixed && i < rest.size(); i++) {
    CAIRN_ASSIGN_OR_RETURN(Operand a, EvalArg(dot, spec.fixed_type, rest[i].get()));
    argv.push_back(std::move(a));
  }
  if (spec.variadic) {
    for (; i < rest.size(); i++) {
      CAIRN_ASSIGN_OR_RETURN(Operand a, EvalArg(dot, spec.variadic_type, rest[i].get()));
      argv.push_back(std::move(a));
    }
  }
  if (final) {
    ParamType t = spec.fixed_type;
    if (spec.variadic && num_in - 1 >= spec.num_fixed) t = spec.variadic_type;
    CAIRN_ASSIGN_OR_RETURN(Operand a, ValidateType(*final, t));
    argv.push_back(std::move(a));
  }

  Result<Operand> result = Operand{};
  if (builtin) {
    // call's error names its first argument as written.
    std::string callee;
    if (name == "call") {
      if (!rest.empty()) {
        callee = rest[0]->String();
      } else if (final->value.kind() == Value::Kind::kString) {
        callee = final->value.as_string();
      } else {
        callee = "<" + final->value.TypeName() + " Value>";
      }
    }
    result = CallBuiltin(spec, argv, callee);
  } else {
    std::vector<Value> values;
    values.reserve(argv.size());
    for (const auto& a : argv) values.push_back(a.value);
    Result<Value> r = (*func)(values);
    if (r.ok()) {
      result = Operand{*std::move(r), false};
    } else {
      result = r.status();
    }
  }
  if (!result.ok()) {
    Status s = result.status();
    // fail's message is the template author's, for the client: pass it through untouched.
    if (IsFailError(s)) return s;
    if (!builtin) {
      const Node* ident = args.empty() ? node : args[0].get();
      if (std::optional<Status> sig = SignatureError(s, ident, rest, argv, final != nullptr)) {
        return *sig;
      }
    }
    At(node);
    StatusCode code = s.code() == StatusCode::kOk ? StatusCode::kInternal : s.code();
    return ErrorWithCode(code, "error calling " + name + ": " + s.message());
  }
  // Charge steps for what the function returned, so that a loop over large results (a
  // slice of a long list, printf with a huge width) stays within the step budget.
  const Value& v = result->value;
  uint64_t work = v.kind() == Value::Kind::kString ? v.as_string().size() / 64
                  : v.kind() == Value::Kind::kList ? v.as_list().size() / 8
                  : v.kind() == Value::Kind::kMap  ? v.as_map().size() / 8
                                                   : 0;
  if (work > 0) CAIRN_RETURN_IF_ERROR(CountStep(work));
  return result;
}

// SignatureError recognises the errors a library function reports for a call that does not
// match its Go signature ("wrong number of args for X: ...", "wrong type for value; expected
// T; got U", "invalid value; expected T"). Go's engine raises these itself, before calling,
// at the function (arity) or at the offending argument (type), without "error calling X:";
// this reports them the same way. Returns nullopt for any other error.
std::optional<Status> Executor::SignatureError(const Status& s, const Node* ident, Args rest,
                                               const std::vector<Operand>& argv, bool has_final) {
  const std::string& msg = s.message();
  if (msg.starts_with("wrong number of args for ")) {
    At(ident);
    return Errorf(msg);
  }
  bool is_nil = msg.starts_with("invalid value; expected ");
  constexpr std::string_view kWrongType = "wrong type for value; expected ";
  if (!is_nil && !msg.starts_with(kWrongType)) return std::nullopt;
  std::string got;
  if (!is_nil) {
    size_t at = msg.rfind("; got ");
    if (at == std::string::npos) return std::nullopt;
    got = msg.substr(at + 6);
  }
  // The first argument that fits the complaint; Go evaluates (and checks) them in order.
  At(ident);
  for (size_t i = 0; i < argv.size(); i++) {
    const Operand& a = argv[i];
    bool match = is_nil
                     ? !IsValid(a)
                     : (a.boxed && a.value.is_nil() ? "interface {}" : a.value.TypeName()) == got;
    if (!match) continue;
    if (i < rest.size()) {
      At(rest[i].get());
    } else if (has_final && !rest.empty()) {
      At(rest.back().get());  // the piped value is checked after the last argument
    }
    break;
  }
  return Errorf(msg);
}

// ValidateType checks that `value` can be passed as a parameter of `type`.
Result<Operand> Executor::ValidateType(Operand value, ParamType type) {
  if (type != ParamType::kString) return value;
  if (!IsValid(value)) return Errorf("invalid value; expected string");
  if (value.value.kind() == Value::Kind::kString) return value;
  return Errorf("wrong type for value; expected string; got " +
                (value.value.is_nil() ? std::string("interface {}") : value.value.TypeName()));
}

Result<Operand> Executor::EvalArg(const Operand& dot, ParamType type, const Node* n) {
  At(n);
  switch (n->type) {
    case NodeType::kDot:
      return ValidateType(dot, type);
    case NodeType::kNil:
      if (type == ParamType::kString) return Errorf("cannot assign nil to string");
      return Operand{};
    case NodeType::kField: {
      CAIRN_ASSIGN_OR_RETURN(
          Operand v, EvalFieldNode(dot, static_cast<const FieldNode&>(*n), OneArg(), nullptr));
      return ValidateType(std::move(v), type);
    }
    case NodeType::kVariable: {
      CAIRN_ASSIGN_OR_RETURN(Operand v,
                             EvalVariableNode(static_cast<const VariableNode&>(*n), {}, nullptr));
      return ValidateType(std::move(v), type);
    }
    case NodeType::kPipe: {
      CAIRN_ASSIGN_OR_RETURN(Operand v, EvalPipeline(dot, static_cast<const PipeNode*>(n)));
      return ValidateType(std::move(v), type);
    }
    case NodeType::kIdentifier: {
      CAIRN_ASSIGN_OR_RETURN(
          Operand v, EvalFunction(dot, static_cast<const IdentifierNode&>(*n), n, {}, nullptr));
      return ValidateType(std::move(v), type);
    }
    case NodeType::kChain: {
      CAIRN_ASSIGN_OR_RETURN(Operand v,
                             EvalChainNode(dot, static_cast<const ChainNode&>(*n), {}, nullptr));
      return ValidateType(std::move(v), type);
    }
    default:
      break;
  }
  if (type == ParamType::kString) {
    At(n);
    if (n->type == NodeType::kString) {
      return Operand{Value::String(static_cast<const StringNode&>(*n).text), false};
    }
    return Errorf("expected string; found " + n->String());
  }
  return EvalEmptyInterface(n);
}

Result<Operand> Executor::EvalEmptyInterface(const Node* n) {
  At(n);
  switch (n->type) {
    case NodeType::kBool:
      return Operand{Value::Bool(static_cast<const BoolNode&>(*n).value), false};
    case NodeType::kNumber:
      return IdealConstant(static_cast<const NumberNode&>(*n));
    case NodeType::kString:
      return Operand{Value::String(static_cast<const StringNode&>(*n).text), false};
    default:
      return Errorf("can't handle assignment of " + n->String() + " to empty interface argument");
  }
}

}  // namespace

}  // namespace internal

Result<std::string> Template::Execute(const Value& data) const {
  if (!program_) {
    return InvalidArgumentError("template: : \"\" is an incomplete or empty template");
  }
  internal::Executor executor(*program_);
  return executor.Run(data);
}

}  // namespace cairn::templates
