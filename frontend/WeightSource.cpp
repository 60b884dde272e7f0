// Weight sources: seeded random weights and safetensors files. The generator
// is our own (xoshiro256** seeded by splitmix64) so that `random:SEED` gives
// the same numbers on every platform and standard library, and each tensor's
// stream is seeded from its name, so adding a node leaves the others alone.
#include "frontend/WeightSource.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "frontend/SafeTensors.h"
#include "ir/Error.h"
#include "ir/Geometry.h"

namespace atrous {

namespace {

uint64_t splitmix64(uint64_t &state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t fnv1a(const std::string &s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : s)
    h = (h ^ c) * 0x100000001b3ull;
  return h;
}

class Xoshiro256 {
public:
  explicit Xoshiro256(uint64_t seed) {
    for (uint64_t &word : s_)
      word = splitmix64(seed);
  }

  uint64_t next() {
    uint64_t result = rotl(s_[1] * 5, 7) * 9;
    uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }

  // Uniform in [0, 1) with 53 random bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

private:
  static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

uint64_t tensorSeed(uint64_t seed, const std::string &name) {
  uint64_t state = seed ^ fnv1a(name);
  return splitmix64(state);
}

// The number of inputs that feed one output of a weight's node, for He
// scaling (std = sqrt(2 / fan_in), so ReLU stacks keep unit variance).
double fanIn(const Node &node, const Shape &weightShape) {
  if (weightShape.empty() || weightShape[0] == 0) return 1.0;
  // A transformed Winograd kernel [alpha_y, alpha_x, out blocks, C, block]
  // ([alpha_x, ...] in 1-D) stands for its `kernel` of taps over C channels.
  if (isWinogradConv(node.op)) {
    const int rank = opInfo(node.op).spatialRank;
    double taps = 1.0;
    for (int64_t k : perDim(node.attrs.getInts("kernel"), rank, "kernel"))
      taps *= static_cast<double>(k);
    return std::max(1.0, taps * double(weightShape.at(static_cast<size_t>(rank + 1))));
  }
  double perOutput = static_cast<double>(numElements(weightShape) / weightShape[0]);
  if (!isConvTranspose(node.op)) return std::max(1.0, perOutput);
  // Transposed weights are [C, out/groups, k...]: an output gathers C/groups
  // channels, and of the k taps per dim only about k/stride land on it.
  double kernelSize = perOutput / static_cast<double>(weightShape[1]);
  double channels = static_cast<double>(weightShape[0]) / node.attrs.getInt("groups");
  std::vector<int64_t> stride = node.attrs.getInts("stride");
  double strideProduct = 1.0;
  for (size_t d = 2; d < weightShape.size(); ++d)
    strideProduct *= static_cast<double>(stride.size() == 1 ? stride[0] : stride.at(d - 2));
  return std::max(1.0, channels * kernelSize / strideProduct);
}

// The range a parameter is drawn from, by what it is.
std::pair<float, float> paramRange(const Node &node, const ParamSpec &spec) {
  if (node.op == OpKind::BatchNorm) {
    if (spec.suffix == "weight") return {0.8f, 1.2f};
    if (spec.suffix == "running_var") return {0.5f, 1.5f};
    return {-0.1f, 0.1f}; // bias, running_mean
  }
  if (spec.suffix == "weight") {
    float bound = static_cast<float>(std::sqrt(6.0 / fanIn(node, spec.type.shape)));
    return {-bound, bound};
  }
  return {-0.1f, 0.1f};
}

bool parseSeed(const std::string &text, uint64_t &seed) {
  if (text.empty()) return false;
  seed = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (seed > (std::numeric_limits<uint64_t>::max() - digit) / 10) return false;
    seed = seed * 10 + digit;
  }
  return true;
}

} // namespace

Tensor randomTensor(const TensorType &type, uint64_t seed, float lo, float hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || !(lo <= hi))
    throw Error("random tensor range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                ") is not a finite interval");
  Tensor tensor(type);
  uint64_t state = seed;
  Xoshiro256 rng(splitmix64(state));
  if (type.dtype == DType::F32) {
    float *out = tensor.f32();
    for (int64_t i = 0; i < tensor.numel(); ++i) {
      float v = static_cast<float>(lo + (static_cast<double>(hi) - lo) * rng.unit());
      out[i] = v < hi ? v : (lo < hi ? std::nextafter(hi, lo) : lo);
    }
    return tensor;
  }
  double first = std::ceil(lo), last = std::ceil(hi); // the integers in [lo, hi)
  if (first >= last)
    throw Error("random i32 tensor range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                ") holds no integer");
  if (first < std::numeric_limits<int32_t>::min() || last - 1 > std::numeric_limits<int32_t>::max())
    throw Error("random i32 tensor range [" + std::to_string(lo) + ", " + std::to_string(hi) +
                ") exceeds the i32 range");
  uint64_t span = static_cast<uint64_t>(last - first);
  int32_t *out = tensor.i32();
  for (int64_t i = 0; i < tensor.numel(); ++i)
    out[i] = static_cast<int32_t>(first + static_cast<double>(rng.next() % span));
  return tensor;
}

Weights randomWeights(const Graph &graph, uint64_t seed) {
  Weights weights;
  for (const Node &node : graph.nodes) {
    for (const ParamSpec &spec : paramSpecs(graph, node)) {
      auto [lo, hi] = paramRange(node, spec);
      weights[spec.name] = randomTensor(spec.type, tensorSeed(seed, spec.name), lo, hi);
    }
  }
  return weights;
}

Weights loadWeights(const Graph &graph, const std::string &source) {
  static const std::string kRandomPrefix = "random:";
  Weights weights;
  if (source.compare(0, kRandomPrefix.size(), kRandomPrefix) == 0) {
    uint64_t seed;
    if (!parseSeed(source.substr(kRandomPrefix.size()), seed))
      throw Error("bad weight source '" + source +
                  "': expected random:SEED with SEED a non-negative decimal integer");
    weights = randomWeights(graph, seed);
  } else {
    weights = readSafeTensors(source);
  }
  try {
    checkWeights(graph, weights);
  } catch (const Error &e) {
    throw Error(source + ": " + e.what());
  }
  return weights;
}

} // namespace atrous
