// Element-wise conversion between rt::NpyArray bytes (little-endian, C order)
// and atrous::Tensor. Bytes are decoded explicitly so the host's byte order
// does not matter.
#include "frontend/TensorIO.h"

#include <cstring>
#include <limits>

#include "ir/Error.h"

namespace atrous {

namespace {

uint64_t loadLE(const uint8_t *p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}

template <typename To, typename From> To bitCast(From from) {
  static_assert(sizeof(To) == sizeof(From), "bitCast between types of different sizes");
  To to;
  std::memcpy(&to, &from, sizeof to);
  return to;
}

} // namespace

Tensor tensorFromNpy(const rt::NpyArray &array, const std::string &what) {
  int itemSize = rt::npyTypeSize(array.type);
  bool isFloat = array.type == rt::NpyType::F32 || array.type == rt::NpyType::F64;
  Tensor tensor;
  try {
    tensor = Tensor(isFloat ? DType::F32 : DType::I32, array.shape);
  } catch (const Error &e) {
    throw Error(what + ": " + e.what());
  }
  if (array.data.size() != static_cast<size_t>(tensor.numel()) * static_cast<size_t>(itemSize))
    throw Error(what + ": array data does not match its shape");
  for (int64_t i = 0; i < tensor.numel(); ++i) {
    uint64_t bits = loadLE(array.data.data() + i * itemSize, itemSize);
    switch (array.type) {
    case rt::NpyType::F32:
      tensor.f32()[i] = bitCast<float>(static_cast<uint32_t>(bits));
      break;
    case rt::NpyType::F64:
      tensor.f32()[i] = static_cast<float>(bitCast<double>(bits));
      break;
    case rt::NpyType::I32:
      tensor.i32()[i] = bitCast<int32_t>(static_cast<uint32_t>(bits));
      break;
    case rt::NpyType::I64: {
      int64_t v = bitCast<int64_t>(bits);
      if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max())
        throw Error(what + ": int64 value " + std::to_string(v) + " at index " + std::to_string(i) +
                    " does not fit in i32");
      tensor.i32()[i] = static_cast<int32_t>(v);
      break;
    }
    case rt::NpyType::U8:
      tensor.i32()[i] = static_cast<int32_t>(bits);
      break;
    }
  }
  return tensor;
}

rt::NpyArray npyFromTensor(const Tensor &tensor) {
  rt::NpyArray array;
  array.type = tensor.dtype() == DType::F32 ? rt::NpyType::F32 : rt::NpyType::I32;
  array.shape = tensor.shape();
  const uint32_t *words = static_cast<const uint32_t *>(tensor.raw());
  array.data.reserve(static_cast<size_t>(tensor.numel()) * 4);
  for (int64_t i = 0; i < tensor.numel(); ++i)
    for (int byte = 0; byte < 4; ++byte)
      array.data.push_back(static_cast<uint8_t>(words[i] >> (8 * byte)));
  return array;
}

} // namespace atrous
