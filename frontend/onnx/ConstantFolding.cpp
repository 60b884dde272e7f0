// Constant folding at import: the Shape -> Gather -> Unsqueeze -> Concat ->
// Cast -> Mul -> Floor chains exporters emit to compute sizes, Constant
// nodes, and arithmetic on initializers are evaluated here, so converters
// see their results as plain constants (a Resize's sizes, a Reshape's
// target). Shape and Size fold whatever their input is, because every IR
// value has a static shape; any other op folds when all its inputs are
// constants. Arithmetic follows ONNX's types: float32 results round to
// float32, integer division truncates, Cast truncates toward zero.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>

#include "frontend/onnx/Importer.h"
#include "frontend/onnx/OpArgs.h"
#include "ir/Error.h"

namespace atrous::onnx_import {

namespace {

using Folder = std::function<void(Importer &)>;

HostTensor constantValue(Importer &im) {
  if (im.attr("value")) return im.attrTensor("value");
  if (im.attr("value_float")) return makeFloats({}, {im.attrFloat("value_float", 0)});
  if (im.attr("value_int")) return makeInts({}, {im.attrInt("value_int", 0)});
  if (im.attr("value_floats")) {
    std::vector<float> v = im.attrFloats("value_floats");
    return makeFloats({static_cast<int64_t>(v.size())}, std::vector<double>(v.begin(), v.end()));
  }
  if (im.attr("value_ints")) {
    std::vector<int64_t> v = im.attrInts("value_ints");
    return makeInts({static_cast<int64_t>(v.size())}, v);
  }
  im.fail("only numeric tensor values are supported (not strings or sparse tensors)");
}

HostTensor shapeOf(Importer &im) {
  Shape s = im.shape(0);
  const int64_t rank = static_cast<int64_t>(s.size());
  int64_t start = im.attrInt("start", 0), end = im.attrInt("end", rank);
  auto clampAxis = [&](int64_t a) { return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank); };
  start = clampAxis(start);
  end = clampAxis(end);
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back(s[static_cast<size_t>(d)]);
  return makeInts({static_cast<int64_t>(dims.size())}, dims);
}

// A computed value as an integer; an error when it has none (infinite, NaN,
// out of range), as integer arithmetic in ONNX never produces those.
int64_t toInt(double v) {
  if (!(std::fabs(v) < 9.2e18)) throw Error("integer arithmetic gives " + std::to_string(v));
  return static_cast<int64_t>(v);
}

// Elementwise over NumPy-broadcast operands.
HostTensor broadcastMap(const std::vector<const HostTensor *> &in, ElemType outType,
                        const std::function<double(const std::vector<double> &)> &onFloats,
                        const std::function<int64_t(const std::vector<int64_t> &)> &onInts,
                        bool useFloats) {
  Shape shape;
  for (const HostTensor *t : in)
    shape = broadcastShapes(shape, t->shape);
  std::vector<HostTensor> full;
  for (const HostTensor *t : in)
    full.push_back(expanded(*t, shape));
  HostTensor out = filled(outType, shape, 0);
  const size_t n = static_cast<size_t>(out.numel());
  std::vector<double> fargs(in.size());
  std::vector<int64_t> iargs(in.size());
  for (size_t k = 0; k < n; ++k) {
    if (!useFloats) {
      for (size_t a = 0; a < in.size(); ++a)
        iargs[a] = full[a].i[k];
      int64_t v = onInts(iargs);
      if (out.isFloat())
        out.f[k] = roundTo(outType, static_cast<double>(v));
      else
        out.i[k] = wrapTo(outType, v);
      continue;
    }
    for (size_t a = 0; a < in.size(); ++a)
      fargs[a] = full[a].value(static_cast<int64_t>(k));
    double r = onFloats(fargs);
    if (out.isFloat())
      out.f[k] = roundTo(outType, r);
    else
      out.i[k] = wrapTo(outType, toInt(r));
  }
  return out;
}

std::vector<const HostTensor *> constInputs(Importer &im) {
  std::vector<const HostTensor *> in;
  for (int k = 0; k < im.inputCount(); ++k)
    in.push_back(&im.constant(k, "input " + std::to_string(k)));
  return in;
}

// ONNX requires the operands of arithmetic to share one element type.
void requireSameType(Importer &im, const std::vector<const HostTensor *> &in, size_t from = 0) {
  for (size_t k = from + 1; k < in.size(); ++k)
    if (in[k]->type != in[from]->type)
      im.fail("inputs of types " + elemTypeName(in[from]->type) + " and " +
              elemTypeName(in[k]->type) + " (they must match)");
}

// Arithmetic on inputs of the same type, giving that type.
Folder arithmetic(std::function<double(double, double)> f,
                  std::function<int64_t(int64_t, int64_t)> g) {
  return [f, g](Importer &im) {
    std::vector<const HostTensor *> in = constInputs(im);
    requireSameType(im, in);
    const HostTensor &a = *in[0];
    bool floats = a.isFloat();
    im.setConstant(0, broadcastMap(
                          in, a.type, [&](const std::vector<double> &v) { return f(v[0], v[1]); },
                          [&](const std::vector<int64_t> &v) { return g(v[0], v[1]); }, floats));
  };
}

Folder comparison(std::function<bool(double, double)> f) {
  return [f](Importer &im) {
    std::vector<const HostTensor *> in = constInputs(im);
    im.setConstant(0, broadcastMap(
                          in, ElemType::Bool,
                          [&](const std::vector<double> &v) { return f(v[0], v[1]) ? 1.0 : 0.0; },
                          {}, true));
  };
}

Folder unary(std::function<double(double)> f) {
  return [f](Importer &im) {
    const HostTensor &a = im.constant(0, "input");
    im.setConstant(
        0, broadcastMap(
               {&a}, a.type, [&](const std::vector<double> &v) { return f(v[0]); },
               [&](const std::vector<int64_t> &v) { return toInt(f(static_cast<double>(v[0]))); },
               a.isFloat()));
  };
}

// Min / Max over any number of inputs.
Folder extremum(bool isMax) {
  return [isMax](Importer &im) {
    std::vector<const HostTensor *> in = constInputs(im);
    requireSameType(im, in);
    auto pick = [&](auto &v) {
      auto best = v[0];
      for (auto x : v)
        best = isMax ? std::max(best, x) : std::min(best, x);
      return best;
    };
    im.setConstant(0,
                   broadcastMap(
                       in, in[0]->type, [&](const std::vector<double> &v) { return pick(v); },
                       [&](const std::vector<int64_t> &v) { return pick(v); }, in[0]->isFloat()));
  };
}

Folder reduce(const std::string &kind) {
  return [kind](Importer &im) {
    const HostTensor &x = im.constant(0, "input");
    std::vector<int> axes = reduceAxes(im, x.rank());
    const bool keep = im.attrInt("keepdims", 1) != 0;
    Shape shape = x.shape;
    for (int a : axes)
      shape[a] = 1;
    HostTensor acc = filled(ElemType::Double, shape, 0);
    std::vector<int64_t> count(static_cast<size_t>(acc.numel()), 0);
    std::vector<int64_t> outStrides = stridesOf(shape);
    std::vector<int64_t> at(x.shape.size(), 0);
    for (int64_t k = 0; k < x.numel(); ++k) {
      int64_t o = 0;
      for (size_t d = 0; d < at.size(); ++d)
        o += (shape[d] == 1 ? 0 : at[d]) * outStrides[d];
      double v = x.value(k), &r = acc.f[o];
      if (count[o]++ == 0)
        r = v;
      else if (kind == "ReduceSum" || kind == "ReduceMean")
        r += v;
      else if (kind == "ReduceProd")
        r *= v;
      else if (kind == "ReduceMax")
        r = std::max(r, v);
      else
        r = std::min(r, v);
      for (int d = static_cast<int>(at.size()) - 1; d >= 0; --d) {
        if (++at[d] < x.shape[d]) break;
        at[d] = 0;
      }
    }
    if (kind == "ReduceMean")
      for (size_t k = 0; k < acc.f.size(); ++k)
        acc.f[k] /= static_cast<double>(std::max<int64_t>(1, count[k]));
    if (!keep) {
      Shape kept;
      for (size_t d = 0; d < shape.size(); ++d)
        if (std::find(axes.begin(), axes.end(), static_cast<int>(d)) == axes.end())
          kept.push_back(shape[d]);
      acc.shape = kept;
    }
    im.setConstant(0, castTo(acc, x.type));
  };
}

double pythonMod(double a, double b) {
  double r = std::fmod(a, b);
  return r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
}

const std::map<std::string, Folder> &folders() {
  static const std::map<std::string, Folder> table = {
    {"Identity", [](Importer &im) { im.setConstant(0, im.constant(0, "input")); }},
    {"Dropout", [](Importer &im) { im.setConstant(0, im.constant(0, "input")); }},
    {"ConstantOfShape",
     [](Importer &im) {
       Shape shape = im.constant(0, "shape").ints();
       HostTensor value = im.attr("value") ? im.attrTensor("value") : makeFloats({1}, {0.0});
       if (value.numel() != 1) im.fail("value must hold one element");
       im.setConstant(0, filled(value.type, shape, value.value(0)));
     }},
    {"Range",
     [](Importer &im) {
       const HostTensor &start = im.constant(0, "start");
       double s = start.value(0), limit = im.constant(1, "limit").value(0),
              delta = im.constant(2, "delta").value(0);
       if (delta == 0) im.fail("delta must not be 0");
       double n = std::max(std::ceil((limit - s) / delta), 0.0);
       if (!(n <= static_cast<double>(kMaxHostElements))) im.fail("the range is too long");
       HostTensor out = filled(start.type, {static_cast<int64_t>(n)}, 0);
       for (int64_t k = 0; k < static_cast<int64_t>(n); ++k) {
         double v = s + static_cast<double>(k) * delta;
         if (out.isFloat())
           out.f[k] = roundTo(out.type, v);
         else
           out.i[k] = toInt(v);
       }
       im.setConstant(0, out);
     }},
    {"Cast",
     [](Importer &im) {
       auto to = static_cast<ElemType>(im.attrInt("to", 1));
       if (!isSupportedElemType(to)) im.unsupportedAttr("to", elemTypeName(to));
       im.setConstant(0, castTo(im.constant(0, "input"), to));
     }},
    {"Gather",
     [](Importer &im) {
       im.setConstant(0, gathered(im.constant(0, "data"), im.constant(1, "indices"),
                                  im.attrInt("axis", 0)));
     }},
      {"Unsqueeze",
       [](Importer &im) {
         const HostTensor &x = im.constant(0, "input");
         im.setConstant(0, reshaped(x, unsqueezedShape(im, x.shape)));
       }},
      {"Squeeze",
       [](Importer &im) {
         const HostTensor &x = im.constant(0, "input");
         im.setConstant(0, reshaped(x, squeezedShape(im, x.shape)));
       }},
      {"Reshape",
       [](Importer &im) {
         const HostTensor &x = im.constant(0, "data");
         im.setConstant(0, reshaped(x, reshapeTarget(im, x.shape)));
       }},
      {"Flatten",
       [](Importer &im) {
         const HostTensor &x = im.constant(0, "input");
         int64_t axis = im.attrInt("axis", 1), r = x.rank();
         if (axis < -r || axis > r) im.fail("axis " + std::to_string(axis) + " is out of range");
         if (axis < 0) axis += r;
         int64_t head = 1;
         for (int64_t d = 0; d < axis; ++d)
           head *= x.shape[d];
         im.setConstant(0, reshaped(x, {head, head ? x.numel() / head : 0}));
       }},
      {"Concat",
       [](Importer &im) {
         std::vector<HostTensor> parts;
         for (int k = 0; k < im.inputCount(); ++k)
           parts.push_back(im.constant(k, "input " + std::to_string(k)));
         im.setConstant(0, concatenated(parts, im.attrInt("axis", 0)));
       }},
      {"Slice",
       [](Importer &im) {
         const HostTensor &x = im.constant(0, "data");
         SliceArgs a = sliceArgs(im, x.rank());
         im.setConstant(0, sliced(x, a.starts, a.ends, a.axes, a.steps));
       }},
      {"Split",
       [](Importer &im) {
         const HostTensor &x = im.constant(0, "input");
         int axis = normAxis(im.attrInt("axis", 0), x.rank(), "axis");
         std::vector<int64_t> sizes = splitSizes(im, x.shape, axis);
         int64_t at = 0;
         for (size_t k = 0; k < sizes.size(); ++k) {
           im.setConstant(static_cast<int>(k), sliced(x, {at}, {at + sizes[k]}, {axis}, {1}));
           at += sizes[k];
         }
       }},
      {"Transpose",
       [](Importer &im) {
         const HostTensor &x = im.constant(0, "data");
         std::vector<int64_t> perm = im.attrInts("perm");
         if (perm.empty())
           for (int d = x.rank() - 1; d >= 0; --d)
             perm.push_back(d);
         im.setConstant(0, transposed(x, perm));
       }},
      {"Expand",
       [](Importer &im) {
         im.setConstant(0, expanded(im.constant(0, "input"), im.constant(1, "shape").ints()));
       }},
      {"Tile",
       [](Importer &im) {
         im.setConstant(0, tiled(im.constant(0, "input"), im.constant(1, "repeats").ints()));
       }},
      {"Pad",
       [](Importer &im) {
         const HostTensor &x = im.constant(0, "data");
         PadArgs a = padArgs(im, x.rank());
         im.setConstant(0, padded(x, a.pads, a.mode, a.value));
       }},
      {"Where",
       [](Importer &im) {
         std::vector<const HostTensor *> in = constInputs(im);
         if (in.size() != 3) im.fail("Where takes 3 inputs");
         requireSameType(im, in, 1);
         const HostTensor &x = *in[1];
         im.setConstant(0, broadcastMap(
                               in, x.type,
                               [](const std::vector<double> &v) { return v[0] != 0 ? v[1] : v[2]; },
                               [](const std::vector<int64_t> &v) { return v[0] != 0 ? v[1] : v[2]; },
                               x.isFloat()));
       }},
      // Integer arithmetic wraps, as in the runtimes (and never traps here).
      {"Add", arithmetic([](double a, double b) { return a + b; },
                         [](int64_t a, int64_t b) {
                           return static_cast<int64_t>(static_cast<uint64_t>(a) +
                                                       static_cast<uint64_t>(b));
                         })},
      {"Sub", arithmetic([](double a, double b) { return a - b; },
                         [](int64_t a, int64_t b) {
                           return static_cast<int64_t>(static_cast<uint64_t>(a) -
                                                       static_cast<uint64_t>(b));
                         })},
      {"Mul", arithmetic([](double a, double b) { return a * b; },
                         [](int64_t a, int64_t b) {
                           return static_cast<int64_t>(static_cast<uint64_t>(a) *
                                                       static_cast<uint64_t>(b));
                         })},
      {"Div", arithmetic([](double a, double b) { return a / b; },
                         [](int64_t a, int64_t b) {
                           if (b == 0) throw Error("integer division by zero");
                           if (b == -1) return static_cast<int64_t>(0 - static_cast<uint64_t>(a));
                           return a / b;
                         })},
      {"Pow", arithmetic([](double a, double b) { return std::pow(a, b); },
                         [](int64_t a, int64_t b) {
                           return toInt(std::pow(static_cast<double>(a), static_cast<double>(b)));
                         })},
      {"Mod",
       [](Importer &im) {
         bool cmod = im.attrInt("fmod", 0) != 0;
         arithmetic([cmod](double a, double b) { return cmod ? std::fmod(a, b) : pythonMod(a, b); },
                    [cmod](int64_t a, int64_t b) {
                      if (b == 0) throw Error("integer modulo by zero");
                      int64_t r = b == -1 ? 0 : a % b;
                      return !cmod && r != 0 && ((r < 0) != (b < 0)) ? r + b : r;
                    })(im);
       }},
      {"Min", extremum(false)},
      {"Max", extremum(true)},
      {"Equal", comparison([](double a, double b) { return a == b; })},
      {"Less", comparison([](double a, double b) { return a < b; })},
      {"LessOrEqual", comparison([](double a, double b) { return a <= b; })},
      {"Greater", comparison([](double a, double b) { return a > b; })},
      {"GreaterOrEqual", comparison([](double a, double b) { return a >= b; })},
      {"And", comparison([](double a, double b) { return a != 0 && b != 0; })},
      {"Or", comparison([](double a, double b) { return a != 0 || b != 0; })},
      {"Xor", comparison([](double a, double b) { return (a != 0) != (b != 0); })},
      {"Not", [](Importer &im) {
         const HostTensor &a = im.constant(0, "input");
         im.setConstant(0, broadcastMap(
                               {&a}, ElemType::Bool,
                               [](const std::vector<double> &v) { return v[0] == 0 ? 1.0 : 0.0; },
                               {}, true));
       }},
      {"Neg", unary([](double v) { return -v; })},
      {"Abs", unary([](double v) { return std::fabs(v); })},
      {"Floor", unary([](double v) { return std::floor(v); })},
      {"Ceil", unary([](double v) { return std::ceil(v); })},
      {"Round", unary([](double v) { return std::nearbyint(v); })},
      {"Sqrt", unary([](double v) { return std::sqrt(v); })},
      {"Reciprocal", unary([](double v) { return 1.0 / v; })},
      {"Exp", unary([](double v) { return std::exp(v); })},
      {"Log", unary([](double v) { return std::log(v); })},
      {"Relu", unary([](double v) { return v > 0 ? v : 0.0; })},
      {"Sigmoid", unary([](double v) { return 1.0 / (1.0 + std::exp(-v)); })},
      {"Tanh", unary([](double v) { return std::tanh(v); })},
      {"Sign", unary([](double v) { return static_cast<double>((v > 0) - (v < 0)); })},
      {"ReduceProd", reduce("ReduceProd")},
      {"ReduceSum", reduce("ReduceSum")},
      {"ReduceMean", reduce("ReduceMean")},
      {"ReduceMin", reduce("ReduceMin")},
      {"ReduceMax", reduce("ReduceMax")},
      {"Clip",
       [](Importer &im) {
         ClipBounds b = clipBounds(im);
         double lo = b.min.value_or(-std::numeric_limits<double>::infinity());
         double hi = b.max.value_or(std::numeric_limits<double>::infinity());
         unary([lo, hi](double v) { return std::min(std::max(v, lo), hi); })(im);
       }},
  };
  return table;
}

} // namespace

std::vector<std::string> foldableOps() {
  std::vector<std::string> ops = {"Constant", "Shape", "Size"};
  for (const auto &[name, folder] : folders())
    ops.push_back(name);
  return ops;
}

bool foldNode(Importer &im) {
  const std::string &op = im.op();
  if (op == "Constant") {
    im.setConstant(0, constantValue(im));
    return true;
  }
  if (op == "Shape") {
    im.setConstant(0, shapeOf(im));
    return true;
  }
  if (op == "Size") {
    im.setConstant(0, makeInts({}, {numElements(im.shape(0))}));
    return true;
  }
  for (int k = 0; k < im.inputCount(); ++k)
    if (im.hasInput(k) && !im.isConstant(k)) return false;
  auto it = folders().find(op);
  if (it == folders().end() || im.inputCount() == 0) return false;
  try {
    it->second(im);
  } catch (const SourceError &) {
    throw;
  } catch (const Error &e) {
    im.fail(e.what());
  }
  return true;
}

} // namespace atrous::onnx_import
