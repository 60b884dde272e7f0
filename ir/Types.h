// Element types and shapes of IR values. Every value in a graph has a static,
// fully inferred TensorType in logical NCHW (NCW for 1-D) order.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace atrous {

enum class DType { F32, I32 };

// "f32" / "i32", the spelling of the text format.
const char *dtypeName(DType t);
// Parses a text-format dtype name; returns false when unknown.
bool parseDType(const std::string &name, DType &out);
int dtypeSize(DType t);

using Shape = std::vector<int64_t>;

// Product of the dimensions. Throws atrous::Error if it overflows int64.
int64_t numElements(const Shape &shape);
// "[1, 3, 65, 65]"
std::string shapeStr(const Shape &shape);

struct TensorType {
  DType dtype = DType::F32;
  Shape shape;

  int rank() const { return static_cast<int>(shape.size()); }
  bool operator==(const TensorType &o) const { return dtype == o.dtype && shape == o.shape; }
  bool operator!=(const TensorType &o) const { return !(*this == o); }
  // "f32[1, 3, 65, 65]"
  std::string str() const;
};

} // namespace atrous
