#include "frontend/onnx/OpArgs.h"

#include <algorithm>
#include <limits>

namespace atrous::onnx_import {

SliceArgs sliceArgs(const Importer &im, int rank) {
  SliceArgs a;
  if (im.opset() < 10) {
    a.starts = im.attrInts("starts");
    a.ends = im.attrInts("ends");
    a.axes = im.attrInts("axes");
  } else {
    a.starts = im.constant(1, "starts").ints();
    a.ends = im.constant(2, "ends").ints();
    if (im.hasInput(3)) a.axes = im.constant(3, "axes").ints();
    if (im.hasInput(4)) a.steps = im.constant(4, "steps").ints();
  }
  if (a.axes.empty())
    for (size_t k = 0; k < a.starts.size(); ++k)
      a.axes.push_back(static_cast<int64_t>(k));
  if (a.steps.empty()) a.steps.assign(a.starts.size(), 1);
  if (a.ends.size() != a.starts.size() || a.axes.size() != a.starts.size() ||
      a.steps.size() != a.starts.size())
    im.fail("starts, ends, axes and steps differ in length");
  for (int64_t &axis : a.axes) {
    if (axis < -rank || axis >= rank)
      im.fail("slice axis " + std::to_string(axis) + " is out of range for rank " +
              std::to_string(rank));
    if (axis < 0) axis += rank;
  }
  return a;
}

PadArgs padArgs(const Importer &im, int rank) {
  PadArgs a;
  a.mode = im.attrString("mode", "constant");
  if (im.opset() < 11) {
    a.pads = im.attrInts("pads");
    a.value = im.attrFloat("value", 0.0f);
  } else {
    a.pads = im.constant(1, "pads").ints();
    if (im.hasInput(2)) {
      const HostTensor &v = im.constant(2, "constant_value");
      if (v.numel() != 1) im.fail("constant_value must hold one value");
      a.value = v.value(0);
    }
  }
  if (a.pads.size() != static_cast<size_t>(2 * rank))
    im.fail("pads has " + std::to_string(a.pads.size()) + " values for a rank-" +
            std::to_string(rank) + " input; expected " + std::to_string(2 * rank));
  if (a.mode != "constant" && a.mode != "reflect" && a.mode != "edge")
    im.unsupportedAttr("mode", a.mode, "atrous pads with constant, reflect or edge");
  return a;
}

std::vector<int64_t> splitSizes(const Importer &im, const Shape &shape, int axis) {
  std::vector<int64_t> sizes;
  if (im.opset() < 13)
    sizes = im.attrInts("split");
  else if (im.hasInput(1))
    sizes = im.constant(1, "split").ints();
  const int64_t dim = shape[static_cast<size_t>(axis)];
  const int64_t parts = im.outputCount();
  if (sizes.empty()) {
    if (parts < 1 || dim % parts != 0)
      im.fail("cannot split a dim of " + std::to_string(dim) + " into " + std::to_string(parts) +
              " equal parts");
    sizes.assign(static_cast<size_t>(parts), dim / parts);
  }
  int64_t total = 0;
  for (int64_t s : sizes) {
    if (s < 0) im.fail("split sizes must not be negative");
    total += s;
  }
  if (total != dim || static_cast<int64_t>(sizes.size()) != parts)
    im.fail("split sizes " + shapeStr(sizes) + " do not divide a dim of " + std::to_string(dim) +
            " into " + std::to_string(parts) + " outputs");
  return sizes;
}

std::vector<int64_t> squeezeAxes(const Importer &im) {
  if (im.opset() < 13) return im.attrInts("axes");
  return im.hasInput(1) ? im.constant(1, "axes").ints() : std::vector<int64_t>{};
}

std::vector<int64_t> unsqueezeAxes(const Importer &im) {
  if (im.opset() < 13) return im.attrInts("axes");
  return im.constant(1, "axes").ints();
}

Shape squeezedShape(const Importer &im, const Shape &in) {
  const int rank = static_cast<int>(in.size());
  std::vector<bool> drop(in.size(), false);
  std::vector<int64_t> axes = squeezeAxes(im);
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank)
      im.fail("squeeze axis " + std::to_string(axis) + " is out of range");
    int a = static_cast<int>(axis < 0 ? axis + rank : axis);
    if (in[a] != 1)
      im.fail("squeeze axis " + std::to_string(axis) + " has extent " + std::to_string(in[a]));
    drop[a] = true;
  }
  Shape out;
  for (int d = 0; d < rank; ++d)
    if (!(axes.empty() ? in[d] == 1 : drop[d])) out.push_back(in[d]);
  return out;
}

Shape unsqueezedShape(const Importer &im, const Shape &in) {
  std::vector<int64_t> axes = unsqueezeAxes(im);
  const int rank = static_cast<int>(in.size() + axes.size());
  std::vector<bool> inserted(static_cast<size_t>(rank), false);
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank)
      im.fail("unsqueeze axis " + std::to_string(axis) + " is out of range");
    int a = static_cast<int>(axis < 0 ? axis + rank : axis);
    if (inserted[a]) im.fail("unsqueeze axis " + std::to_string(axis) + " is repeated");
    inserted[a] = true;
  }
  Shape out;
  size_t next = 0;
  for (int d = 0; d < rank; ++d)
    out.push_back(inserted[d] ? 1 : in[next++]);
  return out;
}

Shape reshapeTarget(const Importer &im, const Shape &in) {
  std::vector<int64_t> target = im.constant(1, "shape").ints();
  const bool allowZero = im.attrInt("allowzero", 0) != 0;
  Shape out;
  int inferred = -1;
  int64_t known = 1;
  for (size_t k = 0; k < target.size(); ++k) {
    int64_t d = target[k];
    if (d == 0 && !allowZero) {
      if (k >= in.size())
        im.fail("shape " + shapeStr(target) + " copies dim " + std::to_string(k) + " of a rank-" +
                std::to_string(in.size()) + " input");
      d = in[k];
    }
    if (d == -1) {
      if (inferred >= 0) im.fail("shape " + shapeStr(target) + " has more than one -1");
      inferred = static_cast<int>(k);
      out.push_back(1);
      continue;
    }
    if (d < 0) im.fail("shape " + shapeStr(target) + " has a negative dim");
    out.push_back(d);
    if (d != 0 && known > std::numeric_limits<int64_t>::max() / d)
      im.fail("shape " + shapeStr(target) + " has too many elements");
    known *= d;
  }
  const int64_t total = numElements(in);
  if (inferred >= 0) {
    if (known == 0 || total % known != 0)
      im.fail("cannot reshape " + shapeStr(in) + " to " + shapeStr(target));
    out[static_cast<size_t>(inferred)] = total / known;
  } else if (known != total) {
    im.fail("cannot reshape " + shapeStr(in) + " to " + shapeStr(target));
  }
  return out;
}

std::vector<int> reduceAxes(const Importer &im, int rank) {
  std::vector<int64_t> axes;
  bool noopWhenEmpty = false;
  if (im.op() == "ReduceSum" && im.opset() >= 13) {
    if (im.hasInput(1)) axes = im.constant(1, "axes").ints();
    noopWhenEmpty = im.attrInt("noop_with_empty_axes", 0) != 0;
  } else {
    axes = im.attrInts("axes");
  }
  std::vector<int> out;
  if (axes.empty() && !noopWhenEmpty)
    for (int d = 0; d < rank; ++d)
      out.push_back(d);
  for (int64_t axis : axes) {
    if (axis < -rank || axis >= rank)
      im.fail("axis " + std::to_string(axis) + " is out of range for rank " + std::to_string(rank));
    out.push_back(static_cast<int>(axis < 0 ? axis + rank : axis));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

ClipBounds clipBounds(const Importer &im) {
  ClipBounds b;
  if (im.opset() < 11) {
    if (im.attr("min")) b.min = im.attrFloat("min", 0);
    if (im.attr("max")) b.max = im.attrFloat("max", 0);
    return b;
  }
  auto bound = [&](int k, const char *what) -> std::optional<double> {
    if (!im.hasInput(k)) return std::nullopt;
    const HostTensor &t = im.constant(k, what);
    if (t.numel() != 1) im.fail(std::string(what) + " must hold one value");
    return t.value(0);
  };
  b.min = bound(1, "min");
  b.max = bound(2, "max");
  return b;
}

} // namespace atrous::onnx_import
