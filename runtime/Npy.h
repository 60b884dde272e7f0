// NumPy's .npy format (versions 1.0, 2.0 and 3.0), the way tensors travel in
// and out of atrous tools and apps. This is runtime code: it depends on
// nothing of the compiler, so an app can use it beside a generated model.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atrous::rt {

enum class NpyType { F32, F64, I32, I64, U8 };

struct NpyArray {
  NpyType type = NpyType::F32;
  std::vector<int64_t> shape;
  std::vector<uint8_t> data; // C order, little-endian

  int64_t numel() const;
};

int npyTypeSize(NpyType t);
// The NumPy descr, e.g. "<f4".
const char *npyDescr(NpyType t);

// Throws std::runtime_error naming the file on anything malformed or
// unsupported: bad magic, truncated header or data, Fortran order, big-endian
// or unknown dtypes, shapes whose size overflows.
NpyArray readNpy(const std::string &path);
NpyArray parseNpy(const std::vector<uint8_t> &bytes, const std::string &what);
void writeNpy(const std::string &path, const NpyArray &array);
std::vector<uint8_t> serializeNpy(const NpyArray &array);

} // namespace atrous::rt
