#include "ir/ShapeInference.h"

#include <algorithm>

#include "ir/Error.h"
#include "ir/Geometry.h"
#include "ir/Winograd.h"

namespace atrous {

namespace {

const char *attrTypeName(AttrType t) {
  switch (t) {
  case AttrType::Bool:
    return "true or false";
  case AttrType::Int:
    return "an integer";
  case AttrType::Float:
    return "a number";
  case AttrType::Ints:
    return "integers";
  case AttrType::Floats:
    return "numbers";
  case AttrType::Enum:
    return "a name";
  case AttrType::Pad:
    return "integers or a padding mode";
  }
  return "?";
}

std::string joined(const std::vector<std::string> &v) {
  std::string s;
  for (size_t i = 0; i < v.size(); ++i)
    s += (i ? ", " : "") + v[i];
  return s;
}

// Converts `v` to the schema's type, or returns false when it does not fit.
bool convertAttr(const AttrSpec &spec, AttrValue &v) {
  auto *asInt = std::get_if<int64_t>(&v);
  auto *asInts = std::get_if<std::vector<int64_t>>(&v);
  switch (spec.type) {
  case AttrType::Bool:
    return std::holds_alternative<bool>(v);
  case AttrType::Int:
    return asInt != nullptr;
  case AttrType::Float:
    if (asInt) v = static_cast<double>(*asInt);
    return std::holds_alternative<double>(v);
  case AttrType::Ints:
    if (asInt) v = std::vector<int64_t>{*asInt};
    return std::holds_alternative<std::vector<int64_t>>(v) &&
           !std::get<std::vector<int64_t>>(v).empty();
  case AttrType::Floats:
    if (asInt)
      v = std::vector<double>{static_cast<double>(*asInt)};
    else if (auto *d = std::get_if<double>(&v))
      v = std::vector<double>{*d};
    else if (asInts)
      v = std::vector<double>(asInts->begin(), asInts->end());
    return std::holds_alternative<std::vector<double>>(v) &&
           !std::get<std::vector<double>>(v).empty();
  case AttrType::Enum:
  case AttrType::Pad: {
    if (auto *s = std::get_if<std::string>(&v)) {
      if (std::find(spec.choices.begin(), spec.choices.end(), *s) == spec.choices.end())
        throw Error("attribute '" + spec.name + "' must be one of " + joined(spec.choices) +
                    (spec.type == AttrType::Pad ? " or integers" : "") + ", got '" + *s + "'");
      return true;
    }
    if (spec.type == AttrType::Enum) return false;
    if (asInt) v = std::vector<int64_t>{*asInt};
    return std::holds_alternative<std::vector<int64_t>>(v) &&
           !std::get<std::vector<int64_t>>(v).empty();
  }
  }
  return false;
}

void expectRank(const std::string &op, const TensorType &t, int rank) {
  if (t.rank() != rank)
    throw Error(op + " expects a rank-" + std::to_string(rank) + " input, got " + t.str());
}

void expectMinRank(const std::string &op, const TensorType &t, int rank) {
  if (t.rank() < rank)
    throw Error(op + " expects an input of rank " + std::to_string(rank) + " or more, got " +
                t.str());
}

int64_t normalizeAxis(int64_t axis, int rank, const char *what) {
  if (axis < -rank || axis >= rank)
    throw Error(std::string(what) + " " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
  return axis < 0 ? axis + rank : axis;
}

int64_t positiveInt(const Attrs &attrs, const char *name) {
  int64_t v = attrs.getInt(name);
  if (v < 1) throw Error(std::string(name) + " must be positive, got " + std::to_string(v));
  return v;
}

TensorType inferWindowed(const Node &node, const TensorType &x) {
  const OpInfo &info = opInfo(node.op);
  expectRank(info.name, x, info.spatialRank + 2);
  WindowGeometry g = windowGeometry(node, x.shape);
  Shape out = {x.shape[0], x.shape[1]};
  if (isConv(node.op) || isConvTranspose(node.op)) {
    int64_t outChannels = positiveInt(node.attrs, "out");
    int64_t groups = positiveInt(node.attrs, "groups");
    if (x.shape[1] % groups != 0)
      throw Error("groups " + std::to_string(groups) + " does not divide the " +
                  std::to_string(x.shape[1]) + " input channels");
    if (outChannels % groups != 0)
      throw Error("groups " + std::to_string(groups) +
                  " does not divide out=" + std::to_string(outChannels));
    out[1] = outChannels;
  }
  out.insert(out.end(), g.out.begin(), g.out.end());
  return {x.dtype, out};
}

TensorType inferWinograd(const Node &node, const TensorType &x) {
  const OpInfo &info = opInfo(node.op);
  const int rank = info.spatialRank;
  expectRank(info.name, x, rank + 2);
  for (int64_t m : perDim(node.attrs.getInts("tile"), rank, "tile"))
    if (!isWinogradTile(m))
      throw Error(info.name + " tile must be " + std::to_string(kMinWinogradTile) + " to " +
                  std::to_string(kMaxWinogradTile) + ", got " + std::to_string(m));
  const std::vector<int64_t> kernel = perDim(node.attrs.getInts("kernel"), rank, "kernel");
  for (int64_t r : kernel)
    if (!isWinogradKernel(r))
      throw Error(info.name + " kernel must be 1, 2 or 3, got " + std::to_string(r));
  if (std::all_of(kernel.begin(), kernel.end(), [](int64_t r) { return r == 1; }))
    throw Error(info.name + " kernel must not be " + (rank == 1 ? "1" : "1x1"));
  WindowGeometry g = windowGeometry(node, x.shape);
  winogradWindow(node, x.shape); // checks bounded tiles
  Shape out = {x.shape[0], positiveInt(node.attrs, "out")};
  out.insert(out.end(), g.out.begin(), g.out.end());
  return {x.dtype, out};
}

TensorType inferBroadcast(const std::string &op, const TensorType &a, const TensorType &b) {
  int rank = std::max(a.rank(), b.rank());
  Shape out(static_cast<size_t>(rank));
  for (int i = 0; i < rank; ++i) {
    int ia = a.rank() - rank + i, ib = b.rank() - rank + i;
    int64_t da = ia >= 0 ? a.shape[ia] : 1, db = ib >= 0 ? b.shape[ib] : 1;
    if (da != db && da != 1 && db != 1)
      throw Error(op + " of " + a.str() + " and " + b.str() + ": shapes do not broadcast");
    out[i] = da == 1 ? db : da;
  }
  return {a.dtype, out};
}

TensorType inferConcat(const Node &node, const std::vector<TensorType> &in) {
  const TensorType &first = in[0];
  int64_t axis = normalizeAxis(node.attrs.getInt("axis"), first.rank(), "axis");
  Shape out = first.shape;
  out[axis] = 0;
  for (const TensorType &t : in) {
    bool fits = t.dtype == first.dtype && t.rank() == first.rank();
    for (int d = 0; fits && d < t.rank(); ++d)
      fits = d == axis || t.shape[d] == first.shape[d];
    if (!fits)
      throw Error("concat along axis " + std::to_string(axis) + " of " + first.str() + " and " +
                  t.str() + ": the other dims differ");
    out[axis] += t.shape[axis];
  }
  return {first.dtype, out};
}

TensorType inferSlice(const Node &node, const TensorType &x) {
  SliceRange r = sliceRange(node, x.shape);
  if (r.length == 0)
    throw Error("slice of " + x.str() + " along axis " + std::to_string(r.axis) + " is empty");
  Shape out = x.shape;
  out[static_cast<size_t>(r.axis)] = r.length;
  return {x.dtype, out};
}

TensorType inferPad(const Node &node, const TensorType &x) {
  expectMinRank("pad", x, 3);
  int rank = x.rank() - 2;
  std::vector<int64_t> pads = node.attrs.getInts("pad");
  std::vector<int64_t> begin, end;
  if (pads.size() == 1 || pads.size() == static_cast<size_t>(rank)) {
    begin = end = perDim(pads, rank, "pad");
  } else if (pads.size() == static_cast<size_t>(2 * rank)) {
    begin.assign(pads.begin(), pads.begin() + rank);
    end.assign(pads.begin() + rank, pads.end());
  } else {
    throw Error("pad has " + std::to_string(pads.size()) + " values; expected 1, " +
                std::to_string(rank) + " or " + std::to_string(2 * rank));
  }
  bool reflect = node.attrs.getString("mode") == "reflect";
  Shape out = x.shape;
  for (int d = 0; d < rank; ++d) {
    int64_t dim = x.shape[d + 2];
    if (begin[d] < 0 || end[d] < 0) throw Error("pad must not be negative");
    if (begin[d] > (int64_t(1) << 30) || end[d] > (int64_t(1) << 30))
      throw Error("pad is too large");
    if (reflect && (begin[d] >= dim || end[d] >= dim))
      throw Error("reflect padding must be smaller than the padded dim (" + std::to_string(dim) +
                  ")");
    out[d + 2] = dim + begin[d] + end[d];
  }
  return {x.dtype, out};
}

TensorType inferResize(const Node &node, const std::vector<TensorType> &in) {
  const TensorType &x = in[0];
  if (x.rank() != 3 && x.rank() != 4)
    throw Error("resize expects a rank-3 or rank-4 input, got " + x.str());
  int rank = x.rank() - 2;
  int given = (in.size() > 1) + node.attrs.has("size") + node.attrs.has("scale");
  if (given != 1) throw Error("resize needs exactly one of like=, size= and scale=");
  if (node.attrs.getString("mode") == "nearest" && node.attrs.getBool("align_corners"))
    throw Error("align_corners applies to bilinear resize only");
  Shape out = x.shape;
  for (int d = 0; d < rank; ++d) {
    int64_t extent;
    if (in.size() > 1) {
      if (in[1].rank() != x.rank())
        throw Error("resize like= a " + in[1].str() + " value, but the input is " + x.str());
      extent = in[1].shape[d + 2];
    } else if (node.attrs.has("size")) {
      extent = perDim(node.attrs.getInts("size"), rank, "size")[d];
    } else {
      std::vector<double> scale = node.attrs.getFloats("scale");
      if (scale.size() != 1 && scale.size() != static_cast<size_t>(rank))
        throw Error("scale has " + std::to_string(scale.size()) + " values; expected 1 or " +
                    std::to_string(rank));
      double s = scale.size() == 1 ? scale[0] : scale[d];
      if (!(s > 0) || s > 1e6) throw Error("scale must be positive and finite");
      extent = static_cast<int64_t>(static_cast<double>(x.shape[d + 2]) * s);
    }
    if (extent < 1) throw Error("resize to an empty extent " + std::to_string(extent));
    out[d + 2] = extent;
  }
  return {x.dtype, out};
}

TensorType inferReshape(const Node &node, const TensorType &x) {
  std::vector<int64_t> target = node.attrs.getInts("shape");
  Shape out(target.size());
  int inferred = -1;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i];
    if (d == -1) {
      if (inferred >= 0) throw Error("reshape: more than one -1 in shape");
      inferred = static_cast<int>(i);
      continue;
    }
    if (d == 0) {
      if (i >= x.shape.size())
        throw Error("reshape: 0 at position " + std::to_string(i) + " but the input has rank " +
                    std::to_string(x.rank()));
      d = x.shape[i];
    }
    if (d < 1) throw Error("reshape: dimension " + std::to_string(d) + " is invalid");
    out[i] = d;
    known = numElements({known, d});
  }
  int64_t total = numElements(x.shape);
  if (inferred >= 0) {
    if (total % known != 0)
      throw Error("reshape of " + x.str() + " to " + shapeStr(target) + ": sizes do not divide");
    out[inferred] = total / known;
  } else if (known != total) {
    throw Error("reshape of " + x.str() + " (" + std::to_string(total) + " elements) to " +
                shapeStr(target) + " (" + std::to_string(known) + " elements)");
  }
  return {x.dtype, out};
}

TensorType inferFlatten(const Node &node, const TensorType &x) {
  int64_t axis = node.attrs.getInt("axis");
  if (axis < -x.rank() || axis > x.rank())
    throw Error("flatten axis " + std::to_string(axis) + " is out of range for " + x.str());
  if (axis < 0) axis += x.rank();
  Shape head(x.shape.begin(), x.shape.begin() + axis), tail(x.shape.begin() + axis, x.shape.end());
  return {x.dtype, {numElements(head), numElements(tail)}};
}

void checkArity(const OpInfo &info, size_t n) {
  size_t lo = static_cast<size_t>(info.minInputs);
  size_t hi = info.maxInputs < 0 ? SIZE_MAX : info.maxInputs + info.keywordInputs.size();
  if (n < lo || n > hi) {
    std::string want = info.maxInputs < 0 ? "at least " + std::to_string(lo)
                       : lo == static_cast<size_t>(info.maxInputs)
                           ? std::to_string(lo)
                           : std::to_string(lo) + " to " + std::to_string(hi);
    throw Error(info.name + " takes " + want + (want == "1" ? " input" : " inputs") + ", got " +
                std::to_string(n));
  }
}

} // namespace

void normalizeAttrs(OpKind op, Attrs &attrs) {
  const OpInfo &info = opInfo(op);
  Attrs out;
  for (const auto &[name, value] : attrs.all()) {
    const AttrSpec *spec = info.findAttr(name);
    if (!spec) {
      std::vector<std::string> names;
      for (const AttrSpec &s : info.attrs)
        names.push_back(s.name);
      throw Error("unknown attribute '" + name + "' for " + info.name +
                  (names.empty() ? " (it takes none)" : " (valid: " + joined(names) + ")"));
    }
    AttrValue v = value;
    if (!convertAttr(*spec, v))
      throw Error("attribute '" + name + "' of " + info.name + " expects " +
                  attrTypeName(spec->type) + ", got " + attrValueStr(value));
    out.set(name, std::move(v));
  }
  for (const AttrSpec &spec : info.attrs) {
    if (out.has(spec.name)) continue;
    if (spec.required) throw Error(info.name + " needs the attribute '" + spec.name + "'");
    if (spec.defaultValue) out.set(spec.name, *spec.defaultValue);
  }
  attrs = std::move(out);
}

// Applies the epilogue (residual, gated halving) to an accumulator type.
TensorType withEpilogue(const Node &node, TensorType z, const std::vector<TensorType> &in) {
  if (in.size() == 2) {
    TensorType sum = inferBroadcast(opInfo(node.op).name + " residual", z, in[1]);
    if (sum != z)
      throw Error("residual " + in[1].str() + " does not broadcast to the output " + z.str());
  }
  if (node.attrs.has("act") && node.attrs.getString("act") == "gated") {
    if (z.shape[1] % 2 != 0)
      throw Error("act=gated needs an even number of channels, got " + std::to_string(z.shape[1]));
    z.shape[1] /= 2;
  }
  return z;
}

TensorType inferInterleave(const Node &node, const std::vector<TensorType> &in) {
  const TensorType &x = in[0];
  expectMinRank("interleave", x, 3);
  int rank = x.rank() - 2;
  std::vector<int64_t> stride = perDim(node.attrs.getInts("stride"), rank, "stride");
  std::vector<int64_t> size = perDim(node.attrs.getInts("size"), rank, "size");
  int64_t phases = 1;
  for (int d = 0; d < rank; ++d) {
    if (stride[d] < 1 || stride[d] > 64) throw Error("interleave stride must be in 1..64");
    if (size[d] < 1) throw Error("interleave size must be positive");
    phases *= stride[d];
  }
  if (static_cast<int64_t>(in.size()) != phases)
    throw Error("interleave with stride " + shapeStr(stride) + " takes " + std::to_string(phases) +
                " inputs, got " + std::to_string(in.size()));
  for (int64_t p = 0; p < phases; ++p) {
    const TensorType &t = in[static_cast<size_t>(p)];
    if (t.rank() != x.rank() || t.shape[0] != x.shape[0] || t.shape[1] != x.shape[1])
      throw Error("interleave phase " + std::to_string(p) + " is " + t.str() + ", unlike " +
                  x.str());
    int64_t rest = p;
    for (int d = rank - 1; d >= 0; --d) {
      int64_t offset = rest % stride[d];
      rest /= stride[d];
      int64_t need = (size[d] - offset + stride[d] - 1) / stride[d];
      if (t.shape[2 + d] < need)
        throw Error("interleave phase " + std::to_string(p) + " has extent " +
                    std::to_string(t.shape[2 + d]) + " in spatial dim " + std::to_string(d) +
                    ", needs " + std::to_string(need));
    }
  }
  Shape out = {x.shape[0], x.shape[1]};
  out.insert(out.end(), size.begin(), size.end());
  return {x.dtype, out};
}

TensorType inferType(const Node &node, const std::vector<TensorType> &in) {
  const OpInfo &info = opInfo(node.op);
  if (node.op == OpKind::Input) return node.type;
  checkArity(info, in.size());
  bool anyDType = node.op == OpKind::Concat || node.op == OpKind::Slice ||
                  node.op == OpKind::Copy || node.op == OpKind::Reshape ||
                  node.op == OpKind::Flatten;
  for (const TensorType &t : in) {
    if (!anyDType && t.dtype != DType::F32)
      throw Error(info.name + " expects f32 inputs, got " + t.str());
    if (t.rank() == 0) throw Error(info.name + " got a scalar input");
  }
  const TensorType &x = in[0];
  switch (node.op) {
  case OpKind::Input: // returned above; listed so the switch stays exhaustive
    return node.type;
  case OpKind::Conv1d:
  case OpKind::Conv2d:
  case OpKind::ConvTranspose1d:
  case OpKind::ConvTranspose2d:
    return withEpilogue(node, inferWindowed(node, x), in);
  case OpKind::MaxPool1d:
  case OpKind::MaxPool2d:
  case OpKind::AvgPool1d:
  case OpKind::AvgPool2d:
    return inferWindowed(node, x);
  case OpKind::BatchNorm:
  case OpKind::Bias:
    expectMinRank(info.name, x, 2);
    return x;
  case OpKind::LeakyRelu:
  case OpKind::Relu:
  case OpKind::Relu6:
  case OpKind::Sigmoid:
  case OpKind::Tanh:
    return x;
  case OpKind::Softmax:
    normalizeAxis(node.attrs.getInt("axis"), x.rank(), "axis");
    return x;
  case OpKind::Add:
  case OpKind::Mul:
    return inferBroadcast(info.name, in[0], in[1]);
  case OpKind::Concat:
    return inferConcat(node, in);
  case OpKind::Slice:
    return inferSlice(node, x);
  case OpKind::Copy:
    return x;
  case OpKind::Pad:
    return inferPad(node, x);
  case OpKind::GlobalAvgPool:
  case OpKind::GlobalMaxPool: {
    expectMinRank(info.name, x, 3);
    Shape out = x.shape;
    std::fill(out.begin() + 2, out.end(), 1);
    return {x.dtype, out};
  }
  case OpKind::Resize:
    return inferResize(node, in);
  case OpKind::ArgMax: {
    int64_t axis = normalizeAxis(node.attrs.getInt("axis"), x.rank(), "axis");
    Shape out = x.shape;
    if (node.attrs.getBool("keepdims"))
      out[axis] = 1;
    else
      out.erase(out.begin() + axis);
    if (out.empty()) throw Error("argmax of " + x.str() + " without keepdims leaves a scalar");
    return {DType::I32, out};
  }
  case OpKind::Reshape:
    return inferReshape(node, x);
  case OpKind::Flatten:
    return inferFlatten(node, x);
  case OpKind::Linear:
    expectRank(info.name, x, 2);
    return withEpilogue(node, {x.dtype, {x.shape[0], positiveInt(node.attrs, "out")}}, in);
  case OpKind::Interleave:
    return inferInterleave(node, in);
  case OpKind::WinogradConv2d:
  case OpKind::WinogradConv1d:
    return withEpilogue(node, inferWinograd(node, x), in);
  case OpKind::ResizeArgMax: {
    TensorType resized = inferResize(node, in);
    if (node.attrs.getBool("keepdims"))
      resized.shape[1] = 1;
    else
      resized.shape.erase(resized.shape.begin() + 1);
    return {DType::I32, resized.shape};
  }
  }
  throw Error("no shape rule for " + info.name);
}

} // namespace atrous
