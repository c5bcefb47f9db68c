// sprig's dict functions (dict.go). Go maps are references: set, unset and merge modify the
// map they are given, and so do these (through Value::mutable_map).

#include <string>

#include "templates/funcs.h"
#include "templates/internal/funcs_util.h"

namespace cairn::templates::internal {

namespace {

std::string InterfaceConversion(const Value& v, std::string_view want) {
  return "interface conversion: interface {} is " +
         (v.is_nil() ? std::string("nil") : v.TypeName()) + ", not " + std::string(want);
}

// MergeInto is mergo.Merge / mergo.MergeWithOverwrite for map[string]interface{}: nested maps
// merge recursively; otherwise a key is taken from src when dst lacks it or holds an empty
// value (or always, with overwrite, unless src holds nil).
Status MergeInto(Map& dst, const Map& src, bool overwrite, int depth) {
  if (depth > kMaxNesting) return InvalidArgumentError("merge: maps nested too deeply");
  for (const auto& [k, sv] : src) {
    auto it = dst.find(k);
    if (it == dst.end()) {
      dst.emplace(k, sv);
      continue;
    }
    if (it->second.kind() == Value::Kind::kMap && sv.kind() == Value::Kind::kMap) {
      if (&it->second.as_map() != &sv.as_map()) {
        CAIRN_RETURN_IF_ERROR(
            MergeInto(it->second.mutable_map(), sv.as_map(), overwrite, depth + 1));
      }
      continue;
    }
    if (overwrite ? !sv.is_nil() : IsEmpty(it->second)) it->second = sv;
  }
  return Status::Ok();
}

Func MergeFunc(std::string name, bool overwrite) {
  return [name, overwrite](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast(name, args, 1));
    CAIRN_ASSIGN_OR_RETURN(const Map* dst_map, ArgMap(args[0]));
    Value dst = dst_map != nullptr ? args[0] : Value::MakeMap({});
    for (size_t i = 1; i < args.size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(const Map* src, ArgMap(args[i]));
      if (src == nullptr || src == &dst.as_map()) continue;
      CAIRN_RETURN_IF_ERROR(MergeInto(dst.mutable_map(), *src, overwrite, 0));
    }
    return dst;
  };
}

}  // namespace

void AddSprigDictFuncs(FuncMap& funcs, const FuncEnv& env) {
  (void)env;
  funcs["dict"] = [](std::span<const Value> args) -> Result<Value> {
    Map m;
    for (size_t i = 0; i < args.size(); i += 2) {
      std::string key = ToString(args[i]);
      if (i + 1 >= args.size()) {
        m.insert_or_assign(key, Value::String(""));
      } else {
        m.insert_or_assign(key, args[i + 1]);
      }
    }
    return Value::MakeMap(std::move(m));
  };
  funcs["get"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("get", args, 2));
    CAIRN_ASSIGN_OR_RETURN(const Map* m, ArgMap(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string key, ArgString(args[1]));
    if (m != nullptr) {
      auto it = m->find(key);
      if (it != m->end()) return it->second;
    }
    return Value::String("");
  };
  funcs["set"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("set", args, 3));
    CAIRN_ASSIGN_OR_RETURN(const Map* m, ArgMap(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string key, ArgString(args[1]));
    if (m == nullptr) return InvalidArgumentError("assignment to entry in nil map");
    args[0].mutable_map().insert_or_assign(key, args[2]);
    return args[0];
  };
  funcs["unset"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("unset", args, 2));
    CAIRN_ASSIGN_OR_RETURN(const Map* m, ArgMap(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string key, ArgString(args[1]));
    if (m == nullptr) return args[0];
    auto& mm = args[0].mutable_map();
    auto it = mm.find(key);
    if (it != mm.end()) mm.erase(it);
    return args[0];
  };
  funcs["hasKey"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("hasKey", args, 2));
    CAIRN_ASSIGN_OR_RETURN(const Map* m, ArgMap(args[0]));
    CAIRN_ASSIGN_OR_RETURN(std::string key, ArgString(args[1]));
    return Value::Bool(m != nullptr && m->find(key) != m->end());
  };
  funcs["pluck"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("pluck", args, 1));
    CAIRN_ASSIGN_OR_RETURN(std::string key, ArgString(args[0]));
    List out;
    for (size_t i = 1; i < args.size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(const Map* m, ArgMap(args[i]));
      if (m == nullptr) continue;
      auto it = m->find(key);
      if (it != m->end()) out.push_back(it->second);
    }
    return Value::MakeList(std::move(out));
  };
  funcs["keys"] = [](std::span<const Value> args) -> Result<Value> {
    List out;
    for (const Value& v : args) {
      CAIRN_ASSIGN_OR_RETURN(const Map* m, ArgMap(v));
      if (m == nullptr) continue;
      CAIRN_RETURN_IF_ERROR(CheckListSize("keys", out.size() + m->size()));
      for (const auto& [k, e] : *m) out.push_back(Value::String(k));
    }
    return Value::MakeList(std::move(out));
  };
  funcs["values"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("values", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const Map* m, ArgMap(args[0]));
    List out;
    if (m != nullptr) {
      for (const auto& [k, e] : *m) out.push_back(e);
    }
    return Value::MakeList(std::move(out));
  };
  funcs["pick"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("pick", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const Map* m, ArgMap(args[0]));
    Map out;
    for (size_t i = 1; i < args.size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(std::string key, ArgString(args[i]));
      if (m == nullptr) continue;
      auto it = m->find(key);
      if (it != m->end()) out.insert_or_assign(key, it->second);
    }
    return Value::MakeMap(std::move(out));
  };
  funcs["omit"] = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgsAtLeast("omit", args, 1));
    CAIRN_ASSIGN_OR_RETURN(const Map* m, ArgMap(args[0]));
    std::vector<std::string> drop;
    for (size_t i = 1; i < args.size(); ++i) {
      CAIRN_ASSIGN_OR_RETURN(std::string key, ArgString(args[i]));
      drop.push_back(std::move(key));
    }
    Map out;
    if (m != nullptr) {
      for (const auto& [k, e] : *m) {
        if (std::find(drop.begin(), drop.end(), k) == drop.end()) out.emplace(k, e);
      }
    }
    return Value::MakeMap(std::move(out));
  };
  funcs["merge"] = MergeFunc("merge", false);
  funcs["mustMerge"] = MergeFunc("mustMerge", false);
  funcs["mergeOverwrite"] = MergeFunc("mergeOverwrite", true);
  funcs["mustMergeOverwrite"] = MergeFunc("mustMergeOverwrite", true);
  Func deep_copy = [](std::span<const Value> args) -> Result<Value> {
    CAIRN_RETURN_IF_ERROR(CheckArgs("deepCopy", args, 1));
    return DeepCopy(args[0]);
  };
  funcs["deepCopy"] = deep_copy;
  funcs["mustDeepCopy"] = deep_copy;
  funcs["dig"] = [](std::span<const Value> args) -> Result<Value> {
    if (args.size() < 3) return InvalidArgumentError("dig needs at least three arguments");
    const Value& dict = args.back();
    if (dict.kind() != Value::Kind::kMap) {
      return InvalidArgumentError(InterfaceConversion(dict, "map[string]interface {}"));
    }
    const Value& def = args[args.size() - 2];
    std::vector<std::string> keys;
    for (size_t i = 0; i + 2 < args.size(); ++i) {
      if (args[i].kind() != Value::Kind::kString) {
        return InvalidArgumentError(InterfaceConversion(args[i], "string"));
      }
      keys.push_back(args[i].as_string());
    }
    const Map* m = &dict.as_map();
    for (size_t i = 0; i < keys.size(); ++i) {
      auto it = m->find(keys[i]);
      if (it == m->end()) return def;
      if (i + 1 == keys.size()) return it->second;
      if (it->second.kind() != Value::Kind::kMap) {
        return InvalidArgumentError(InterfaceConversion(it->second, "map[string]interface {}"));
      }
      m = &it->second.as_map();
    }
    return def;
  };
}

}  // namespace cairn::templates::internal
