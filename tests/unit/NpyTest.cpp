// Tests of the .npy reader and writer: files written by NumPy itself
// (tests/data/npy, made by scripts/make_test_fixtures.py) read back exactly
// and are reproduced byte for byte, handcrafted headers in the spellings
// NumPy's parser accepts, and damaged files that must fail cleanly.
#include "runtime/Npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

namespace atrous::rt {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string &name) {
  return fs::path(ATROUS_SOURCE_DIR) / "tests" / "data" / "npy" / name;
}

std::vector<uint8_t> fileBytes(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in) << "cannot open " << path;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

template <typename T> std::vector<uint8_t> bytesOf(const std::vector<T> &values) {
  std::vector<uint8_t> bytes(values.size() * sizeof(T));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// A .npy file with the given header text, unpadded.
std::vector<uint8_t> makeNpy(const std::string &header, const std::vector<uint8_t> &data,
                             int major = 1) {
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', static_cast<uint8_t>(major), 0};
  int lenBytes = major == 1 ? 2 : 4;
  for (int i = 0; i < lenBytes; ++i)
    out.push_back(static_cast<uint8_t>(header.size() >> (8 * i)));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

// Expects parseNpy to throw a message that names the file and contains `part`.
void expectRejected(const std::vector<uint8_t> &bytes, const std::string &part) {
  try {
    parseNpy(bytes, "bad.npy");
    ADD_FAILURE() << "accepted a file that should fail with '" << part << "'";
  } catch (const std::runtime_error &e) {
    std::string message = e.what();
    EXPECT_NE(message.find("bad.npy"), std::string::npos) << message;
    EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

const char *const kNumpySavedFiles[] = {
    "f32_arange_2x3x4.npy", "f64_halves_2x3.npy", "i32_range.npy",     "i64_extremes_2x2.npy",
    "u8_250_to_254.npy",    "f32_scalar.npy",     "f32_empty_0x3.npy",
};

TEST(NpyTest, ReadsNumpyFloat32) {
  NpyArray a = readNpy(fixture("f32_arange_2x3x4.npy").string());
  EXPECT_EQ(a.type, NpyType::F32);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3, 4}));
  EXPECT_EQ(a.numel(), 24);
  std::vector<float> expected;
  for (int i = 0; i < 24; ++i)
    expected.push_back(static_cast<float>(i));
  EXPECT_EQ(a.data, bytesOf(expected));
}

TEST(NpyTest, ReadsNumpyFloat64) {
  NpyArray a = readNpy(fixture("f64_halves_2x3.npy").string());
  EXPECT_EQ(a.type, NpyType::F64);
  EXPECT_EQ(a.shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(a.data, bytesOf(std::vector<double>{-1.0, -0.5, 0.0, 0.5, 1.0, 1.5}));
}

TEST(NpyTest, ReadsNumpyIntegers) {
  NpyArray i32 = readNpy(fixture("i32_range.npy").string());
  EXPECT_EQ(i32.type, NpyType::I32);
  EXPECT_EQ(i32.shape, (std::vector<int64_t>{6}));
  EXPECT_EQ(i32.data, bytesOf(std::vector<int32_t>{-3, -2, -1, 0, 1, 2}));

  NpyArray i64 = readNpy(fixture("i64_extremes_2x2.npy").string());
  EXPECT_EQ(i64.type, NpyType::I64);
  EXPECT_EQ(i64.shape, (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(i64.data, bytesOf(std::vector<int64_t>{-2147483648LL, 2147483647LL, 0, 7}));

  NpyArray u8 = readNpy(fixture("u8_250_to_254.npy").string());
  EXPECT_EQ(u8.type, NpyType::U8);
  EXPECT_EQ(u8.shape, (std::vector<int64_t>{5}));
  EXPECT_EQ(u8.data, (std::vector<uint8_t>{250, 251, 252, 253, 254}));
}

TEST(NpyTest, ReadsNumpyScalarAndEmpty) {
  NpyArray scalar = readNpy(fixture("f32_scalar.npy").string());
  EXPECT_TRUE(scalar.shape.empty());
  EXPECT_EQ(scalar.numel(), 1);
  EXPECT_EQ(scalar.data, bytesOf(std::vector<float>{3.5f}));

  NpyArray empty = readNpy(fixture("f32_empty_0x3.npy").string());
  EXPECT_EQ(empty.shape, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(empty.numel(), 0);
  EXPECT_TRUE(empty.data.empty());
}

TEST(NpyTest, ReadsVersions2And3) {
  for (const char *name : {"i32_v2.npy", "i32_v3.npy"}) {
    SCOPED_TRACE(name);
    NpyArray a = readNpy(fixture(name).string());
    EXPECT_EQ(a.type, NpyType::I32);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{3}));
    EXPECT_EQ(a.data, bytesOf(std::vector<int32_t>{0, 1, 2}));
  }
}

TEST(NpyTest, WritesTheBytesNumpyWrites) {
  for (const char *name : kNumpySavedFiles) {
    SCOPED_TRACE(name);
    std::vector<uint8_t> numpyBytes = fileBytes(fixture(name));
    EXPECT_EQ(serializeNpy(parseNpy(numpyBytes, name)), numpyBytes);
  }
}

TEST(NpyTest, RejectsUnsupportedNumpyFiles) {
  struct Case {
    const char *file, *message;
  };
  for (Case c : {Case{"f32_fortran_2x3.npy", "Fortran"}, Case{"f32_bigendian.npy", "big-endian"},
                 Case{"bool_3.npy", "unsupported dtype '|b1'"}}) {
    SCOPED_TRACE(c.file);
    std::string path = fixture(c.file).string();
    try {
      readNpy(path);
      ADD_FAILURE() << "accepted " << path;
    } catch (const std::runtime_error &e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.message), std::string::npos) << e.what();
    }
  }
}

TEST(NpyTest, EveryTruncationThrows) {
  for (const char *name : kNumpySavedFiles) {
    std::vector<uint8_t> bytes = fileBytes(fixture(name));
    for (size_t size = 0; size < bytes.size(); ++size) {
      std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(size));
      EXPECT_THROW(parseNpy(cut, name), std::runtime_error) << name << " cut at " << size;
    }
  }
}

TEST(NpyTest, AcceptsHeaderSpellingVariants) {
  std::vector<uint8_t> data = bytesOf(std::vector<int32_t>{4, 5, 6});
  for (const char *header : {
           "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }",
           "{'descr':'<i4','fortran_order':False,'shape':(3,)}",
           "{ \"shape\" : ( 3 , ) , \"fortran_order\" : False , \"descr\" : \"<i4\" }\n",
           "{'descr': '<i4', 'fortran_order': False, 'shape': (3L,), }          \n",
       }) {
    SCOPED_TRACE(header);
    NpyArray a = parseNpy(makeNpy(header, data), "variant.npy");
    EXPECT_EQ(a.type, NpyType::I32);
    EXPECT_EQ(a.shape, (std::vector<int64_t>{3}));
    EXPECT_EQ(a.data, data);
  }
  NpyArray scalar =
      parseNpy(makeNpy("{'descr': '<u1', 'fortran_order': False, 'shape': ()}", {9}), "u1.npy");
  EXPECT_EQ(scalar.type, NpyType::U8);
  EXPECT_EQ(scalar.data, std::vector<uint8_t>{9});
}

TEST(NpyTest, RejectsMalformedFiles) {
  auto header = [](const std::string &descr, const std::string &shape) {
    return "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  };
  std::vector<uint8_t> four = {1, 2, 3, 4};

  std::vector<uint8_t> badMagic = makeNpy(header("<f4", "(1,)"), four);
  badMagic[1] = 'X';
  expectRejected(badMagic, "bad magic");
  std::vector<uint8_t> badVersion = makeNpy(header("<f4", "(1,)"), four);
  badVersion[6] = 4;
  expectRejected(badVersion, "version 4.0");

  std::vector<uint8_t> absurd = makeNpy(header("<f4", "(1,)"), four, 2);
  absurd[8] = absurd[9] = absurd[10] = absurd[11] = 0xff;
  expectRejected(absurd, "absurdly large");

  expectRejected(makeNpy(header("<f4", "(-1,)"), four), "negative dimension");
  expectRejected(makeNpy(header("<f4", "(4294967296, 4294967296)"), four), "overflows");
  expectRejected(makeNpy(header("<f4", "(99999999999999999999,)"), four), "too large");
  expectRejected(makeNpy(header("<f4", "(2,)"), four), "truncated data");
  expectRejected(makeNpy(header("<f4", "(1,)"), {1, 2, 3, 4, 5, 6, 7, 8}),
                 "has 4 bytes after the data");
  expectRejected(makeNpy(header(">i4", "(1,)"), four), "big-endian");
  expectRejected(makeNpy(header("<f2", "(2,)"), four), "unsupported dtype '<f2'");
  expectRejected(makeNpy("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", four),
                 "Fortran");
  expectRejected(makeNpy("{'descr': '<f4', 'shape': (1,), }", four), "lacks");
  expectRejected(
      makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}", four),
      "unexpected key 'extra'");
  expectRejected(makeNpy("{'descr': '<f4', 'fortran_order': 0, 'shape': (1,)}", four),
                 "not True or False");
  expectRejected(makeNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", four),
                 "after the header");
  expectRejected(makeNpy("{'descr: '<f4'}", four), "malformed header");
  expectRejected(makeNpy("", {}), "malformed header");
}

TEST(NpyTest, RoundTripsRandomArraysThroughFiles) {
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 rng(seed);
  fs::path dir = fs::temp_directory_path() / ("atrous_npy_test_" + std::to_string(seed));
  fs::create_directories(dir);
  for (int round = 0; round < 50; ++round) {
    NpyArray a;
    a.type = static_cast<NpyType>(rng() % 5);
    size_t rank = rng() % 5;
    for (size_t d = 0; d < rank; ++d)
      a.shape.push_back(static_cast<int64_t>(rng() % 5));
    a.data.resize(static_cast<size_t>(a.numel() * npyTypeSize(a.type)));
    for (uint8_t &b : a.data)
      b = static_cast<uint8_t>(rng());
    std::string path = (dir / ("a" + std::to_string(round) + ".npy")).string();
    writeNpy(path, a);
    std::vector<uint8_t> bytes = fileBytes(path);
    EXPECT_EQ(bytes.size() % 64, a.data.size() % 64) << "data not 64-byte aligned";
    NpyArray b = readNpy(path);
    EXPECT_EQ(b.type, a.type);
    EXPECT_EQ(b.shape, a.shape);
    EXPECT_EQ(b.data, a.data);
  }
  fs::remove_all(dir);
}

TEST(NpyTest, HugeHeadersUseVersion2) {
  NpyArray a;
  a.type = NpyType::U8;
  a.shape.assign(30000, 1);
  a.data = {42};
  std::vector<uint8_t> bytes = serializeNpy(a);
  EXPECT_EQ(bytes[6], 2);
  EXPECT_EQ((bytes.size() - 1) % 64, 0u);
  NpyArray b = parseNpy(bytes, "huge.npy");
  EXPECT_EQ(b.shape, a.shape);
  EXPECT_EQ(b.data, a.data);
}

TEST(NpyTest, WriterRejectsDataThatDoesNotMatchTheShape) {
  NpyArray a;
  a.type = NpyType::F32;
  a.shape = {2};
  a.data.resize(4);
  EXPECT_THROW(serializeNpy(a), std::runtime_error);
}

TEST(NpyTest, MissingFileNamesThePath) {
  try {
    readNpy("/nonexistent/dir/x.npy");
    ADD_FAILURE() << "read a missing file";
  } catch (const std::runtime_error &e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/x.npy"), std::string::npos);
  }
}

} // namespace
} // namespace atrous::rt
