// interleave: the inverse of splitting a tensor into stride phases; output
// pixel p along a dim comes from phase p % stride at index p / stride, as the
// sub-pixel form of a transposed conv needs. resize_argmax: the argmax over
// channels of a resize, evaluated here as the two ops it fuses.
#include "reference/Kernels.h"

namespace atrous::reference {

Tensor interleave(const Node &node, const std::vector<const Tensor *> &phases) {
  Tensor y(node.type);
  const int rank = node.type.rank() - 2;
  std::vector<int64_t> stride = perDim(node.attrs.getInts("stride"), rank, "stride");
  const int64_t planes = node.type.shape[0] * node.type.shape[1];
  const int64_t outH = rank == 2 ? node.type.shape[2] : 1;
  const int64_t outW = node.type.shape[static_cast<size_t>(rank + 1)];
  const int64_t sh = rank == 2 ? stride[0] : 1, sw = stride[static_cast<size_t>(rank - 1)];
  float *yp = y.f32();
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t oy = 0; oy < outH; ++oy)
      for (int64_t ox = 0; ox < outW; ++ox) {
        const Tensor &phase = *phases[static_cast<size_t>((oy % sh) * sw + ox % sw)];
        const int64_t ph = rank == 2 ? phase.shape()[2] : 1;
        const int64_t pw = phase.shape()[static_cast<size_t>(rank + 1)];
        yp[(p * outH + oy) * outW + ox] = phase.f32()[(p * ph + oy / sh) * pw + ox / sw];
      }
  return y;
}

Tensor resizeArgMax(const Node &node, const Tensor &x) {
  Node resized = node;
  resized.op = OpKind::Resize;
  resized.type = {DType::F32, x.shape()};
  const Shape &out = node.type.shape;
  const bool keep = node.attrs.getBool("keepdims");
  for (size_t d = 2; d < resized.type.shape.size(); ++d)
    resized.type.shape[d] = out[keep ? d : d - 1];
  Node arg;
  arg.name = node.name;
  arg.op = OpKind::ArgMax;
  arg.type = node.type;
  arg.attrs.set("axis", int64_t{1});
  arg.attrs.set("keepdims", keep);
  return argmax(arg, resize(resized, x));
}

} // namespace atrous::reference
