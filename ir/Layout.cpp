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

void setIoLayout(Graph &graph, Layout layout) {
  graph.channelsLastIo = layout == Layout::ChannelsLast;
  for (Node &node : graph.nodes) {
    if (node.op != OpKind::Input) continue;
    // Planar is the default, which an input leaves unset.
    if (ioLayout(graph, node.type) == Layout::ChannelsLast)
      node.attrs.set("layout", std::string(layoutName(Layout::ChannelsLast)));
    else
      node.attrs.erase("layout");
  }
  for (ValueId id : graph.outputs) {
    Node &node = graph.nodes.at(static_cast<size_t>(id));
    if (node.op != OpKind::Input)
      node.attrs.set("layout", std::string(layoutName(ioLayout(graph, node.type))));
  }
}

Layout ioLayout(const Graph &graph, const TensorType &type) {
  return graph.channelsLastIo && supportsChannelsLast(type) ? Layout::ChannelsLast : Layout::Planar;
}

Layout parseLayout(const std::string &name, const std::string &what) {
  if (name == "planar") return Layout::Planar;
  if (name == "channels_last") return Layout::ChannelsLast;
  throw Error(what + " must be planar or channels_last, got '" + name + "'");
}

TensorType ioType(const Graph &graph, const TensorType &type) {
  if (ioLayout(graph, type) == Layout::Planar) return type;
  Shape shape = type.shape;
  shape.erase(shape.begin() + 1);
  shape.push_back(type.shape[1]);
  return {type.dtype, shape};
}

namespace {

// Calls visit(i, offset) for every element of `shape`: i its row-major
// index, offset its place when `innermost` is the contiguous dimension
// (layoutStrides).
template <typename Visit> void forEachPlace(const Shape &shape, int innermost, Visit visit) {
  const std::vector<int64_t> strides = layoutStrides(shape, innermost);
  const int64_t count = numElements(shape);
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < shape.size(); ++d)
      offset += index[d] * strides[d];
    visit(static_cast<size_t>(i), static_cast<size_t>(offset));
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
}

// Copies the elements of `from`, planar and row-major, to or from `to`,
// channels innermost: every dtype is 4 bytes wide (ir/Tensor.h).
void moveChannels(const Tensor &from, Tensor &to, const Shape &logical, bool toChannelsLast) {
  const auto *source = static_cast<const uint32_t *>(from.raw());
  auto *target = static_cast<uint32_t *>(to.raw());
  forEachPlace(logical, innermostDim(Layout::ChannelsLast, static_cast<int>(logical.size())),
               [&](size_t i, size_t offset) {
                 if (toChannelsLast)
                   target[offset] = source[i];
                 else
                   target[i] = source[offset];
               });
}

} // namespace

// (Whether to move a tensor is the layout's question, not its type's: a
// cubic one, C = H = W, has the same type either way.)
Tensor toIoLayout(const Graph &graph, const Tensor &logical) {
  if (ioLayout(graph, logical.type()) == Layout::Planar) return logical;
  Tensor given(ioType(graph, logical.type()));
  moveChannels(logical, given, logical.shape(), true);
  return given;
}

Tensor fromIoLayout(const Graph &graph, const Tensor &given, const TensorType &type) {
  if (given.type() != ioType(graph, type))
    throw Error("a model value of " + type.str() + " is given as " + ioType(graph, type).str() +
                ", got " + given.type().str());
  if (ioLayout(graph, type) == Layout::Planar) return given;
  Tensor logical(type);
  moveChannels(given, logical, type.shape, false);
  return logical;
}

bool supportsChannelsLast(const TensorType &type) {
  return type.rank() == 3 || type.rank() == 4;
}

bool fillsChannelVectors(const Node &node) {
  return (isConv(node.op) || isConvTranspose(node.op) || isWinogradConv(node.op)) &&
         supportsChannelsLast(node.type) && node.type.shape[1] % kChannelsLastBlock == 0 &&
         (activationOf(node) != Activation::Gated || isConv(node.op) || isWinogradConv(node.op));
}

bool tilesOutputChannels(const Node &node) {
  if (!fillsChannelVectors(node)) return false;
  return layoutOf(node) == Layout::ChannelsLast || !node.attrs.has("groups") ||
         node.attrs.getInt("groups") < node.type.shape[1];
}

int innermostDim(Layout layout, int rank) {
  return layout == Layout::ChannelsLast ? 1 : rank - 1;
}

std::vector<int64_t> layoutStrides(const Shape &shape, int innermost) {
  const int rank = static_cast<int>(shape.size());
  if (innermost < 0 || innermost >= rank)
    throw Error("layout: dimension " + std::to_string(innermost) + " of a rank-" +
                std::to_string(rank) + " tensor");
  std::vector<int64_t> strides(shape.size());
  int64_t stride = shape[static_cast<size_t>(innermost)];
  strides[static_cast<size_t>(innermost)] = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (d == innermost) continue;
    strides[static_cast<size_t>(d)] = stride;
    stride *= shape[static_cast<size_t>(d)];
  }
  return strides;
}

std::vector<float> toLayout(const float *rowMajor, const Shape &shape, int innermost) {
  std::vector<float> out(static_cast<size_t>(numElements(shape)));
  forEachPlace(shape, innermost, [&](size_t i, size_t offset) { out[offset] = rowMajor[i]; });
  return out;
}

ParamStorage paramStorage(const Node &node, const std::string &suffix, const Shape &logical) {
  const int rank = static_cast<int>(logical.size());
  ParamStorage s;
  if (suffix == "weight" && tilesOutputChannels(node) && isConv(node.op)) {
    s.blocked = true;
    s.shape = {(logical[0] + kOutChannelBlock - 1) / kOutChannelBlock};
    s.shape.insert(s.shape.end(), logical.begin() + 2, logical.end());
    s.shape.push_back(logical[1]);
    s.shape.push_back(kOutChannelBlock);
    s.strides = layoutStrides(s.shape, rank);
    return s;
  }
  const bool inputRows =
      suffix == "weight" && tilesOutputChannels(node) && isConvTranspose(node.op);
  s.innermost = inputRows ? 1 : rank - 1;
  s.shape = logical;
  if (rank > 0) s.strides = layoutStrides(logical, s.innermost);
  return s;
}

std::vector<float> toStorage(const float *rowMajor, const Shape &logical,
                             const ParamStorage &storage) {
  if (!storage.blocked) {
    if (logical.empty() || storage.innermost == static_cast<int>(logical.size()) - 1)
      return std::vector<float>(rowMajor, rowMajor + numElements(logical));
    return toLayout(rowMajor, logical, storage.innermost);
  }
  const int64_t out = logical[0], in = logical[1];
  const int64_t taps = numElements(Shape(logical.begin() + 2, logical.end()));
  std::vector<float> stored(static_cast<size_t>(numElements(storage.shape)), 0.0f);
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      for (int64_t k = 0; k < taps; ++k)
        stored[static_cast<size_t>(((o / kOutChannelBlock * taps + k) * in + i) * kOutChannelBlock +
                                   o % kOutChannelBlock)] =
            rowMajor[static_cast<size_t>((o * in + i) * taps + k)];
  return stored;
}

} // namespace atrous
