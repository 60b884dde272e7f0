// segment: the example app that links a DeepLab model compiled by atrousc.
// It shows everything an app does around the generated C entry point: read
// an image, resize and normalize it to the model's input, run the model and
// time it, turn the class scores into a colour-coded mask, and check every
// status code. It depends only on the generated header, the generated
// library and atrous's runtime library; no Halide header, no framework.
//
//   segment IMAGE.png MASK.png [--runs N]
#include "deeplab.h"

#include "runtime/Png.h"
#include "runtime/Status.h"
#include "runtime/TensorView.h"
#include "runtime/Timer.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <vector>

namespace {

using namespace atrous::rt;

static_assert(ATROUS_OK == static_cast<int>(Status::Ok) &&
                  ATROUS_ERROR_NULL_POINTER == static_cast<int>(Status::NullPointer) &&
                  ATROUS_ERROR_BAD_BUFFER == static_cast<int>(Status::BadBuffer) &&
                  ATROUS_ERROR_OUT_OF_MEMORY == static_cast<int>(Status::OutOfMemory) &&
                  ATROUS_ERROR_WEIGHTS == static_cast<int>(Status::Weights) &&
                  ATROUS_ERROR_HALIDE == static_cast<int>(Status::Halide),
              "runtime/Status.h disagrees with the generated header");
static_assert(DEEPLAB_NUM_INPUTS == 1 && DEEPLAB_NUM_OUTPUTS == 1,
              "segment expects a model with one image input and one score output");
static_assert(DEEPLAB_INPUT0_RANK == 4 && DEEPLAB_OUTPUT0_RANK == 4,
              "segment expects NCHW input and output");

// ImageNet statistics, which DeepLab's backbones are trained with.
constexpr float kMean[3] = {0.485f, 0.456f, 0.406f};
constexpr float kStd[3] = {0.229f, 0.224f, 0.225f};

const char *const kVocClasses[] = {
    "background", "aeroplane", "bicycle",     "bird",  "boat",        "bottle", "bus",
    "car",        "cat",       "chair",       "cow",   "diningtable", "dog",    "horse",
    "motorbike",  "person",    "pottedplant", "sheep", "sofa",        "train",  "tvmonitor"};
constexpr int kVocClassCount = sizeof kVocClasses / sizeof kVocClasses[0];

struct Options {
  std::string image;
  std::string mask;
  int runs = 5;
};

const char kUsage[] = "usage: segment IMAGE.png MASK.png [--runs N]\n";

class UsageError : public std::runtime_error {
public:
  using std::runtime_error::runtime_error;
};

int parsePositiveInt(const std::string &text, const std::string &flag) {
  size_t used = 0;
  int value = 0;
  try {
    value = std::stoi(text, &used);
  } catch (const std::exception &) {
    used = 0;
  }
  if (used == 0 || used != text.size() || value < 1)
    throw UsageError(flag + " needs a positive integer, not '" + text + "'");
  return value;
}

Options parseArgs(int argc, char **argv) {
  Options options;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    } else if (arg == "--runs") {
      if (i + 1 >= argc) throw UsageError("--runs needs a value");
      options.runs = parsePositiveInt(argv[++i], "--runs");
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "'");
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) throw UsageError("expected IMAGE.png and MASK.png");
  options.image = positional[0];
  options.mask = positional[1];
  return options;
}

// Throws with the model's own explanation when a generated call fails.
void check(int status, const char *call) {
  if (status != ATROUS_OK)
    throw RuntimeError(std::string(call) + " failed with " + statusName(status) + " (" +
                       std::to_string(status) + "): " + deeplab_last_error());
}

// Source coordinates of bilinear sampling with pixel centres aligned
// (PyTorch's align_corners=False): output index i reads between lower and
// upper with weight `frac` on upper.
struct Tap {
  int lower, upper;
  float frac;
};

std::vector<Tap> bilinearTaps(int sourceSize, int targetSize) {
  std::vector<Tap> taps(targetSize);
  double scale = static_cast<double>(sourceSize) / targetSize;
  for (int i = 0; i < targetSize; ++i) {
    double s = std::clamp((i + 0.5) * scale - 0.5, 0.0, static_cast<double>(sourceSize - 1));
    int lower = static_cast<int>(s);
    taps[i] = {lower, std::min(lower + 1, sourceSize - 1), static_cast<float>(s - lower)};
  }
  return taps;
}

// The image resized bilinearly to the model's H x W, as normalized NCHW.
void fillModelInput(const RgbImage &image, TensorView<float> input) {
  if (input.dim(0) != 1 || input.dim(1) != 3)
    throw RuntimeError("the model's input is " + shapeString(input.shape()) +
                       "; segment needs 1x3xHxW");
  int height = static_cast<int>(input.dim(2)), width = static_cast<int>(input.dim(3));
  std::vector<Tap> rows = bilinearTaps(image.height, height);
  std::vector<Tap> cols = bilinearTaps(image.width, width);
  for (int y = 0; y < height; ++y) {
    const Tap &ty = rows[y];
    for (int x = 0; x < width; ++x) {
      const Tap &tx = cols[x];
      const uint8_t *p00 = image.pixel(tx.lower, ty.lower), *p01 = image.pixel(tx.upper, ty.lower);
      const uint8_t *p10 = image.pixel(tx.lower, ty.upper), *p11 = image.pixel(tx.upper, ty.upper);
      for (int c = 0; c < 3; ++c) {
        float top = p00[c] + (p01[c] - p00[c]) * tx.frac;
        float bottom = p10[c] + (p11[c] - p10[c]) * tx.frac;
        float value = (top + (bottom - top) * ty.frac) / 255.0f;
        input(0, c, y, x) = (value - kMean[c]) / kStd[c];
      }
    }
  }
}

// The highest-scoring class of each pixel of 1 x C x H x W scores, H x W.
HostTensor<int32_t> argmaxOverClasses(TensorView<const float> scores) {
  int64_t classes = scores.dim(1), height = scores.dim(2), width = scores.dim(3);
  HostTensor<int32_t> labels({height, width}, 0);
  HostTensor<float> best({height, width});
  for (int64_t c = 0; c < classes; ++c)
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x) {
        float score = scores(0, c, y, x);
        if (c == 0 || score > best(y, x)) {
          best(y, x) = score;
          labels(y, x) = static_cast<int32_t>(c);
        }
      }
  return labels;
}

// PASCAL VOC's colour map: the bits of the class index spread over the
// high bits of R, G and B, three at a time.
std::array<uint8_t, 3> vocColour(int label) {
  std::array<uint8_t, 3> rgb = {0, 0, 0};
  for (int shift = 7; shift >= 0 && label > 0; --shift, label >>= 3)
    for (int channel = 0; channel < 3; ++channel)
      rgb[channel] |= static_cast<uint8_t>(((label >> channel) & 1) << shift);
  return rgb;
}

// Labels resized (nearest, pixel centres) to width x height and coloured;
// counts[label] receives the number of mask pixels of each class.
RgbImage colourMask(const HostTensor<int32_t> &labels, int width, int height,
                    std::vector<int64_t> &counts) {
  int64_t labelHeight = labels.dim(0), labelWidth = labels.dim(1);
  RgbImage mask(width, height);
  for (int y = 0; y < height; ++y) {
    int64_t sy = std::min(labelHeight - 1, static_cast<int64_t>((y + 0.5) * labelHeight / height));
    for (int x = 0; x < width; ++x) {
      int64_t sx = std::min(labelWidth - 1, static_cast<int64_t>((x + 0.5) * labelWidth / width));
      int32_t label = labels(sy, sx);
      ++counts[label];
      std::array<uint8_t, 3> colour = vocColour(label);
      std::copy(colour.begin(), colour.end(), mask.pixel(x, y));
    }
  }
  return mask;
}

std::string className(int label, int classes) {
  return classes == kVocClassCount ? kVocClasses[label] : "class " + std::to_string(label);
}

void printHistogram(const std::vector<int64_t> &counts, int64_t total) {
  int classes = static_cast<int>(counts.size());
  std::printf("classes in the mask (%lld pixels):\n", static_cast<long long>(total));
  int absent = 0;
  for (int label = 0; label < classes; ++label) {
    if (counts[label] == 0) {
      ++absent;
      continue;
    }
    std::printf("  %3d %-12s %9lld  %5.1f%%\n", label, className(label, classes).c_str(),
                static_cast<long long>(counts[label]), 100.0 * counts[label] / total);
  }
  if (absent) std::printf("  (%d of %d classes absent)\n", absent, classes);
}

int segment(const Options &options) {
  RgbImage image = readPng(options.image);
  HostTensor<float> input(deeplab_input0_shape, DEEPLAB_INPUT0_RANK);
  HostTensor<float> scores(deeplab_output0_shape, DEEPLAB_OUTPUT0_RANK);
  std::printf("model:   input %s, output %s", shapeString(input.shape()).c_str(),
              shapeString(scores.shape()).c_str());
#ifdef DEEPLAB_INTERMEDIATE_BYTES
  std::printf(", %.1f MiB of intermediates per call",
              static_cast<double>(DEEPLAB_INTERMEDIATE_BYTES) / (1 << 20));
#endif
  std::printf("\nimage:   %s, %dx%d\n", options.image.c_str(), image.width, image.height);
  if (scores.dim(0) != 1)
    throw RuntimeError("the model's output is " + shapeString(scores.shape()) +
                       "; segment needs 1xCxHxW class scores");

  fillModelInput(image, input.view());

  Timer warmUp;
  check(deeplab_run(input.data(), scores.data()), "deeplab_run");
  std::printf("warm-up: %.2f ms\n", warmUp.milliseconds());
  LatencyStats latency;
  for (int run = 1; run <= options.runs; ++run) {
    Timer timer;
    check(deeplab_run(input.data(), scores.data()), "deeplab_run");
    latency.add(timer.milliseconds());
    std::printf("run %d:   %.2f ms\n", run, latency.samples().back());
  }
  std::printf("latency: median %.2f ms, min %.2f ms, max %.2f ms over %d runs\n", latency.median(),
              latency.min(), latency.max(), options.runs);

  HostTensor<int32_t> labels = argmaxOverClasses(scores.view());
  std::vector<int64_t> counts(static_cast<size_t>(scores.dim(1)), 0);
  RgbImage mask = colourMask(labels, image.width, image.height, counts);
  printHistogram(counts, static_cast<int64_t>(image.width) * image.height);
  writePng(options.mask, mask);
  std::printf("wrote %s\n", options.mask.c_str());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  Options options;
  try {
    options = parseArgs(argc, argv);
  } catch (const UsageError &e) {
    std::fprintf(stderr, "segment: %s\n%s", e.what(), kUsage);
    return 2;
  }
  try {
    return segment(options);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "segment: error: %s\n", e.what());
    return 1;
  }
}
