/* The application of the CMake consumer test: runs three models compiled by
   atrous_add_model() and checks the generated C API (status codes, shape
   constants, errors) and the results that do not depend on random weights
   against values computed here by hand. Prints every failed check and exits
   non-zero if there was one. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "conv_relu.h"
#include "conv_relu_ext.h"
#include "pooled.h"

static int failures = 0;

#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      ++failures;                                                                                  \
      fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond);                     \
      fprintf(stderr, __VA_ARGS__);                                                                \
      fputc('\n', stderr);                                                                         \
    }                                                                                              \
  } while (0)

/* Fixed inputs in [-1, 1) from a linear congruential generator. */
static const uint32_t input_seed = 12345u;
static uint32_t lcg_state;

static void fill_random(float *data, int64_t count) {
  for (int64_t i = 0; i < count; ++i) {
    lcg_state = lcg_state * 1664525u + 1013904223u;
    data[i] = (float)(lcg_state >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
  }
}

/* NaN everywhere, so that an element the model never wrote is noticed. */
static void fill_nan(float *data, int64_t count) {
  for (int64_t i = 0; i < count; ++i)
    data[i] = NAN;
}

static void check_shape(const char *what, const int64_t *shape, int rank, int64_t elements,
                        const int64_t *expected, int expected_rank) {
  int64_t product = 1;
  CHECK(rank == expected_rank, "%s: rank %d, expected %d", what, rank, expected_rank);
  for (int i = 0; i < rank && i < expected_rank; ++i) {
    CHECK(shape[i] == expected[i], "%s: dim %d is %lld, expected %lld", what, i,
          (long long)shape[i], (long long)expected[i]);
    product *= shape[i];
  }
  CHECK(elements == product, "%s: %lld elements, the shape has %lld", what, (long long)elements,
        (long long)product);
}

static float conv_x[CONV_RELU_INPUT0_ELEMENTS];
static float conv_features[CONV_RELU_OUTPUT0_ELEMENTS];
static float conv_rectified[CONV_RELU_OUTPUT1_ELEMENTS];
static float ext_features[CONV_RELU_EXT_OUTPUT0_ELEMENTS];
static float ext_rectified[CONV_RELU_EXT_OUTPUT1_ELEMENTS];

static void test_conv_relu(void) {
  static const int64_t x_shape[] = {1, 2, 5, 5}, features_shape[] = {1, 3, 5, 5};
  int status, i, positives = 0;

  CHECK(CONV_RELU_NUM_INPUTS == 1 && CONV_RELU_NUM_OUTPUTS == 2, "%d inputs, %d outputs",
        CONV_RELU_NUM_INPUTS, CONV_RELU_NUM_OUTPUTS);
  check_shape("conv_relu input x", conv_relu_input0_shape, CONV_RELU_INPUT0_RANK,
              CONV_RELU_INPUT0_ELEMENTS, x_shape, 4);
  check_shape("conv_relu output features", conv_relu_output0_shape, CONV_RELU_OUTPUT0_RANK,
              CONV_RELU_OUTPUT0_ELEMENTS, features_shape, 4);
  check_shape("conv_relu output rectified", conv_relu_output1_shape, CONV_RELU_OUTPUT1_RANK,
              CONV_RELU_OUTPUT1_ELEMENTS, x_shape, 4);

  lcg_state = input_seed;
  fill_random(conv_x, CONV_RELU_INPUT0_ELEMENTS);
  fill_nan(conv_features, CONV_RELU_OUTPUT0_ELEMENTS);
  fill_nan(conv_rectified, CONV_RELU_OUTPUT1_ELEMENTS);
  status = conv_relu_run(conv_x, conv_features, conv_rectified);
  CHECK(status == ATROUS_OK, "conv_relu_run returned %d: %s", status, conv_relu_last_error());
  CHECK(strcmp(conv_relu_last_error(), "") == 0, "last error after a success: '%s'",
        conv_relu_last_error());

  /* The conv's weights are random: its relu is finite and non-negative. */
  for (i = 0; i < CONV_RELU_OUTPUT0_ELEMENTS; ++i) {
    CHECK(isfinite(conv_features[i]) && conv_features[i] >= 0.0f, "features[%d] = %g", i,
          conv_features[i]);
    positives += conv_features[i] > 0.0f;
  }
  CHECK(positives > 0, "every feature is 0 (input seed %u)", input_seed);
  for (i = 0; i < CONV_RELU_OUTPUT1_ELEMENTS; ++i) {
    float expected = conv_x[i] > 0.0f ? conv_x[i] : 0.0f;
    CHECK(conv_rectified[i] == expected, "rectified[%d] = %g, relu(%g) = %g", i, conv_rectified[i],
          conv_x[i], expected);
  }

  status = conv_relu_run(NULL, conv_features, conv_rectified);
  CHECK(status == ATROUS_ERROR_NULL_POINTER, "conv_relu_run(NULL, ...) returned %d", status);
  CHECK(strlen(conv_relu_last_error()) > 0, "no message after a NULL input");
  status = conv_relu_run(conv_x, conv_features, NULL);
  CHECK(status == ATROUS_ERROR_NULL_POINTER, "conv_relu_run(..., NULL) returned %d", status);
  CHECK(strlen(conv_relu_last_error()) > 0, "no message after a NULL output");
}

/* The same model and weights, the weights read from a file at run time. */
static void test_external_weights(void) {
  int status, i;

  status = conv_relu_ext_load_weights(CONV_RELU_EXT_WEIGHTS);
  CHECK(status == ATROUS_OK, "conv_relu_ext_load_weights(%s) returned %d: %s",
        CONV_RELU_EXT_WEIGHTS, status, conv_relu_ext_last_error());
  fill_nan(ext_features, CONV_RELU_EXT_OUTPUT0_ELEMENTS);
  fill_nan(ext_rectified, CONV_RELU_EXT_OUTPUT1_ELEMENTS);
  status = conv_relu_ext_run(conv_x, ext_features, ext_rectified);
  CHECK(status == ATROUS_OK, "conv_relu_ext_run returned %d: %s", status,
        conv_relu_ext_last_error());
  for (i = 0; i < CONV_RELU_EXT_OUTPUT0_ELEMENTS; ++i)
    CHECK(fabsf(ext_features[i] - conv_features[i]) <= 1e-5f * (1.0f + fabsf(conv_features[i])),
          "features[%d]: %g with external weights, %g with embedded ones", i, ext_features[i],
          conv_features[i]);
  for (i = 0; i < CONV_RELU_EXT_OUTPUT1_ELEMENTS; ++i)
    CHECK(ext_rectified[i] == conv_rectified[i], "rectified[%d]: %g with external weights, %g", i,
          ext_rectified[i], conv_rectified[i]);
}

static float pool_a[POOLED_INPUT0_ELEMENTS];
static float pool_b[POOLED_INPUT1_ELEMENTS];
static float pool_sum[POOLED_OUTPUT0_ELEMENTS];

/* max_pool2d(kernel=3, stride=2, pad=1) of a [1, 3, 7, 7] plus b [1, 3, 4, 4]. */
static void test_pooled(void) {
  static const int64_t a_shape[] = {1, 3, 7, 7}, b_shape[] = {1, 3, 4, 4};
  int status, c, oy, ox, ky, kx;

  CHECK(POOLED_NUM_INPUTS == 2 && POOLED_NUM_OUTPUTS == 1, "%d inputs, %d outputs",
        POOLED_NUM_INPUTS, POOLED_NUM_OUTPUTS);
  check_shape("pooled input a", pooled_input0_shape, POOLED_INPUT0_RANK, POOLED_INPUT0_ELEMENTS,
              a_shape, 4);
  check_shape("pooled input b", pooled_input1_shape, POOLED_INPUT1_RANK, POOLED_INPUT1_ELEMENTS,
              b_shape, 4);
  check_shape("pooled output sum", pooled_output0_shape, POOLED_OUTPUT0_RANK,
              POOLED_OUTPUT0_ELEMENTS, b_shape, 4);

  lcg_state = input_seed + 1;
  fill_random(pool_a, POOLED_INPUT0_ELEMENTS);
  fill_random(pool_b, POOLED_INPUT1_ELEMENTS);
  fill_nan(pool_sum, POOLED_OUTPUT0_ELEMENTS);
  status = pooled_run(pool_a, pool_b, pool_sum);
  CHECK(status == ATROUS_OK, "pooled_run returned %d: %s", status, pooled_last_error());

  for (c = 0; c < 3; ++c)
    for (oy = 0; oy < 4; ++oy)
      for (ox = 0; ox < 4; ++ox) {
        float max = -INFINITY, expected, got;
        for (ky = 0; ky < 3; ++ky)
          for (kx = 0; kx < 3; ++kx) {
            int y = oy * 2 - 1 + ky, x = ox * 2 - 1 + kx;
            if (y >= 0 && y < 7 && x >= 0 && x < 7 && pool_a[(c * 7 + y) * 7 + x] > max)
              max = pool_a[(c * 7 + y) * 7 + x];
          }
        expected = max + pool_b[(c * 4 + oy) * 4 + ox];
        got = pool_sum[(c * 4 + oy) * 4 + ox];
        CHECK(got == expected, "sum[0][%d][%d][%d] = %g, expected %g", c, oy, ox, got, expected);
      }

  status = pooled_run(pool_a, NULL, pool_sum);
  CHECK(status == ATROUS_ERROR_NULL_POINTER, "pooled_run(a, NULL, sum) returned %d", status);
  CHECK(strlen(pooled_last_error()) > 0, "no message after a NULL input");
  status = pooled_run(pool_a, pool_b, pool_sum);
  CHECK(status == ATROUS_OK && strcmp(pooled_last_error(), "") == 0,
        "a success after a failure returned %d with last error '%s'", status, pooled_last_error());
}

int main(void) {
  test_conv_relu();
  test_external_weights();
  test_pooled();
  if (failures) {
    fprintf(stderr, "%d checks failed (input seed %u)\n", failures, input_seed);
    return 1;
  }
  printf("cmake consumer: all checks passed\n");
  return 0;
}
