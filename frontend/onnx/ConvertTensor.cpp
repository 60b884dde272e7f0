// Data movement on run-time tensors: Reshape, Flatten, Squeeze, Unsqueeze,
// Concat, Slice, Split, Pad, Gather, Identity, Dropout, Expand and Cast map
// to IR nodes (or to nothing); Transpose, SpaceToDepth and DepthToSpace,
// which the IR has no op for, build views (ViewMap.h). Every one of them
// also works on a view by transforming its index map, so a chain of them is
// judged as a whole when something consumes it.
#include "frontend/onnx/OpArgs.h"
#include "frontend/onnx/ViewMap.h"

namespace atrous::onnx_import {

namespace {

bool isView(const Importer &im, int k) {
  return im.input(k).kind == Value::Kind::View;
}

// Input k as a view: itself, or the identity view of an IR value. Shared,
// not copied: index maps can be large.
std::shared_ptr<const View> viewOf(Importer &im, int k) {
  const Value &v = im.input(k);
  if (v.kind == Value::Kind::View) return v.view;
  return std::make_shared<const View>(startView(im, im.runtime(k), im.where()));
}

// Output `out` as the view of `base`'s source through `map`.
void setView(Importer &im, const View &base, HostTensor map, int out = 0) {
  View v;
  v.source = base.source;
  v.origin = base.origin;
  v.map = std::move(map);
  im.setOutput(out, Value::ofView(std::move(v)));
}

void reshapeTo(Importer &im, const Shape &shape) {
  if (isView(im, 0)) {
    std::shared_ptr<const View> v = viewOf(im, 0);
    HostTensor map = reshaped(v->map, shape);
    setView(im, *v, std::move(map));
    return;
  }
  ValueId x = im.runtime(0);
  if (im.typeOf(x).shape == shape) {
    im.setRuntime(0, x);
    return;
  }
  Attrs a;
  a.set("shape", std::vector<int64_t>(shape.begin(), shape.end()));
  im.setRuntime(0, im.emit(OpKind::Reshape, {x}, a));
}

void convertFlatten(Importer &im) {
  const Shape xs = im.shape(0);
  int64_t axis = im.attrInt("axis", 1), rank = static_cast<int64_t>(xs.size());
  if (axis < -rank || axis > rank) im.fail("axis " + std::to_string(axis) + " is out of range");
  if (axis < 0) axis += rank;
  int64_t head = 1;
  for (int64_t d = 0; d < axis; ++d)
    head *= xs[static_cast<size_t>(d)];
  reshapeTo(im, {head, numElements(xs) / std::max<int64_t>(head, 1)});
}

void convertConcat(Importer &im) {
  std::vector<ValueId> parts;
  for (int k = 0; k < im.inputCount(); ++k)
    if (im.hasInput(k)) parts.push_back(im.runtime(k));
  if (parts.size() == 1) {
    im.setRuntime(0, parts[0]);
    return;
  }
  Attrs a;
  a.set("axis", im.attrInt("axis", 1));
  im.setRuntime(0, im.emit(OpKind::Concat, parts, a));
}

// One IR slice per sliced axis (positive steps); anything else as a view.
void convertSlice(Importer &im) {
  const Shape xs = im.shape(0);
  SliceArgs s = sliceArgs(im, static_cast<int>(xs.size()));
  bool reverses = false;
  for (int64_t step : s.steps)
    reverses = reverses || step < 0;
  if (isView(im, 0) || reverses) {
    std::shared_ptr<const View> v = viewOf(im, 0);
    HostTensor map = sliced(v->map, s.starts, s.ends, s.axes, s.steps);
    setView(im, *v, std::move(map));
    return;
  }
  ValueId x = im.runtime(0);
  for (size_t k = 0; k < s.axes.size(); ++k) {
    const int64_t dim = xs[static_cast<size_t>(s.axes[k])];
    int64_t start = s.starts[k] < 0 ? s.starts[k] + dim : s.starts[k];
    int64_t end = s.ends[k] < 0 ? s.ends[k] + dim : s.ends[k];
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    if (s.steps[k] == 0) im.fail("slice step must not be 0");
    if (start == 0 && end == dim && s.steps[k] == 1) continue;
    if (end <= start) im.fail("the slice of axis " + std::to_string(s.axes[k]) + " is empty");
    Attrs a;
    a.set("axis", s.axes[k]);
    a.set("start", start);
    a.set("end", end);
    a.set("step", s.steps[k]);
    x = im.emit(OpKind::Slice, {x}, a, k + 1 == s.axes.size() ? "" : "axis" + std::to_string(k));
  }
  im.setRuntime(0, x);
}

void convertSplit(Importer &im) {
  const Shape xs = im.shape(0);
  const int axis = normAxis(im.attrInt("axis", 0), static_cast<int>(xs.size()), "axis");
  std::vector<int64_t> sizes = splitSizes(im, xs, axis);
  int64_t at = 0;
  for (size_t k = 0; k < sizes.size(); ++k) {
    const int out = static_cast<int>(k);
    if (sizes[k] == 0) im.fail("split part " + std::to_string(k) + " is empty");
    if (isView(im, 0)) {
      std::shared_ptr<const View> v = viewOf(im, 0);
      setView(im, *v, sliced(v->map, {at}, {at + sizes[k]}, {axis}, {1}), out);
    } else if (im.hasOutput(out)) {
      Attrs a;
      a.set("axis", int64_t{axis});
      a.set("start", at);
      a.set("end", at + sizes[k]);
      im.setRuntime(out, im.emit(OpKind::Slice, {im.runtime(0)}, a, std::to_string(k)));
    }
    at += sizes[k];
  }
}

void convertPad(Importer &im) {
  const Shape xs = im.shape(0);
  const int rank = static_cast<int>(xs.size());
  PadArgs p = padArgs(im, rank);
  if (isView(im, 0) && p.mode == "constant" && p.value == 0) {
    std::shared_ptr<const View> v = viewOf(im, 0);
    HostTensor map = padded(v->map, p.pads, "constant", -1);
    setView(im, *v, std::move(map));
    return;
  }
  ValueId x = im.runtime(0);
  // Negative pads crop.
  for (int d = 0; d < rank; ++d) {
    int64_t cropBegin = std::max<int64_t>(0, -p.pads[d]);
    int64_t cropEnd = std::max<int64_t>(0, -p.pads[d + rank]);
    if (!cropBegin && !cropEnd) continue;
    if (cropBegin + cropEnd >= xs[d])
      im.fail("the negative pads remove the whole of dim " + std::to_string(d));
    Attrs a;
    a.set("axis", int64_t{d});
    a.set("start", cropBegin);
    a.set("end", xs[d] - cropEnd);
    x = im.emit(OpKind::Slice, {x}, a, "crop" + std::to_string(d));
  }
  std::vector<int64_t> begin, end;
  bool any = false;
  for (int d = 0; d < rank; ++d) {
    int64_t b = std::max<int64_t>(0, p.pads[d]), e = std::max<int64_t>(0, p.pads[d + rank]);
    if ((b || e) && d < 2)
      im.fail("pads " + shapeStr(p.pads) +
              " pad the batch or channel dim; atrous pads spatial dims");
    if (d >= 2) {
      begin.push_back(b);
      end.push_back(e);
    }
    any = any || b || e;
  }
  if (!any) {
    im.setRuntime(0, x);
    return;
  }
  begin.insert(begin.end(), end.begin(), end.end());
  Attrs a;
  a.set("pad", begin);
  a.set("mode", p.mode);
  a.set("value", p.value);
  im.setRuntime(0, im.emit(OpKind::Pad, {x}, a));
}

// Gather with constant indices: one index drops the axis (a slice and a
// reshape); other index sets go through a view, which becomes a strided
// slice when they are evenly spaced.
void convertGather(Importer &im) {
  const HostTensor &idx = im.constant(1, "indices");
  const Shape xs = im.shape(0);
  const int axis = normAxis(im.attrInt("axis", 0), static_cast<int>(xs.size()), "axis");
  if (idx.rank() == 0 && !isView(im, 0)) {
    int64_t i = idx.intValue(0);
    const int64_t dim = xs[static_cast<size_t>(axis)];
    if (i < -dim || i >= dim) im.fail("index " + std::to_string(i) + " is out of range");
    if (i < 0) i += dim;
    Attrs a;
    a.set("axis", int64_t{axis});
    a.set("start", i);
    a.set("end", i + 1);
    ValueId y = im.emit(OpKind::Slice, {im.runtime(0)}, a, "slice");
    Shape shape = xs;
    shape.erase(shape.begin() + axis);
    if (shape.empty()) im.fail("gathering one element leaves a scalar");
    Attrs r;
    r.set("shape", std::vector<int64_t>(shape.begin(), shape.end()));
    im.setRuntime(0, im.emit(OpKind::Reshape, {y}, r));
    return;
  }
  std::shared_ptr<const View> v = viewOf(im, 0);
  HostTensor map = gathered(v->map, idx, axis);
  setView(im, *v, std::move(map));
}

void convertTranspose(Importer &im) {
  const Shape xs = im.shape(0);
  std::vector<int64_t> perm = im.attrInts("perm");
  if (perm.empty())
    for (int64_t d = static_cast<int64_t>(xs.size()) - 1; d >= 0; --d)
      perm.push_back(d);
  bool identity = true;
  for (size_t d = 0; d < perm.size(); ++d)
    identity = identity && perm[d] == static_cast<int64_t>(d);
  if (identity && perm.size() == xs.size()) {
    im.setOutput(0, im.input(0));
    return;
  }
  std::shared_ptr<const View> v = viewOf(im, 0);
  HostTensor map = transposed(v->map, perm);
  setView(im, *v, std::move(map));
}

void convertDepthSpace(Importer &im, bool toDepth) {
  const int64_t block = im.attrInt("blocksize", 0);
  if (block < 1) im.fail("blocksize must be positive");
  std::shared_ptr<const View> v = viewOf(im, 0);
  const std::string mode = im.attrString("mode", "DCR");
  if (!toDepth && mode != "DCR" && mode != "CRD") im.unsupportedAttr("mode", mode);
  HostTensor map = toDepth ? spaceToDepth(v->map, block) : depthToSpace(v->map, block, mode);
  setView(im, *v, std::move(map));
}

void convertDropout(Importer &im) {
  if (im.hasInput(2)) {
    const HostTensor &training = im.constant(2, "training_mode");
    if (training.numel() == 1 && training.value(0) != 0)
      im.fail("training_mode is true; atrous imports inference graphs");
  }
  im.setOutput(0, im.input(0));
}

void convertExpand(Importer &im) {
  const Shape xs = im.shape(0);
  Shape to = im.constant(1, "shape").ints();
  Shape full = broadcastShapes(xs, to);
  if (full != xs)
    im.fail("expanding a run-time tensor " + shapeStr(xs) + " to " + shapeStr(full) +
            " is not supported");
  im.setOutput(0, im.input(0));
}

void convertCast(Importer &im) {
  auto to = static_cast<ElemType>(im.attrInt("to", 1));
  if (to != ElemType::Float)
    im.unsupportedAttr("to", elemTypeName(to), "atrous computes run-time tensors in float");
  im.setOutput(0, im.input(0));
}

} // namespace

void registerTensorOps(OpTable &table) {
  table["Reshape"] = [](Importer &im) { reshapeTo(im, reshapeTarget(im, im.shape(0))); };
  table["Flatten"] = convertFlatten;
  table["Squeeze"] = [](Importer &im) { reshapeTo(im, squeezedShape(im, im.shape(0))); };
  table["Unsqueeze"] = [](Importer &im) { reshapeTo(im, unsqueezedShape(im, im.shape(0))); };
  table["Concat"] = convertConcat;
  table["Slice"] = convertSlice;
  table["Split"] = convertSplit;
  table["Pad"] = convertPad;
  table["Gather"] = convertGather;
  table["Transpose"] = convertTranspose;
  table["SpaceToDepth"] = [](Importer &im) { convertDepthSpace(im, true); };
  table["DepthToSpace"] = [](Importer &im) { convertDepthSpace(im, false); };
  table["Identity"] = [](Importer &im) { im.setOutput(0, im.input(0)); };
  table["Dropout"] = convertDropout;
  table["Expand"] = convertExpand;
  table["Cast"] = convertCast;
}

} // namespace atrous::onnx_import
