// The safetensors reader and writer. Every number in the header is checked
// against the file before it is used, so a truncated or hostile file fails
// with an atrous::Error naming the file and tensor rather than reading out of
// bounds. Byte order is decoded explicitly, independent of the host.
#include "frontend/SafeTensors.h"

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>

#include <nlohmann/json.hpp>

#include "ir/Error.h"

namespace atrous {

namespace {

using nlohmann::json;

constexpr size_t kHeaderSizeBytes = 8;

uint64_t loadLE(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

void storeLE(std::vector<uint8_t> &out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i)
    out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

float floatFromBits(uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h >> 15) & 1u, exponent = (h >> 10) & 0x1fu, mantissa = h & 0x3ffu;
  float magnitude;
  if (exponent == 0)
    magnitude = std::ldexp(static_cast<float>(mantissa), -24); // zero and subnormals
  else if (exponent == 31)
    magnitude =
        mantissa ? std::numeric_limits<float>::quiet_NaN() : std::numeric_limits<float>::infinity();
  else
    magnitude = std::ldexp(static_cast<float>(mantissa | 0x400u), static_cast<int>(exponent) - 25);
  return sign ? -magnitude : magnitude;
}

enum class FileDType { F32, F16, BF16, F64, I32, I64 };

struct DTypeInfo {
  const char *name;
  FileDType type;
  int size;
};

const DTypeInfo kDTypes[] = {
    {"F32", FileDType::F32, 4}, {"F16", FileDType::F16, 2}, {"BF16", FileDType::BF16, 2},
    {"F64", FileDType::F64, 8}, {"I32", FileDType::I32, 4}, {"I64", FileDType::I64, 8},
};

class Reader {
public:
  Reader(const std::string &path, std::vector<uint8_t> bytes)
      : path_(path), bytes_(std::move(bytes)) {}

  Weights read() {
    if (bytes_.size() < kHeaderSizeBytes)
      fail("file of " + std::to_string(bytes_.size()) + " bytes is too short for a header size");
    uint64_t headerSize = loadLE(bytes_.data(), kHeaderSizeBytes);
    if (headerSize > bytes_.size() - kHeaderSizeBytes)
      fail("header size " + std::to_string(headerSize) + " is larger than the file (" +
           std::to_string(bytes_.size()) + " bytes)");
    const char *text = reinterpret_cast<const char *>(bytes_.data() + kHeaderSizeBytes);
    json header;
    try {
      header = json::parse(text, text + headerSize);
    } catch (const json::exception &e) {
      fail(std::string("header is not valid JSON: ") + e.what());
    }
    if (!header.is_object()) fail("header is not a JSON object");
    dataStart_ = kHeaderSizeBytes + headerSize;

    Weights weights;
    for (const auto &[name, entry] : header.items()) {
      if (name == "__metadata__") continue;
      weights.emplace(name, readTensor(name, entry));
    }
    return weights;
  }

private:
  [[noreturn]] void fail(const std::string &message) const { throw Error(path_ + ": " + message); }
  [[noreturn]] void fail(const std::string &name, const std::string &message) const {
    fail("tensor '" + name + "': " + message);
  }

  const json &field(const std::string &name, const json &entry, const char *key) const {
    auto it = entry.find(key);
    if (it == entry.end()) fail(name, std::string("missing field '") + key + "'");
    return *it;
  }

  // A non-negative JSON integer (positive ones parse as unsigned).
  static bool isCount(const json &v) {
    return v.is_number_unsigned() || (v.is_number_integer() && v.get<int64_t>() >= 0);
  }

  Tensor readTensor(const std::string &name, const json &entry) const {
    if (!entry.is_object()) fail(name, "entry is not a JSON object");

    const json &dtypeField = field(name, entry, "dtype");
    if (!dtypeField.is_string()) fail(name, "'dtype' is not a string");
    const std::string dtypeName = dtypeField.get<std::string>();
    const DTypeInfo *dtype = nullptr;
    for (const DTypeInfo &info : kDTypes)
      if (dtypeName == info.name) dtype = &info;
    if (!dtype)
      fail(name,
           "unsupported dtype '" + dtypeName + "' (supported: F32, F16, BF16, F64, I32, I64)");

    const json &shapeField = field(name, entry, "shape");
    if (!shapeField.is_array()) fail(name, "'shape' is not a list");
    Shape shape;
    int64_t numel = 1;
    for (const json &dim : shapeField) {
      if (!isCount(dim)) fail(name, "'shape' holds something other than a non-negative integer");
      if (dim.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        fail(name, "shape is too large");
      int64_t d = dim.get<int64_t>();
      if (d != 0 && numel > std::numeric_limits<int64_t>::max() / 8 / d)
        fail(name, "shape is too large");
      numel *= d;
      shape.push_back(d);
    }

    const json &offsets = field(name, entry, "data_offsets");
    if (!offsets.is_array() || offsets.size() != 2 || !isCount(offsets[0]) || !isCount(offsets[1]))
      fail(name, "'data_offsets' is not a pair of non-negative integers");
    uint64_t begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
    uint64_t dataSize = bytes_.size() - dataStart_;
    if (begin > end || end > dataSize)
      fail(name, "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) +
                     "] are out of range of the " + std::to_string(dataSize) + "-byte data");
    uint64_t expected = static_cast<uint64_t>(numel) * static_cast<uint64_t>(dtype->size);
    if (end - begin != expected)
      fail(name, "data_offsets span " + std::to_string(end - begin) + " bytes but " + dtypeName +
                     shapeStr(shape) + " needs " + std::to_string(expected));

    const DType target =
        dtype->type == FileDType::I32 || dtype->type == FileDType::I64 ? DType::I32 : DType::F32;
    Tensor tensor;
    try {
      tensor = Tensor(target, shape);
    } catch (const Error &e) {
      fail(name, e.what());
    }
    const uint8_t *src = bytes_.data() + dataStart_ + begin;
    for (int64_t i = 0; i < numel; ++i) {
      uint64_t bits = loadLE(src + i * dtype->size, dtype->size);
      switch (dtype->type) {
      case FileDType::F32:
        tensor.f32()[i] = floatFromBits(static_cast<uint32_t>(bits));
        break;
      case FileDType::F16:
        tensor.f32()[i] = halfToFloat(static_cast<uint16_t>(bits));
        break;
      case FileDType::BF16:
        tensor.f32()[i] = floatFromBits(static_cast<uint32_t>(bits) << 16);
        break;
      case FileDType::F64: {
        double d;
        std::memcpy(&d, &bits, sizeof d);
        tensor.f32()[i] = static_cast<float>(d);
        break;
      }
      case FileDType::I32:
        tensor.i32()[i] = static_cast<int32_t>(static_cast<uint32_t>(bits));
        break;
      case FileDType::I64: {
        int64_t v = static_cast<int64_t>(bits);
        if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
          fail(name, "I64 value " + std::to_string(v) + " at index " + std::to_string(i) +
                         " does not fit in i32");
        tensor.i32()[i] = static_cast<int32_t>(v);
        break;
      }
      }
    }
    return tensor;
  }

  const std::string &path_;
  std::vector<uint8_t> bytes_;
  uint64_t dataStart_ = 0;
};

} // namespace

Weights readSafeTensors(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open weights file");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(path + ": read error");
  return Reader(path, std::move(bytes)).read();
}

void writeSafeTensors(const std::string &path, const Weights &weights) {
  json header = json::object();
  uint64_t offset = 0;
  // Weights is ordered by name, so the data follows the sorted names.
  for (const auto &[name, tensor] : weights) {
    uint64_t size = static_cast<uint64_t>(tensor.numel()) * dtypeSize(tensor.dtype());
    header[name] = {{"dtype", tensor.dtype() == DType::F32 ? "F32" : "I32"},
                    {"shape", tensor.shape()},
                    {"data_offsets", {offset, offset + size}}};
    offset += size;
  }
  std::string text;
  try {
    text = header.dump();
  } catch (const json::exception &e) {
    throw Error(path + ": cannot write the header: " + e.what());
  }
  // Padded with spaces to a multiple of 8, as the reference implementation
  // does, so the data is aligned.
  text.append((8 - text.size() % 8) % 8, ' ');

  std::vector<uint8_t> bytes;
  storeLE(bytes, text.size(), kHeaderSizeBytes);
  bytes.insert(bytes.end(), text.begin(), text.end());
  for (const auto &entry : weights) {
    const Tensor &tensor = entry.second;
    const uint32_t *words = static_cast<const uint32_t *>(tensor.raw());
    for (int64_t i = 0; i < tensor.numel(); ++i)
      storeLE(bytes, words[i], 4);
  }

  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(path + ": cannot open weights file for writing");
  out.write(reinterpret_cast<const char *>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  if (!out) throw Error(path + ": write error");
}

} // namespace atrous
