// sprig's list functions (list.go). In Go the non-must variants panic where the must variants
// return an error; text/template turns both into an execution error, so here both fail with the
// same message.

#include <string>

#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates::internal {

namespace {

constexpr std::string_view kNilDeref =
    "runtime error: invalid memory address or nil pointer dereference";

// ListArg returns the list in `v`, or sprig's error "<what> type <kind>" (a nil dereference
// for nil, as reflect.TypeOf(nil).Kind() panics in Go).
Result<const List*> ListArg(const Value& v, std::string_view prefix, std::string_view suffix = "") {
  if (v.kind() == Value::Kind::kList) return &v.as_list();
  if (v.is_nil()) return InvalidArgumentError(std::string(kNilDeref));
  return InvalidArgumentError(std::string(prefix) + v.KindName() + std::string(suffix));
}

bool InList(const List& haystack, const Value& needle) {
  for (const Value& h : haystack) {
    if (DeepEqual(needle, h)) return true;
  }
  return false;
}

// Both registers `name` and "must" + Name with the same implementation.
void Both(FuncMap& funcs, const std::string& name, const Func& f) {
  funcs[name] = f;
  std::string must = "must" + name;
  must[4] = static_cast<char>(must[4] - 'a' + 'A');
  funcs[must] = f;
}

}  // namespace

void AddSprigListFuncs(FuncMap& funcs, const FuncEnv& env) {
  (void)env;
  Func list = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckListSize("list", args.size()));
    return Value::MakeList(List(args.begin(), args.end()));
  };
  funcs["list"] = list;
  funcs["tuple"] = list;

  Func push = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("append", args, 2));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot push on type "));
    CAIRN_RETURN_IF_ERROR(CheckListSize("append", l->size() + 1));
    List out = *l;
    out.push_back(args[1]);
    return Value::MakeList(std::move(out));
  };
  funcs["append"] = push;
  funcs["push"] = push;
  funcs["mustAppend"] = push;
  funcs["mustPush"] = push;

  Both(funcs, "prepend", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("prepend", args, 2));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot prepend on type "));
    CAIRN_RETURN_IF_ERROR(CheckListSize("prepend", l->size() + 1));
    List out;
    out.reserve(l->size() + 1);
    out.push_back(args[1]);
    out.insert(out.end(), l->begin(), l->end());
    return Value::MakeList(std::move(out));
  });

  Both(funcs, "chunk", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("chunk", args, 2));
    CAIRN_ASSIGN_OR_RETURN(int64_t size, ArgInt(args[0]));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[1], "Cannot chunk type "));
    if (size <= 0) return InvalidArgumentError("chunk: size must be positive");
    List out;
    size_t n = l->size();
    size_t sz = static_cast<size_t>(size);
    for (size_t i = 0; i < n; i += sz) {
      List c(l->begin() + static_cast<std::ptrdiff_t>(i),
             l->begin() + static_cast<std::ptrdiff_t>(std::min(n, i + sz)));
      out.push_back(Value::MakeList(std::move(c)));
    }
    return Value::MakeList(std::move(out));
  });

  Both(funcs, "last", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("last", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot find last on type "));
    if (l->empty()) return Value();
    return l->back();
  });
  Both(funcs, "first", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("first", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot find first on type "));
    if (l->empty()) return Value();
    return l->front();
  });
  Both(funcs, "rest", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("rest", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot find rest on type "));
    if (l->empty()) return Value::MakeList({});
    return Value::MakeList(List(l->begin() + 1, l->end()));
  });
  Both(funcs, "initial", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("initial", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot find initial on type "));
    if (l->empty()) return Value::MakeList({});
    return Value::MakeList(List(l->begin(), l->end() - 1));
  });
  Both(funcs, "reverse", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("reverse", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot find reverse on type "));
    return Value::MakeList(List(l->rbegin(), l->rend()));
  });
  Both(funcs, "compact", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("compact", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot compact on type "));
    List out;
    for (const Value& v : *l) {
      if (!IsEmpty(v)) out.push_back(v);
    }
    return Value::MakeList(std::move(out));
  });
  Both(funcs, "uniq", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("uniq", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot find uniq on type "));
    List out;
    for (const Value& v : *l) {
      if (!InList(out, v)) out.push_back(v);
    }
    return Value::MakeList(std::move(out));
  });
  Both(funcs, "without", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("without", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[0], "Cannot find without on type "));
    List omit(args.begin() + 1, args.end());
    List out;
    for (const Value& v : *l) {
      if (!InList(omit, v)) out.push_back(v);
    }
    return Value::MakeList(std::move(out));
  });
  Both(funcs, "has", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("has", args, 2));
    if (args[1].is_nil()) return Value::Bool(false);
    CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(args[1], "Cannot find has on type "));
    return Value::Bool(InList(*l, args[0]));
  });
  Both(funcs, "slice", [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("slice", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const List* l,
                           ListArg(args[0], "list should be type of slice or array but "));
    if (l->empty()) return Value();
    int64_t n = static_cast<int64_t>(l->size());
    int64_t start = args.size() > 1 ? ToInt64(args[1]) : 0;
    int64_t end = args.size() > 2 ? ToInt64(args[2]) : n;
    if (start < 0 || end < start || end > n) {
      return InvalidArgumentError("reflect: slice index out of range");
    }
    return Value::MakeList(List(l->begin() + start, l->begin() + end));
  });
  funcs["concat"] = [](std::span<const Value> args) -> Result<Value> {
    List out;
    for (const Value& v : args) {
      CAIRN_ASSIGN_OR_RETURN(const List* l, ListArg(v, "Cannot concat type ", " as list"));
      CAIRN_RETURN_IF_ERROR(CheckListSize("concat", out.size() + l->size()));
      out.insert(out.end(), l->begin(), l->end());
    }
    return Value::MakeList(std::move(out));
  };
}

}  // namespace cairn::templates::internal
