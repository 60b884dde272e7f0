// Randomized differential tests of the reference interpreter against second,
// independent formulations written here from docs/ops.md, in double:
//  - conv as explicit zero padding + im2col + a matrix product per group;
//  - conv_transpose as zero insertion + a flipped-kernel stride-1 conv (the
//    im2col conv above), and as the adjoint of conv: <convT(x), y> =
//    <x, conv(y)> with the same weight tensor;
//  - avg pool as a depthwise conv with a constant kernel (where the divisor
//    is the full window), max pool over an input padded with -inf;
//  - resize as a product with per-dimension interpolation matrices;
//  - linear as a matrix product.
// Padding ('same', 'causal', lists) and output extents are resolved here
// from the doc, not through ir/Geometry, so the interpreter's geometry is
// checked too. Tolerance: 1e-5 of max(1, max |expected|) elementwise (the
// interpreter accumulates in double and rounds once to float); 1e-4 for the
// adjoint identity, whose two sides are sums over every element.
// Each case's seed and parameters are printed on failure (SCOPED_TRACE).
#include <cmath>
#include <limits>
#include <sstream>

#include "ReferenceTestUtil.h"

namespace atrous::testing {
namespace {

constexpr uint32_t kMasterSeed = 20240611;

std::string listStr(const std::vector<int64_t> &v) {
  return shapeStr(v);
}

int64_t uniformInt(std::mt19937 &rng, int64_t lo, int64_t hi) {
  return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
}

std::vector<double> toDouble(const Tensor &t) {
  std::vector<double> v(static_cast<size_t>(t.numel()));
  for (int64_t i = 0; i < t.numel(); ++i)
    v[static_cast<size_t>(i)] = t.f32()[i];
  return v;
}

// A dense double array with a shape, for the formulations in this file.
struct Array {
  Shape shape;
  std::vector<double> data;

  Array() = default;
  explicit Array(Shape s) : shape(std::move(s)), data(static_cast<size_t>(numElements(shape))) {}
  static Array of(const Tensor &t) {
    Array a(t.shape());
    a.data = toDouble(t);
    return a;
  }
  double &at4(int64_t n, int64_t c, int64_t h, int64_t w) {
    return data[static_cast<size_t>(((n * shape[1] + c) * shape[2] + h) * shape[3] + w)];
  }
  double at4(int64_t n, int64_t c, int64_t h, int64_t w) const {
    return data[static_cast<size_t>(((n * shape[1] + c) * shape[2] + h) * shape[3] + w)];
  }
};

// Views a [N, C, L] array as [N, C, 1, L] and back.
Array as4d(const Array &a) {
  if (a.shape.size() == 4) return a;
  Array b({a.shape[0], a.shape[1], 1, a.shape[2]});
  b.data = a.data;
  return b;
}
Array fromSpatialRank(const Array &a, int rank) {
  if (rank == 2) return a;
  Array b({a.shape[0], a.shape[1], a.shape[3]});
  b.data = a.data;
  return b;
}

// --- conv by im2col ----------------------------------------------------------

// A conv's attributes at spatial rank 2 (1-D cases use a height of 1).
struct ConvParams {
  int64_t kernel[2] = {1, 1}, stride[2] = {1, 1}, dilation[2] = {1, 1};
  int64_t padBegin[2] = {0, 0}, padEnd[2] = {0, 0};
  int64_t groups = 1;
};

// y = conv(x, w) + bias: pads x explicitly, unrolls every receptive field of
// a group into a column (im2col) and multiplies by the group's weights as a
// [outPerGroup, inPerGroup * kH * kW] matrix. x [N, C, H, W], w [O, C/g, kH, kW].
Array convIm2col(const Array &x, const Array &w, const std::vector<double> &bias,
                 const ConvParams &p) {
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t O = w.shape[0], kH = w.shape[2], kW = w.shape[3];
  const int64_t Cg = C / p.groups, Og = O / p.groups;
  Array padded({N, C, H + p.padBegin[0] + p.padEnd[0], W + p.padBegin[1] + p.padEnd[1]});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t v = 0; v < W; ++v)
          padded.at4(n, c, h + p.padBegin[0], v + p.padBegin[1]) = x.at4(n, c, h, v);
  const int64_t PH = padded.shape[2], PW = padded.shape[3];
  const int64_t OH = (PH - p.dilation[0] * (kH - 1) - 1) / p.stride[0] + 1;
  const int64_t OW = (PW - p.dilation[1] * (kW - 1) - 1) / p.stride[1] + 1;
  Array y({N, O, OH, OW});
  const int64_t rows = Cg * kH * kW, cols = OH * OW;
  std::vector<double> columns(static_cast<size_t>(rows * cols));
  for (int64_t n = 0; n < N; ++n)
    for (int64_t g = 0; g < p.groups; ++g) {
      for (int64_t c = 0; c < Cg; ++c)
        for (int64_t ky = 0; ky < kH; ++ky)
          for (int64_t kx = 0; kx < kW; ++kx)
            for (int64_t oy = 0; oy < OH; ++oy)
              for (int64_t ox = 0; ox < OW; ++ox)
                columns[static_cast<size_t>(((c * kH + ky) * kW + kx) * cols + oy * OW + ox)] =
                    padded.at4(n, g * Cg + c, oy * p.stride[0] + ky * p.dilation[0],
                               ox * p.stride[1] + kx * p.dilation[1]);
      for (int64_t o = 0; o < Og; ++o)
        for (int64_t j = 0; j < cols; ++j) {
          double sum = bias.empty() ? 0.0 : bias[static_cast<size_t>(g * Og + o)];
          for (int64_t r = 0; r < rows; ++r)
            sum += w.data[static_cast<size_t>((g * Og + o) * rows + r)] *
                   columns[static_cast<size_t>(r * cols + j)];
          y.data[static_cast<size_t>(((n * O + g * Og + o) * cols) + j)] = sum;
        }
    }
  return y;
}

// Draws a padding attribute for one conv dimension set and resolves it as
// docs/ops.md says. Returns the attribute value and fills p.padBegin/padEnd.
AttrValue drawPadding(std::mt19937 &rng, int rank, const int64_t in[2], ConvParams &p,
                      bool allowCausal, std::string &described) {
  const int first = 2 - rank;
  auto span = [&](int d) { return p.dilation[d] * (p.kernel[d] - 1) + 1; };
  const int form = static_cast<int>(uniformInt(rng, 0, allowCausal && rank == 1 ? 5 : 4));
  if (form == 0) { // 'same'
    for (int d = first; d < 2; ++d) {
      const int64_t out = (in[d] + p.stride[d] - 1) / p.stride[d];
      const int64_t total = std::max<int64_t>(0, (out - 1) * p.stride[d] + span(d) - in[d]);
      p.padBegin[d] = total / 2;
      p.padEnd[d] = total - total / 2;
    }
    described = "same";
    return std::string("same");
  }
  if (form == 5) { // 'causal' (1-D, stride 1)
    p.stride[1] = 1;
    p.padBegin[1] = span(1) - 1;
    described = "causal";
    return std::string("causal");
  }
  // Explicit: 1 = one value, 2 = one per dim, 3/4 = begins then ends.
  std::vector<int64_t> values;
  for (int d = first; d < 2; ++d) {
    p.padBegin[d] = uniformInt(rng, 0, span(d));
    p.padEnd[d] = form >= 3 ? uniformInt(rng, 0, span(d)) : p.padBegin[d];
  }
  if (form == 1) {
    for (int d = first; d < 2; ++d)
      p.padBegin[d] = p.padEnd[d] = p.padBegin[1];
    values = {p.padBegin[1]};
  } else if (form == 2) {
    for (int d = first; d < 2; ++d)
      values.push_back(p.padBegin[d]);
  } else {
    for (int d = first; d < 2; ++d)
      values.push_back(p.padBegin[d]);
    for (int d = first; d < 2; ++d)
      values.push_back(p.padEnd[d]);
  }
  described = listStr(values);
  return values;
}

std::vector<int64_t> spatialList(const int64_t v[2], int rank) {
  return rank == 2 ? std::vector<int64_t>{v[0], v[1]} : std::vector<int64_t>{v[1]};
}

Shape spatialShape(int64_t n, int64_t c, const int64_t extent[2], int rank) {
  return rank == 2 ? Shape{n, c, extent[0], extent[1]} : Shape{n, c, extent[1]};
}

TEST(ReferenceDifferential, ConvMatchesIm2col) {
  for (uint32_t i = 0; i < 90; ++i) {
    const uint32_t seed = kMasterSeed + i;
    std::mt19937 rng(seed);
    const int rank = static_cast<int>(uniformInt(rng, 1, 2));
    const int first = 2 - rank;
    ConvParams p;
    int64_t in[2] = {1, 1};
    const bool largeRate = uniformInt(rng, 0, 5) == 0;
    for (int d = first; d < 2; ++d) {
      p.kernel[d] = uniformInt(rng, 1, largeRate ? 3 : 5);
      p.stride[d] = uniformInt(rng, 1, 3);
      p.dilation[d] = largeRate ? std::vector<int64_t>{12, 18, 24}[uniformInt(rng, 0, 2)]
                                : uniformInt(rng, 1, 6);
      in[d] = uniformInt(rng, 1, 12);
    }
    const int64_t channels[] = {1, 2, 3, 4, 6};
    const int64_t C = channels[uniformInt(rng, 0, 4)];
    const int groupForm = static_cast<int>(uniformInt(rng, 0, 2)); // 1, 2, depthwise
    p.groups = groupForm == 0 ? 1 : groupForm == 1 ? (C % 2 == 0 ? 2 : 1) : C;
    const int64_t O = p.groups * uniformInt(rng, 1, 3);
    const int64_t N = uniformInt(rng, 1, 2);
    std::string padText;
    AttrValue padAttr = drawPadding(rng, rank, in, p, /*allowCausal=*/true, padText);
    // Grow the input until the dilated kernel fits the padded input ('same'
    // and 'causal' padding always fit, so their resolution stays valid).
    for (int d = first; d < 2; ++d) {
      const int64_t span = p.dilation[d] * (p.kernel[d] - 1) + 1;
      in[d] = std::max(in[d], span - p.padBegin[d] - p.padEnd[d]);
    }
    const bool hasBias = uniformInt(rng, 0, 1) == 1;

    std::ostringstream trace;
    trace << "seed " << seed << ": conv" << rank << "d N=" << N << " C=" << C << " O=" << O
          << " in=" << listStr(spatialList(in, rank))
          << " kernel=" << listStr(spatialList(p.kernel, rank))
          << " stride=" << listStr(spatialList(p.stride, rank))
          << " dilation=" << listStr(spatialList(p.dilation, rank)) << " pad=" << padText
          << " groups=" << p.groups << " bias=" << hasBias;
    SCOPED_TRACE(trace.str());

    Tensor x = randomTensor(spatialShape(N, C, in, rank), rng);
    Shape wShape = spatialShape(O, C / p.groups, p.kernel, rank);
    Tensor w = randomTensor(wShape, rng);
    Tensor b = randomTensor({O}, rng);
    std::vector<std::pair<std::string, Tensor>> weights = {{"weight", w}};
    if (hasBias) weights.push_back({"bias", b});
    Tensor y = runOneOp(rank == 2 ? OpKind::Conv2d : OpKind::Conv1d, x,
                        {{"out", O},
                         {"kernel", spatialList(p.kernel, rank)},
                         {"stride", spatialList(p.stride, rank)},
                         {"dilation", spatialList(p.dilation, rank)},
                         {"pad", padAttr},
                         {"groups", p.groups},
                         {"bias", hasBias}},
                        weights);
    Array expected = convIm2col(as4d(Array::of(x)), as4d(Array::of(w)),
                                hasBias ? toDouble(b) : std::vector<double>{}, p);
    expectClose(y, fromSpatialRank(expected, rank).shape, expected.data);
  }
}

// --- conv_transpose ----------------------------------------------------------

// convT(x) by zero insertion: put stride-1 zeros between the inputs, pad by
// the dilated kernel span - 1 on both sides, convolve (stride 1, same
// dilation) with the kernel flipped and its two channel dims swapped per
// group. That yields the full, uncropped output of length
// (in-1)*stride + span; the real output starts padBegin into it and is
// out = full - padBegin - padEnd + outputPadding long (zero past the end).
Array convTransposeByZeroInsertion(const Array &x, const Array &w, const std::vector<double> &bias,
                                   const ConvParams &p, const int64_t outputPadding[2],
                                   int64_t outChannels) {
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t kH = w.shape[2], kW = w.shape[3];
  const int64_t Cg = C / p.groups, Og = outChannels / p.groups;
  Array dilatedInput({N, C, (H - 1) * p.stride[0] + 1, (W - 1) * p.stride[1] + 1});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t c = 0; c < C; ++c)
      for (int64_t h = 0; h < H; ++h)
        for (int64_t v = 0; v < W; ++v)
          dilatedInput.at4(n, c, h * p.stride[0], v * p.stride[1]) = x.at4(n, c, h, v);
  Array flipped({outChannels, Cg, kH, kW});
  for (int64_t c = 0; c < C; ++c)
    for (int64_t j = 0; j < Og; ++j)
      for (int64_t ky = 0; ky < kH; ++ky)
        for (int64_t kx = 0; kx < kW; ++kx)
          flipped.at4((c / Cg) * Og + j, c % Cg, kH - 1 - ky, kW - 1 - kx) = w.at4(c, j, ky, kx);
  ConvParams full;
  full.groups = p.groups;
  for (int d = 0; d < 2; ++d) {
    full.kernel[d] = d == 0 ? kH : kW;
    full.dilation[d] = p.dilation[d];
    full.padBegin[d] = full.padEnd[d] = p.dilation[d] * (full.kernel[d] - 1);
  }
  Array uncropped = convIm2col(dilatedInput, flipped, {}, full);
  int64_t out[2];
  for (int d = 0; d < 2; ++d)
    out[d] = uncropped.shape[2 + d] - p.padBegin[d] - p.padEnd[d] + outputPadding[d];
  Array y({N, outChannels, out[0], out[1]});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < outChannels; ++o)
      for (int64_t h = 0; h < out[0]; ++h)
        for (int64_t v = 0; v < out[1]; ++v) {
          const int64_t fh = h + p.padBegin[0], fv = v + p.padBegin[1];
          const bool inside = fh < uncropped.shape[2] && fv < uncropped.shape[3];
          y.at4(n, o, h, v) = (inside ? uncropped.at4(n, o, fh, fv) : 0.0) +
                              (bias.empty() ? 0.0 : bias[static_cast<size_t>(o)]);
        }
  return y;
}

double dot(const std::vector<double> &a, const std::vector<double> &b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    s += a[i] * b[i];
  return s;
}

TEST(ReferenceDifferential, ConvTransposeMatchesZeroInsertionAndAdjoint) {
  int adjointChecks = 0;
  for (uint32_t i = 0; i < 50; ++i) {
    const uint32_t seed = kMasterSeed + 1000 + i;
    std::mt19937 rng(seed);
    const int rank = static_cast<int>(uniformInt(rng, 1, 2));
    const int first = 2 - rank;
    ConvParams p;
    int64_t in[2] = {1, 1}, outputPadding[2] = {0, 0};
    bool symmetric = uniformInt(rng, 0, 1) == 1;
    for (int d = first; d < 2; ++d) {
      p.kernel[d] = uniformInt(rng, 1, 5);
      p.stride[d] = uniformInt(rng, 1, 3);
      p.dilation[d] = uniformInt(rng, 1, 3);
      in[d] = uniformInt(rng, 1, 7);
      const int64_t full = (in[d] - 1) * p.stride[d] + p.dilation[d] * (p.kernel[d] - 1) + 1;
      outputPadding[d] = uniformInt(rng, 0, std::max(p.stride[d], p.dilation[d]) - 1);
      // Keep at least one output position.
      p.padBegin[d] = uniformInt(rng, 0, (full - 1) / 2);
      p.padEnd[d] = symmetric ? p.padBegin[d] : uniformInt(rng, 0, (full - 1) / 2);
    }
    const int64_t channels[] = {1, 2, 4};
    const int64_t C = channels[uniformInt(rng, 0, 2)];
    p.groups = std::vector<int64_t>{1, C, C % 2 == 0 ? 2 : 1}[uniformInt(rng, 0, 2)];
    const int64_t O = p.groups * uniformInt(rng, 1, 3);
    const int64_t N = uniformInt(rng, 1, 2);
    const bool hasBias = uniformInt(rng, 0, 1) == 1;
    std::vector<int64_t> padList = spatialList(p.padBegin, rank);
    if (!symmetric)
      for (int64_t e : spatialList(p.padEnd, rank))
        padList.push_back(e);

    std::ostringstream trace;
    trace << "seed " << seed << ": conv_transpose" << rank << "d N=" << N << " C=" << C
          << " O=" << O << " in=" << listStr(spatialList(in, rank))
          << " kernel=" << listStr(spatialList(p.kernel, rank))
          << " stride=" << listStr(spatialList(p.stride, rank))
          << " dilation=" << listStr(spatialList(p.dilation, rank)) << " pad=" << listStr(padList)
          << " output_padding=" << listStr(spatialList(outputPadding, rank))
          << " groups=" << p.groups << " bias=" << hasBias;
    SCOPED_TRACE(trace.str());

    Tensor x = randomTensor(spatialShape(N, C, in, rank), rng);
    Tensor w = randomTensor(spatialShape(C, O / p.groups, p.kernel, rank), rng);
    Tensor b = randomTensor({O}, rng);
    std::vector<std::pair<std::string, Tensor>> weights = {{"weight", w}};
    if (hasBias) weights.push_back({"bias", b});
    Tensor y = runOneOp(rank == 2 ? OpKind::ConvTranspose2d : OpKind::ConvTranspose1d, x,
                        {{"out", O},
                         {"kernel", spatialList(p.kernel, rank)},
                         {"stride", spatialList(p.stride, rank)},
                         {"dilation", spatialList(p.dilation, rank)},
                         {"pad", padList},
                         {"output_padding", spatialList(outputPadding, rank)},
                         {"groups", p.groups},
                         {"bias", hasBias}},
                        weights);
    Array expected = convTransposeByZeroInsertion(as4d(Array::of(x)), as4d(Array::of(w)),
                                                  hasBias ? toDouble(b) : std::vector<double>{}, p,
                                                  outputPadding, O);
    expectClose(y, fromSpatialRank(expected, rank).shape, expected.data);

    // Adjoint: the conv with the same weight [C, O/g, k] read as [out, in/g, k]
    // maps the transposed conv's output back to its input extents exactly
    // when output_padding < stride (else the floor drops a position).
    bool adjointApplies = !hasBias;
    for (int d = first; d < 2; ++d)
      adjointApplies &= outputPadding[d] < p.stride[d];
    if (!adjointApplies) continue;
    ++adjointChecks;
    Tensor probe = randomTensor(y.shape(), rng);
    Array back = convIm2col(as4d(Array::of(probe)), as4d(Array::of(w)), {}, p);
    ASSERT_EQ(back.data.size(), static_cast<size_t>(x.numel()));
    const double lhs = dot(toDouble(y), toDouble(probe));
    const double rhs = dot(toDouble(x), back.data);
    EXPECT_NEAR(lhs, rhs, 1e-4 * std::max(1.0, std::fabs(rhs))) << "<convT(x), y> != <x, conv(y)>";
  }
  EXPECT_GT(adjointChecks, 10);
}

// --- pooling ---------------------------------------------------------------

TEST(ReferenceDifferential, AvgPoolMatchesConstantKernelConv) {
  for (uint32_t i = 0; i < 25; ++i) {
    const uint32_t seed = kMasterSeed + 2000 + i;
    std::mt19937 rng(seed);
    const int rank = static_cast<int>(uniformInt(rng, 1, 2));
    const int first = 2 - rank;
    ConvParams p;
    int64_t in[2] = {1, 1};
    // With count_include_pad every full window divides by kernel size; with
    // it off, only unpadded pools do. Ceil mode stays off so no window runs
    // past the padded input.
    const bool countPad = uniformInt(rng, 0, 1) == 1;
    const bool asymmetric = uniformInt(rng, 0, 1) == 1;
    for (int d = first; d < 2; ++d) {
      p.kernel[d] = uniformInt(rng, 1, 5);
      p.stride[d] = uniformInt(rng, 1, 3);
      p.padBegin[d] = countPad ? uniformInt(rng, 0, p.kernel[d] / 2) : 0;
      p.padEnd[d] = countPad && asymmetric ? uniformInt(rng, 0, p.kernel[d] / 2) : p.padBegin[d];
      in[d] = std::max<int64_t>(uniformInt(rng, 1, 11), p.kernel[d] - p.padBegin[d] - p.padEnd[d]);
    }
    const int64_t N = uniformInt(rng, 1, 2), C = uniformInt(rng, 1, 3);
    std::vector<int64_t> padList = spatialList(p.padBegin, rank);
    if (asymmetric)
      for (int64_t e : spatialList(p.padEnd, rank))
        padList.push_back(e);

    std::ostringstream trace;
    trace << "seed " << seed << ": avg_pool" << rank << "d N=" << N << " C=" << C
          << " in=" << listStr(spatialList(in, rank))
          << " kernel=" << listStr(spatialList(p.kernel, rank))
          << " stride=" << listStr(spatialList(p.stride, rank)) << " pad=" << listStr(padList)
          << " count_include_pad=" << countPad;
    SCOPED_TRACE(trace.str());

    Tensor x = randomTensor(spatialShape(N, C, in, rank), rng);
    Tensor y = runOneOp(rank == 2 ? OpKind::AvgPool2d : OpKind::AvgPool1d, x,
                        {{"kernel", spatialList(p.kernel, rank)},
                         {"stride", spatialList(p.stride, rank)},
                         {"pad", padList},
                         {"count_include_pad", countPad}});
    p.groups = C;
    Array w({C, 1, p.kernel[0], p.kernel[1]});
    for (double &v : w.data)
      v = 1.0 / static_cast<double>(p.kernel[0] * p.kernel[1]);
    Array expected = convIm2col(as4d(Array::of(x)), w, {}, p);
    expectClose(y, fromSpatialRank(expected, rank).shape, expected.data);
  }
}

// Max pool: pad with -inf (also past the end, for ceil mode), then take the
// maximum of every dilated window. Output extents from docs/ops.md.
TEST(ReferenceDifferential, MaxPoolMatchesInfPaddedWindows) {
  for (uint32_t i = 0; i < 20; ++i) {
    const uint32_t seed = kMasterSeed + 3000 + i;
    std::mt19937 rng(seed);
    const bool ceilMode = uniformInt(rng, 0, 1) == 1;
    int64_t kernel[2], stride[2], dilation[2], pb[2], pe[2], in[2], out[2];
    for (int d = 0; d < 2; ++d) {
      kernel[d] = uniformInt(rng, 1, 4);
      stride[d] = uniformInt(rng, 1, 3);
      dilation[d] = uniformInt(rng, 1, 2);
      pb[d] = uniformInt(rng, 0, kernel[d] / 2);
      pe[d] = uniformInt(rng, 0, kernel[d] / 2);
      const int64_t span = dilation[d] * (kernel[d] - 1) + 1;
      in[d] = std::max<int64_t>(uniformInt(rng, 1, 10), span - pb[d] - pe[d]);
      const int64_t room = in[d] + pb[d] + pe[d] - span;
      out[d] = (ceilMode ? (room + stride[d] - 1) / stride[d] : room / stride[d]) + 1;
      if (ceilMode && (out[d] - 1) * stride[d] >= in[d] + pb[d]) --out[d];
    }
    std::ostringstream trace;
    trace << "seed " << seed << ": max_pool2d in=[" << in[0] << ", " << in[1] << "] kernel=["
          << kernel[0] << ", " << kernel[1] << "] stride=[" << stride[0] << ", " << stride[1]
          << "] dilation=[" << dilation[0] << ", " << dilation[1] << "] pad=[" << pb[0] << ", "
          << pb[1] << ", " << pe[0] << ", " << pe[1] << "] ceil_mode=" << ceilMode;
    SCOPED_TRACE(trace.str());

    Tensor x = randomTensor({1, 2, in[0], in[1]}, rng);
    Tensor y = runOneOp(OpKind::MaxPool2d, x,
                        {{"kernel", Ints{kernel[0], kernel[1]}},
                         {"stride", Ints{stride[0], stride[1]}},
                         {"dilation", Ints{dilation[0], dilation[1]}},
                         {"pad", Ints{pb[0], pb[1], pe[0], pe[1]}},
                         {"ceil_mode", ceilMode}});
    // -inf everywhere the windows may reach outside the input.
    const int64_t PH = (out[0] - 1) * stride[0] + dilation[0] * (kernel[0] - 1) + 1 + in[0];
    const int64_t PW = (out[1] - 1) * stride[1] + dilation[1] * (kernel[1] - 1) + 1 + in[1];
    Array padded({1, 2, PH, PW});
    for (double &v : padded.data)
      v = -std::numeric_limits<double>::infinity();
    Array xa = Array::of(x);
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t h = 0; h < in[0]; ++h)
        for (int64_t v = 0; v < in[1]; ++v)
          padded.at4(0, c, h + pb[0], v + pb[1]) = xa.at4(0, c, h, v);
    std::vector<double> expected;
    for (int64_t c = 0; c < 2; ++c)
      for (int64_t oy = 0; oy < out[0]; ++oy)
        for (int64_t ox = 0; ox < out[1]; ++ox) {
          double m = -std::numeric_limits<double>::infinity();
          for (int64_t ky = 0; ky < kernel[0]; ++ky)
            for (int64_t kx = 0; kx < kernel[1]; ++kx)
              m = std::max(m, padded.at4(0, c, oy * stride[0] + ky * dilation[0],
                                         ox * stride[1] + kx * dilation[1]));
          expected.push_back(m);
        }
    expectClose(y, {1, 2, out[0], out[1]}, expected);
  }
}

// --- resize ----------------------------------------------------------------

// The [out, in] matrix of linear interpolation along one dimension.
std::vector<double> interpolationMatrix(int64_t in, int64_t out, bool alignCorners) {
  std::vector<double> m(static_cast<size_t>(out * in), 0.0);
  for (int64_t d = 0; d < out; ++d) {
    double src = alignCorners ? (out == 1 ? 0.0 : static_cast<double>(d) * (in - 1) / (out - 1))
                              : std::max(0.0, (d + 0.5) * static_cast<double>(in) / out - 0.5);
    const int64_t lo = static_cast<int64_t>(std::floor(src));
    const int64_t hi = std::min(lo + 1, in - 1);
    const double frac = src - static_cast<double>(lo);
    m[static_cast<size_t>(d * in + lo)] += 1.0 - frac;
    m[static_cast<size_t>(d * in + hi)] += frac;
  }
  return m;
}

TEST(ReferenceDifferential, BilinearMatchesInterpolationMatrices) {
  for (uint32_t i = 0; i < 30; ++i) {
    const uint32_t seed = kMasterSeed + 4000 + i;
    std::mt19937 rng(seed);
    const int rank = static_cast<int>(uniformInt(rng, 1, 2));
    const bool alignCorners = i % 3 != 0; // mostly align_corners, also half-pixel
    const int64_t inH = rank == 2 ? uniformInt(rng, 1, 9) : 1;
    const int64_t outH = rank == 2 ? uniformInt(rng, 1, 17) : 1;
    const int64_t inW = uniformInt(rng, 1, 9), outW = uniformInt(rng, 1, 17);
    const int64_t planes = uniformInt(rng, 1, 3);
    std::ostringstream trace;
    trace << "seed " << seed << ": resize bilinear rank " << rank << " [" << inH << ", " << inW
          << "] -> [" << outH << ", " << outW << "] align_corners=" << alignCorners;
    SCOPED_TRACE(trace.str());

    Shape inShape = rank == 2 ? Shape{1, planes, inH, inW} : Shape{1, planes, inW};
    Shape outShape = rank == 2 ? Shape{1, planes, outH, outW} : Shape{1, planes, outW};
    Ints size = rank == 2 ? Ints{outH, outW} : Ints{outW};
    Tensor x = randomTensor(inShape, rng);
    Tensor y = runOneOp(
        OpKind::Resize, x,
        {{"size", size}, {"mode", std::string("bilinear")}, {"align_corners", alignCorners}});
    // Y = A_h X A_w^T per plane.
    const std::vector<double> ah = interpolationMatrix(inH, outH, alignCorners);
    const std::vector<double> aw = interpolationMatrix(inW, outW, alignCorners);
    std::vector<double> xs = toDouble(x), expected;
    for (int64_t p = 0; p < planes; ++p)
      for (int64_t r = 0; r < outH; ++r)
        for (int64_t c = 0; c < outW; ++c) {
          double sum = 0.0;
          for (int64_t h = 0; h < inH; ++h)
            for (int64_t v = 0; v < inW; ++v)
              sum += ah[static_cast<size_t>(r * inH + h)] * aw[static_cast<size_t>(c * inW + v)] *
                     xs[static_cast<size_t>((p * inH + h) * inW + v)];
          expected.push_back(sum);
        }
    expectClose(y, outShape, expected);
  }
}

// --- linear ----------------------------------------------------------------

TEST(ReferenceDifferential, LinearMatchesMatmul) {
  for (uint32_t i = 0; i < 15; ++i) {
    const uint32_t seed = kMasterSeed + 5000 + i;
    std::mt19937 rng(seed);
    const int64_t N = uniformInt(rng, 1, 4), F = uniformInt(rng, 1, 40), O = uniformInt(rng, 1, 12);
    const bool hasBias = uniformInt(rng, 0, 1) == 1;
    std::ostringstream trace;
    trace << "seed " << seed << ": linear N=" << N << " F=" << F << " out=" << O
          << " bias=" << hasBias;
    SCOPED_TRACE(trace.str());
    Tensor x = randomTensor({N, F}, rng), w = randomTensor({O, F}, rng), b = randomTensor({O}, rng);
    std::vector<std::pair<std::string, Tensor>> weights = {{"weight", w}};
    if (hasBias) weights.push_back({"bias", b});
    Tensor y = runOneOp(OpKind::Linear, x, {{"out", O}, {"bias", hasBias}}, weights);
    // y = x W^T as a matrix product over the transposed weight.
    std::vector<double> wt(static_cast<size_t>(F * O));
    for (int64_t o = 0; o < O; ++o)
      for (int64_t f = 0; f < F; ++f)
        wt[static_cast<size_t>(f * O + o)] = w.f32()[o * F + f];
    std::vector<double> expected(static_cast<size_t>(N * O), 0.0);
    for (int64_t n = 0; n < N; ++n)
      for (int64_t f = 0; f < F; ++f)
        for (int64_t o = 0; o < O; ++o)
          expected[static_cast<size_t>(n * O + o)] +=
              static_cast<double>(x.f32()[n * F + f]) * wt[static_cast<size_t>(f * O + o)];
    if (hasBias)
      for (int64_t n = 0; n < N; ++n)
        for (int64_t o = 0; o < O; ++o)
          expected[static_cast<size_t>(n * O + o)] += b.f32()[o];
    expectClose(y, {N, O}, expected);
  }
}

} // namespace
} // namespace atrous::testing
