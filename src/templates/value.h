#pragma once

// The values Go templates see. step-ca executes its templates over Go data: maps
// (map[string]interface{}), slices, structs (x509util.Subject, the CSR, ...), numbers decoded
// from JSON (float64), time.Time and time.Duration. Value models exactly those, so that field
// access, printing (fmt's %v), comparison and sprig's functions behave as they do in Go.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace cairn::templates {

class Value;

// List is a Go slice ([]interface{}).
using List = std::vector<Value>;
// Map is a Go map[string]interface{}; text/template ranges over it in key order.
using Map = std::map<std::string, Value, std::less<>>;

// StructField is one field of a Go struct: `go_name` is what templates access
// (`.Subject.CommonName`), `json_name` what toJson writes ("commonName"); `omit_empty`
// mirrors the `,omitempty` json tag.
struct StructField;

// Struct is a Go struct value: a Go type name (what `typeOf`/`typeIs` compare, e.g.
// "x509util.Subject", "*rsa.PublicKey") and its fields in declaration order.
struct Struct {
  std::string type_name;
  std::vector<StructField> fields;

  // Find returns the field called `go_name`, or null.
  const Value* Find(std::string_view go_name) const;
};

// GoTime is a time.Time: an instant and the zone it is shown in (UTC unless a function such
// as dateInZone picks another fixed offset).
struct GoTime {
  std::chrono::sys_time<std::chrono::nanoseconds> at;
  int utc_offset_seconds = 0;
  std::string zone = "UTC";
};

// Value is one Go value. Copies are cheap for containers (shared, copy-on-write is not
// needed: values are never mutated after construction except by sprig's set/unset, which
// act on the Map they are given, as Go maps are references).
class Value {
 public:
  enum class Kind {
    kNil,       // nil / <no value>
    kBool,      // bool
    kInt,       // int (int64)
    kUint,      // uint64
    kFloat,     // float64 (every number decoded from JSON)
    kString,    // string
    kList,      // []interface{}
    kMap,       // map[string]interface{}
    kStruct,    // a struct (or pointer to one)
    kTime,      // time.Time
    kDuration,  // time.Duration (nanoseconds)
  };

  Value() = default;  // nil
  static Value Bool(bool b);
  static Value Int(int64_t i);
  static Value Uint(uint64_t u);
  static Value Float(double d);
  static Value String(std::string s);
  static Value MakeList(List items);
  static Value MakeMap(Map items);
  static Value MakeStruct(Struct s);
  static Value Time(GoTime t);
  static Value Duration(std::chrono::nanoseconds d);

  // FromJson converts JSON as Go's json.Unmarshal into interface{} does: objects become
  // maps, arrays lists, every number a float64.
  static Value FromJson(const nlohmann::json& j);

  Kind kind() const { return kind_; }
  bool is_nil() const { return kind_ == Kind::kNil; }

  // Accessors; each requires the matching kind (checked with assert in debug builds).
  bool as_bool() const { return b_; }
  int64_t as_int() const { return i_; }
  uint64_t as_uint() const { return u_; }
  double as_float() const { return d_; }
  const std::string& as_string() const { return *s_; }
  const List& as_list() const { return *list_; }
  // mutable_map: Go maps are references; sprig's set/unset modify the map in place.
  const Map& as_map() const { return *map_; }
  Map& mutable_map() const { return *map_; }
  const Struct& as_struct() const { return *struct_; }
  const GoTime& as_time() const { return time_; }
  std::chrono::nanoseconds as_duration() const { return dur_; }

  // Truthy is text/template's truth: false, 0, nil, "" and empty lists/maps are false; structs
  // and times are true.
  bool Truthy() const;

  // Field returns the struct field or map entry `name` (text/template's `.Name`):
  // kNotFound when a struct has no such field ("can't evaluate field X in type T"); a map
  // without the key yields nil, as Go's missingkey=default does.
  Result<Value> Field(std::string_view name) const;

  // Print is fmt.Sprint(v) (%v): nil as "<nil>", floats as Go's strconv 'g' shortest form
  // (1e+06, 1.5), lists as "[a b]", maps as "map[k:v k2:v2]" sorted by key, structs as
  // "{v1 v2}", times as "2006-01-02 15:04:05.999999999 -0700 MST", durations as "1h2m3s".
  std::string Print() const;

  // ToJson is encoding/json's Marshal: structs by json_name honouring omit_empty, maps with
  // sorted keys, times as RFC 3339 with nanoseconds, durations as integers (nanoseconds).
  nlohmann::ordered_json ToJson() const;

  // TypeName is fmt's %T: "string", "float64", "int", "bool", "[]interface {}",
  // "map[string]interface {}", "time.Time", "time.Duration", the struct's type_name, or
  // "<nil>".
  std::string TypeName() const;

  // KindName is reflect.Kind's name as sprig's kindOf reports it: "string", "float64", "int",
  // "uint64", "bool", "slice", "map", "struct", "ptr" (for type names starting with '*'),
  // "invalid" for nil.
  std::string KindName() const;

 private:
  Kind kind_ = Kind::kNil;
  bool b_ = false;
  int64_t i_ = 0;
  uint64_t u_ = 0;
  double d_ = 0;
  std::shared_ptr<const std::string> s_;
  std::shared_ptr<const List> list_;
  std::shared_ptr<Map> map_;
  std::shared_ptr<const Struct> struct_;
  GoTime time_;
  std::chrono::nanoseconds dur_{0};
};

struct StructField {
  std::string go_name;
  std::string json_name;
  bool omit_empty = false;
  Value value;
};

// Equal is text/template's `eq` on two basic values (bool, numbers, strings, nil), with Go's
// rule that integers and floats compare by value only within their class (int vs uint
// compare by value too); kInvalidArgument for lists, maps or structs ("incompatible types
// for comparison"), or a bool against a number.
Result<bool> Equal(const Value& a, const Value& b);

// Less is text/template's `lt`: numbers and strings only; kInvalidArgument otherwise.
Result<bool> Less(const Value& a, const Value& b);

}  // namespace cairn::templates
