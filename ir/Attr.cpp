#include "ir/Attr.h"

#include <cctype>
#include <cmath>
#include <cstdio>

#include "ir/Error.h"

namespace atrous {

static std::string floatStr(double d) {
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  char buf[64];
  // 17 significant digits round-trip any double; try shorter first for
  // readability.
  for (int prec = 6; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof buf, "%.*g", prec, d);
    if (std::strtod(buf, nullptr) == d) break;
  }
  std::string s = buf;
  // Keep a float recognisable as one when read back.
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

static bool isIdentifier(const std::string &s) {
  if (s.empty() || !(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.')) return false;
  return true;
}

std::string attrValueStr(const AttrValue &v) {
  struct Visitor {
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const { return floatStr(d); }
    std::string operator()(const std::string &s) const {
      return isIdentifier(s) ? s : "\"" + s + "\"";
    }
    std::string operator()(const std::vector<int64_t> &l) const {
      if (l.size() == 1) return std::to_string(l[0]);
      std::string s = "[";
      for (size_t i = 0; i < l.size(); ++i)
        s += (i ? ", " : "") + std::to_string(l[i]);
      return s + "]";
    }
    std::string operator()(const std::vector<double> &l) const {
      if (l.size() == 1) return floatStr(l[0]);
      std::string s = "[";
      for (size_t i = 0; i < l.size(); ++i)
        s += (i ? ", " : "") + floatStr(l[i]);
      return s + "]";
    }
  };
  return std::visit(Visitor{}, v);
}

const AttrValue &Attrs::get(const std::string &name) const {
  auto it = map_.find(name);
  if (it == map_.end()) throw Error("missing attribute '" + name + "'");
  return it->second;
}

[[noreturn]] static void wrongType(const std::string &name, const char *want) {
  throw Error("attribute '" + name + "' is not " + want);
}

bool Attrs::getBool(const std::string &name) const {
  if (auto *b = std::get_if<bool>(&get(name))) return *b;
  wrongType(name, "a bool");
}

int64_t Attrs::getInt(const std::string &name) const {
  const AttrValue &v = get(name);
  if (auto *i = std::get_if<int64_t>(&v)) return *i;
  if (auto *l = std::get_if<std::vector<int64_t>>(&v); l && l->size() == 1) return (*l)[0];
  wrongType(name, "an integer");
}

double Attrs::getFloat(const std::string &name) const {
  const AttrValue &v = get(name);
  if (auto *d = std::get_if<double>(&v)) return *d;
  if (auto *i = std::get_if<int64_t>(&v)) return static_cast<double>(*i);
  wrongType(name, "a number");
}

const std::string &Attrs::getString(const std::string &name) const {
  if (auto *s = std::get_if<std::string>(&get(name))) return *s;
  wrongType(name, "a name");
}

bool Attrs::isString(const std::string &name) const {
  return has(name) && std::holds_alternative<std::string>(get(name));
}

std::vector<int64_t> Attrs::getInts(const std::string &name) const {
  const AttrValue &v = get(name);
  if (auto *l = std::get_if<std::vector<int64_t>>(&v)) return *l;
  if (auto *i = std::get_if<int64_t>(&v)) return {*i};
  wrongType(name, "a list of integers");
}

std::vector<double> Attrs::getFloats(const std::string &name) const {
  const AttrValue &v = get(name);
  if (auto *l = std::get_if<std::vector<double>>(&v)) return *l;
  if (auto *d = std::get_if<double>(&v)) return {*d};
  if (auto *i = std::get_if<int64_t>(&v)) return {static_cast<double>(*i)};
  if (auto *l = std::get_if<std::vector<int64_t>>(&v)) return {l->begin(), l->end()};
  wrongType(name, "a list of numbers");
}

} // namespace atrous
