#include "frontend/onnx/HostTensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "ir/Error.h"

namespace atrous::onnx_import {

std::string elemTypeName(ElemType t) {
  switch (t) {
  case ElemType::Float:
    return "float";
  case ElemType::Uint8:
    return "uint8";
  case ElemType::Int8:
    return "int8";
  case ElemType::Uint16:
    return "uint16";
  case ElemType::Int16:
    return "int16";
  case ElemType::Int32:
    return "int32";
  case ElemType::Int64:
    return "int64";
  case ElemType::String:
    return "string";
  case ElemType::Bool:
    return "bool";
  case ElemType::Float16:
    return "float16";
  case ElemType::Double:
    return "double";
  case ElemType::Uint32:
    return "uint32";
  case ElemType::Uint64:
    return "uint64";
  case ElemType::BFloat16:
    return "bfloat16";
  case ElemType::Undefined:
    break;
  }
  return "type " + std::to_string(static_cast<int>(t));
}

bool isFloating(ElemType t) {
  return t == ElemType::Float || t == ElemType::Double || t == ElemType::Float16 ||
         t == ElemType::BFloat16;
}

bool isSupportedElemType(ElemType t) {
  switch (t) {
  case ElemType::Float:
  case ElemType::Uint8:
  case ElemType::Int8:
  case ElemType::Uint16:
  case ElemType::Int16:
  case ElemType::Int32:
  case ElemType::Int64:
  case ElemType::Bool:
  case ElemType::Float16:
  case ElemType::Double:
  case ElemType::Uint32:
  case ElemType::Uint64:
  case ElemType::BFloat16:
    return true;
  default:
    return false;
  }
}

int64_t HostTensor::numel() const {
  return numElements(shape);
}

int64_t HostTensor::intValue(int64_t k) const {
  if (!isFloat()) return i[k];
  double v = std::trunc(f[k]);
  if (!(std::fabs(v) < 9.2e18)) throw Error("value " + std::to_string(f[k]) + " is not an integer");
  return static_cast<int64_t>(v);
}

std::vector<int64_t> HostTensor::ints() const {
  std::vector<int64_t> out(static_cast<size_t>(numel()));
  for (size_t k = 0; k < out.size(); ++k)
    out[k] = intValue(static_cast<int64_t>(k));
  return out;
}

std::vector<double> HostTensor::doubles() const {
  if (isFloat()) return f;
  return std::vector<double>(i.begin(), i.end());
}

std::string HostTensor::describe() const {
  return elemTypeName(type) + shapeStr(shape);
}

void checkHostSize(const Shape &shape) {
  if (numElements(shape) > kMaxHostElements)
    throw Error("a tensor of shape " + shapeStr(shape) +
                " is larger than the importer computes with (" + std::to_string(kMaxHostElements) +
                " elements)");
}

HostTensor makeInts(Shape shape, std::vector<int64_t> values, ElemType type) {
  HostTensor t;
  t.type = type;
  t.shape = std::move(shape);
  t.i = std::move(values);
  return t;
}

HostTensor makeFloats(Shape shape, std::vector<double> values, ElemType type) {
  HostTensor t;
  t.type = type;
  t.shape = std::move(shape);
  t.f = std::move(values);
  return t;
}

HostTensor filled(ElemType type, Shape shape, double value) {
  HostTensor t;
  t.type = type;
  t.shape = std::move(shape);
  checkHostSize(t.shape);
  size_t n = static_cast<size_t>(t.numel());
  if (t.isFloat())
    t.f.assign(n, roundTo(type, value));
  else
    t.i.assign(n, wrapTo(type, static_cast<int64_t>(value)));
  return t;
}

float halfToFloat(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  float magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(static_cast<float>(mantissa), -24);
  else if (exponent == 31)
    magnitude =
        mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  uint32_t out;
  std::memcpy(&out, &magnitude, 4);
  out |= sign;
  float result;
  std::memcpy(&result, &out, 4);
  return result;
}

uint16_t floatToHalf(float v) {
  uint16_t sign = std::signbit(v) ? 0x8000u : 0;
  float a = std::fabs(v);
  if (std::isnan(a)) return static_cast<uint16_t>(sign | 0x7e00u);
  if (a >= 65520.0f) return static_cast<uint16_t>(sign | 0x7c00u);
  if (a < std::ldexp(1.0f, -14)) {
    // Subnormal: units of 2^-24, rounded to nearest even by nearbyint.
    return static_cast<uint16_t>(sign | static_cast<uint16_t>(std::nearbyint(a * 16777216.0f)));
  }
  int e;
  float m = std::frexp(a, &e); // a = m * 2^e, m in [0.5, 1)
  // 11 significant bits: round m * 2^11 to nearest even.
  float scaled = std::nearbyint(m * 2048.0f);
  if (scaled >= 2048.0f) {
    scaled /= 2;
    ++e;
  }
  int exponent = e - 1 + 15;
  if (exponent >= 31) return static_cast<uint16_t>(sign | 0x7c00u);
  uint16_t mantissa = static_cast<uint16_t>(static_cast<int>(scaled) - 1024);
  return static_cast<uint16_t>(sign | (exponent << 10) | mantissa);
}

float bfloat16ToFloat(uint16_t bits) {
  uint32_t word = static_cast<uint32_t>(bits) << 16;
  float v;
  std::memcpy(&v, &word, 4);
  return v;
}

uint16_t floatToBfloat16(float v) {
  uint32_t word;
  std::memcpy(&word, &v, 4);
  if (std::isnan(v)) return static_cast<uint16_t>((word >> 16) | 0x40u);
  word += 0x7fffu + ((word >> 16) & 1u);
  return static_cast<uint16_t>(word >> 16);
}

double roundTo(ElemType type, double v) {
  switch (type) {
  case ElemType::Float:
    return static_cast<double>(static_cast<float>(v));
  case ElemType::Float16:
    return halfToFloat(floatToHalf(static_cast<float>(v)));
  case ElemType::BFloat16:
    return bfloat16ToFloat(floatToBfloat16(static_cast<float>(v)));
  default:
    return v;
  }
}

int64_t wrapTo(ElemType type, int64_t v) {
  switch (type) {
  case ElemType::Bool:
    return v != 0;
  case ElemType::Int8:
    return static_cast<int8_t>(v);
  case ElemType::Uint8:
    return static_cast<uint8_t>(v);
  case ElemType::Int16:
    return static_cast<int16_t>(v);
  case ElemType::Uint16:
    return static_cast<uint16_t>(v);
  case ElemType::Int32:
    return static_cast<int32_t>(v);
  case ElemType::Uint32:
    return static_cast<uint32_t>(v);
  default:
    return v;
  }
}

HostTensor castTo(const HostTensor &t, ElemType to) {
  HostTensor out;
  out.type = to;
  out.shape = t.shape;
  size_t n = static_cast<size_t>(t.numel());
  if (isFloating(to)) {
    out.f.resize(n);
    for (size_t k = 0; k < n; ++k)
      out.f[k] = roundTo(to, t.value(static_cast<int64_t>(k)));
  } else {
    out.i.resize(n);
    for (size_t k = 0; k < n; ++k) {
      int64_t v;
      if (to == ElemType::Bool)
        v = t.value(static_cast<int64_t>(k)) != 0;
      else
        v = t.intValue(static_cast<int64_t>(k));
      out.i[k] = wrapTo(to, v);
    }
  }
  return out;
}

Tensor toF32Tensor(const HostTensor &t) {
  Tensor out(DType::F32, t.shape);
  float *p = out.f32();
  for (int64_t k = 0; k < out.numel(); ++k)
    p[k] = static_cast<float>(t.value(k));
  return out;
}

std::vector<int64_t> stridesOf(const Shape &shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (int d = static_cast<int>(shape.size()) - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

Shape broadcastShapes(const Shape &a, const Shape &b) {
  size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t d = 0; d < rank; ++d) {
    int64_t da = d + a.size() >= rank ? a[d + a.size() - rank] : 1;
    int64_t db = d + b.size() >= rank ? b[d + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1)
      throw Error("shapes " + shapeStr(a) + " and " + shapeStr(b) + " do not broadcast");
    out[d] = da == 1 ? db : da;
  }
  return out;
}

int normAxis(int64_t axis, int rank, const std::string &what) {
  if (axis < -rank || axis >= rank)
    throw Error(what + " " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

HostTensor rearrange(const HostTensor &src, const Shape &shape,
                     const std::function<int64_t(const std::vector<int64_t> &)> &index,
                     double fill) {
  HostTensor out;
  out.type = src.type;
  out.shape = shape;
  checkHostSize(shape);
  const int64_t n = out.numel();
  if (out.isFloat())
    out.f.resize(static_cast<size_t>(n));
  else
    out.i.resize(static_cast<size_t>(n));
  std::vector<int64_t> at(shape.size(), 0);
  for (int64_t k = 0; k < n; ++k) {
    int64_t from = index(at);
    if (out.isFloat())
      out.f[k] = from < 0 ? fill : src.f[from];
    else
      out.i[k] = from < 0 ? static_cast<int64_t>(fill) : src.i[from];
    for (int d = static_cast<int>(shape.size()) - 1; d >= 0; --d) {
      if (++at[d] < shape[d]) break;
      at[d] = 0;
    }
  }
  return out;
}

HostTensor reshaped(HostTensor t, const Shape &shape) {
  if (numElements(shape) != t.numel())
    throw Error("cannot reshape " + t.describe() + " to " + shapeStr(shape));
  t.shape = shape;
  return t;
}

HostTensor transposed(const HostTensor &t, const std::vector<int64_t> &perm) {
  const int rank = t.rank();
  if (static_cast<int>(perm.size()) != rank)
    throw Error("perm " + shapeStr(perm) + " does not fit rank " + std::to_string(rank));
  std::vector<bool> seen(static_cast<size_t>(rank), false);
  Shape shape(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    if (perm[d] < 0 || perm[d] >= rank || seen[perm[d]])
      throw Error("perm " + shapeStr(perm) + " is not a permutation");
    seen[perm[d]] = true;
    shape[d] = t.shape[perm[d]];
  }
  std::vector<int64_t> strides = stridesOf(t.shape);
  return rearrange(t, shape, [&](const std::vector<int64_t> &at) {
    int64_t from = 0;
    for (int d = 0; d < rank; ++d)
      from += at[d] * strides[perm[d]];
    return from;
  });
}

HostTensor sliced(const HostTensor &t, const std::vector<int64_t> &starts,
                  const std::vector<int64_t> &ends, const std::vector<int64_t> &axes,
                  const std::vector<int64_t> &steps) {
  const int rank = t.rank();
  std::vector<int64_t> first(static_cast<size_t>(rank), 0), step(static_cast<size_t>(rank), 1);
  Shape shape = t.shape;
  std::vector<bool> done(static_cast<size_t>(rank), false);
  for (size_t k = 0; k < axes.size(); ++k) {
    int axis = normAxis(axes[k], rank, "slice axis");
    if (done[axis]) throw Error("slice axis " + std::to_string(axes[k]) + " is repeated");
    done[axis] = true;
    const int64_t dim = t.shape[axis];
    int64_t s = starts[k], e = ends[k], st = steps[k];
    if (st == 0) throw Error("slice step must not be 0");
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (st > 0) {
      s = std::clamp<int64_t>(s, 0, dim);
      e = std::clamp<int64_t>(e, 0, dim);
    } else {
      s = std::clamp<int64_t>(s, 0, dim - 1);
      e = std::clamp<int64_t>(e, -1, dim - 1);
    }
    int64_t length = st > 0 ? (e - s + st - 1) / st : (s - e + (-st) - 1) / (-st);
    shape[axis] = std::max<int64_t>(0, length);
    first[axis] = s;
    step[axis] = st;
  }
  std::vector<int64_t> strides = stridesOf(t.shape);
  return rearrange(t, shape, [&](const std::vector<int64_t> &at) {
    int64_t from = 0;
    for (int d = 0; d < rank; ++d)
      from += (first[d] + at[d] * step[d]) * strides[d];
    return from;
  });
}

HostTensor padded(const HostTensor &t, const std::vector<int64_t> &pads, const std::string &mode,
                  double fill) {
  const int rank = t.rank();
  if (pads.size() != static_cast<size_t>(2 * rank))
    throw Error("pads has " + std::to_string(pads.size()) + " values for a rank-" +
                std::to_string(rank) + " tensor; expected " + std::to_string(2 * rank));
  Shape shape = t.shape;
  for (int d = 0; d < rank; ++d) {
    shape[d] = t.shape[d] + pads[d] + pads[d + rank];
    if (shape[d] < 0) throw Error("pads " + shapeStr(pads) + " remove more than the whole tensor");
    if (mode == "reflect" && (pads[d] >= t.shape[d] || pads[d + rank] >= t.shape[d]))
      throw Error("reflect padding must be smaller than the padded dim");
    if (mode == "edge" && t.shape[d] == 0 && shape[d] > 0)
      throw Error("edge padding of an empty dim");
  }
  std::vector<int64_t> strides = stridesOf(t.shape);
  return rearrange(
      t, shape,
      [&](const std::vector<int64_t> &at) {
        int64_t from = 0;
        for (int d = 0; d < rank; ++d) {
          int64_t p = at[d] - pads[d];
          const int64_t dim = t.shape[d];
          if (p < 0 || p >= dim) {
            if (mode == "constant") return int64_t{-1};
            if (mode == "edge")
              p = std::clamp<int64_t>(p, 0, dim - 1);
            else
              p = p < 0 ? -p : 2 * (dim - 1) - p;
          }
          from += p * strides[d];
        }
        return from;
      },
      fill);
}

HostTensor gathered(const HostTensor &t, const HostTensor &indices, int64_t axis) {
  const int rank = t.rank();
  if (rank == 0) throw Error("gather from a scalar");
  const int a = normAxis(axis, rank, "gather axis");
  const int64_t dim = t.shape[a];
  std::vector<int64_t> idx = indices.ints();
  for (int64_t &v : idx) {
    if (v < -dim || v >= dim)
      throw Error("gather index " + std::to_string(v) + " is out of range for a dim of " +
                  std::to_string(dim));
    if (v < 0) v += dim;
  }
  Shape shape(t.shape.begin(), t.shape.begin() + a);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), t.shape.begin() + a + 1, t.shape.end());
  std::vector<int64_t> strides = stridesOf(t.shape);
  std::vector<int64_t> idxStrides = stridesOf(indices.shape);
  const int ir = indices.rank();
  return rearrange(t, shape, [&](const std::vector<int64_t> &at) {
    int64_t from = 0;
    for (int d = 0; d < a; ++d)
      from += at[d] * strides[d];
    int64_t flat = 0;
    for (int d = 0; d < ir; ++d)
      flat += at[a + d] * idxStrides[d];
    from += idx[flat] * strides[a];
    for (int d = a + 1; d < rank; ++d)
      from += at[d - 1 + ir] * strides[d];
    return from;
  });
}

HostTensor concatenated(const std::vector<HostTensor> &parts, int64_t axis) {
  if (parts.empty()) throw Error("concat of nothing");
  const int rank = parts[0].rank();
  if (rank == 0) throw Error("concat of scalars");
  const int a = normAxis(axis, rank, "concat axis");
  Shape shape = parts[0].shape;
  shape[a] = 0;
  std::vector<int64_t> offsets;
  for (const HostTensor &p : parts) {
    bool fits = p.rank() == rank && p.isFloat() == parts[0].isFloat();
    for (int d = 0; fits && d < rank; ++d)
      fits = d == a || p.shape[d] == parts[0].shape[d];
    if (!fits)
      throw Error("concat of " + parts[0].describe() + " and " + p.describe() + " along axis " +
                  std::to_string(a));
    offsets.push_back(shape[a]);
    shape[a] += p.shape[a];
  }
  // Concatenate the flat data into one source, then index it.
  HostTensor all;
  all.type = parts[0].type;
  std::vector<int64_t> bases;
  std::vector<std::vector<int64_t>> partStrides;
  for (const HostTensor &p : parts) {
    partStrides.push_back(stridesOf(p.shape));
    bases.push_back(all.isFloat() ? static_cast<int64_t>(all.f.size())
                                  : static_cast<int64_t>(all.i.size()));
    if (all.isFloat())
      all.f.insert(all.f.end(), p.f.begin(), p.f.end());
    else
      all.i.insert(all.i.end(), p.i.begin(), p.i.end());
  }
  HostTensor out = rearrange(all, shape, [&](const std::vector<int64_t> &at) {
    size_t k = 0;
    while (k + 1 < parts.size() && at[a] >= offsets[k + 1])
      ++k;
    int64_t from = bases[k];
    for (int d = 0; d < rank; ++d)
      from += (d == a ? at[d] - offsets[k] : at[d]) * partStrides[k][d];
    return from;
  });
  out.type = parts[0].type;
  return out;
}

HostTensor expanded(const HostTensor &t, const Shape &target) {
  Shape shape = broadcastShapes(t.shape, target);
  const size_t rank = shape.size(), offset = rank - t.shape.size();
  std::vector<int64_t> strides = stridesOf(t.shape);
  return rearrange(t, shape, [&](const std::vector<int64_t> &at) {
    int64_t from = 0;
    for (size_t d = 0; d < t.shape.size(); ++d)
      if (t.shape[d] != 1) from += at[d + offset] * strides[d];
    return from;
  });
}

HostTensor tiled(const HostTensor &t, const std::vector<int64_t> &repeats) {
  if (repeats.size() != t.shape.size())
    throw Error("tile repeats " + shapeStr(repeats) + " do not fit " + t.describe());
  Shape shape = t.shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (repeats[d] < 0) throw Error("tile repeats must not be negative");
    shape[d] *= repeats[d];
  }
  std::vector<int64_t> strides = stridesOf(t.shape);
  return rearrange(t, shape, [&](const std::vector<int64_t> &at) {
    int64_t from = 0;
    for (size_t d = 0; d < at.size(); ++d)
      from += (at[d] % t.shape[d]) * strides[d];
    return from;
  });
}

HostTensor spaceToDepth(const HostTensor &t, int64_t b) {
  if (t.rank() != 4) throw Error("SpaceToDepth needs a rank-4 input, got " + t.describe());
  const int64_t n = t.shape[0], c = t.shape[1], h = t.shape[2], w = t.shape[3];
  if (b < 1 || h % b || w % b)
    throw Error("blocksize " + std::to_string(b) + " does not divide " + shapeStr(t.shape));
  std::vector<int64_t> s = stridesOf(t.shape);
  return rearrange(t, {n, c * b * b, h / b, w / b}, [&](const std::vector<int64_t> &at) {
    int64_t block = at[1] / c, ch = at[1] % c;
    int64_t bh = block / b, bw = block % b;
    return at[0] * s[0] + ch * s[1] + (at[2] * b + bh) * s[2] + (at[3] * b + bw) * s[3];
  });
}

HostTensor depthToSpace(const HostTensor &t, int64_t b, const std::string &mode) {
  if (t.rank() != 4) throw Error("DepthToSpace needs a rank-4 input, got " + t.describe());
  const int64_t n = t.shape[0], c = t.shape[1], h = t.shape[2], w = t.shape[3];
  if (b < 1 || c % (b * b))
    throw Error("blocksize " + std::to_string(b) + " squared does not divide the " +
                std::to_string(c) + " channels");
  const int64_t oc = c / (b * b);
  const bool crd = mode == "CRD";
  std::vector<int64_t> s = stridesOf(t.shape);
  return rearrange(t, {n, oc, h * b, w * b}, [&](const std::vector<int64_t> &at) {
    int64_t bh = at[2] % b, bw = at[3] % b;
    int64_t ch = crd ? at[1] * b * b + bh * b + bw : (bh * b + bw) * oc + at[1];
    return at[0] * s[0] + ch * s[1] + (at[2] / b) * s[2] + (at[3] / b) * s[3];
  });
}

} // namespace atrous::onnx_import
