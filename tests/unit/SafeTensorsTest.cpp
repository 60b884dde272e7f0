// Tests of the safetensors reader and writer: a file written outside atrous
// (tests/data/safetensors, by scripts/make_test_fixtures.py) with every dtype
// we convert, round trips, one handcrafted file per error, and truncated or
// corrupted files that must fail with atrous::Error rather than crash.
#include "frontend/SafeTensors.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "ir/Error.h"

namespace atrous {
namespace {

namespace fs = std::filesystem;

const std::string kPythonFixture = (fs::path(ATROUS_SOURCE_DIR) / "tests" / "data" / "safetensors" /
                                    "python_mixed_dtypes.safetensors")
                                       .string();

std::vector<uint8_t> fileBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class SafeTensorsTest : public ::testing::Test {
protected:
  void SetUp() override {
    const auto *info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() /
           ("atrous_safetensors_" + std::string(info->name()) + "_" + std::to_string(getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string writeBytes(const std::vector<uint8_t> &bytes) {
    std::string path = (dir_ / ("f" + std::to_string(count_++) + ".safetensors")).string();
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char *>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  // A file with the given header text (any size, not padded) and data.
  std::string writeFile(const std::string &header, const std::vector<uint8_t> &data) {
    std::vector<uint8_t> bytes;
    for (int i = 0; i < 8; ++i)
      bytes.push_back(static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i)));
    bytes.insert(bytes.end(), header.begin(), header.end());
    bytes.insert(bytes.end(), data.begin(), data.end());
    return writeBytes(bytes);
  }

  // Expects reading to throw an atrous::Error that names the file and
  // contains every one of `parts`.
  void expectRejected(const std::string &path, std::initializer_list<std::string> parts) {
    try {
      readSafeTensors(path);
      ADD_FAILURE() << "accepted " << path;
    } catch (const Error &e) {
      std::string message = e.what();
      EXPECT_NE(message.find(path), std::string::npos) << message;
      for (const std::string &part : parts)
        EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
    }
  }

  fs::path dir_;
  int count_ = 0;
};

std::vector<float> floats(const Tensor &t) {
  return {t.f32(), t.f32() + t.numel()};
}
std::vector<int32_t> ints(const Tensor &t) {
  return {t.i32(), t.i32() + t.numel()};
}

TEST_F(SafeTensorsTest, ReadsFileWrittenByPython) {
  Weights w = readSafeTensors(kPythonFixture);
  ASSERT_EQ(w.size(), 6u) << "__metadata__ is not a tensor";

  EXPECT_EQ(w.at("a.weight").type(), (TensorType{DType::F32, {2, 3}}));
  EXPECT_EQ(floats(w.at("a.weight")), (std::vector<float>{0, 1, 2, 3, 4, 5}));

  EXPECT_EQ(w.at("b.f16").type(), (TensorType{DType::F32, {4}}));
  EXPECT_EQ(floats(w.at("b.f16")),
            (std::vector<float>{1.0f, -2.5f, std::ldexp(1.0f, -24), 65504.0f}));

  EXPECT_EQ(w.at("c.bf16").type(), (TensorType{DType::F32, {2, 2}}));
  EXPECT_EQ(floats(w.at("c.bf16")),
            (std::vector<float>{1.0f, -3.0f, 0.15625f, std::ldexp(1.0f, 100)}));

  EXPECT_EQ(w.at("d.f64").type(), (TensorType{DType::F32, {3}}));
  EXPECT_EQ(floats(w.at("d.f64")), (std::vector<float>{static_cast<float>(0.1), -1e10f, 2.5f}));

  EXPECT_EQ(w.at("e.i64").type(), (TensorType{DType::I32, {2}}));
  EXPECT_EQ(ints(w.at("e.i64")), (std::vector<int32_t>{INT32_MIN, INT32_MAX}));

  EXPECT_EQ(w.at("f.i32").type(), (TensorType{DType::I32, {3}}));
  EXPECT_EQ(ints(w.at("f.i32")), (std::vector<int32_t>{-1, 0, 7}));
}

TEST_F(SafeTensorsTest, ConvertsHalfSpecialValues) {
  // +inf, -inf, NaN, -0, 1/3 rounded to half, and the largest subnormal.
  std::vector<uint16_t> halves = {0x7c00, 0xfc00, 0x7e00, 0x8000, 0x3555, 0x03ff};
  std::vector<uint8_t> data;
  for (uint16_t h : halves) {
    data.push_back(static_cast<uint8_t>(h));
    data.push_back(static_cast<uint8_t>(h >> 8));
  }
  Weights w = readSafeTensors(
      writeFile(R"({"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]}})", data));
  std::vector<float> v = floats(w.at("h"));
  EXPECT_EQ(v[0], INFINITY);
  EXPECT_EQ(v[1], -INFINITY);
  EXPECT_TRUE(std::isnan(v[2]));
  EXPECT_EQ(v[3], 0.0f);
  EXPECT_TRUE(std::signbit(v[3]));
  EXPECT_EQ(v[4], 0.333251953125f);
  EXPECT_EQ(v[5], 1023.0f * std::ldexp(1.0f, -24));
}

TEST_F(SafeTensorsTest, RoundTripsRandomWeights) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  Weights weights;
  for (int i = 0; i < 20; ++i) {
    Shape shape;
    for (size_t d = 0, rank = rng() % 4; d < rank; ++d)
      shape.push_back(static_cast<int64_t>(rng() % 4));
    Tensor t(rng() % 2 ? DType::F32 : DType::I32, shape);
    uint32_t *words = static_cast<uint32_t *>(t.raw());
    for (int64_t j = 0; j < t.numel(); ++j)
      words[j] = static_cast<uint32_t>(rng());
    weights["t" + std::to_string(rng() % 1000) + ".w"] = t;
  }
  std::string path = (dir_ / "round.safetensors").string();
  writeSafeTensors(path, weights);
  EXPECT_EQ(readSafeTensors(path), weights);

  // The layout the reference implementation writes: a space-padded header of
  // a multiple of 8 bytes, and the data packed in the order of sorted names.
  std::vector<uint8_t> bytes = fileBytes(path);
  uint64_t headerSize = 0;
  for (int i = 7; i >= 0; --i)
    headerSize = (headerSize << 8) | bytes[i];
  EXPECT_EQ(headerSize % 8, 0u);
  auto header = nlohmann::json::parse(bytes.begin() + 8, bytes.begin() + 8 + headerSize);
  uint64_t offset = 0;
  for (const auto &[name, tensor] : weights) {
    EXPECT_EQ(header[name]["data_offsets"][0].get<uint64_t>(), offset) << name;
    offset += static_cast<uint64_t>(tensor.byteSize());
  }
  EXPECT_EQ(bytes.size(), 8 + headerSize + offset);
}

TEST_F(SafeTensorsTest, RejectsBrokenHeaders) {
  expectRejected(writeBytes({1, 0, 0}), {"too short"});
  std::vector<uint8_t> tooLong = {200, 0, 0, 0, 0, 0, 0, 0, '{', '}'};
  expectRejected(writeBytes(tooLong), {"header size 200", "larger than the file"});
  std::vector<uint8_t> huge = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
  expectRejected(writeBytes(huge), {"larger than the file"});
  expectRejected(writeFile(R"({"a": )", {}), {"not valid JSON"});
  expectRejected(writeFile("[1, 2]", {}), {"not a JSON object"});
}

TEST_F(SafeTensorsTest, RejectsBrokenTensorEntries) {
  std::vector<uint8_t> data(16, 0);
  struct Case {
    const char *entry;
    std::string message;
  };
  for (const Case &c : {
           Case{R"(3)", "entry is not a JSON object"},
           Case{R"({"shape":[2],"data_offsets":[0,8]})", "missing field 'dtype'"},
           Case{R"({"dtype":"F32","data_offsets":[0,8]})", "missing field 'shape'"},
           Case{R"({"dtype":"F32","shape":[2]})", "missing field 'data_offsets'"},
           Case{R"({"dtype":7,"shape":[2],"data_offsets":[0,8]})", "'dtype' is not a string"},
           Case{R"({"dtype":"U8","shape":[2],"data_offsets":[0,2]})", "unsupported dtype 'U8'"},
           Case{R"({"dtype":"F32","shape":2,"data_offsets":[0,8]})", "'shape' is not a list"},
           Case{R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})", "non-negative integer"},
           Case{R"({"dtype":"F32","shape":[2.5],"data_offsets":[0,8]})", "non-negative integer"},
           Case{R"({"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]})",
                "too large"},
           Case{R"({"dtype":"F32","shape":[18446744073709551615],"data_offsets":[0,8]})",
                "too large"},
           Case{R"({"dtype":"F32","shape":[2],"data_offsets":[0]})", "pair"},
           Case{R"({"dtype":"F32","shape":[2],"data_offsets":[-8,0]})", "pair"},
           Case{R"({"dtype":"F32","shape":[2],"data_offsets":[8,0]})", "out of range"},
           Case{R"({"dtype":"F32","shape":[2],"data_offsets":[12,20]})", "out of range"},
           Case{R"({"dtype":"F32","shape":[2],"data_offsets":[0,18446744073709551615]})",
                "out of range"},
           Case{R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})", "needs 12"},
       }) {
    SCOPED_TRACE(c.entry);
    expectRejected(writeFile(std::string(R"({"__metadata__":{},"ok":{"dtype":"F32","shape":[1],)") +
                                 R"("data_offsets":[0,4]},"bad.w":)" + c.entry + "}",
                             data),
                   {"tensor 'bad.w'", c.message});
  }
}

TEST_F(SafeTensorsTest, RejectsI64OutOfI32Range) {
  std::vector<uint8_t> data(16, 0);
  data[8 + 4] = 1; // the second value is 2^32
  expectRejected(writeFile(R"({"big":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", data),
                 {"tensor 'big'", "4294967296", "index 1", "does not fit in i32"});
}

TEST_F(SafeTensorsTest, EveryTruncationThrows) {
  std::vector<uint8_t> bytes = fileBytes(kPythonFixture);
  for (size_t size = 0; size < bytes.size(); ++size) {
    std::string path =
        writeBytes({bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size)});
    EXPECT_THROW(readSafeTensors(path), Error) << "cut at " << size;
    fs::remove(path);
  }
}

TEST_F(SafeTensorsTest, CorruptedBytesNeverCrash) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  std::vector<uint8_t> bytes = fileBytes(kPythonFixture);
  int rejected = 0;
  for (size_t pos = 0; pos < bytes.size(); ++pos) {
    std::vector<uint8_t> corrupt = bytes;
    corrupt[pos] = static_cast<uint8_t>(rng());
    std::string path = writeBytes(corrupt);
    try {
      readSafeTensors(path);
    } catch (const Error &) {
      ++rejected;
    }
    fs::remove(path);
  }
  EXPECT_GT(rejected, 0);
}

TEST_F(SafeTensorsTest, MissingFileNamesThePath) {
  expectRejected((dir_ / "absent.safetensors").string(), {"cannot open"});
}

} // namespace
} // namespace atrous
