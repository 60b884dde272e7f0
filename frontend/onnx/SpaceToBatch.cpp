#include "frontend/onnx/SpaceToBatch.h"

#include "frontend/onnx/ViewMap.h"
#include "frontend/onnx/Window.h"

namespace atrous::onnx_import {

namespace {

struct SpaceToBatch {
  std::vector<int64_t> block, padBegin, padEnd;
};

// Calls f(n, phase, position) for every element of a [N * prod(block), ...,
// spatial...] tensor laid out as space_to_batch lays it out: batch index
// p = q * N + n, with q the phase numbered row-major over the block.
template <typename F>
void forEachPhased(const Shape &shape, int64_t batch, const std::vector<int64_t> &block, F f) {
  const size_t r = block.size();
  std::vector<int64_t> at(shape.size(), 0), phase(r), pos(r);
  const int64_t n = numElements(shape);
  for (int64_t k = 0; k < n; ++k) {
    int64_t q = at[0] / batch;
    for (size_t d = r; d-- > 0;) {
      phase[d] = q % block[d];
      q /= block[d];
      pos[d] = at[d + 2] * block[d] + phase[d];
    }
    f(k, at[0] % batch, at[1], pos);
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
}

// Whether `view` is space_to_batch of its source with this block shape; on
// success fills in the padding.
bool matches(const View &view, const Shape &src, const std::vector<int64_t> &block,
             SpaceToBatch &s2b) {
  const Shape &shape = view.map.shape;
  const size_t r = block.size();
  const int64_t batch = src[0];
  int64_t phases = 1;
  for (int64_t b : block)
    phases *= b;
  if (shape.size() != src.size() || shape[0] != batch * phases || shape[1] != src[1]) return false;
  // The padding, from the first real element of phase 0, batch 0, channel 0.
  std::vector<int64_t> srcStrides = stridesOf(src);
  const int64_t plane = numElements(Shape(shape.begin() + 2, shape.end()));
  s2b.block = block;
  s2b.padBegin.assign(r, 0);
  s2b.padEnd.assign(r, 0);
  bool found = false;
  for (int64_t k = 0; k < plane && !found; ++k) {
    int64_t index = view.map.i[static_cast<size_t>(k)];
    if (index < 0) continue;
    std::vector<int64_t> at = unflatten(k, Shape(shape.begin() + 2, shape.end()));
    std::vector<int64_t> from = unflatten(index, src);
    if (from[0] != 0 || from[1] != 0) return false;
    for (size_t d = 0; d < r; ++d)
      s2b.padBegin[d] = at[d] * block[d] - from[d + 2];
    found = true;
  }
  if (!found) return false;
  for (size_t d = 0; d < r; ++d) {
    s2b.padEnd[d] = shape[d + 2] * block[d] - src[d + 2] - s2b.padBegin[d];
    if (s2b.padBegin[d] < 0 || s2b.padEnd[d] < 0) return false;
  }
  bool ok = true;
  forEachPhased(shape, batch, block,
                [&](int64_t k, int64_t n, int64_t c, const std::vector<int64_t> &pos) {
                  if (!ok) return;
                  int64_t want = n * srcStrides[0] + c * srcStrides[1];
                  for (size_t d = 0; d < r; ++d) {
                    int64_t y = pos[d] - s2b.padBegin[d];
                    if (y < 0 || y >= src[d + 2]) {
                      want = -1;
                      break;
                    }
                    want += y * srcStrides[d + 2];
                  }
                  ok = view.map.i[static_cast<size_t>(k)] == want;
                });
  return ok;
}

} // namespace

void convertSpaceToBatchConv(Importer &im) {
  const View &view = *im.input(0).view;
  const Shape src = im.typeOf(view.source).shape;
  const Shape &shape = view.map.shape;
  const HostTensor &w = im.constant(1, "the weight W");
  const size_t r = src.size() - 2;
  if ((r != 1 && r != 2) || w.rank() != static_cast<int>(src.size()) ||
      shape.size() != src.size() || shape[0] % src[0] != 0)
    im.fail("reads a rearranged tensor that is not space_to_batch of a 1-D or 2-D input (the "
            "rearrangement starts at " +
            view.origin + ")");
  // Every block shape whose phases multiply to the batch growth.
  const int64_t phases = shape[0] / src[0];
  std::vector<std::vector<int64_t>> candidates;
  if (r == 1)
    candidates.push_back({phases});
  else
    for (int64_t b = 1; b <= phases; ++b)
      if (phases % b == 0) candidates.push_back({b, phases / b});
  SpaceToBatch s2b;
  bool found = false;
  for (const std::vector<int64_t> &block : candidates)
    if ((found = matches(view, src, block, s2b))) break;
  if (!found)
    im.fail("reads a rearranged tensor that is not space_to_batch of '" +
            im.graph().node(view.source).name + "' (the rearrangement starts at " + view.origin +
            ")");

  const int64_t group = im.attrInt("group", 1);
  if (group < 1 || w.shape[1] * group != src[1])
    im.fail("the weight " + shapeStr(w.shape) + " with group=" + std::to_string(group) +
            " does not fit " + std::to_string(src[1]) + " input channels");
  Window inner =
      readWindow(im, {shape.begin() + 2, shape.end()}, {w.shape.begin() + 2, w.shape.end()});
  std::vector<int64_t> dilation(r), begin(r), end(r);
  for (size_t d = 0; d < r; ++d) {
    if (inner.stride[d] != 1)
      im.fail("a strided convolution between space_to_batch and batch_to_space is not a dilated "
              "convolution");
    dilation[d] = s2b.block[d] * inner.dilation[d];
    begin[d] = s2b.padBegin[d] + s2b.block[d] * inner.padBegin[d];
    end[d] = s2b.padEnd[d] + s2b.block[d] * inner.padEnd[d];
  }
  Attrs a;
  a.set("out", w.shape[0]);
  a.set("kernel", compactInts(inner.kernel));
  a.set("dilation", compactInts(dilation));
  a.set("pad", padValue(begin, end));
  a.set("groups", group);
  a.set("bias", im.hasInput(2));
  ValueId z = im.emit(r == 1 ? OpKind::Conv1d : OpKind::Conv2d, {view.source}, a);
  im.addWeight(z, "weight", toF32Tensor(w));
  if (im.hasInput(2)) {
    const HostTensor &b = im.constant(2, "the bias B");
    if (b.shape != Shape{w.shape[0]}) im.fail("the bias has shape " + shapeStr(b.shape));
    im.addWeight(z, "bias", toF32Tensor(b));
  }

  // The phase conv's output, as a view of the dilated conv's.
  const Shape full = im.typeOf(z).shape;
  Shape phased = {shape[0], w.shape[0]};
  for (size_t d = 0; d < r; ++d) {
    if (full[d + 2] % s2b.block[d] != 0) im.fail("the dilated convolution does not tile");
    phased.push_back(full[d + 2] / s2b.block[d]);
  }
  std::vector<int64_t> fullStrides = stridesOf(full);
  View out;
  out.source = z;
  out.origin = view.origin;
  checkHostSize(phased);
  out.map = makeInts(phased, std::vector<int64_t>(static_cast<size_t>(numElements(phased))));
  forEachPhased(phased, src[0], s2b.block,
                [&](int64_t k, int64_t n, int64_t c, const std::vector<int64_t> &pos) {
                  int64_t index = n * fullStrides[0] + c * fullStrides[1];
                  for (size_t d = 0; d < r; ++d)
                    index += pos[d] * fullStrides[d + 2];
                  out.map.i[static_cast<size_t>(k)] = index;
                });
  im.setOutput(0, Value::ofView(std::move(out)));
}

} // namespace atrous::onnx_import
