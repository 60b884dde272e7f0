#include "ir/Types.h"

#include <limits>

#include "ir/Error.h"

namespace atrous {

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32:
    return "f32";
  case DType::I32:
    return "i32";
  }
  return "?";
}

bool parseDType(const std::string &name, DType &out) {
  if (name == "f32")
    out = DType::F32;
  else if (name == "i32")
    out = DType::I32;
  else
    return false;
  return true;
}

int dtypeSize(DType) {
  return 4;
}

int64_t numElements(const Shape &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw Error("negative dimension in shape " + shapeStr(shape));
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      throw Error("shape " + shapeStr(shape) + " has too many elements");
    n *= d;
  }
  return n;
}

std::string shapeStr(const Shape &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string TensorType::str() const {
  return std::string(dtypeName(dtype)) + shapeStr(shape);
}

} // namespace atrous
