// Tests of the app-side runtime library: status names, tensor indexing,
// latency statistics and PNG I/O. The PNG fixtures in tests/data/images were
// written by scripts/make_sample_image.py with its own zlib-only encoder;
// their pixels follow formulas that are repeated here, so every decoded pixel
// is checked. Damaged files (every truncation, every flipped byte) must throw
// RuntimeError, never crash.
#include "runtime/Png.h"
#include "runtime/Status.h"
#include "runtime/TensorView.h"
#include "runtime/Timer.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <numeric>
#include <random>
#include <set>
#include <thread>

namespace atrous::rt {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- Status

TEST(StatusTest, ValuesAndNamesAreTheGeneratedApis) {
  const std::pair<Status, int> documented[] = {{Status::Ok, 0},         {Status::NullPointer, -1},
                                               {Status::BadBuffer, -2}, {Status::OutOfMemory, -3},
                                               {Status::Weights, -4},   {Status::Halide, -5}};
  for (auto [status, value] : documented)
    EXPECT_EQ(static_cast<int>(status), value);
  EXPECT_STREQ(statusName(0), "ATROUS_OK");
  EXPECT_STREQ(statusName(-1), "ATROUS_ERROR_NULL_POINTER");
  EXPECT_STREQ(statusName(-2), "ATROUS_ERROR_BAD_BUFFER");
  EXPECT_STREQ(statusName(-3), "ATROUS_ERROR_OUT_OF_MEMORY");
  EXPECT_STREQ(statusName(-4), "ATROUS_ERROR_WEIGHTS");
  EXPECT_STREQ(statusName(-5), "ATROUS_ERROR_HALIDE");
  EXPECT_STREQ(statusName(Status::BadBuffer), "ATROUS_ERROR_BAD_BUFFER");
  for (int unknown : {1, -6, 42, -1000})
    EXPECT_STREQ(statusName(unknown), "unknown status");
}

// ---------------------------------------------------------------- Tensors

TEST(TensorViewTest, IndexesRowMajor) {
  std::vector<int> data(2 * 3 * 4);
  std::iota(data.begin(), data.end(), 0);
  const int64_t shape[] = {2, 3, 4};
  TensorView<int> view(data.data(), shape, 3);
  EXPECT_EQ(view.rank(), 3);
  EXPECT_EQ(view.numel(), 24);
  EXPECT_EQ(view.dim(2), 4);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) {
        EXPECT_EQ(view(i, j, k), i * 12 + j * 4 + k);
        EXPECT_EQ(&view.at({i, j, k}), &view(i, j, k));
      }
  view(1, 2, 3) = -7;
  EXPECT_EQ(data.back(), -7);
  TensorView<const int> constView = view;
  EXPECT_EQ(constView(1, 0, 1), 13);
}

TEST(TensorViewTest, CheckedAccessThrows) {
  std::vector<float> data(6);
  TensorView<float> view(data.data(), {2, 3});
  EXPECT_THROW(view.at({2, 0}), RuntimeError);
  EXPECT_THROW(view.at({0, -1}), RuntimeError);
  EXPECT_THROW(view.at({0, 0, 0}), RuntimeError);
  EXPECT_THROW(view.at({1}), RuntimeError);
  EXPECT_THROW(view.dim(2), RuntimeError);
  EXPECT_THROW(view.dim(-1), RuntimeError);
  try {
    view.at({1, 3});
    FAIL() << "no exception";
  } catch (const RuntimeError &e) {
    EXPECT_NE(std::string(e.what()).find("2x3"), std::string::npos) << e.what();
  }
}

TEST(TensorViewTest, RankZeroHasOneElement) {
  float value = 2.5f;
  TensorView<float> view(&value, std::vector<int64_t>{});
  EXPECT_EQ(view.numel(), 1);
  EXPECT_EQ(view.at({}), 2.5f);
  EXPECT_EQ(shapeString({}), "scalar");
}

TEST(TensorViewTest, HostTensorOwnsAndIndexes) {
  HostTensor<float> t({1, 3, 2, 5}, 1.5f);
  EXPECT_EQ(t.numel(), 30);
  EXPECT_EQ(t.values().size(), 30u);
  EXPECT_EQ(shapeString(t.shape()), "1x3x2x5");
  EXPECT_TRUE(std::all_of(t.values().begin(), t.values().end(), [](float v) { return v == 1.5f; }));
  t(0, 2, 1, 4) = 9;
  EXPECT_EQ(t.values().back(), 9);
  t.at({0, 1, 0, 0}) = 4;
  EXPECT_EQ(t.values()[10], 4);
  EXPECT_EQ(t.view()(0, 1, 0, 0), 4);
  EXPECT_THROW(t.at({1, 0, 0, 0}), RuntimeError);
}

TEST(TensorViewTest, BadShapesThrow) {
  EXPECT_THROW(HostTensor<float>({2, -1}), RuntimeError);
  EXPECT_THROW(shapeElements({int64_t(1) << 40, int64_t(1) << 40}), RuntimeError);
  EXPECT_EQ(shapeElements({4, 0, 5}), 0);
}

// ---------------------------------------------------------------- Timing

TEST(LatencyStatsTest, HandComputed) {
  LatencyStats odd;
  for (double v : {5.0, 1.0, 9.0, 3.0, 7.0})
    odd.add(v);
  EXPECT_EQ(odd.count(), 5u);
  EXPECT_EQ(odd.median(), 5.0);
  EXPECT_EQ(odd.min(), 1.0);
  EXPECT_EQ(odd.max(), 9.0);
  EXPECT_EQ(odd.samples().front(), 5.0) << "samples keep their order";

  LatencyStats even;
  for (double v : {4.0, 1.0, 10.0, 2.0})
    even.add(v);
  EXPECT_EQ(even.median(), 3.0);

  LatencyStats one;
  one.add(0.25);
  EXPECT_EQ(one.median(), 0.25);
  EXPECT_EQ(one.min(), 0.25);
  EXPECT_EQ(one.max(), 0.25);
}

TEST(LatencyStatsTest, EmptyThrows) {
  LatencyStats none;
  EXPECT_THROW(none.median(), RuntimeError);
  EXPECT_THROW(none.min(), RuntimeError);
  EXPECT_THROW(none.max(), RuntimeError);
}

TEST(LatencyStatsTest, RandomSamplesSplitEvenly) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int round = 0; round < 100; ++round) {
    LatencyStats stats;
    int n = 1 + static_cast<int>(rng() % 20);
    for (int i = 0; i < n; ++i)
      stats.add(static_cast<double>(rng() % 50)); // repeats on purpose
    const std::vector<double> &s = stats.samples();
    double median = stats.median();
    auto atMost = std::count_if(s.begin(), s.end(), [&](double v) { return v <= median; });
    auto atLeast = std::count_if(s.begin(), s.end(), [&](double v) { return v >= median; });
    EXPECT_GE(2 * atMost, n);
    EXPECT_GE(2 * atLeast, n);
    EXPECT_LE(stats.min(), median);
    EXPECT_GE(stats.max(), median);
    EXPECT_TRUE(std::none_of(s.begin(), s.end(), [&](double v) { return v < stats.min(); }));
    EXPECT_TRUE(std::none_of(s.begin(), s.end(), [&](double v) { return v > stats.max(); }));
  }
}

TEST(TimerTest, MeasuresASleep) {
  Timer timer;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  double ms = timer.milliseconds();
  EXPECT_GE(ms, 50.0);
  EXPECT_LT(ms, 5000.0);
  EXPECT_GE(timer.seconds(), ms / 1e3);
  timer.restart();
  EXPECT_LT(timer.milliseconds(), ms);
}

// ---------------------------------------------------------------- PNG

fs::path sourcePath(const std::string &relative) {
  return fs::path(ATROUS_SOURCE_DIR) / relative;
}
fs::path imageFixture(const std::string &name) {
  return sourcePath("tests/data/images/" + name + "_13x7.png");
}

std::vector<uint8_t> fileBytes(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The formulas of scripts/make_sample_image.py.
using Rgb = std::array<int, 3>;
Rgb rgb8(int x, int y) {
  return {(x * 37 + y * 11) % 256, (x * 5 + y * 53 + 7) % 256, (x * x + y * 3) % 256};
}
int gray8(int x, int y) {
  return (x * 29 + y * 17) % 256;
}
Rgb gray(int v) {
  return {v, v, v};
}
Rgb paletteEntry(int i) {
  return {(i * 50) % 256, 255 - i * 20, (i * i) % 256};
}

void expectPixels(const RgbImage &image, const std::function<Rgb(int, int)> &expected) {
  ASSERT_EQ(image.width, 13);
  ASSERT_EQ(image.height, 7);
  ASSERT_EQ(image.rgb.size(), 13u * 7 * 3);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const uint8_t *p = image.pixel(x, y);
      Rgb want = expected(x, y);
      ASSERT_EQ((Rgb{p[0], p[1], p[2]}), want) << "pixel (" << x << ", " << y << ")";
    }
}

TEST(PngTest, ReadsEveryColourTypeExactly) {
  struct Case {
    const char *name;
    std::function<Rgb(int, int)> expected;
  };
  const Case cases[] = {
      {"rgb8", rgb8},
      {"rgb8_adam7", rgb8},
      {"rgb8_filters", rgb8},
      {"rgb16", rgb8}, // each 16-bit sample lies within 100 of v8 * 257
      {"rgba8", rgb8}, // alpha is dropped
      {"gray8", [](int x, int y) { return gray(gray8(x, y)); }},
      {"gray16", [](int x, int y) { return gray(gray8(x, y)); }},
      {"graya8", [](int x, int y) { return gray(gray8(x, y)); }},
      {"gray2", [](int x, int y) { return gray((x + 2 * y) % 4 * 85); }},
      {"palette4", [](int x, int y) { return paletteEntry((x + y * 3) % 11); }},
  };
  for (const Case &c : cases) {
    SCOPED_TRACE(c.name);
    expectPixels(readPng(imageFixture(c.name).string()), c.expected);
  }
}

TEST(PngTest, ReadsTheExampleSample) {
  RgbImage image = readPng(sourcePath("examples/segment/sample.png").string());
  EXPECT_EQ(image.width, 320);
  EXPECT_EQ(image.height, 240);
  std::set<std::array<uint8_t, 3>> colours;
  for (int y = 0; y < image.height; y += 8)
    for (int x = 0; x < image.width; x += 8) {
      const uint8_t *p = image.pixel(x, y);
      colours.insert({p[0], p[1], p[2]});
    }
  EXPECT_GT(colours.size(), 50u) << "the sample should look like a scene, not a flat colour";
}

RgbImage randomImage(std::mt19937 &rng, int width, int height) {
  RgbImage image(width, height);
  for (uint8_t &v : image.rgb)
    v = static_cast<uint8_t>(rng());
  return image;
}

class PngFileTest : public ::testing::Test {
protected:
  void SetUp() override {
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("atrous_png_" + std::string(info->name()) + "_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string writeBytes(const std::string &name, const std::vector<uint8_t> &bytes) {
    std::string path = (dir_ / name).string();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  fs::path dir_;
};

TEST_F(PngFileTest, RoundTripsRandomImagesExactly) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  for (int round = 0; round < 20; ++round) {
    int width = round == 0 ? 1 : 1 + static_cast<int>(rng() % 70);
    int height = round == 0 ? 1 : 1 + static_cast<int>(rng() % 50);
    SCOPED_TRACE(std::to_string(width) + "x" + std::to_string(height));
    RgbImage image = randomImage(rng, width, height);
    std::string path = (dir_ / ("r" + std::to_string(round) + ".png")).string();
    writePng(path, image);
    RgbImage back = readPng(path);
    EXPECT_EQ(back.width, width);
    EXPECT_EQ(back.height, height);
    EXPECT_EQ(back.rgb, image.rgb);
    EXPECT_EQ(decodePng(encodePng(image), "memory").rgb, image.rgb);
  }
}

void expectRuntimeError(const std::function<void()> &action, const std::string &fragment) {
  try {
    action();
    ADD_FAILURE() << "no exception; expected one mentioning '" << fragment << "'";
  } catch (const RuntimeError &e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST_F(PngFileTest, EveryTruncationThrows) {
  for (const char *name : {"rgb8", "rgb8_adam7", "palette4", "gray2", "rgb16"}) {
    std::vector<uint8_t> bytes = fileBytes(imageFixture(name));
    for (size_t length = 0; length < bytes.size(); ++length) {
      SCOPED_TRACE(std::string(name) + " cut to " + std::to_string(length) + " bytes");
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(length));
      expectRuntimeError([&] { decodePng(cut, "cut.png"); }, "cut.png");
    }
  }
  std::vector<uint8_t> bytes = fileBytes(imageFixture("rgb8"));
  std::string path = writeBytes("truncated.png", {bytes.begin(), bytes.end() - 20});
  expectRuntimeError([&] { readPng(path); }, path);
}

TEST_F(PngFileTest, EveryFlippedByteThrows) {
  // The fixture has only critical chunks, whose CRCs libpng checks, so any
  // changed byte (signature, length, type, data or CRC) is an error.
  std::vector<uint8_t> bytes = fileBytes(imageFixture("rgb8"));
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (uint8_t mask : {0x01, 0x80}) {
      SCOPED_TRACE("byte " + std::to_string(i) + " xor " + std::to_string(mask));
      std::vector<uint8_t> damaged = bytes;
      damaged[i] ^= mask;
      expectRuntimeError([&] { decodePng(damaged, "damaged.png"); }, "damaged.png");
    }
  }
}

TEST_F(PngFileTest, RejectsWhatIsNotAPng) {
  std::string npy = sourcePath("tests/data/npy/f32_arange_2x3x4.npy").string();
  expectRuntimeError([&] { readPng(npy); }, npy + ": not a PNG file");
  std::string empty = writeBytes("empty.png", {});
  expectRuntimeError([&] { readPng(empty); }, empty + ": not a PNG file");
  std::string text = writeBytes("text.png", {'h', 'e', 'l', 'l', 'o'});
  expectRuntimeError([&] { readPng(text); }, "not a PNG file");
  std::string missing = (dir_ / "missing.png").string();
  expectRuntimeError([&] { readPng(missing); }, missing + ": cannot open");
}

TEST_F(PngFileTest, RejectsImagesItCannotWrite) {
  expectRuntimeError([] { encodePng(RgbImage()); }, "0x0");
  RgbImage wrongSize(4, 4);
  wrongSize.rgb.pop_back();
  expectRuntimeError([&] { encodePng(wrongSize); }, "47 bytes");
  std::string nowhere = (dir_ / "no_such_dir" / "out.png").string();
  expectRuntimeError([&] { writePng(nowhere, RgbImage(2, 2)); }, nowhere);
}

} // namespace
} // namespace atrous::rt
