#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cairn::http {

// Headers is an ordered list of HTTP header fields with case-insensitive name lookup (RFC 9110
// §5.1). Names and values are stored as received; repeated fields keep their order. Lookups are
// linear, which is fast for the few dozen fields a request carries. Thread-compatible.
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;
  using const_iterator = std::vector<Field>::const_iterator;

  // Add appends a field, keeping any earlier field of the same name.
  void Add(std::string name, std::string value);
  // Set replaces every field named `name` (case-insensitively) by one field.
  void Set(std::string name, std::string value);
  // Remove drops every field named `name`.
  void Remove(std::string_view name);
  // Get returns the value of the first field named `name`, or "" when there is none. The view
  // stays valid until the Headers is modified or destroyed.
  std::string_view Get(std::string_view name) const;
  // GetAll returns the values of every field named `name`, in order.
  std::vector<std::string_view> GetAll(std::string_view name) const;
  // Count returns how many fields are named `name`.
  size_t Count(std::string_view name) const;
  // Has reports whether a field named `name` exists (even with an empty value).
  bool Has(std::string_view name) const;

  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  const_iterator begin() const { return fields_.begin(); }
  const_iterator end() const { return fields_.end(); }

 private:
  std::vector<Field> fields_;
};

}  // namespace cairn::http
