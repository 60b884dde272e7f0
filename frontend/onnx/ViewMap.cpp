#include "frontend/onnx/ViewMap.h"

#include <limits>
#include <numeric>

#include "ir/Geometry.h"

namespace atrous::onnx_import {

namespace {

HostTensor iota(const Shape &shape) {
  checkHostSize(shape);
  HostTensor t = makeInts(shape, {});
  t.i.resize(static_cast<size_t>(t.numel()));
  std::iota(t.i.begin(), t.i.end(), int64_t{0});
  return t;
}

// The spatial padding of an IR pad node as ONNX pads over every dim.
std::vector<int64_t> fullPads(const Node &pad, int rank) {
  std::vector<int64_t> p = pad.attrs.getInts("pad");
  const int r = rank - 2;
  std::vector<int64_t> begin, end;
  if (p.size() == static_cast<size_t>(2 * r)) {
    begin.assign(p.begin(), p.begin() + r);
    end.assign(p.begin() + r, p.end());
  } else {
    begin = end = perDim(p, r, "pad");
  }
  std::vector<int64_t> full(static_cast<size_t>(2 * rank), 0);
  for (int d = 0; d < r; ++d) {
    full[static_cast<size_t>(d + 2)] = begin[d];
    full[static_cast<size_t>(rank + d + 2)] = end[d];
  }
  return full;
}

// The root of `id`'s data-movement chain and the map from `id` into it.
std::pair<ValueId, HostTensor> mapOf(const Graph &g, ValueId id) {
  const Node &n = g.node(id);
  switch (n.op) {
  case OpKind::Reshape:
  case OpKind::Flatten: {
    auto [root, map] = mapOf(g, n.inputs[0]);
    return {root, reshaped(std::move(map), n.type.shape)};
  }
  case OpKind::Slice: {
    SliceRange r = sliceRange(n, g.type(n.inputs[0]).shape);
    auto [root, map] = mapOf(g, n.inputs[0]);
    return {root, sliced(map, {r.start}, {r.end}, {r.axis}, {r.step})};
  }
  case OpKind::Pad:
    if (n.attrs.getString("mode") == "constant" && n.attrs.getFloat("value") == 0.0) {
      auto [root, map] = mapOf(g, n.inputs[0]);
      return {root, padded(map, fullPads(n, map.rank()), "constant", -1)};
    }
    break;
  default:
    break;
  }
  return {id, iota(g.type(id).shape)};
}

} // namespace

std::vector<int64_t> unflatten(int64_t flat, const Shape &shape) {
  std::vector<int64_t> at(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    at[d] = flat % shape[d];
    flat /= shape[d];
  }
  return at;
}

View startView(const Importer &im, ValueId id, const std::string &origin) {
  auto [root, map] = mapOf(im.graph(), id);
  View v;
  v.source = root;
  v.map = std::move(map);
  v.origin = origin;
  return v;
}

int lineAxis(const View &view, const Shape &src, int axis) {
  const Shape &shape = view.map.shape;
  const std::vector<int64_t> &m = view.map.i;
  for (int64_t index : m)
    if (index < 0) return -1;
  const std::vector<int64_t> viewStrides = stridesOf(shape), srcStrides = stridesOf(src);
  for (size_t candidate = 0; candidate < src.size(); ++candidate) {
    if (src[candidate] != shape[static_cast<size_t>(axis)]) continue;
    bool ok = true;
    std::vector<int64_t> at(shape.size(), 0);
    for (size_t k = 0; ok && k < m.size(); ++k) {
      int64_t coord = (m[k] / srcStrides[candidate]) % src[candidate];
      ok = coord == at[static_cast<size_t>(axis)];
      if (ok && at[static_cast<size_t>(axis)] + 1 < shape[static_cast<size_t>(axis)])
        ok = m[k + static_cast<size_t>(viewStrides[static_cast<size_t>(axis)])] - m[k] ==
             srcStrides[candidate];
      for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
        if (++at[d] < shape[d]) break;
        at[d] = 0;
      }
    }
    if (ok) return static_cast<int>(candidate);
  }
  return -1;
}

ValueId materializeView(Importer &im, const View &view, bool named) {
  const Shape src = im.typeOf(view.source).shape; // emit() below grows the graph
  const Shape &shape = view.map.shape;
  const std::vector<int64_t> &m = view.map.i;
  auto cannot = [&](const std::string &why) {
    im.fail("the data movement that starts at " + view.origin + " " + why +
            "; atrous has no general transpose, so such a rearrangement is accepted only when "
            "later nodes undo it (leaving a crop, padding or reshape of the original tensor) or as "
            "TensorFlow's space_to_batch -> Conv -> batch_to_space");
  };

  // The source in another shape.
  bool identity = true;
  for (size_t k = 0; identity && k < m.size(); ++k)
    identity = m[k] == static_cast<int64_t>(k);
  if (identity && static_cast<int64_t>(m.size()) == numElements(src)) {
    if (shape == src) return view.source;
    Attrs a;
    a.set("shape", std::vector<int64_t>(shape.begin(), shape.end()));
    return im.emit(OpKind::Reshape, {view.source}, a, named ? "" : "reshape");
  }
  if (shape.size() != src.size()) cannot("leaves a tensor that is not a reshape of its source");

  // A strided crop of the source, padded with zeros: find the box of real
  // elements, its corner and steps, then check every element.
  const int rank = static_cast<int>(shape.size());
  std::vector<int64_t> lo(rank, std::numeric_limits<int64_t>::max()), hi(rank, -1);
  std::vector<int64_t> at(rank, 0);
  for (size_t k = 0; k < m.size(); ++k) {
    if (m[k] >= 0)
      for (int d = 0; d < rank; ++d) {
        lo[d] = std::min(lo[d], at[d]);
        hi[d] = std::max(hi[d], at[d] + 1);
      }
    for (int d = rank - 1; d >= 0; --d) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
  if (hi[0] < 0) cannot("leaves only padding");
  std::vector<int64_t> viewStrides = stridesOf(shape), srcStrides = stridesOf(src);
  auto indexAt = [&](const std::vector<int64_t> &p) {
    int64_t flat = 0;
    for (int d = 0; d < rank; ++d)
      flat += p[d] * viewStrides[d];
    return m[static_cast<size_t>(flat)];
  };
  if (indexAt(lo) < 0) cannot("leaves a tensor that is not a padded crop of its source");
  std::vector<int64_t> start = unflatten(indexAt(lo), src), step(rank, 1);
  for (int d = 0; d < rank; ++d) {
    if (hi[d] - lo[d] < 2) continue;
    std::vector<int64_t> next = lo;
    ++next[d];
    if (indexAt(next) < 0) cannot("leaves a tensor that is not a padded crop of its source");
    std::vector<int64_t> c = unflatten(indexAt(next), src);
    step[d] = c[d] - start[d];
    if (step[d] < 1) cannot("reverses or reorders a dimension");
  }
  std::fill(at.begin(), at.end(), 0);
  for (size_t k = 0; k < m.size(); ++k) {
    bool inside = true;
    int64_t want = 0;
    for (int d = 0; d < rank; ++d) {
      inside = inside && at[d] >= lo[d] && at[d] < hi[d];
      want += (start[d] + (at[d] - lo[d]) * step[d]) * srcStrides[d];
    }
    if (m[k] != (inside ? want : -1))
      cannot("leaves a tensor that is not a padded crop of its source");
    for (int d = rank - 1; d >= 0; --d) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }

  // The slices, then the padding; the last node may take the plain name.
  std::vector<std::pair<OpKind, Attrs>> steps;
  for (int d = 0; d < rank; ++d) {
    int64_t length = hi[d] - lo[d];
    if (start[d] == 0 && step[d] == 1 && length == src[d]) continue;
    Attrs a;
    a.set("axis", int64_t{d});
    a.set("start", start[d]);
    a.set("end", start[d] + (length - 1) * step[d] + 1);
    a.set("step", step[d]);
    steps.push_back({OpKind::Slice, a});
  }
  std::vector<int64_t> begin, end;
  bool anyPad = false;
  for (int d = 0; d < rank; ++d) {
    int64_t b = lo[d], e = shape[d] - hi[d];
    if ((b || e) && d < 2) cannot("pads the batch or channel dimension");
    if (d >= 2) {
      begin.push_back(b);
      end.push_back(e);
    }
    anyPad = anyPad || b || e;
  }
  if (anyPad) {
    begin.insert(begin.end(), end.begin(), end.end());
    Attrs a;
    a.set("pad", begin);
    steps.push_back({OpKind::Pad, a});
  }
  ValueId x = view.source;
  for (size_t k = 0; k < steps.size(); ++k) {
    const char *role = steps[k].first == OpKind::Pad ? "pad" : "slice";
    x = im.emit(steps[k].first, {x}, steps[k].second, named && k + 1 == steps.size() ? "" : role);
  }
  return x;
}

} // namespace atrous::onnx_import
