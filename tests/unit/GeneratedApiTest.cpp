// The C API of a compiled model (docs/generated-api.md) as an app sees it:
// null pointers and buffers of the wrong type, rank, shape or strides are
// rejected with a status and a message, never a crash; and calls from several
// threads at once give the same results as calls made alone, also while
// another thread frees the memory calls keep between them.
#include <gtest/gtest.h>

#include <HalideRuntime.h>

#include <string>
#include <thread>

#include "codegen/CompiledModel.h"
#include "frontend/Parser.h"
#include "frontend/WeightSource.h"
#include "ir/Error.h"

#include "HalideBufferTestUtil.h"

using namespace atrous;
using atrous::test::bufferOver;

namespace {

constexpr int kOk = 0, kNullPointer = -1, kBadBuffer = -2;

using RunFn = int (*)(const float *, float *);
using RunBuffersFn = int (*)(halide_buffer_t *, halide_buffer_t *);
using LastErrorFn = const char *(*)();

class GeneratedApi : public ::testing::Test {
protected:
  static void SetUpTestSuite() {
    graph_ = new Graph(parseModel("model api\n"
                                  "input x : f32[1, 3, 9, 11]\n"
                                  "c = conv2d(x, out=4, kernel=3, dilation=2, pad=2)\n"
                                  "output p = softmax(relu(c))\n"));
    model_ = codegen::CompiledModel::compile(*graph_, randomWeights(*graph_, 7)).release();
  }
  static void TearDownTestSuite() {
    delete model_;
    delete graph_;
  }

  RunFn run() const { return reinterpret_cast<RunFn>(model_->entryPoint("run")); }
  RunBuffersFn runBuffers() const {
    return reinterpret_cast<RunBuffersFn>(model_->entryPoint("run_buffers"));
  }
  void releaseMemory() const {
    reinterpret_cast<void (*)()>(model_->entryPoint("release_memory"))();
  }
  std::string lastError() const {
    return reinterpret_cast<LastErrorFn>(model_->entryPoint("last_error"))();
  }

  static std::vector<halide_dimension_t> denseDims(std::vector<int> extents) {
    std::vector<halide_dimension_t> dims;
    int stride = 1;
    for (int e : extents) {
      dims.push_back({0, e, stride, 0});
      stride *= e;
    }
    return dims;
  }

  static Graph *graph_;
  static codegen::CompiledModel *model_;
};

Graph *GeneratedApi::graph_ = nullptr;
codegen::CompiledModel *GeneratedApi::model_ = nullptr;

} // namespace

TEST_F(GeneratedApi, RunRejectsNullPointers) {
  std::vector<float> in(3 * 9 * 11, 0.5f), out(4 * 9 * 11);
  EXPECT_EQ(run()(nullptr, out.data()), kNullPointer);
  EXPECT_EQ(lastError(), "input 'x' is NULL");
  EXPECT_EQ(run()(in.data(), nullptr), kNullPointer);
  EXPECT_EQ(lastError(), "output 'p' is NULL");
  EXPECT_EQ(run()(in.data(), out.data()), kOk);
  EXPECT_EQ(lastError(), "");
}

TEST_F(GeneratedApi, RunIntoRejectsWrongOutputTensors) {
  const Tensor input = randomTensor(graph_->type(graph_->inputs()[0]), 1);
  const TensorType outType = graph_->type(graph_->outputs[0]);
  auto errorOf = [&](std::vector<Tensor> outputs) -> std::string {
    try {
      model_->runInto({input}, outputs);
    } catch (const Error &e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(errorOf({}).find("has 1 outputs, got 0 tensors"), std::string::npos);
  EXPECT_NE(errorOf({Tensor(outType), Tensor(outType)}).find("got 2 tensors"), std::string::npos);
  EXPECT_NE(errorOf({Tensor(TensorType{DType::F32, {1, 4, 9, 10}})})
                .find("output 'p' is f32[1, 4, 9, 11], got a tensor of f32[1, 4, 9, 10]"),
            std::string::npos);
  std::vector<Tensor> outputs = {Tensor(outType)};
  model_->runInto({input}, outputs);
  EXPECT_TRUE(outputs[0] == model_->run({input})[0]);
}

TEST_F(GeneratedApi, RunBuffersRejectsWrongBuffers) {
  std::vector<float> in(3 * 9 * 11, 0.5f), out(4 * 9 * 11);
  auto inDims = denseDims({11, 9, 3, 1}), outDims = denseDims({11, 9, 4, 1});
  halide_buffer_t inBuf = bufferOver(in.data(), inDims), outBuf = bufferOver(out.data(), outDims);
  ASSERT_EQ(runBuffers()(&inBuf, &outBuf), kOk) << lastError();

  EXPECT_EQ(runBuffers()(nullptr, &outBuf), kNullPointer);
  EXPECT_EQ(lastError(), "input 'x' is NULL");

  auto shortDims = denseDims({10, 9, 3, 1});
  halide_buffer_t wrongExtent = bufferOver(in.data(), shortDims);
  EXPECT_EQ(runBuffers()(&wrongExtent, &outBuf), kBadBuffer);
  EXPECT_NE(lastError().find("input 'x': dimension 0 (innermost first) has min 0, extent 10"),
            std::string::npos)
      << lastError();

  auto rank3 = denseDims({11, 9, 3});
  halide_buffer_t wrongRank = bufferOver(in.data(), rank3);
  EXPECT_EQ(runBuffers()(&wrongRank, &outBuf), kBadBuffer);
  EXPECT_EQ(lastError(), "input 'x' has 3 dimensions, expected 4");

  halide_buffer_t wrongType = bufferOver(in.data(), inDims, halide_type_int);
  EXPECT_EQ(runBuffers()(&wrongType, &outBuf), kBadBuffer);
  EXPECT_EQ(lastError(), "input 'x' has the wrong element type, expected float32");

  auto strided = inDims;
  strided[1].stride = 12; // rows padded: not the dense layout the code was built for
  halide_buffer_t wrongStride = bufferOver(in.data(), strided);
  EXPECT_EQ(runBuffers()(&wrongStride, &outBuf), kBadBuffer);
  EXPECT_NE(lastError().find("stride 12"), std::string::npos) << lastError();

  halide_buffer_t noHost = bufferOver(nullptr, outDims);
  EXPECT_EQ(runBuffers()(&inBuf, &noHost), kNullPointer);
  EXPECT_EQ(lastError(), "output 'p' has no host memory");

  // A failure leaves the caller's output untouched and a later call works.
  EXPECT_EQ(runBuffers()(&inBuf, &outBuf), kOk);
  EXPECT_EQ(lastError(), "");
}

TEST_F(GeneratedApi, ConcurrentCallsMatchCallsMadeAlone) {
  constexpr int kThreads = 4, kCalls = 8;
  const TensorType inType = graph_->type(graph_->inputs()[0]);
  std::vector<Tensor> inputs, alone;
  for (int t = 0; t < kThreads; ++t) {
    inputs.push_back(randomTensor(inType, 100 + t));
    alone.push_back(model_->run({inputs.back()})[0]);
  }
  std::vector<int> mismatches(kThreads, 0), failures(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCalls; ++i) {
        Tensor out(graph_->type(graph_->outputs[0]));
        if (run()(inputs[t].f32(), out.f32()) != kOk)
          ++failures[t];
        else if (!(out == alone[t]))
          ++mismatches[t];
      }
    });
  // The arena a call keeps for the next one is freed under the callers' feet.
  threads.emplace_back([&] {
    for (int i = 0; i < kThreads * kCalls; ++i)
      releaseMemory();
  });
  for (std::thread &th : threads)
    th.join();
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(failures[t], 0) << "thread " << t;
    EXPECT_EQ(mismatches[t], 0) << "thread " << t;
  }
}

TEST_F(GeneratedApi, CallsAfterReleasingMemoryMatch) {
  const Tensor input = randomTensor(graph_->type(graph_->inputs()[0]), 5);
  const Tensor first = model_->run({input})[0];
  releaseMemory();
  releaseMemory();
  EXPECT_TRUE(model_->run({input})[0] == first);
  EXPECT_TRUE(model_->run({input})[0] == first);
}
