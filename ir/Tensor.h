// A dense tensor in row-major (C) order: weights, model inputs and outputs,
// and the values the reference interpreter computes.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/Types.h"

namespace atrous {

class Tensor {
public:
  Tensor() = default;
  // A zero-filled tensor. Throws atrous::Error when the shape is too large to
  // hold (see kMaxTensorBytes) so that absurd shapes fail cleanly.
  explicit Tensor(TensorType type);
  Tensor(DType dtype, Shape shape) : Tensor(TensorType{dtype, std::move(shape)}) {}

  const TensorType &type() const { return type_; }
  DType dtype() const { return type_.dtype; }
  const Shape &shape() const { return type_.shape; }
  int rank() const { return type_.rank(); }
  int64_t numel() const { return numel_; }
  size_t byteSize() const { return words_.size() * sizeof(uint32_t); }

  // Typed views; throw atrous::Error on a dtype mismatch.
  float *f32();
  const float *f32() const;
  int32_t *i32();
  const int32_t *i32() const;
  void *raw() { return words_.data(); }
  const void *raw() const { return words_.data(); }

  // Exact equality of type and contents.
  bool operator==(const Tensor &o) const { return type_ == o.type_ && words_ == o.words_; }

  // The largest tensor the compiler will allocate (4 GiB): a guard against
  // shapes that would exhaust memory rather than a limit real models reach.
  static constexpr int64_t kMaxTensorBytes = int64_t(4) << 30;

private:
  TensorType type_;
  int64_t numel_ = 0;
  std::vector<uint32_t> words_; // every dtype is 4 bytes wide
};

} // namespace atrous
