// Helpers shared by the reference interpreter's tests: building one-op graphs
// through the C++ API, making small tensors, and comparing results with a
// stated tolerance.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "ir/Graph.h"
#include "ir/Tensor.h"
#include "ir/Weights.h"
#include "reference/Interpreter.h"

namespace atrous::testing {

using AttrList = std::vector<std::pair<std::string, AttrValue>>;
using Ints = std::vector<int64_t>;

// A tensor of `shape` holding `values` in row-major order.
inline Tensor tensorOf(const Shape &shape, const std::vector<float> &values) {
  Tensor t(DType::F32, shape);
  EXPECT_EQ(static_cast<size_t>(t.numel()), values.size()) << "for shape " << shapeStr(shape);
  for (size_t i = 0; i < values.size() && static_cast<int64_t>(i) < t.numel(); ++i)
    t.f32()[i] = values[i];
  return t;
}

// start, start + 1, ... in row-major order.
inline Tensor arange(const Shape &shape, float start = 0.0f) {
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = start + static_cast<float>(i);
  return t;
}

inline Tensor filled(const Shape &shape, float value) {
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = value;
  return t;
}

// Uniform values in [-1, 1).
inline Tensor randomTensor(const Shape &shape, std::mt19937 &rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  Tensor t(DType::F32, shape);
  for (int64_t i = 0; i < t.numel(); ++i)
    t.f32()[i] = dist(rng);
  return t;
}

// Appends node `name` = op(inputs, attrs) to `g` and returns its value.
inline ValueId addOp(Graph &g, const std::string &name, OpKind op,
                     const std::vector<ValueId> &inputs, const AttrList &attrs = {}) {
  Node n;
  n.name = name;
  n.op = op;
  n.inputs = inputs;
  for (const auto &[key, value] : attrs)
    n.attrs.set(key, value);
  return g.addNode(n);
}

// Runs a graph of one input `x` and one node `n` = op(x, attrs) and returns
// the node's value. `weights` are keyed by suffix (`weight`, `bias`, ...).
inline Tensor runOneOp(OpKind op, const Tensor &x, const AttrList &attrs,
                       const std::vector<std::pair<std::string, Tensor>> &weights = {}) {
  Graph g;
  g.name = "test";
  ValueId in = g.addInput("x", x.type());
  g.outputs = {addOp(g, "n", op, {in}, attrs)};
  Weights w;
  for (const auto &[suffix, tensor] : weights)
    w["n." + suffix] = tensor;
  return runReference(g, w, {x}).at(0);
}

// Checks shape and values; |actual - expected| <= tolerance elementwise.
inline void expectTensorNear(const Tensor &actual, const Shape &shape,
                             const std::vector<float> &expected, float tolerance = 1e-5f) {
  ASSERT_EQ(actual.dtype(), DType::F32);
  ASSERT_EQ(shapeStr(actual.shape()), shapeStr(shape));
  ASSERT_EQ(static_cast<size_t>(actual.numel()), expected.size());
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(actual.f32()[i], expected[i], tolerance) << "at flat index " << i;
}

// The largest |v| of `values` (at least 1), the scale relative tolerances
// are taken of.
inline double magnitude(const std::vector<double> &values) {
  double m = 1.0;
  for (double v : values)
    m = std::max(m, std::fabs(v));
  return m;
}

// Compares a reference result with an independent double-precision
// computation: every element within `relative` * max(1, max |expected|).
inline void expectClose(const Tensor &actual, const Shape &shape,
                        const std::vector<double> &expected, double relative = 1e-5) {
  ASSERT_EQ(shapeStr(actual.shape()), shapeStr(shape));
  ASSERT_EQ(static_cast<size_t>(actual.numel()), expected.size());
  const double tolerance = relative * magnitude(expected);
  size_t failures = 0;
  for (size_t i = 0; i < expected.size() && failures < 5; ++i)
    if (!(std::fabs(actual.f32()[i] - expected[i]) <= tolerance)) {
      ADD_FAILURE() << "at flat index " << i << ": got " << actual.f32()[i] << ", expected "
                    << expected[i] << " (tolerance " << tolerance << ")";
      ++failures;
    }
}

} // namespace atrous::testing
