// Conv and ConvTranspose (1-D and 2-D) with their weights and biases from
// initializers. A Conv that reads a view (a rearranged tensor) is handed to
// the space_to_batch recognition (SpaceToBatch.h).
#include "frontend/onnx/SpaceToBatch.h"
#include "frontend/onnx/Window.h"

namespace atrous::onnx_import {

namespace {

OpKind convKind(int rank, bool transpose) {
  if (transpose) return rank == 1 ? OpKind::ConvTranspose1d : OpKind::ConvTranspose2d;
  return rank == 1 ? OpKind::Conv1d : OpKind::Conv2d;
}

// The spatial rank of a conv weight; 1-D and 2-D only.
int weightRank(const Importer &im, const HostTensor &w, const Shape &x) {
  const int rank = w.rank() - 2;
  if (rank < 1 || rank > 2)
    im.fail("a weight of shape " + shapeStr(w.shape) + " (" + std::to_string(std::max(rank, 0)) +
            " spatial dims): atrous supports 1-D and 2-D convolutions");
  if (x.size() != static_cast<size_t>(rank + 2))
    im.fail("the input " + shapeStr(x) + " does not match a weight of shape " + shapeStr(w.shape));
  return rank;
}

void addBias(Importer &im, ValueId y, int64_t out) {
  if (!im.hasInput(2)) return;
  const HostTensor &b = im.constant(2, "the bias B");
  if (b.shape != Shape{out})
    im.fail("the bias has shape " + shapeStr(b.shape) + ", expected [" + std::to_string(out) + "]");
  im.addWeight(y, "bias", toF32Tensor(b));
}

void convertConv(Importer &im) {
  if (im.input(0).kind == Value::Kind::View) {
    convertSpaceToBatchConv(im);
    return;
  }
  ValueId x = im.runtime(0);
  const Shape xs = im.typeOf(x).shape;
  const HostTensor &w = im.constant(1, "the weight W");
  const int rank = weightRank(im, w, xs);
  const int64_t group = im.attrInt("group", 1);
  if (group < 1 || w.shape[1] * group != xs[1])
    im.fail("the weight " + shapeStr(w.shape) + " with group=" + std::to_string(group) +
            " does not fit " + std::to_string(xs[1]) + " input channels");
  Window win = readWindow(im, {xs.begin() + 2, xs.end()}, {w.shape.begin() + 2, w.shape.end()});
  Attrs a;
  a.set("out", w.shape[0]);
  a.set("kernel", compactInts(win.kernel));
  a.set("stride", compactInts(win.stride));
  a.set("dilation", compactInts(win.dilation));
  a.set("pad", padValue(win.padBegin, win.padEnd));
  a.set("groups", group);
  a.set("bias", im.hasInput(2));
  ValueId y = im.emit(convKind(rank, false), {x}, a);
  im.addWeight(y, "weight", toF32Tensor(w));
  addBias(im, y, w.shape[0]);
  im.setRuntime(0, y);
}

// ConvTranspose's padding: explicit pads, or derived from output_shape or
// auto_pad. An odd total padding is refused there: the ONNX specification
// puts the extra element at one end and ONNX Runtime at the other.
void transposePads(Importer &im, const Shape &xs, const Window &win,
                   const std::vector<int64_t> &outputPadding, std::vector<int64_t> &begin,
                   std::vector<int64_t> &end) {
  const size_t rank = xs.size() - 2;
  std::vector<int64_t> outputShape = im.attrInts("output_shape");
  const std::string autoPad = im.attrString("auto_pad", "NOTSET");
  const bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (outputShape.empty() && !same) return;
  if (!outputShape.empty()) {
    if (outputShape.size() == rank + 2)
      outputShape.erase(outputShape.begin(), outputShape.begin() + 2);
    if (outputShape.size() != rank)
      im.fail("output_shape " + shapeStr(outputShape) + " should have " + std::to_string(rank) +
              " values");
  }
  for (size_t d = 0; d < rank; ++d) {
    const int64_t in = xs[d + 2];
    const int64_t want = outputShape.empty() ? in * win.stride[d] : outputShape[d];
    const int64_t span = win.dilation[d] * (win.kernel[d] - 1) + 1;
    const int64_t total = win.stride[d] * (in - 1) + outputPadding[d] + span - want;
    const std::string attr =
        outputShape.empty() ? "auto_pad=" + autoPad : "output_shape=" + shapeStr(outputShape);
    if (total < 0)
      im.fail(attr + " asks for an output larger than the transposed convolution produces; "
                     "use output_padding instead");
    if (total % 2 != 0)
      im.fail(attr + " needs an odd total padding of " + std::to_string(total) +
              ", which the ONNX specification and ONNX Runtime split differently; give explicit "
              "pads instead");
    begin[d] = end[d] = total / 2;
  }
}

void convertConvTranspose(Importer &im) {
  ValueId x = im.runtime(0);
  const Shape xs = im.typeOf(x).shape;
  const HostTensor &w = im.constant(1, "the weight W");
  const int rank = weightRank(im, w, xs);
  const int64_t group = im.attrInt("group", 1);
  if (group < 1 || w.shape[0] != xs[1])
    im.fail("the weight " + shapeStr(w.shape) + " does not fit " + std::to_string(xs[1]) +
            " input channels");
  Window win = readWindow(im, {xs.begin() + 2, xs.end()}, {w.shape.begin() + 2, w.shape.end()});
  std::vector<int64_t> outputPadding = im.attrInts("output_padding");
  if (outputPadding.empty()) outputPadding.assign(static_cast<size_t>(rank), 0);
  if (outputPadding.size() != static_cast<size_t>(rank))
    im.fail("output_padding " + shapeStr(outputPadding) + " should have " + std::to_string(rank) +
            " values");
  transposePads(im, xs, win, outputPadding, win.padBegin, win.padEnd);
  const int64_t out = w.shape[1] * group;
  Attrs a;
  a.set("out", out);
  a.set("kernel", compactInts(win.kernel));
  a.set("stride", compactInts(win.stride));
  a.set("dilation", compactInts(win.dilation));
  a.set("pad", padValue(win.padBegin, win.padEnd));
  a.set("output_padding", compactInts(outputPadding));
  a.set("groups", group);
  a.set("bias", im.hasInput(2));
  ValueId y = im.emit(convKind(rank, true), {x}, a);
  im.addWeight(y, "weight", toF32Tensor(w));
  addBias(im, y, out);
  im.setRuntime(0, y);
}

} // namespace

void registerConvOps(OpTable &table) {
  table["Conv"] = convertConv;
  table["ConvTranspose"] = convertConvTranspose;
}

} // namespace atrous::onnx_import
