// Named, typed node attributes (`stride=2`, `pad=same`, `kernel=[3, 1]`).
// Values are stored as written after type normalisation by the op's schema,
// so that printing and parsing a graph round-trips exactly.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace atrous {

using AttrValue =
    std::variant<bool, int64_t, double, std::string, std::vector<int64_t>, std::vector<double>>;

// Text-format spelling of a value: `true`, `3`, `0.5`, `same`, `[1, 2]`.
std::string attrValueStr(const AttrValue &v);

class Attrs {
public:
  bool has(const std::string &name) const { return map_.count(name) != 0; }
  void set(const std::string &name, AttrValue v) { map_[name] = std::move(v); }
  void erase(const std::string &name) { map_.erase(name); }
  const AttrValue &get(const std::string &name) const;

  // Typed reads. A scalar reads as a one-element list, an int as a float.
  // A missing attribute or a value of another type throws atrous::Error.
  bool getBool(const std::string &name) const;
  int64_t getInt(const std::string &name) const;
  double getFloat(const std::string &name) const;
  const std::string &getString(const std::string &name) const;
  std::vector<int64_t> getInts(const std::string &name) const;
  std::vector<double> getFloats(const std::string &name) const;
  bool isString(const std::string &name) const;

  const std::map<std::string, AttrValue> &all() const { return map_; }
  bool operator==(const Attrs &o) const { return map_ == o.map_; }
  bool operator!=(const Attrs &o) const { return !(*this == o); }

private:
  std::map<std::string, AttrValue> map_;
};

} // namespace atrous
