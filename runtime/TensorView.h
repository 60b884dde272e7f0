// Dense row-major tensors for apps that call a generated model: a
// non-owning view over memory the app already has (pointer + shape), and an
// owning HostTensor that allocates it. Shapes are in the model's logical
// order (NCHW), the order the generated C entry point expects.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "runtime/Status.h"

namespace atrous::rt {

// "1x3x513x513"; "scalar" for rank 0.
inline std::string shapeString(const std::vector<int64_t> &shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

// Element count of `shape`; throws RuntimeError on a negative dimension or
// a count that overflows int64_t.
inline int64_t shapeElements(const std::vector<int64_t> &shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw RuntimeError("shape " + shapeString(shape) + " has a negative dimension");
    if (d != 0 && n > std::numeric_limits<int64_t>::max() / d)
      throw RuntimeError("shape " + shapeString(shape) + " has too many elements");
    n *= d;
  }
  return n;
}

// A shape with its row-major strides: the index arithmetic both tensor
// classes share.
class RowMajorLayout {
public:
  RowMajorLayout() = default;
  explicit RowMajorLayout(std::vector<int64_t> shape)
      : shape_(std::move(shape)), strides_(shape_.size()), numel_(shapeElements(shape_)) {
    int64_t stride = 1;
    for (size_t i = shape_.size(); i-- > 0;) {
      strides_[i] = stride;
      stride *= shape_[i];
    }
  }

  const std::vector<int64_t> &shape() const { return shape_; }
  const std::vector<int64_t> &strides() const { return strides_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t numel() const { return numel_; }
  // Throws RuntimeError for an axis outside [0, rank).
  int64_t dim(int axis) const {
    if (axis < 0 || axis >= rank())
      throw RuntimeError("axis " + std::to_string(axis) + " is out of range for shape " +
                         shapeString(shape_));
    return shape_[axis];
  }

  // Unchecked: one index per dimension, each in range.
  template <typename... Index> int64_t offset(Index... index) const {
    const int64_t indices[] = {static_cast<int64_t>(index)...};
    int64_t offset = 0;
    for (size_t i = 0; i < sizeof...(Index); ++i)
      offset += indices[i] * strides_[i];
    return offset;
  }

  // Throws RuntimeError naming the index and the shape when the index has
  // the wrong rank or lies outside the shape.
  int64_t checkedOffset(std::initializer_list<int64_t> index) const {
    if (index.size() != shape_.size())
      throw RuntimeError(std::to_string(index.size()) + " indices for shape " +
                         shapeString(shape_));
    int64_t offset = 0;
    size_t axis = 0;
    for (int64_t i : index) {
      if (i < 0 || i >= shape_[axis])
        throw RuntimeError("index " + std::to_string(i) + " on axis " + std::to_string(axis) +
                           " is out of range for shape " + shapeString(shape_));
      offset += i * strides_[axis++];
    }
    return offset;
  }

private:
  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;
  int64_t numel_ = 1;
};

template <typename T> class TensorView {
public:
  TensorView() = default;
  TensorView(T *data, std::vector<int64_t> shape) : data_(data), layout_(std::move(shape)) {}
  // Over a shape array like the generated header's `NAME_input0_shape`.
  TensorView(T *data, const int64_t *shape, int rank)
      : TensorView(data, std::vector<int64_t>(shape, shape + rank)) {}

  operator TensorView<const T>() const { return TensorView<const T>(data_, shape()); }

  T *data() const { return data_; }
  const std::vector<int64_t> &shape() const { return layout_.shape(); }
  int rank() const { return layout_.rank(); }
  int64_t numel() const { return layout_.numel(); }
  int64_t dim(int axis) const { return layout_.dim(axis); }

  // Unchecked element access: view(n, c, y, x).
  template <typename... Index> T &operator()(Index... index) const {
    return data_[layout_.offset(index...)];
  }
  // Checked element access; throws RuntimeError.
  T &at(std::initializer_list<int64_t> index) const { return data_[layout_.checkedOffset(index)]; }

private:
  T *data_ = nullptr;
  RowMajorLayout layout_;
};

template <typename T> class HostTensor {
public:
  HostTensor() = default;
  explicit HostTensor(std::vector<int64_t> shape, T fill = T())
      : layout_(std::move(shape)), values_(static_cast<size_t>(layout_.numel()), fill) {}
  HostTensor(const int64_t *shape, int rank, T fill = T())
      : HostTensor(std::vector<int64_t>(shape, shape + rank), fill) {}

  TensorView<T> view() { return TensorView<T>(values_.data(), shape()); }
  TensorView<const T> view() const { return TensorView<const T>(values_.data(), shape()); }

  T *data() { return values_.data(); }
  const T *data() const { return values_.data(); }
  const std::vector<int64_t> &shape() const { return layout_.shape(); }
  int rank() const { return layout_.rank(); }
  int64_t numel() const { return layout_.numel(); }
  int64_t dim(int axis) const { return layout_.dim(axis); }
  std::vector<T> &values() { return values_; }
  const std::vector<T> &values() const { return values_; }

  template <typename... Index> T &operator()(Index... index) {
    return values_[layout_.offset(index...)];
  }
  template <typename... Index> const T &operator()(Index... index) const {
    return values_[layout_.offset(index...)];
  }
  T &at(std::initializer_list<int64_t> index) { return values_[layout_.checkedOffset(index)]; }
  const T &at(std::initializer_list<int64_t> index) const {
    return values_[layout_.checkedOffset(index)];
  }

private:
  RowMajorLayout layout_;
  std::vector<T> values_;
};

} // namespace atrous::rt
