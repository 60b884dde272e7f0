// Receptive field analysis (see ReceptiveField.h and docs/analysis.md): the
// classic recurrence r_out = r_in + (span - 1) * j_in, j_out = j_in * stride,
// carried through every op in graph order, with the rules for transposed
// convs, resizes, merges and global reductions that docs/analysis.md derives.
#include "passes/ReceptiveField.h"

#include <algorithm>

#include "ir/Epilogue.h"
#include "ir/Error.h"
#include "ir/Geometry.h"

namespace atrous {

namespace {

// A value whose positions are mixed beyond tracking (after flatten, reshape,
// linear): it sees everything and has no per-dim figures.
ReceptiveField opaqueGlobal() {
  ReceptiveField f;
  f.global = true;
  return f;
}

// A window of `span` input elements taken every `stride` elements along dim d.
void applyWindow(ReceptiveField &f, int d, double span, double stride) {
  f.size[static_cast<size_t>(d)] += (span - 1) * f.stride[static_cast<size_t>(d)];
  f.stride[static_cast<size_t>(d)] *= stride;
}

int spatialRankOf(const Shape &shape) {
  return std::max(0, static_cast<int>(shape.size()) - 2);
}

// Whether `f` carries per-dim figures for a value of `shape`.
bool tracks(const ReceptiveField &f, const Shape &shape) {
  return static_cast<int>(f.size.size()) == spatialRankOf(shape) && !f.size.empty();
}

ReceptiveField slidingWindow(const Node &node, const Shape &in, const ReceptiveField &f) {
  if (!tracks(f, in)) return f;
  WindowGeometry g = windowGeometry(node, in);
  ReceptiveField r = f;
  for (int d = 0; d < g.rank; ++d)
    applyWindow(r, d, double(g.span(d)), double(g.stride[d]));
  return r;
}

ReceptiveField transposedWindow(const Node &node, const Shape &in, const ReceptiveField &f) {
  if (!tracks(f, in)) return f;
  WindowGeometry g = windowGeometry(node, in);
  ReceptiveField r = f;
  for (size_t d = 0; d < static_cast<size_t>(g.rank); ++d) {
    r.stride[d] = f.stride[d] / double(g.stride[d]);
    r.size[d] = f.size[d] + double(g.span(int(d)) - 1) * r.stride[d];
  }
  return r;
}

// A reduction over the whole of spatial dim d: one window spanning it.
void reduceDim(ReceptiveField &f, int d, int64_t extent) {
  applyWindow(f, d, double(extent), double(extent));
}

ReceptiveField globalPool(const Shape &in, const ReceptiveField &f) {
  ReceptiveField r = f;
  r.global = true;
  if (!tracks(f, in)) return r;
  for (int d = 0; d < spatialRankOf(in); ++d)
    reduceDim(r, d, in[static_cast<size_t>(d) + 2]);
  return r;
}

ReceptiveField resize(const Node &node, const Shape &in, const Shape &out,
                      const ReceptiveField &f) {
  if (!tracks(f, in)) return f;
  bool bilinear = node.attrs.getString("mode") == "bilinear";
  ReceptiveField r = f;
  for (size_t d = 0; d < r.size.size(); ++d) {
    int64_t inExtent = in[d + 2], outExtent = out[d + 2];
    // Bilinear blends two neighbouring inputs, when there are two.
    if (bilinear && inExtent > 1) r.size[d] += f.stride[d];
    r.stride[d] = f.stride[d] * double(inExtent) / double(outExtent);
  }
  return r;
}

// add, mul, concat: an element sees what any of its sources sees.
ReceptiveField merge(const Graph &graph, const Node &node, const std::vector<ReceptiveField> &fs) {
  ReceptiveField r;
  bool first = true;
  for (ValueId v : node.inputs) {
    const ReceptiveField &f = fs[static_cast<size_t>(v)];
    r.global = r.global || f.global;
    if (!tracks(f, node.type.shape) || !tracks(f, graph.type(v).shape)) continue;
    if (first) {
      r.size = f.size;
      r.stride = f.stride;
      first = false;
      continue;
    }
    for (size_t d = 0; d < r.size.size(); ++d) {
      r.size[d] = std::max(r.size[d], f.size[d]);
      r.stride[d] = std::min(r.stride[d], f.stride[d]);
    }
  }
  return r;
}

// An op over `axis` of its input: spatial axes are reduced to one window.
ReceptiveField alongAxis(const Shape &in, int64_t axis, const ReceptiveField &f) {
  int64_t rank = static_cast<int64_t>(in.size());
  if (axis < 0) axis += rank;
  if (axis < 2 || !tracks(f, in)) return f;
  ReceptiveField r = f;
  r.global = true;
  reduceDim(r, int(axis - 2), in[static_cast<size_t>(axis)]);
  return r;
}

ReceptiveField slice(const Node &node, const Shape &in, const ReceptiveField &f) {
  int64_t axis = node.attrs.getInt("axis");
  if (axis < 0) axis += static_cast<int64_t>(in.size());
  if (axis < 2 || !tracks(f, in)) return f;
  ReceptiveField r = f;
  r.stride[static_cast<size_t>(axis - 2)] *= double(node.attrs.getInt("step"));
  return r;
}

// interleave: a pixel comes from one phase, whose grid is `stride` times
// coarser than the output's.
ReceptiveField interleave(const Graph &graph, const Node &node,
                          const std::vector<ReceptiveField> &fs) {
  ReceptiveField r = merge(graph, node, fs);
  if (r.global || r.stride.empty()) return r;
  std::vector<int64_t> stride = node.attrs.getInts("stride");
  for (size_t d = 0; d < r.stride.size(); ++d)
    r.stride[d] /= double(stride.size() == 1 ? stride[0] : stride[d]);
  return r;
}

// A residual joins the accumulator's field like the inputs of an add.
ReceptiveField withResidual(const Graph &graph, const Node &node, ReceptiveField f,
                            const std::vector<ReceptiveField> &fs) {
  if (!hasResidual(node)) return f;
  const ReceptiveField &r = fs[static_cast<size_t>(node.inputs.back())];
  f.global = f.global || r.global;
  if (!tracks(r, graph.type(node.inputs.back()).shape) || r.size.size() != f.size.size()) return f;
  for (size_t d = 0; d < f.size.size(); ++d) {
    f.size[d] = std::max(f.size[d], r.size[d]);
    f.stride[d] = std::min(f.stride[d], r.stride[d]);
  }
  return f;
}

ReceptiveField fieldOf(const Graph &graph, ValueId id, const std::vector<ReceptiveField> &fs) {
  const Node &node = graph.node(id);
  auto input = [&](size_t i) -> const ReceptiveField & {
    return fs[static_cast<size_t>(node.inputs.at(i))];
  };
  auto inShape = [&](size_t i) -> const Shape & { return graph.type(node.inputs.at(i)).shape; };

  switch (node.op) {
  case OpKind::Input: {
    // Every input is taken to lie on the pixel grid of the first one.
    ReceptiveField f;
    size_t rank = static_cast<size_t>(spatialRankOf(node.type.shape));
    f.size.assign(rank, 1.0);
    f.stride.assign(rank, 1.0);
    f.global = rank == 0;
    return f;
  }
  case OpKind::Conv1d:
  case OpKind::Conv2d:
  case OpKind::WinogradConv2d:
  case OpKind::WinogradConv1d:
    return withResidual(graph, node, slidingWindow(node, inShape(0), input(0)), fs);
  case OpKind::MaxPool1d:
  case OpKind::MaxPool2d:
  case OpKind::AvgPool1d:
  case OpKind::AvgPool2d:
    return slidingWindow(node, inShape(0), input(0));
  case OpKind::ConvTranspose1d:
  case OpKind::ConvTranspose2d:
    return withResidual(graph, node, transposedWindow(node, inShape(0), input(0)), fs);
  case OpKind::Interleave:
    return interleave(graph, node, fs);
  case OpKind::ResizeArgMax: {
    Shape resized = inShape(0);
    const bool keep = node.attrs.getBool("keepdims");
    for (size_t d = 2; d < resized.size(); ++d)
      resized[d] = node.type.shape[keep ? d : d - 1];
    return resize(node, inShape(0), resized, input(0));
  }
  case OpKind::BatchNorm:
  case OpKind::Bias:
  case OpKind::Relu:
  case OpKind::Relu6:
  case OpKind::LeakyRelu:
  case OpKind::Sigmoid:
  case OpKind::Tanh:
  case OpKind::Pad:
  case OpKind::Copy:
    return input(0);
  case OpKind::Softmax:
  case OpKind::ArgMax:
    return alongAxis(inShape(0), node.attrs.getInt("axis"), input(0));
  case OpKind::Slice:
    return slice(node, inShape(0), input(0));
  case OpKind::Add:
  case OpKind::Mul:
  case OpKind::Concat:
    return merge(graph, node, fs);
  case OpKind::GlobalAvgPool:
  case OpKind::GlobalMaxPool:
    return globalPool(inShape(0), input(0));
  case OpKind::Resize:
    return resize(node, inShape(0), node.type.shape, input(0));
  case OpKind::Reshape:
  case OpKind::Flatten:
  case OpKind::Linear:
    return opaqueGlobal();
  }
  throw Error("receptive field: unknown op of node '" + node.name + "'");
}

} // namespace

std::vector<ReceptiveField> receptiveFields(const Graph &graph) {
  std::vector<ReceptiveField> fields;
  fields.reserve(graph.nodes.size());
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    fields.push_back(fieldOf(graph, ValueId(i), fields));
  return fields;
}

} // namespace atrous
