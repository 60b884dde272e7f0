#include "frontend/onnx/Affine.h"

#include "frontend/onnx/ViewMap.h"

namespace atrous::onnx_import {

namespace {

Tensor vectorTensor(const std::vector<double> &v) {
  Tensor t(DType::F32, {static_cast<int64_t>(v.size())});
  for (size_t k = 0; k < v.size(); ++k)
    t.f32()[k] = static_cast<float>(v[k]);
  return t;
}

} // namespace

ValueId emitAffine(Importer &im, ValueId x, int axis,
                   const std::optional<std::vector<double>> &scale,
                   const std::vector<double> &shift, const std::string &role) {
  const Shape shape = im.typeOf(x).shape;
  const int rank = static_cast<int>(shape.size());
  const bool reshape = rank < 2 || axis != 1;
  ValueId in = x;
  if (reshape) {
    int64_t outer = 1, inner = 1;
    for (int d = 0; d < axis; ++d)
      outer *= shape[d];
    for (int d = axis + 1; d < rank; ++d)
      inner *= shape[d];
    Attrs r;
    r.set("shape", std::vector<int64_t>{outer, shape[axis], inner});
    in = im.emit(OpKind::Reshape, {x}, r, role.empty() ? "in" : role + ".in");
  }
  const std::string opRole = reshape ? (role.empty() ? "affine" : role + ".affine") : role;
  ValueId y;
  if (!scale) {
    y = im.emit(OpKind::Bias, {in}, {}, opRole);
    im.addWeight(y, "bias", vectorTensor(shift));
  } else {
    Attrs a;
    a.set("eps", 0.0);
    y = im.emit(OpKind::BatchNorm, {in}, a, opRole);
    im.addWeight(y, "weight", vectorTensor(*scale));
    im.addWeight(y, "bias", vectorTensor(shift));
    im.addWeight(y, "running_mean", vectorTensor(std::vector<double>(shift.size(), 0.0)));
    im.addWeight(y, "running_var", vectorTensor(std::vector<double>(shift.size(), 1.0)));
  }
  if (!reshape) return y;
  Attrs r;
  r.set("shape", std::vector<int64_t>(shape.begin(), shape.end()));
  return im.emit(OpKind::Reshape, {y}, r, role);
}

void applyAlongAxis(Importer &im, int input, int axis, const AxisOp &op) {
  const Value &v = im.input(input);
  if (v.kind == Value::Kind::View) {
    const View &view = *v.view;
    const Shape src = im.typeOf(view.source).shape;
    bool padded = false;
    for (int64_t index : view.map.i)
      padded = padded || index < 0;
    int srcAxis = axis < 0 ? (padded ? -2 : -1) : lineAxis(view, src, axis);
    if (srcAxis != -2 && (axis < 0 || srcAxis >= 0)) {
      View out = view;
      out.source = op(view.source, srcAxis);
      im.setOutput(0, Value::ofView(std::move(out)));
      return;
    }
  }
  im.setRuntime(0, op(im.runtime(input), axis));
}

} // namespace atrous::onnx_import
