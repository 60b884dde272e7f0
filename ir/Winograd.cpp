// Toom-Cook construction of F(m, r). With finite points p_j (j < alpha - 1)
// and infinity, the linear convolution of an r-tap filter and an m-tap signal
// is recovered from its values at the points (Lagrange) plus its leading
// coefficient (the point at infinity); Winograd's correlation is the
// transpose of that map. Written out:
//   AT[i][j] = p_j^i, and AT[i][alpha-1] = 1 for i = m - 1, else 0;
//   G[j][k]  = p_j^k / prod_{l != j} (p_j - p_l), and G[alpha-1] = [0, .., 0, 1];
//   BT[j]    = the coefficients (ascending powers) of prod_{l != j} (x - p_l),
//              and BT[alpha-1] those of prod_l (x - p_l).
// The Lagrange denominators sit in G, which is applied to the weights at
// compile time, so BT and AT hold small integers and powers of two that f32
// represents exactly.
#include "ir/Winograd.h"

#include <string>
#include <utility>
#include <vector>

#include "ir/Error.h"

namespace atrous {

namespace {

// The finite points, by their count alpha - 1 = m + r - 2. Besides 0 and
// +-1, four points add 2 and five add 1/2 and -2: measured on random
// 256-channel data in f32, {0, 1, -1, 1/2, -2} has half the error of Lavin's
// {0, 1, -1, 2, -2} for F(4, 3). Six take +-1/2 and 2 (F(6, 2): 9.2e-6
// relative error on 64 channels, against 1.4e-5 with 1/2 and +-2), seven
// +-1/2 and +-2.
std::vector<double> pointsFor(int count) {
  switch (count) {
  case 2:
    return {0.0, 1.0};
  case 3:
    return {0.0, 1.0, -1.0};
  case 4:
    return {0.0, 1.0, -1.0, 2.0};
  case 5:
    return {0.0, 1.0, -1.0, 0.5, -2.0};
  case 6:
    return {0.0, 1.0, -1.0, 0.5, -0.5, 2.0};
  default:
    return {0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0};
  }
}

// Coefficients, ascending, of prod over the points except `skip` (or all
// when skip < 0) of (x - p).
std::vector<double> productPolynomial(const std::vector<double> &points, int skip) {
  std::vector<double> c = {1.0};
  for (size_t l = 0; l < points.size(); ++l) {
    if (static_cast<int>(l) == skip) continue;
    std::vector<double> next(c.size() + 1, 0.0);
    for (size_t i = 0; i < c.size(); ++i) {
      next[i + 1] += c[i];
      next[i] -= points[l] * c[i];
    }
    c = std::move(next);
  }
  return c;
}

WinogradTransform build(int m, int r) {
  WinogradTransform t;
  t.m = m;
  t.r = r;
  t.alpha = m + r - 1;
  t.patch = t.alpha;
  const int a = t.alpha, finite = a - 1;
  t.at.assign(static_cast<size_t>(m * a), 0.0);
  t.g.assign(static_cast<size_t>(a * r), 0.0);
  t.bt.assign(static_cast<size_t>(a * a), 0.0);
  // One tap: each output is the tap times its own input, so the axis is
  // only cut into tiles; identities rather than an interpolation that would
  // add transform work and rounding.
  if (r == 1) {
    for (int i = 0; i < m; ++i) {
      t.at[static_cast<size_t>(i * a + i)] = 1.0;
      t.g[static_cast<size_t>(i)] = 1.0;
      t.bt[static_cast<size_t>(i * a + i)] = 1.0;
    }
    return t;
  }
  t.points = pointsFor(finite);
  for (int j = 0; j < finite; ++j) {
    const double p = t.points[static_cast<size_t>(j)];
    double power = 1.0;
    for (int i = 0; i < m; ++i, power *= p)
      t.at[static_cast<size_t>(i * a + j)] = power;
    double denominator = 1.0;
    for (int l = 0; l < finite; ++l)
      if (l != j) denominator *= p - t.points[static_cast<size_t>(l)];
    power = 1.0;
    for (int k = 0; k < r; ++k, power *= p)
      t.g[static_cast<size_t>(j * r + k)] = power / denominator;
    std::vector<double> c = productPolynomial(t.points, j);
    for (size_t i = 0; i < c.size(); ++i)
      t.bt[static_cast<size_t>(j * a) + i] = c[i];
  }
  t.at[static_cast<size_t>((m - 1) * a + finite)] = 1.0;
  t.g[static_cast<size_t>(finite * r + r - 1)] = 1.0;
  std::vector<double> c = productPolynomial(t.points, -1);
  for (size_t i = 0; i < c.size(); ++i)
    t.bt[static_cast<size_t>(finite * a) + i] = c[i];
  return t;
}

// A transform of 3 taps over a patch of 4 written out, not built from
// points: the bounded tile and its center tile.
WinogradTransform writtenOut(int m, int alpha, std::vector<double> at, std::vector<double> g,
                             std::vector<double> bt) {
  WinogradTransform t;
  t.m = m;
  t.r = 3;
  t.alpha = alpha;
  t.patch = 4;
  t.at = std::move(at);
  t.g = std::move(g);
  t.bt = std::move(bt);
  return t;
}

} // namespace

const WinogradTransform &winogradTransform(int64_t m, int64_t r) {
  static const std::vector<WinogradTransform> all = [] {
    std::vector<WinogradTransform> v;
    for (int taps = 1; taps <= 3; ++taps)
      for (int k = kMinWinogradTile; k <= kMaxWinogradTile; ++k)
        v.push_back(build(k, taps));
    return v;
  }();
  if (m == 1 && r == 1) {
    static const WinogradTransform identity = build(1, 1);
    return identity;
  }
  if (!isWinogradTile(m))
    throw Error("winograd tile must be " + std::to_string(kMinWinogradTile) + " to " +
                std::to_string(kMaxWinogradTile) + ", got " + std::to_string(m));
  if (!isWinogradKernel(r))
    throw Error("winograd kernel must be 1, 2 or 3, got " + std::to_string(r));
  const int64_t tiles = kMaxWinogradTile - kMinWinogradTile + 1;
  return all[static_cast<size_t>((r - 1) * tiles + m - kMinWinogradTile)];
}

const WinogradTransform &boundedWinogradTransform() {
  static const WinogradTransform bounded =
      writtenOut(2, 3, {1, 1, 0, 1, 0, 1}, {0, 1, 0, 0, -1, 1, 1, -1, 0},
                 {0, 1, 1, 0, 0, 0, 1, 0, 0, 1, 0, 0});
  return bounded;
}

const WinogradTransform &winogradTransform(int64_t m, int64_t r, bool bounded) {
  if (!bounded) return winogradTransform(m, r);
  if (m != 2 || r != 3)
    throw Error("bounded winograd tiles take tile 2 and kernel 3, got tile " + std::to_string(m) +
                ", kernel " + std::to_string(r));
  return boundedWinogradTransform();
}

bool boundsTiles(const WindowGeometry &g, int d) {
  const size_t i = static_cast<size_t>(d);
  const int64_t dilation = g.dilation[i];
  return g.kernel[i] == 3 && g.stride[i] == 1 && g.out[i] <= 2 * dilation &&
         g.padBegin[i] >= dilation && 3 * dilation - g.padBegin[i] >= g.in[i];
}

const WinogradTransform &centerWinogradTransform() {
  static const WinogradTransform center = writtenOut(1, 1, {1}, {0, 1, 0}, {0, 1, 0, 0});
  return center;
}

BoundedResidues boundedResidues(const WindowGeometry &g, int d) {
  const size_t i = static_cast<size_t>(d);
  const int64_t dilation = g.dilation[i], out = g.out[i];
  BoundedResidues b;
  // Residues below `twice` hold two outputs, the next `once` one.
  const int64_t twice = out > dilation ? out - dilation : 0;
  const int64_t once = out > dilation ? 2 * dilation - out : out;
  if (twice + 2 * dilation - g.padBegin[i] >= g.in[i]) {
    b.full = twice;
    b.center = once;
  } else {
    b.full = twice + once;
  }
  return b;
}

bool takesBoundedTiles(const Node &node) {
  return node.attrs.has("bounded") && node.attrs.getBool("bounded");
}

std::vector<WinogradPart> winogradParts(const WindowGeometry &g, int d,
                                        const WinogradTransform &t) {
  const size_t i = static_cast<size_t>(d);
  if (&t != &boundedWinogradTransform())
    return {{&t, 0, winogradAxis(g.out[i], g.dilation[i], t.m).tiles()}};
  const BoundedResidues b = boundedResidues(g, d);
  std::vector<WinogradPart> parts;
  if (b.full > 0) parts.push_back({&t, 0, b.full});
  if (b.center > 0) parts.push_back({&centerWinogradTransform(), b.full, b.center});
  return parts;
}

WinogradAxis winogradAxis(int64_t extent, int64_t dilation, int64_t m) {
  WinogradAxis a;
  a.m = m;
  a.dilation = dilation;
  const int64_t most = (extent + dilation - 1) / dilation; // q's of residue 0
  a.residuesHigh = extent - (most - 1) * dilation;
  a.tilesHigh = (most + m - 1) / m;
  a.tilesLow = (most - 1 + m - 1) / m;
  return a;
}

WindowGeometry asRows(const WindowGeometry &g) {
  if (g.rank != 1) return g;
  WindowGeometry rows = g;
  rows.rank = 2;
  auto prepend = [](std::vector<int64_t> &v, int64_t value) { v.insert(v.begin(), value); };
  for (std::vector<int64_t> *v : {&rows.kernel, &rows.stride, &rows.dilation, &rows.in, &rows.out})
    prepend(*v, 1);
  for (std::vector<int64_t> *v : {&rows.padBegin, &rows.padEnd, &rows.outputPadding})
    prepend(*v, 0);
  return rows;
}

WinogradWindow winogradWindow(const Node &node, const Shape &input) {
  if (!isWinogradConv(node.op)) throw Error(opName(node.op) + " is not a winograd conv");
  WinogradWindow w;
  w.g = asRows(windowGeometry(node, input));
  const std::vector<int64_t> tile = node.attrs.getInts("tile");
  const bool bounded = takesBoundedTiles(node);
  if (bounded &&
      (tile.front() != 2 || tile.back() != 2 || !boundsTiles(w.g, 0) || !boundsTiles(w.g, 1)))
    throw Error("bounded winograd tiles need tile=2, kernel=3 and, per axis, out <= 2 "
                "dilation, pad_begin >= dilation and 3 dilation - pad_begin >= in");
  w.y = &winogradTransform(node.op == OpKind::WinogradConv1d ? 1 : tile[0], w.g.kernel[0], bounded);
  w.x = &winogradTransform(tile.back(), w.g.kernel[1], bounded);
  return w;
}

std::vector<double> transformKernel(const WinogradTransform &y, const WinogradTransform &x,
                                    const double *g) {
  // Gy g (alpha_y x r_x), then times Gx^T.
  std::vector<double> left(static_cast<size_t>(y.alpha * x.r), 0.0);
  for (int i = 0; i < y.alpha; ++i)
    for (int kx = 0; kx < x.r; ++kx)
      for (int ky = 0; ky < y.r; ++ky)
        left[static_cast<size_t>(i * x.r + kx)] += y.G(i, ky) * g[ky * x.r + kx];
  std::vector<double> u(static_cast<size_t>(y.alpha * x.alpha), 0.0);
  for (int i = 0; i < y.alpha; ++i)
    for (int j = 0; j < x.alpha; ++j)
      for (int kx = 0; kx < x.r; ++kx)
        u[static_cast<size_t>(i * x.alpha + j)] +=
            left[static_cast<size_t>(i * x.r + kx)] * x.G(j, kx);
  return u;
}

} // namespace atrous
