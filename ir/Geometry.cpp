#include "ir/Geometry.h"

#include <algorithm>
#include <cstdlib>

#include "ir/Error.h"

namespace atrous {

// Attributes beyond this are rejected before any arithmetic on them, so that
// products like dilation * kernel cannot overflow int64.
static constexpr int64_t kMaxWindowAttr = int64_t(1) << 30;

std::vector<int64_t> perDim(const std::vector<int64_t> &values, int rank, const char *what) {
  if (values.size() == 1) return std::vector<int64_t>(static_cast<size_t>(rank), values[0]);
  if (values.size() == static_cast<size_t>(rank)) return values;
  throw Error(std::string(what) + " has " + std::to_string(values.size()) +
              " values; expected 1 or " + std::to_string(rank));
}

static std::vector<int64_t> checkedPerDim(const Attrs &attrs, const char *name, int rank,
                                          int64_t minValue) {
  std::vector<int64_t> v = perDim(attrs.getInts(name), rank, name);
  for (int64_t x : v) {
    if (x < minValue)
      throw Error(std::string(name) + " must be at least " + std::to_string(minValue) + ", got " +
                  std::to_string(x));
    if (x > kMaxWindowAttr)
      throw Error(std::string(name) + " " + std::to_string(x) + " is too large");
  }
  return v;
}

static int64_t ceilDiv(int64_t a, int64_t b) {
  return (a + b - 1) / b;
}

// Explicit padding lists: one value, one per dim, or all begins then all ends.
// A conv's pad may be negative: it then crops the input (split-padding-taps
// writes such convs); a pool or transposed conv's may not.
static void explicitPads(const std::vector<int64_t> &pads, int rank, bool crops,
                         WindowGeometry &g) {
  size_t r = static_cast<size_t>(rank);
  if (pads.size() == 1 || pads.size() == r) {
    g.padBegin = perDim(pads, rank, "pad");
    g.padEnd = g.padBegin;
  } else if (pads.size() == 2 * r) {
    g.padBegin.assign(pads.begin(), pads.begin() + rank);
    g.padEnd.assign(pads.begin() + rank, pads.end());
  } else {
    throw Error("pad has " + std::to_string(pads.size()) + " values; expected 1, " +
                std::to_string(rank) + " or " + std::to_string(2 * rank));
  }
  for (size_t d = 0; d < r; ++d) {
    if (!crops && (g.padBegin[d] < 0 || g.padEnd[d] < 0)) throw Error("pad must not be negative");
    if (std::abs(g.padBegin[d]) > kMaxWindowAttr || std::abs(g.padEnd[d]) > kMaxWindowAttr)
      throw Error("pad is too large");
  }
}

static void resolvePadding(const Node &node, WindowGeometry &g) {
  const size_t r = static_cast<size_t>(g.rank);
  if (!node.attrs.has("pad")) {
    g.padBegin.assign(r, 0);
    g.padEnd.assign(r, 0);
    return;
  }
  if (!node.attrs.isString("pad")) {
    explicitPads(node.attrs.getInts("pad"), g.rank, isConv(node.op), g);
    return;
  }
  const std::string &mode = node.attrs.getString("pad");
  g.padBegin.assign(r, 0);
  g.padEnd.assign(r, 0);
  if (mode == "valid") return;
  if (mode == "same") {
    for (size_t d = 0; d < r; ++d) {
      int64_t out = ceilDiv(g.in[d], g.stride[d]);
      int64_t total = std::max<int64_t>(0, (out - 1) * g.stride[d] + g.span(d) - g.in[d]);
      g.padBegin[d] = total / 2;
      g.padEnd[d] = total - total / 2;
    }
    return;
  }
  if (mode == "causal") {
    if (g.rank != 1) throw Error("pad=causal applies to 1-D convs only");
    if (g.stride[0] != 1) throw Error("pad=causal needs stride 1");
    g.padBegin[0] = g.span(0) - 1;
    return;
  }
  throw Error("unknown padding mode '" + mode + "'");
}

static void poolOutput(const Node &node, WindowGeometry &g) {
  bool ceilMode = node.attrs.getBool("ceil_mode");
  for (int d = 0; d < g.rank; ++d) {
    if (g.padBegin[d] > g.kernel[d] / 2 || g.padEnd[d] > g.kernel[d] / 2)
      throw Error("pool padding must be at most half the kernel (kernel " +
                  std::to_string(g.kernel[d]) + ")");
    int64_t room = g.in[d] + g.padBegin[d] + g.padEnd[d] - g.span(d);
    if (room < 0)
      throw Error("kernel extent " + std::to_string(g.span(d)) +
                  " is larger than the padded input " +
                  std::to_string(g.in[d] + g.padBegin[d] + g.padEnd[d]));
    int64_t out = (ceilMode ? ceilDiv(room, g.stride[d]) : room / g.stride[d]) + 1;
    // A window may not start in the end padding (PyTorch's rule for ceil mode).
    if (ceilMode && (out - 1) * g.stride[d] >= g.in[d] + g.padBegin[d]) --out;
    g.out[d] = out;
  }
}

SliceRange sliceRange(const Node &node, const Shape &input) {
  const int64_t rank = static_cast<int64_t>(input.size());
  int64_t axis = node.attrs.getInt("axis");
  if (axis < -rank || axis >= rank)
    throw Error("axis " + std::to_string(axis) + " is out of range for rank " +
                std::to_string(rank));
  if (axis < 0) axis += rank;
  SliceRange r;
  r.axis = static_cast<int>(axis);
  const int64_t dim = input[static_cast<size_t>(axis)];
  auto clampIndex = [dim](int64_t i) { return std::clamp(i < 0 ? i + dim : i, int64_t{0}, dim); };
  r.start = clampIndex(node.attrs.getInt("start"));
  r.end = clampIndex(node.attrs.getInt("end"));
  r.step = node.attrs.getInt("step");
  if (r.step < 1) throw Error("step must be positive, got " + std::to_string(r.step));
  // (end - start - 1) / step cannot overflow, whatever the step.
  r.length = r.end > r.start ? (r.end - r.start - 1) / r.step + 1 : 0;
  return r;
}

WindowGeometry windowGeometry(const Node &node, const Shape &input) {
  const OpInfo &info = opInfo(node.op);
  const bool winograd = isWinogradConv(node.op);
  if (!isConv(node.op) && !isConvTranspose(node.op) && !isPool(node.op) && !winograd)
    throw Error(info.name + " has no window");
  WindowGeometry g;
  g.rank = info.spatialRank;
  if (static_cast<int>(input.size()) != g.rank + 2)
    throw Error(info.name + " expects a rank-" + std::to_string(g.rank + 2) + " input, got " +
                shapeStr(input));
  g.in.assign(input.begin() + 2, input.end());
  g.out.assign(static_cast<size_t>(g.rank), 0);
  // A winograd conv is a stride-1 conv whose stride is implied.
  g.kernel = checkedPerDim(node.attrs, "kernel", g.rank, 1);
  g.stride = winograd                   ? std::vector<int64_t>(static_cast<size_t>(g.rank), 1)
             : node.attrs.has("stride") ? checkedPerDim(node.attrs, "stride", g.rank, 1)
                                        : g.kernel;
  g.dilation = node.attrs.has("dilation") ? checkedPerDim(node.attrs, "dilation", g.rank, 1)
                                          : std::vector<int64_t>(g.kernel.size(), 1);
  g.outputPadding = node.attrs.has("output_padding")
                        ? checkedPerDim(node.attrs, "output_padding", g.rank, 0)
                        : std::vector<int64_t>(g.kernel.size(), 0);
  resolvePadding(node, g);

  if (isPool(node.op)) {
    poolOutput(node, g);
    return g;
  }
  for (int d = 0; d < g.rank; ++d) {
    if (isConvTranspose(node.op)) {
      if (g.outputPadding[d] >= std::max(g.stride[d], g.dilation[d]))
        throw Error("output_padding " + std::to_string(g.outputPadding[d]) +
                    " must be smaller than the stride or the dilation");
      g.out[d] = (g.in[d] - 1) * g.stride[d] - g.padBegin[d] - g.padEnd[d] + g.span(d) +
                 g.outputPadding[d];
      if (g.out[d] < 1)
        throw Error("padding " + std::to_string(g.padBegin[d] + g.padEnd[d]) +
                    " leaves no output (extent " + std::to_string(g.out[d]) + ")");
    } else {
      int64_t room = g.in[d] + g.padBegin[d] + g.padEnd[d] - g.span(d);
      if (room < 0)
        throw Error("kernel extent " + std::to_string(g.span(d)) +
                    " is larger than the padded input " +
                    std::to_string(g.in[d] + g.padBegin[d] + g.padEnd[d]));
      g.out[d] = room / g.stride[d] + 1;
    }
  }
  return g;
}

} // namespace atrous
