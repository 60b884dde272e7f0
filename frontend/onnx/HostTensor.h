// Tensors the importer computes with while it reads a model: initializers,
// Constant nodes, the shape arithmetic exporters emit (Shape -> Gather ->
// Unsqueeze -> Concat -> Resize), and index maps that describe how a
// data-movement chain rearranges a run-time tensor (ViewMap.h). Values keep
// their ONNX element type, so folded arithmetic rounds as the model says
// (float32 math rounds to float32, integer division truncates).
//
// The data-movement functions here are written once over "which source
// element feeds each output element", so they serve constants and index maps
// alike.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "ir/Tensor.h"
#include "ir/Types.h"

namespace atrous::onnx_import {

// ONNX TensorProto element types (the values of onnx::TensorProto_DataType),
// named here so that this header does not need the ONNX headers.
enum class ElemType : int32_t {
  Undefined = 0,
  Float = 1,
  Uint8 = 2,
  Int8 = 3,
  Uint16 = 4,
  Int16 = 5,
  Int32 = 6,
  Int64 = 7,
  String = 8,
  Bool = 9,
  Float16 = 10,
  Double = 11,
  Uint32 = 12,
  Uint64 = 13,
  BFloat16 = 16,
};

// "float", "int64", ... as ONNX spells them.
std::string elemTypeName(ElemType t);
bool isFloating(ElemType t);
// Whether the importer can hold values of this type (not strings, not
// complex numbers).
bool isSupportedElemType(ElemType t);

struct HostTensor {
  ElemType type = ElemType::Float;
  Shape shape;            // rank 0 is a scalar
  std::vector<double> f;  // the values of floating types
  std::vector<int64_t> i; // the values of integer and bool types

  bool isFloat() const { return isFloating(type); }
  int rank() const { return static_cast<int>(shape.size()); }
  int64_t numel() const;
  double value(int64_t k) const { return isFloat() ? f[k] : static_cast<double>(i[k]); }
  // The value as an integer: floats truncate toward zero (as Cast does).
  int64_t intValue(int64_t k) const;
  // All values as integers / doubles.
  std::vector<int64_t> ints() const;
  std::vector<double> doubles() const;
  // "int64[2, 3]"
  std::string describe() const;
};

// The most elements a host tensor may have (constants the importer computes,
// index maps of views): far beyond what real models fold, and a clean error
// instead of exhausting memory on a corrupt or hostile file.
constexpr int64_t kMaxHostElements = int64_t(1) << 26;
// Throws atrous::Error when a tensor of `shape` would exceed that.
void checkHostSize(const Shape &shape);

HostTensor makeInts(Shape shape, std::vector<int64_t> values, ElemType type = ElemType::Int64);
HostTensor makeFloats(Shape shape, std::vector<double> values, ElemType type = ElemType::Float);
// A tensor of `type` filled with `value`.
HostTensor filled(ElemType type, Shape shape, double value);
// Rounds `v` to what an element of type `type` can hold: float32 and the
// 16-bit floats round to nearest, integers wrap to their width, bool is 0/1.
double roundTo(ElemType type, double v);
int64_t wrapTo(ElemType type, int64_t v);
// Cast as ONNX defines it (float to integer truncates toward zero).
HostTensor castTo(const HostTensor &t, ElemType to);
// IEEE half and bfloat16 bit patterns to float and back (round to nearest
// even).
float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float v);
float bfloat16ToFloat(uint16_t bits);
uint16_t floatToBfloat16(float v);
// An f32 atrous tensor from a floating or integer host tensor.
Tensor toF32Tensor(const HostTensor &t);

// Row-major strides of a shape.
std::vector<int64_t> stridesOf(const Shape &shape);
// NumPy broadcasting of two shapes; throws atrous::Error when they do not.
Shape broadcastShapes(const Shape &a, const Shape &b);
// Normalises a possibly negative axis; throws when out of range.
int normAxis(int64_t axis, int rank, const std::string &what);

// Generic data movement: output element k (row-major over `shape`) takes
// source element `index(k)`, or `fill` when index returns -1.
HostTensor rearrange(const HostTensor &src, const Shape &shape,
                     const std::function<int64_t(const std::vector<int64_t> &)> &index,
                     double fill = 0);

HostTensor reshaped(HostTensor t, const Shape &shape);
HostTensor transposed(const HostTensor &t, const std::vector<int64_t> &perm);
// ONNX Slice over the given axes (negative steps allowed; bounds clamped).
HostTensor sliced(const HostTensor &t, const std::vector<int64_t> &starts,
                  const std::vector<int64_t> &ends, const std::vector<int64_t> &axes,
                  const std::vector<int64_t> &steps);
// ONNX Pad over every dim: pads = [begin_0 .. begin_r-1, end_0 .. end_r-1];
// negative pads remove elements. mode: constant, reflect or edge.
HostTensor padded(const HostTensor &t, const std::vector<int64_t> &pads, const std::string &mode,
                  double fill);
HostTensor gathered(const HostTensor &t, const HostTensor &indices, int64_t axis);
HostTensor concatenated(const std::vector<HostTensor> &parts, int64_t axis);
HostTensor expanded(const HostTensor &t, const Shape &shape);
HostTensor tiled(const HostTensor &t, const std::vector<int64_t> &repeats);
HostTensor spaceToDepth(const HostTensor &t, int64_t block);
// mode: DCR (the default) or CRD.
HostTensor depthToSpace(const HostTensor &t, int64_t block, const std::string &mode);

} // namespace atrous::onnx_import
