// Resize (opsets 10 to 17) and Upsample (opsets 7 to 9), nearest and linear,
// on NCW and NCHW tensors, by sizes or scales.
//
// Nearest: for every resized dim the source index ONNX picks for each output
// position is computed as ONNX Runtime computes it (float32 arithmetic, the
// coordinate transformation mode, then the nearest mode) and compared with
// what atrous can pick: its own nearest resize (floor(dst * in/out), as
// PyTorch), or a strided slice (a downsampling that keeps every k-th pixel
// from an offset). A dim whose index map is neither is refused, naming the
// modes, the extents and the first differing position: nothing is
// approximated.
//
// Linear: align_corners and half_pixel are atrous's bilinear modes;
// pytorch_half_pixel is half_pixel except that an output extent of 1 reads
// position 0 (a slice); asymmetric (src = dst * in/out) is align_corners on
// the input extended by one edge pixel, resized to one more pixel and
// cropped back. Scales that are not out/in (the extent was rounded) change
// ONNX's coordinates and are refused. Coordinates differ from ONNX Runtime's
// only by float rounding of the same formula.
#include <cmath>

#include "frontend/onnx/Importer.h"

namespace atrous::onnx_import {

namespace {

enum class Coord { HalfPixel, PytorchHalfPixel, AlignCorners, Asymmetric, TfHalfPixelForNn };
enum class Nearest { Simple, RoundPreferFloor, RoundPreferCeil, Floor, Ceil };

struct ResizeSpec {
  bool linear = false;
  Coord coord = Coord::Asymmetric;
  Nearest nearest = Nearest::Simple;
  std::string coordName = "asymmetric", nearestName = "simple";
  Shape out;                // every dim
  std::vector<float> scale; // every dim, as ONNX Runtime uses it
  bool scalesGiven = false;
};

Coord parseCoord(const Importer &im, const std::string &name) {
  if (name == "half_pixel") return Coord::HalfPixel;
  if (name == "pytorch_half_pixel") return Coord::PytorchHalfPixel;
  if (name == "align_corners") return Coord::AlignCorners;
  if (name == "asymmetric") return Coord::Asymmetric;
  if (name == "tf_half_pixel_for_nn") return Coord::TfHalfPixelForNn;
  im.unsupportedAttr("coordinate_transformation_mode", name,
                     name == "tf_crop_and_resize" ? "cropping to a region of interest is not "
                                                    "supported"
                                                  : "");
}

Nearest parseNearest(const Importer &im, const std::string &name) {
  if (name == "round_prefer_floor") return Nearest::RoundPreferFloor;
  if (name == "round_prefer_ceil") return Nearest::RoundPreferCeil;
  if (name == "floor") return Nearest::Floor;
  if (name == "ceil") return Nearest::Ceil;
  im.unsupportedAttr("nearest_mode", name);
}

// ONNX's source coordinate of output position x, in float32 as ONNX
// Runtime evaluates it.
float sourceCoord(Coord c, float x, float scale, float outLen, float inLen) {
  switch (c) {
  case Coord::Asymmetric:
    return x / scale;
  case Coord::PytorchHalfPixel:
    return outLen > 1 ? (x + 0.5f) / scale - 0.5f : 0.0f;
  case Coord::TfHalfPixelForNn:
    return (x + 0.5f) / scale;
  case Coord::AlignCorners:
    return outLen == 1 ? 0.0f : x * (inLen - 1) / (outLen - 1);
  case Coord::HalfPixel:
    break;
  }
  return ((x + 0.5f) / scale) - 0.5f;
}

int64_t nearestIndex(Nearest n, float x, bool down) {
  switch (n) {
  case Nearest::Simple:
    return down ? static_cast<int64_t>(std::ceil(x)) : static_cast<int64_t>(x);
  case Nearest::RoundPreferCeil:
    return static_cast<int64_t>(std::round(x));
  case Nearest::Floor:
    return static_cast<int64_t>(std::floor(x));
  case Nearest::Ceil:
    return static_cast<int64_t>(std::ceil(x));
  case Nearest::RoundPreferFloor:
    break;
  }
  if (x == static_cast<float>(static_cast<int64_t>(x)) + 0.5f)
    return static_cast<int64_t>(std::floor(x));
  return static_cast<int64_t>(std::round(x));
}

std::vector<int64_t> onnxNearestMap(const ResizeSpec &s, int64_t in, int64_t out, float scale) {
  std::vector<int64_t> map(static_cast<size_t>(out));
  for (int64_t x = 0; x < out; ++x) {
    float src = sourceCoord(s.coord, static_cast<float>(x), scale, static_cast<float>(out),
                            static_cast<float>(in));
    map[static_cast<size_t>(x)] =
        std::clamp<int64_t>(nearestIndex(s.nearest, src, scale < 1.0f), 0, in - 1);
  }
  return map;
}

// atrous's nearest (docs/ops.md): floor(dst * (float)in / out), clamped.
std::vector<int64_t> atrousNearestMap(int64_t in, int64_t out) {
  const float ratio = static_cast<float>(in) / static_cast<float>(out);
  std::vector<int64_t> map(static_cast<size_t>(out));
  for (int64_t x = 0; x < out; ++x)
    map[static_cast<size_t>(x)] =
        std::min(static_cast<int64_t>(std::floor(static_cast<float>(x) * ratio)), in - 1);
  return map;
}

// The strided slice start + x * step that picks `map`, if there is one.
bool stridedSlice(const std::vector<int64_t> &map, int64_t &start, int64_t &step) {
  start = map[0];
  step = map.size() > 1 ? map[1] - map[0] : 1;
  if (step < 1) return false;
  for (size_t x = 0; x < map.size(); ++x)
    if (map[x] != start + static_cast<int64_t>(x) * step) return false;
  return true;
}

std::string listStr(const std::vector<int64_t> &v, size_t limit = 12) {
  std::string s = "[";
  for (size_t k = 0; k < v.size() && k < limit; ++k)
    s += (k ? ", " : "") + std::to_string(v[k]);
  return s + (v.size() > limit ? ", ...]" : "]");
}

ValueId slice(Importer &im, ValueId x, int axis, int64_t start, int64_t end, int64_t step,
              const std::string &role) {
  Attrs a;
  a.set("axis", int64_t{axis});
  a.set("start", start);
  a.set("end", end);
  a.set("step", step);
  return im.emit(OpKind::Slice, {x}, a, role);
}

ValueId resize(Importer &im, ValueId x, const Shape &size, const std::string &mode,
               bool alignCorners, const std::string &role) {
  Attrs a;
  a.set("size", std::vector<int64_t>(size.begin(), size.end()));
  a.set("mode", mode);
  a.set("align_corners", alignCorners);
  return im.emit(OpKind::Resize, {x}, a, role);
}

void convertNearest(Importer &im, ValueId x, const ResizeSpec &s) {
  const Shape xs = im.typeOf(x).shape;
  Shape size(xs.begin() + 2, xs.end());
  bool needResize = false;
  for (size_t d = 2; d < xs.size(); ++d) {
    const int64_t in = xs[d], out = s.out[d];
    std::vector<int64_t> want = onnxNearestMap(s, in, out, s.scale[d]);
    std::vector<int64_t> atrous = atrousNearestMap(in, out);
    int64_t start, step;
    if (want == atrous) {
      needResize = needResize || in != out;
      size[d - 2] = out;
    } else if (stridedSlice(want, start, step)) {
      x = slice(im, x, static_cast<int>(d), start, start + (out - 1) * step + 1, step,
                "slice" + std::to_string(d));
      size[d - 2] = out;
    } else {
      size_t at = 0;
      while (want[at] == atrous[at])
        ++at;
      im.fail("nearest resize of dim " + std::to_string(d) + " from " + std::to_string(in) +
              " to " + std::to_string(out) + " with coordinate_transformation_mode=" + s.coordName +
              " and nearest_mode=" + s.nearestName + " reads source pixels " + listStr(want) +
              "; atrous's nearest resize reads " + listStr(atrous) +
              " (first difference at output " + std::to_string(at) +
              ") and no slice picks them, so this resize cannot be represented exactly");
    }
  }
  if (needResize) x = resize(im, x, size, "nearest", false, "");
  im.setRuntime(0, x);
}

void convertLinear(Importer &im, ValueId x, const ResizeSpec &s) {
  const Shape xs = im.typeOf(x).shape;
  const size_t rank = xs.size();
  if (s.coord == Coord::TfHalfPixelForNn)
    im.unsupportedAttr("coordinate_transformation_mode", s.coordName,
                       "it is meant for nearest resizing");
  for (size_t d = 2; d < rank; ++d) {
    const float exact = static_cast<float>(s.out[d]) / static_cast<float>(xs[d]);
    if (s.scalesGiven && s.coord != Coord::AlignCorners && s.scale[d] != exact)
      im.fail("linear resize of dim " + std::to_string(d) + " by scale " +
              std::to_string(s.scale[d]) + " gives " + std::to_string(s.out[d]) + " from " +
              std::to_string(xs[d]) + " pixels, and ONNX maps coordinates by the scale, not by " +
              "the extents; atrous resizes by the extents (give sizes instead)");
  }
  Shape size(xs.begin() + 2, xs.end());
  bool resized = false;
  // pytorch_half_pixel reads position 0 for an output extent of 1.
  for (size_t d = 2; d < rank; ++d) {
    if (s.coord == Coord::PytorchHalfPixel && s.out[d] == 1 && xs[d] > 1) {
      x = slice(im, x, static_cast<int>(d), 0, 1, 1, "first" + std::to_string(d));
      size[d - 2] = 1;
      continue;
    }
    resized = resized || s.out[d] != xs[d];
    size[d - 2] = s.out[d];
  }
  if (!resized) {
    im.setRuntime(0, x);
    return;
  }
  if (s.coord != Coord::Asymmetric) {
    im.setRuntime(0, resize(im, x, size, "bilinear", s.coord == Coord::AlignCorners, ""));
    return;
  }
  // asymmetric: src = dst * in / out, which is align_corners from in + 1 to
  // out + 1 pixels, the extra source pixel a copy of the last one.
  const Shape cur = im.typeOf(x).shape;
  std::vector<int64_t> begin(rank - 2, 0), end(rank - 2, 0);
  Shape wide = size;
  for (size_t d = 2; d < rank; ++d)
    if (size[d - 2] != cur[d]) {
      end[d - 2] = 1;
      wide[d - 2] = size[d - 2] + 1;
    }
  begin.insert(begin.end(), end.begin(), end.end());
  Attrs p;
  p.set("pad", begin);
  p.set("mode", std::string("edge"));
  ValueId padded = im.emit(OpKind::Pad, {x}, p, "extend");
  ValueId y = resize(im, padded, wide, "bilinear", true, "resize");
  for (size_t d = 2; d < rank; ++d)
    if (wide[d - 2] != size[d - 2]) {
      bool last = true;
      for (size_t e = d + 1; e < rank; ++e)
        last = last && wide[e - 2] == size[e - 2];
      y = slice(im, y, static_cast<int>(d), 0, size[d - 2], 1,
                last ? "" : "crop" + std::to_string(d));
    }
  im.setRuntime(0, y);
}

// Output extents and scales from sizes or scales (every dim; N and C kept).
void readExtents(Importer &im, const Shape &xs, const HostTensor *scales, const HostTensor *sizes,
                 ResizeSpec &s) {
  const size_t rank = xs.size();
  s.out = xs;
  s.scale.assign(rank, 1.0f);
  if (sizes) {
    std::vector<int64_t> v = sizes->ints();
    if (v.size() != rank)
      im.fail("sizes " + listStr(v) + " should have " + std::to_string(rank) + " values");
    for (size_t d = 0; d < rank; ++d) {
      if (v[d] < 1) im.fail("sizes " + listStr(v) + " must be positive");
      s.out[d] = v[d];
      s.scale[d] = static_cast<float>(v[d]) / static_cast<float>(xs[d]);
    }
  } else {
    std::vector<double> v = scales->doubles();
    if (v.size() != rank)
      im.fail("scales has " + std::to_string(v.size()) + " values; expected " +
              std::to_string(rank));
    s.scalesGiven = true;
    for (size_t d = 0; d < rank; ++d) {
      s.scale[d] = static_cast<float>(v[d]);
      if (!(s.scale[d] > 0)) im.fail("scales must be positive");
      const float extent = s.scale[d] * static_cast<float>(xs[d]);
      if (!(extent < 9e18f)) im.fail("scale " + std::to_string(v[d]) + " is too large");
      s.out[d] = static_cast<int64_t>(extent);
      if (s.out[d] < 1) im.fail("scale " + std::to_string(v[d]) + " leaves no pixel");
    }
  }
  for (size_t d = 2; d < rank; ++d)
    if (s.out[d] > kMaxHostElements)
      im.fail("resizes dim " + std::to_string(d) + " to " + std::to_string(s.out[d]) +
              " pixels, more than atrous supports");
  for (size_t d = 0; d < 2; ++d)
    if (s.out[d] != xs[d])
      im.fail("resizes the batch or channel dim (" + std::to_string(xs[d]) + " to " +
              std::to_string(s.out[d]) + "); atrous resizes spatial dims");
}

void convertResizeLike(Importer &im, bool isUpsample) {
  ValueId x = im.runtime(0);
  const Shape xs = im.typeOf(x).shape;
  if (xs.size() != 3 && xs.size() != 4)
    im.fail("the input " + shapeStr(xs) + " is not NCW or NCHW");
  ResizeSpec s;
  std::string mode = im.attrString("mode", "nearest");
  if (mode == "bilinear" && isUpsample) mode = "linear";
  if (mode != "nearest" && mode != "linear")
    im.unsupportedAttr("mode", mode, "atrous resizes with nearest or linear interpolation");
  s.linear = mode == "linear";
  if (!isUpsample && im.opset() >= 11) {
    s.coordName = im.attrString("coordinate_transformation_mode", "half_pixel");
    s.coord = parseCoord(im, s.coordName);
    if (!s.linear) {
      s.nearestName = im.attrString("nearest_mode", "round_prefer_floor");
      s.nearest = parseNearest(im, s.nearestName);
    }
    if (im.attrInt("exclude_outside", 0) != 0)
      im.unsupportedAttr("exclude_outside", "1", "it applies to cubic resizing");
  }
  HostTensor attrScales;
  const HostTensor *scales = nullptr, *sizes = nullptr;
  if (isUpsample && im.opset() < 9) {
    std::vector<float> v = im.attrFloats("scales");
    attrScales =
        makeFloats({static_cast<int64_t>(v.size())}, std::vector<double>(v.begin(), v.end()));
    scales = &attrScales;
  } else if (isUpsample || im.opset() < 11) {
    scales = &im.constant(1, "scales");
  } else {
    if (im.hasInput(3) && im.constant(3, "sizes").numel() > 0) sizes = &im.constant(3, "sizes");
    if (im.hasInput(2) && im.constant(2, "scales").numel() > 0) {
      if (sizes) im.fail("both scales and sizes are given");
      scales = &im.constant(2, "scales");
    }
    if (!sizes && !scales) im.fail("neither scales nor sizes is given");
  }
  readExtents(im, xs, scales, sizes, s);
  if (s.linear)
    convertLinear(im, x, s);
  else
    convertNearest(im, x, s);
}

} // namespace

void registerResizeOps(OpTable &table) {
  table["Resize"] = [](Importer &im) { convertResizeLike(im, false); };
  table["Upsample"] = [](Importer &im) { convertResizeLike(im, true); };
}

} // namespace atrous::onnx_import
