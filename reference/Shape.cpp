// Ops that move data without arithmetic: concat, slice (Python slicing of
// one axis), pad (constant, reflect, edge over the spatial dims) and
// reshape / flatten (row-major order is unchanged, only the type differs).
// All but pad work on any dtype.
#include <algorithm>
#include <cstring>

#include "ir/Error.h"
#include "reference/Kernels.h"

namespace atrous::reference {

namespace {

int64_t product(const Shape &shape, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t d = begin; d < end; ++d)
    p *= shape[d];
  return p;
}

// The begin/end padding of each of `rank` spatial dims from a pad list given
// as one value, one per dim, or [begin..., end...] (docs/ops.md, Padding).
void resolvePad(const std::vector<int64_t> &padList, int rank, std::vector<int64_t> &begin,
                std::vector<int64_t> &end) {
  const size_t r = static_cast<size_t>(rank);
  begin.assign(r, 0);
  end.assign(r, 0);
  for (size_t d = 0; d < r; ++d) {
    if (padList.size() == 1) {
      begin[d] = end[d] = padList[0];
    } else if (padList.size() == r) {
      begin[d] = end[d] = padList[d];
    } else if (padList.size() == 2 * r) {
      begin[d] = padList[d];
      end[d] = padList[r + d];
    } else {
      throw Error("pad needs 1, " + std::to_string(r) + " or " + std::to_string(2 * r) +
                  " values, got " + std::to_string(padList.size()));
    }
    if (begin[d] < 0 || end[d] < 0) throw Error("negative padding");
  }
}

// Element storage of any dtype (all are 4 bytes wide), for ops that only
// move elements.
const uint32_t *words(const Tensor &t) {
  return static_cast<const uint32_t *>(t.raw());
}
uint32_t *words(Tensor &t) {
  return static_cast<uint32_t *>(t.raw());
}

} // namespace

Tensor concat(const Node &node, const std::vector<const Tensor *> &parts) {
  const Shape &outShape = node.type.shape;
  const int axis = normalizeAxis(node.attrs.getInt("axis"), node.type.rank());
  const int64_t outer = product(outShape, 0, static_cast<size_t>(axis));
  Tensor y(node.type);
  uint32_t *ys = words(y);
  for (int64_t o = 0; o < outer; ++o)
    for (const Tensor *part : parts) {
      const int64_t block = product(part->shape(), static_cast<size_t>(axis), part->shape().size());
      const uint32_t *src = words(*part) + o * block;
      ys = std::copy(src, src + block, ys);
    }
  return y;
}

Tensor slice(const Node &node, const Tensor &x) {
  const int axis = normalizeAxis(node.attrs.getInt("axis"), x.rank());
  const int64_t dim = x.shape()[static_cast<size_t>(axis)];
  const int64_t step = node.attrs.getInt("step");
  if (step < 1) throw Error("node '" + node.name + "': slice step must be >= 1");
  auto clampIndex = [dim](int64_t i) {
    if (i < 0) i += dim;
    return std::min(std::max<int64_t>(i, 0), dim);
  };
  const int64_t start = clampIndex(node.attrs.getInt("start"));
  const int64_t end = clampIndex(node.attrs.getInt("end"));
  const int64_t count = start < end ? (end - start + step - 1) / step : 0;
  if (count != node.type.shape[static_cast<size_t>(axis)])
    throw Error("node '" + node.name + "': slice of " + std::to_string(count) +
                " elements disagrees with type " + node.type.str());

  const int64_t outer = product(x.shape(), 0, static_cast<size_t>(axis));
  const int64_t inner = product(x.shape(), static_cast<size_t>(axis) + 1, x.shape().size());
  Tensor y(node.type);
  const uint32_t *xs = words(x);
  uint32_t *ys = words(y);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t k = 0; k < count; ++k) {
      const uint32_t *src = xs + (o * dim + start + k * step) * inner;
      ys = std::copy(src, src + inner, ys);
    }
  return y;
}

Tensor pad(const Node &node, const Tensor &x) {
  const int rank = x.rank();
  const int spatial = rank - 2;
  if (spatial < 1) throw Error("node '" + node.name + "': pad needs rank >= 3");
  std::vector<int64_t> begin, end;
  resolvePad(node.attrs.getInts("pad"), spatial, begin, end);
  const std::string &mode = node.attrs.getString("mode");
  const float value = static_cast<float>(node.attrs.getFloat("value"));

  const Shape &inShape = x.shape();
  const Shape &outShape = node.type.shape;
  for (int d = 0; d < spatial; ++d) {
    const size_t a = static_cast<size_t>(d + 2);
    const size_t s = static_cast<size_t>(d);
    if (outShape[a] != inShape[a] + begin[s] + end[s])
      throw Error("node '" + node.name + "': padding disagrees with type " + node.type.str());
    if (mode == "reflect" && (begin[s] >= inShape[a] || end[s] >= inShape[a]))
      throw Error("node '" + node.name + "': reflect padding must be smaller than the dim");
  }

  Tensor y(node.type);
  const float *xs = x.f32();
  float *ys = y.f32();
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  for (int64_t i = 0; i < y.numel(); ++i) {
    // Map the output index to a source index, or to the constant.
    bool inside = true;
    int64_t src = 0;
    for (int d = 0; d < rank; ++d) {
      const size_t a = static_cast<size_t>(d);
      int64_t s = index[a];
      if (d >= 2) {
        const int64_t extent = inShape[a];
        s -= begin[a - 2];
        if (s < 0 || s >= extent) {
          if (mode == "reflect")
            s = s < 0 ? -s : 2 * (extent - 1) - s;
          else if (mode == "edge")
            s = std::min(std::max<int64_t>(s, 0), extent - 1);
          else
            inside = false;
        }
      }
      src = src * inShape[a] + s;
    }
    ys[i] = inside ? xs[src] : value;
    for (int d = rank - 1; d >= 0; --d) {
      if (++index[static_cast<size_t>(d)] < outShape[static_cast<size_t>(d)]) break;
      index[static_cast<size_t>(d)] = 0;
    }
  }
  return y;
}

Tensor reshape(const Node &node, const Tensor &x) {
  Tensor y(node.type);
  if (y.numel() != x.numel())
    throw Error("node '" + node.name + "': cannot reshape " + x.type().str() + " to " +
                node.type.str());
  std::memcpy(y.raw(), x.raw(), x.byteSize());
  return y;
}

} // namespace atrous::reference
