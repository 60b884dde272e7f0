// Activations, BatchNormalization and the broadcasting arithmetic Add, Sub,
// Mul and Div. Clip becomes relu6 or relu when its bounds are those; other
// bounds, HardSigmoid and HardSwish are built from relu / relu6 and per-axis
// affine maps (Affine.h), exact up to float rounding. Division by a
// constant multiplies by its float reciprocal; division by a run-time
// tensor has no IR op and is refused.
#include <cmath>
#include <limits>

#include "frontend/onnx/Affine.h"
#include "frontend/onnx/OpArgs.h"

namespace atrous::onnx_import {

namespace {

// The axis a scalar constant is applied along: the channels when there are
// any.
int scalarAxis(const Importer &im, ValueId x) {
  return im.typeOf(x).rank() >= 2 ? 1 : 0;
}

ValueId scalarAffine(Importer &im, ValueId x, std::optional<double> scale, double shift,
                     const std::string &role) {
  const int axis = scalarAxis(im, x);
  const size_t n = static_cast<size_t>(im.typeOf(x).shape[static_cast<size_t>(axis)]);
  std::optional<std::vector<double>> s;
  if (scale) s = std::vector<double>(n, *scale);
  return emitAffine(im, x, axis, s, std::vector<double>(n, shift), role);
}

void activation(Importer &im, OpKind kind, Attrs attrs = {}) {
  applyAlongAxis(im, 0, -1, [&](ValueId x, int) { return im.emit(kind, {x}, attrs); });
}

// max(lo, min(hi, x)) from relu and relu6.
ValueId clip(Importer &im, ValueId x, std::optional<double> lo, std::optional<double> hi) {
  if (lo && hi) {
    if (*lo == 0 && *hi == 6) return im.emit(OpKind::Relu6, {x}, {});
    const double range = *hi - *lo;
    ValueId scaled = scalarAffine(im, x, 6 / range, -6 * *lo / range, "scale");
    ValueId r = im.emit(OpKind::Relu6, {scaled}, {}, "relu6");
    return scalarAffine(im, r, range / 6, *lo, "");
  }
  if (lo) {
    if (*lo == 0) return im.emit(OpKind::Relu, {x}, {});
    ValueId shifted = scalarAffine(im, x, std::nullopt, -*lo, "shift");
    ValueId r = im.emit(OpKind::Relu, {shifted}, {}, "relu");
    return scalarAffine(im, r, std::nullopt, *lo, "");
  }
  // hi - relu(hi - x)
  ValueId flipped = scalarAffine(im, x, -1.0, *hi, "flip");
  ValueId r = im.emit(OpKind::Relu, {flipped}, {}, "relu");
  return scalarAffine(im, r, -1.0, *hi, "");
}

void convertClip(Importer &im) {
  ClipBounds b = clipBounds(im);
  // Infinite bounds clip nothing.
  if (b.min && std::isinf(*b.min) && *b.min < 0) b.min.reset();
  if (b.max && std::isinf(*b.max) && *b.max > 0) b.max.reset();
  if (b.min && b.max && !(*b.min < *b.max))
    im.fail("min " + std::to_string(*b.min) + " is not below max " + std::to_string(*b.max));
  if (!b.min && !b.max) {
    im.setOutput(0, im.input(0));
    return;
  }
  applyAlongAxis(im, 0, -1, [&](ValueId x, int) { return clip(im, x, b.min, b.max); });
}

// max(0, min(1, alpha * x + beta)) = relu6(6 alpha x + 6 beta) / 6.
ValueId hardSigmoid(Importer &im, ValueId x, double alpha, double beta, const std::string &role) {
  const std::string prefix = role.empty() ? "" : role + ".";
  ValueId scaled = scalarAffine(im, x, 6 * alpha, 6 * beta, prefix + "scale");
  ValueId r = im.emit(OpKind::Relu6, {scaled}, {}, prefix + "relu6");
  return scalarAffine(im, r, 1.0 / 6, 0.0, role);
}

void convertHardSigmoid(Importer &im) {
  const double alpha = im.attrFloat("alpha", 0.2f), beta = im.attrFloat("beta", 0.5f);
  applyAlongAxis(im, 0, -1, [&](ValueId x, int) { return hardSigmoid(im, x, alpha, beta, ""); });
}

void convertHardSwish(Importer &im) {
  applyAlongAxis(im, 0, -1, [&](ValueId x, int) {
    ValueId gate = hardSigmoid(im, x, 1.0 / 6, 0.5, "gate");
    return im.emit(OpKind::Mul, {x, gate}, {});
  });
}

void convertBatchNorm(Importer &im) {
  if (im.opset() >= 14 && im.attrInt("training_mode", 0) != 0)
    im.unsupportedAttr("training_mode", "1", "atrous imports inference graphs");
  const Shape xs = im.shape(0);
  if (xs.size() < 2) im.fail("the input " + shapeStr(xs) + " has no channel dim");
  const int64_t channels = xs[1];
  const char *names[] = {"scale", "B", "input_mean", "input_var"};
  std::vector<std::vector<double>> p;
  for (int k = 0; k < 4; ++k) {
    const HostTensor &t = im.constant(k + 1, names[k]);
    if (t.shape != Shape{channels})
      im.fail(std::string(names[k]) + " has shape " + shapeStr(t.shape) + ", expected [" +
              std::to_string(channels) + "]");
    p.push_back(t.doubles());
  }
  const float eps = im.attrFloat("epsilon", 1e-5f);
  applyAlongAxis(im, 0, 1, [&](ValueId x, int axis) {
    if (axis != 1) {
      // The channels of a view lie along another axis of its source.
      std::vector<double> scale(p[0].size()), shift(p[0].size());
      for (size_t c = 0; c < scale.size(); ++c) {
        scale[c] = p[0][c] / std::sqrt(p[3][c] + static_cast<double>(eps));
        shift[c] = p[1][c] - p[2][c] * scale[c];
      }
      return emitAffine(im, x, axis, scale, shift);
    }
    Attrs a;
    a.set("eps", static_cast<double>(eps));
    ValueId y = im.emit(OpKind::BatchNorm, {x}, a);
    const char *suffix[] = {"weight", "bias", "running_mean", "running_var"};
    for (int k = 0; k < 4; ++k)
      im.addWeight(y, suffix[k], toF32Tensor(im.constant(k + 1, names[k])));
    return y;
  });
}

enum class Arith { Add, Sub, Mul, Div };

// A constant operand as a per-axis vector of the run-time operand's shape:
// returns the axis (-1 for one value everywhere) and the values.
int constantAxis(Importer &im, const HostTensor &c, const Shape &x, std::vector<double> &values) {
  Shape full = broadcastShapes(x, c.shape);
  if (full != x)
    im.fail("the constant operand " + c.describe() + " would broadcast the run-time operand " +
            shapeStr(x) + " to " + shapeStr(full) + "; atrous supports constants that fit it");
  values = c.doubles();
  bool uniform = true;
  for (double v : values)
    uniform = uniform && v == values[0];
  if (uniform) {
    values.resize(1);
    return -1;
  }
  const size_t offset = x.size() - c.shape.size();
  int axis = -1;
  for (size_t d = 0; d < c.shape.size(); ++d) {
    if (c.shape[d] == 1) continue;
    if (axis >= 0)
      im.fail("the constant operand " + c.describe() +
              " varies along more than one axis; atrous applies constants along one axis");
    axis = static_cast<int>(d + offset);
  }
  return axis;
}

void convertArithmetic(Importer &im, Arith kind) {
  const bool c0 = im.isConstant(0), c1 = im.isConstant(1);
  if (!c0 && !c1) {
    ValueId a = im.runtime(0), b = im.runtime(1);
    switch (kind) {
    case Arith::Add:
      im.setRuntime(0, im.emit(OpKind::Add, {a, b}, {}));
      return;
    case Arith::Mul:
      im.setRuntime(0, im.emit(OpKind::Mul, {a, b}, {}));
      return;
    case Arith::Sub:
      im.setRuntime(0, im.emit(OpKind::Add, {a, scalarAffine(im, b, -1.0, 0.0, "neg")}, {}));
      return;
    case Arith::Div:
      im.fail("division by a run-time tensor is not supported (the IR has no division)");
    }
  }
  const int k = c0 ? 0 : 1, r = 1 - k;
  std::vector<double> values;
  const int axis = constantAxis(im, im.constant(k, "the constant operand"), im.shape(r), values);
  std::optional<std::vector<double>> scale;
  std::vector<double> shift(values.size(), 0.0);
  switch (kind) {
  case Arith::Add:
    shift = values;
    break;
  case Arith::Sub:
    if (k == 1) {
      for (size_t i = 0; i < values.size(); ++i)
        shift[i] = -values[i];
    } else {
      scale = std::vector<double>(values.size(), -1.0);
      shift = values;
    }
    break;
  case Arith::Mul:
    scale = values;
    break;
  case Arith::Div:
    if (k == 0)
      im.fail("division of a constant by a run-time tensor is not supported (the IR has no "
              "division)");
    scale = values;
    for (double &v : *scale)
      v = static_cast<double>(1.0f / static_cast<float>(v));
    break;
  }
  bool identity = true;
  for (size_t i = 0; i < values.size(); ++i)
    identity = identity && shift[i] == 0 && (!scale || (*scale)[i] == 1);
  if (identity) {
    im.setOutput(0, im.input(r));
    return;
  }
  applyAlongAxis(im, r, axis, [&](ValueId x, int along) {
    if (along < 0) along = scalarAxis(im, x);
    const size_t n = static_cast<size_t>(im.typeOf(x).shape[static_cast<size_t>(along)]);
    auto fit = [&](const std::vector<double> &v) {
      return v.size() == 1 ? std::vector<double>(n, v[0]) : v;
    };
    std::optional<std::vector<double>> s;
    if (scale) s = fit(*scale);
    return emitAffine(im, x, along, s, fit(shift));
  });
}

} // namespace

void registerElementwiseOps(OpTable &table) {
  table["Relu"] = [](Importer &im) { activation(im, OpKind::Relu); };
  table["Sigmoid"] = [](Importer &im) { activation(im, OpKind::Sigmoid); };
  table["Tanh"] = [](Importer &im) { activation(im, OpKind::Tanh); };
  table["LeakyRelu"] = [](Importer &im) {
    Attrs a;
    a.set("alpha", static_cast<double>(im.attrFloat("alpha", 0.01f)));
    activation(im, OpKind::LeakyRelu, a);
  };
  table["Clip"] = convertClip;
  table["HardSigmoid"] = convertHardSigmoid;
  table["HardSwish"] = convertHardSwish;
  table["BatchNormalization"] = convertBatchNorm;
  table["Add"] = [](Importer &im) { convertArithmetic(im, Arith::Add); };
  table["Sub"] = [](Importer &im) { convertArithmetic(im, Arith::Sub); };
  table["Mul"] = [](Importer &im) { convertArithmetic(im, Arith::Mul); };
  table["Div"] = [](Importer &im) { convertArithmetic(im, Arith::Div); };
  table["Neg"] = [](Importer &im) {
    applyAlongAxis(im, 0, -1, [&](ValueId x, int) { return scalarAffine(im, x, -1.0, 0.0, ""); });
  };
}

} // namespace atrous::onnx_import
