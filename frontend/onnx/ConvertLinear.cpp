// Gemm and MatMul with a constant right operand become `linear` (weights
// transposed to PyTorch's [out, in] layout at import, Gemm's alpha folded
// into them and beta into the bias); Softmax (with the flattening semantics
// of opsets before 13) and ArgMax.
#include "frontend/onnx/Affine.h"

namespace atrous::onnx_import {

namespace {

Tensor transposed2d(const HostTensor &b) {
  return toF32Tensor(transposed(b, {1, 0}));
}

void convertGemm(Importer &im) {
  if (im.attrInt("transA", 0) != 0)
    im.unsupportedAttr("transA", "1", "the IR has no transpose of a run-time tensor");
  ValueId a = im.runtime(0);
  const Shape as = im.typeOf(a).shape;
  const HostTensor &b = im.constant(1, "B");
  if (as.size() != 2 || b.rank() != 2) im.fail("Gemm of " + shapeStr(as) + " and " + b.describe());
  const bool transB = im.attrInt("transB", 0) != 0;
  Tensor weight = transB ? toF32Tensor(b) : transposed2d(b);
  const int64_t out = weight.shape()[0];
  if (weight.shape()[1] != as[1])
    im.fail("B " + b.describe() + (transB ? " (transposed)" : "") + " does not fit A " +
            shapeStr(as));
  const float alpha = im.attrFloat("alpha", 1.0f), beta = im.attrFloat("beta", 1.0f);
  if (alpha != 1.0f)
    for (int64_t k = 0; k < weight.numel(); ++k)
      weight.f32()[k] *= alpha;
  Attrs attrs;
  attrs.set("out", out);
  attrs.set("bias", im.hasInput(2));
  Tensor bias(DType::F32, {out});
  if (im.hasInput(2)) {
    const HostTensor &c = im.constant(2, "C");
    // C broadcasts to [M, out]; atrous adds one bias per output feature.
    Shape full = broadcastShapes({as[0], out}, c.shape);
    bool perFeature = full == Shape{as[0], out} && (c.rank() < 2 || c.shape[0] == 1);
    if (!perFeature)
      im.fail("C " + c.describe() + " varies per row; atrous supports a bias per output feature");
    HostTensor row = expanded(c, {1, out});
    for (int64_t k = 0; k < out; ++k)
      bias.f32()[k] = static_cast<float>(row.value(k) * static_cast<double>(beta));
  }
  ValueId y = im.emit(OpKind::Linear, {a}, attrs);
  im.addWeight(y, "weight", std::move(weight));
  if (im.hasInput(2)) im.addWeight(y, "bias", std::move(bias));
  im.setRuntime(0, y);
}

void convertMatMul(Importer &im) {
  if (!im.isConstant(1))
    im.fail("MatMul with a run-time right operand is not supported; atrous multiplies by "
            "constant weights");
  ValueId a = im.runtime(0);
  const Shape as = im.typeOf(a).shape;
  const HostTensor &b = im.constant(1, "B");
  if (as.size() < 2 || b.rank() != 2 || b.shape[0] != as.back())
    im.fail("MatMul of " + shapeStr(as) + " and " + b.describe() +
            " (atrous supports [..., K] x [K, N] with a constant right operand)");
  const int64_t k = as.back(), out = b.shape[1];
  int64_t rows = numElements(as) / k;
  ValueId x = a;
  if (as.size() != 2) {
    Attrs r;
    r.set("shape", std::vector<int64_t>{rows, k});
    x = im.emit(OpKind::Reshape, {a}, r, "rows");
  }
  Attrs attrs;
  attrs.set("out", out);
  attrs.set("bias", false);
  ValueId y = im.emit(OpKind::Linear, {x}, attrs, as.size() == 2 ? "" : "linear");
  im.addWeight(y, "weight", transposed2d(b));
  if (as.size() != 2) {
    Shape shape = as;
    shape.back() = out;
    Attrs r;
    r.set("shape", std::vector<int64_t>(shape.begin(), shape.end()));
    y = im.emit(OpKind::Reshape, {y}, r);
  }
  im.setRuntime(0, y);
}

void convertSoftmax(Importer &im) {
  const Shape xs = im.shape(0);
  const int rank = static_cast<int>(xs.size());
  const int64_t def = im.opset() < 13 ? 1 : -1;
  int64_t axis = im.attrInt("axis", def);
  if (axis < -rank || axis >= rank)
    im.fail("axis " + std::to_string(axis) + " is out of range for " + shapeStr(xs));
  if (axis < 0) axis += rank;
  if (im.opset() >= 13 || axis == rank - 1) {
    applyAlongAxis(im, 0, static_cast<int>(axis), [&](ValueId x, int along) {
      Attrs a;
      a.set("axis", int64_t{along});
      return im.emit(OpKind::Softmax, {x}, a);
    });
    return;
  }
  // Before opset 13: softmax over all dims from `axis` on, flattened.
  ValueId x = im.runtime(0);
  Attrs f;
  f.set("axis", axis);
  ValueId flat = im.emit(OpKind::Flatten, {x}, f, "flat");
  Attrs s;
  s.set("axis", int64_t{1});
  ValueId y = im.emit(OpKind::Softmax, {flat}, s, "softmax");
  Attrs r;
  r.set("shape", std::vector<int64_t>(xs.begin(), xs.end()));
  im.setRuntime(0, im.emit(OpKind::Reshape, {y}, r));
}

void convertArgMax(Importer &im) {
  if (im.attrInt("select_last_index", 0) != 0)
    im.unsupportedAttr("select_last_index", "1", "atrous returns the first maximum");
  ValueId x = im.runtime(0);
  Attrs a;
  a.set("axis", im.attrInt("axis", 0));
  a.set("keepdims", im.attrInt("keepdims", 1) != 0);
  im.setRuntime(0, im.emit(OpKind::ArgMax, {x}, a));
}

} // namespace

void registerLinearOps(OpTable &table) {
  table["Gemm"] = convertGemm;
  table["MatMul"] = convertMatMul;
  table["Softmax"] = convertSoftmax;
  table["ArgMax"] = convertArgMax;
}

} // namespace atrous::onnx_import
