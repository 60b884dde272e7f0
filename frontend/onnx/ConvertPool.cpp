// MaxPool, AveragePool (1-D and 2-D, ceil_mode, count_include_pad, auto_pad,
// dilations), the global pools, and ReduceMean / ReduceMax over exactly the
// spatial dims (how x.mean((2, 3), keepdim=True) exports). With ceil_mode a
// last window that would start in the end padding is dropped, as the ONNX
// specification says since onnx/onnx#5741 (ONNX Runtime 1.17 on, and
// PyTorch); older runtimes keep that window of padding only.
#include "frontend/onnx/OpArgs.h"
#include "frontend/onnx/Window.h"

namespace atrous::onnx_import {

namespace {

void convertPool(Importer &im, bool isMax) {
  ValueId x = im.runtime(0);
  const Shape xs = im.typeOf(x).shape;
  const size_t rank = xs.size() - 2;
  if (xs.size() != 3 && xs.size() != 4)
    im.fail("the input " + shapeStr(xs) + " is not 1-D or 2-D (atrous pools NCW and NCHW)");
  if (isMax && im.attrInt("storage_order", 0) != 0 && im.hasOutput(1))
    im.unsupportedAttr("storage_order", "1");
  Window w = readWindow(im, {xs.begin() + 2, xs.end()});
  Attrs a;
  a.set("kernel", compactInts(w.kernel));
  a.set("stride", compactInts(w.stride));
  a.set("pad", padValue(w.padBegin, w.padEnd));
  a.set("ceil_mode", im.attrInt("ceil_mode", 0) != 0);
  OpKind kind;
  if (isMax) {
    a.set("dilation", compactInts(w.dilation));
    kind = rank == 1 ? OpKind::MaxPool1d : OpKind::MaxPool2d;
  } else {
    for (int64_t d : w.dilation)
      if (d != 1) im.unsupportedAttr("dilations", shapeStr(w.dilation), "average pools are dense");
    a.set("count_include_pad", im.attrInt("count_include_pad", 0) != 0);
    kind = rank == 1 ? OpKind::AvgPool1d : OpKind::AvgPool2d;
  }
  im.setRuntime(0, im.emit(kind, {x}, a));
}

void convertGlobalPool(Importer &im, OpKind kind) {
  ValueId x = im.runtime(0);
  if (im.typeOf(x).rank() < 3) im.fail("the input " + im.typeOf(x).str() + " has no spatial dims");
  im.setRuntime(0, im.emit(kind, {x}, {}));
}

// ReduceMean / ReduceMax over the spatial dims only: a global pool, and a
// reshape when keepdims=0.
void convertReduce(Importer &im, OpKind kind) {
  ValueId x = im.runtime(0);
  const Shape xs = im.typeOf(x).shape;
  const int rank = static_cast<int>(xs.size());
  std::vector<int> axes = reduceAxes(im, rank);
  bool spatial = rank >= 3 && axes.size() == static_cast<size_t>(rank - 2);
  for (size_t k = 0; spatial && k < axes.size(); ++k)
    spatial = axes[k] == static_cast<int>(k) + 2;
  if (!spatial)
    im.fail("reduces over axes other than exactly the spatial dims of " + shapeStr(xs) +
            "; atrous reduces as a global pool");
  const bool keep = im.attrInt("keepdims", 1) != 0;
  ValueId y = im.emit(kind, {x}, {}, keep ? "" : "pool");
  if (!keep) {
    Attrs a;
    a.set("shape", std::vector<int64_t>{xs[0], xs[1]});
    y = im.emit(OpKind::Reshape, {y}, a);
  }
  im.setRuntime(0, y);
}

} // namespace

void registerPoolOps(OpTable &table) {
  table["MaxPool"] = [](Importer &im) { convertPool(im, true); };
  table["AveragePool"] = [](Importer &im) { convertPool(im, false); };
  table["GlobalAveragePool"] = [](Importer &im) { convertGlobalPool(im, OpKind::GlobalAvgPool); };
  table["GlobalMaxPool"] = [](Importer &im) { convertGlobalPool(im, OpKind::GlobalMaxPool); };
  table["ReduceMean"] = [](Importer &im) { convertReduce(im, OpKind::GlobalAvgPool); };
  table["ReduceMax"] = [](Importer &im) { convertReduce(im, OpKind::GlobalMaxPool); };
}

} // namespace atrous::onnx_import
