// Small builders for tests that construct graphs through the C++ API.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "ir/Graph.h"

namespace atrous::test {

using AttrList = std::vector<std::pair<std::string, AttrValue>>;

inline Node makeNode(const std::string &name, OpKind op, std::vector<ValueId> inputs,
                     const AttrList &attrs = {}) {
  Node n;
  n.name = name;
  n.op = op;
  n.inputs = std::move(inputs);
  for (const auto &[k, v] : attrs)
    n.attrs.set(k, v);
  return n;
}

inline ValueId add(Graph &g, const std::string &name, OpKind op, std::vector<ValueId> inputs,
                   const AttrList &attrs = {}) {
  return g.addNode(makeNode(name, op, std::move(inputs), attrs));
}

inline std::vector<int64_t> ints(std::initializer_list<int64_t> v) {
  return v;
}

} // namespace atrous::test
