// codegen/VectorMath.h against the C library, JIT-compiled with the same
// vectorization the schedules give an epilogue.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "codegen/VectorMath.h"

namespace atrous::codegen {
namespace {

TEST(VectorMath, TanhIsWithinOneMillionthOfTheCLibrary) {
  // Every 1e-4 over [-12, 12], which crosses the series limit and the sign
  // change, then zero, the smallest normals, the saturated range and values
  // whose e^2|x| would overflow.
  std::vector<float> xs;
  for (int i = -120000; i <= 120000; ++i)
    xs.push_back(static_cast<float>(i) * 1e-4f);
  for (float x : {0.0f, -0.0f, 1e-38f, -1e-38f, 0.29999998f, 0.3f, 0.30000001f, -0.3f, 19.9f, 20.0f,
                  44.0f, 89.0f, -89.0f, 1e30f, -1e30f})
    xs.push_back(x);
  Halide::Buffer<float> in(static_cast<int>(xs.size()));
  for (size_t i = 0; i < xs.size(); ++i)
    in(static_cast<int>(i)) = xs[i];
  Halide::Var i("i");
  Halide::Func f("vector_tanh");
  f(i) = vectorTanh(in(i));
  f.vectorize(i, 16, Halide::TailStrategy::GuardWithIf);
  Halide::Buffer<float> out = f.realize({in.width()});
  double worst = 0;
  for (int k = 0; k < in.width(); ++k) {
    const double want = std::tanh(static_cast<double>(in(k)));
    const double error = std::abs(out(k) - want);
    // Near zero tanh(x) ~ x: the error must be small relative to x too.
    const double allowed = std::abs(want) < 1e-3 ? 1e-6 * std::abs(want) + 1e-45 : 1e-6;
    ASSERT_LE(error, allowed) << "tanh(" << in(k) << ") = " << out(k) << ", want " << want;
    worst = std::max(worst, error);
  }
  EXPECT_GT(worst, 0.0) << "every value exact: the comparison is not reaching the output";
}

} // namespace
} // namespace atrous::codegen
