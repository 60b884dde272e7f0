#include "ir/Layout.h"

#include "ir/Epilogue.h"
#include "ir/Error.h"

namespace atrous {

Layout layoutOf(const Node &node) {
  if (!node.attrs.has("layout")) return Layout::Planar;
  return node.attrs.getString("layout") == "channels_last" ? Layout::ChannelsLast : Layout::Planar;
}

const char *layoutName(Layout layout) {
  return layout == Layout::ChannelsLast ? "channels_last" : "planar";
}

bool supportsChannelsLast(const TensorType &type) {
  return type.rank() == 3 || type.rank() == 4;
}

bool fillsChannelVectors(const Node &node) {
  return (isConv(node.op) || isConvTranspose(node.op) || node.op == OpKind::WinogradConv2d) &&
         supportsChannelsLast(node.type) && node.type.shape[1] % kChannelsLastBlock == 0 &&
         (activationOf(node) != Activation::Gated || isConv(node.op));
}

bool tilesOutputChannels(const Node &node) {
  if (!fillsChannelVectors(node)) return false;
  return layoutOf(node) == Layout::ChannelsLast || !node.attrs.has("groups") ||
         node.attrs.getInt("groups") < node.type.shape[1];
}

int innermostDim(Layout layout, int rank) {
  return layout == Layout::ChannelsLast ? 1 : rank - 1;
}

int paramInnermostDim(const Node &node, const std::string &suffix, int rank) {
  if (suffix != "weight" || !tilesOutputChannels(node)) return rank - 1;
  if (isConv(node.op)) return 0;          // [out, in/groups, k...]
  if (isConvTranspose(node.op)) return 1; // [in, out/groups, k...]
  return rank - 1;
}

std::vector<int64_t> layoutStrides(const Shape &shape, int innermost) {
  const int rank = static_cast<int>(shape.size());
  if (innermost < 0 || innermost >= rank)
    throw Error("layout: dimension " + std::to_string(innermost) + " of a rank-" +
                std::to_string(rank) + " tensor");
  std::vector<int64_t> strides(shape.size());
  int64_t stride = shape[static_cast<size_t>(innermost)];
  strides[static_cast<size_t>(innermost)] = 1;
  if (innermost == 0) {
    for (int d = 1; d < rank; ++d) {
      strides[static_cast<size_t>(d)] = stride;
      stride *= shape[static_cast<size_t>(d)];
    }
    return strides;
  }
  for (int d = rank - 1; d >= 0; --d) {
    if (d == innermost) continue;
    strides[static_cast<size_t>(d)] = stride;
    stride *= shape[static_cast<size_t>(d)];
  }
  return strides;
}

std::vector<float> toLayout(const float *rowMajor, const Shape &shape, int innermost) {
  const std::vector<int64_t> strides = layoutStrides(shape, innermost);
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  std::vector<float> out(static_cast<size_t>(count));
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      offset += index[d] * strides[d];
    out[static_cast<size_t>(offset)] = rowMajor[i];
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}

} // namespace atrous
