// onednn_bench: the oneDNN peer of the benchmark. Runs a case that
// bench/bench.py describes in JSON -- a list of conv / transposed-conv layers
// (1-D or 2-D), each reading the input, an earlier layer or a concat buffer
// and writing a new value or a channel slice of a concat buffer -- as one
// oneDNN primitive per layer through its C++ API, the way an application
// that uses oneDNN well would:
//  - every memory format is format_tag::any, so each primitive picks its own
//    layout (blocked nChw16c, nhwc, ...), and the weights are reordered to it
//    once before timing;
//  - the case input is reordered once before timing (a previous layer would
//    have produced it in that layout); reorders between layers, when two
//    primitives disagree on a layout, are timed;
//  - a concat is a concat primitive (timed) writing the layout its consumer
//    wants; a slice no layer writes (the ASPP image-pooling branch, left out)
//    is a zero input. Writing the convs straight into channel slices of one
//    buffer (submemory descriptors) would save the copy, but oneDNN 2.6 runs
//    such convs with its slow reference kernel (ref:any, 30x slower);
//  - relu is a post-op of the conv.
// The algorithm is convolution_direct (oneDNN's default implementation
// choice) or, with "algorithm": "winograd", convolution_winograd; a case
// oneDNN cannot build (Winograd on a dilated conv) prints
// {"unsupported": reason}. Otherwise it prints {"times_ms", "impl", "version"}
// (the implementation oneDNN chose per primitive, its version) and writes
// the output in plain NCHW (NCW) order for the driver's cross-check.
#include <CLI/CLI.hpp>
#include <fmt/core.h>
#include <nlohmann/json.hpp>
#include <oneapi/dnnl/dnnl.hpp>

#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>

#include "bench/Timing.h"
#include "frontend/SafeTensors.h"
#include "frontend/TensorIO.h"
#include "ir/Error.h"
#include "runtime/Npy.h"

using namespace atrous;
using json = nlohmann::json;
using dnnl::memory;
using tag = memory::format_tag;

namespace {

// A primitive that cannot be built for this case: reported, not an error.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};

dnnl::primitive primitiveOf(const dnnl::convolution_forward::primitive_desc &pd) {
  return dnnl::convolution_forward(pd);
}
dnnl::primitive primitiveOf(const dnnl::deconvolution_forward::primitive_desc &pd) {
  return dnnl::deconvolution_forward(pd);
}

struct Step {
  dnnl::primitive primitive;
  std::unordered_map<int, memory> args;
};

class Runner {
public:
  Runner(const json &spec, const Weights &weights, const Tensor &input)
      : spec_(spec), weights_(weights), engine_(dnnl::engine::kind::cpu, 0), stream_(engine_) {
    memory::dims dims(input.shape().begin(), input.shape().end());
    memory plain({dims, memory::data_type::f32, plainTag(dims.size())}, engine_);
    std::memcpy(plain.get_data_handle(), input.raw(), input.byteSize());
    inputName_ = spec.at("input").at("name").get<std::string>();
    values_[inputName_] = plain;
    for (const json &b : spec.value("buffers", json::array()))
      bufferChannels_[b.at("name").get<std::string>()] = b.at("channels").get<int64_t>();
    for (const json &layer : spec.at("layers"))
      addLayer(layer);
    stream_.wait();
  }

  void runOnce() {
    for (Step &s : steps_)
      s.primitive.execute(stream_, s.args);
    stream_.wait();
  }

  const std::vector<std::string> &impls() const { return impls_; }

  // The named value in plain NCHW (NCW) order.
  Tensor fetch(const std::string &name) {
    memory m = values_.at(name);
    memory::dims dims = m.get_desc().dims();
    memory plain({dims, memory::data_type::f32, plainTag(dims.size())}, engine_);
    dnnl::reorder(m, plain).execute(stream_, m, plain);
    stream_.wait();
    Tensor t(DType::F32, Shape(dims.begin(), dims.end()));
    std::memcpy(t.raw(), plain.get_data_handle(), t.byteSize());
    return t;
  }

private:
  static tag plainTag(size_t rank) { return rank == 3 ? tag::ncw : tag::nchw; }

  static memory::dims ints(const json &layer, const char *key) {
    return layer.at(key).get<memory::dims>();
  }

  // The user's weights in PyTorch layout, described for oneDNN.
  memory userWeights(const json &layer, bool transposed, int64_t cin, int64_t out) {
    std::string name = layer.at("name").get<std::string>() + ".weight";
    auto it = weights_.find(name);
    if (it == weights_.end()) throw Error("weights file lacks '" + name + "'");
    int64_t groups = layer.at("groups").get<int64_t>();
    memory::dims k = ints(layer, "kernel");
    memory::dims dims;
    if (groups > 1) dims.push_back(groups);
    dims.push_back(out / groups);
    dims.push_back(cin / groups);
    dims.insert(dims.end(), k.begin(), k.end());
    // conv [out, cin/g, k...]; transposed conv [cin, out/g, k...] (io order;
    // acbd and bac are the 1-D giow and iow oneDNN 2.6 has no names for).
    bool grouped = groups > 1, oneD = k.size() == 1;
    tag t = transposed
                ? (grouped ? (oneD ? tag::acbd : tag::giohw) : (oneD ? tag::bac : tag::iohw))
                : (grouped ? (oneD ? tag::goiw : tag::goihw) : (oneD ? tag::oiw : tag::oihw));
    memory m({dims, memory::data_type::f32, t}, engine_);
    if (size_t(it->second.byteSize()) != m.get_desc().get_size())
      throw Error("'" + name + "' has the wrong size for this layer");
    std::memcpy(m.get_data_handle(), it->second.raw(), it->second.byteSize());
    return m;
  }

  template <class PD>
  PD makePd(const json &layer, const memory::desc &src, const memory::desc &wei,
            const memory::desc &bias, const memory::desc &dst, const dnnl::primitive_attr &attr) {
    memory::dims stride = ints(layer, "stride"), dilation = ints(layer, "dilation");
    memory::dims padL = ints(layer, "pad_begin"), padR = ints(layer, "pad_end");
    for (auto &d : dilation)
      d -= 1; // oneDNN counts the gaps
    bool winograd = spec_.value("algorithm", "direct") == "winograd";
    try {
      if constexpr (std::is_same_v<PD, dnnl::convolution_forward::primitive_desc>) {
        dnnl::algorithm algo =
            winograd ? dnnl::algorithm::convolution_winograd : dnnl::algorithm::convolution_direct;
        dnnl::convolution_forward::desc d(dnnl::prop_kind::forward_inference, algo, src, wei, bias,
                                          dst, stride, dilation, padL, padR);
        return PD(d, attr, engine_);
      } else {
        dnnl::deconvolution_forward::desc d(dnnl::prop_kind::forward_inference,
                                            dnnl::algorithm::deconvolution_direct, src, wei, bias,
                                            dst, stride, dilation, padL, padR);
        return PD(d, attr, engine_);
      }
    } catch (const dnnl::error &e) {
      throw Unsupported(fmt::format("{} '{}': {}", winograd ? "winograd" : "oneDNN",
                                    layer.at("name").get<std::string>(), e.what()));
    }
  }

  // The format tag of an activation layout oneDNN picked, among those its
  // f32 convs use; plain if none fits.
  static tag tagOf(const memory::desc &md) {
    bool oneD = md.dims().size() == 3;
    std::vector<tag> candidates = oneD ? std::vector<tag>{tag::nwc, tag::nCw16c, tag::nCw8c}
                                       : std::vector<tag>{tag::nhwc, tag::nChw16c, tag::nChw8c};
    for (tag t : candidates)
      if (memory::desc(md.dims(), memory::data_type::f32, t) == md) return t;
    return plainTag(md.dims().size());
  }

  // Dims of a named value: a layer's output, the input or a concat buffer.
  memory::dims dimsOf(const std::string &name) const {
    auto it = values_.find(name);
    if (it != values_.end()) return it->second.get_desc().dims();
    auto parts = parts_.find(name);
    if (parts == parts_.end()) throw Error("the case reads '" + name + "' before it is written");
    memory::dims dims = parts->second.begin()->second.get_desc().dims();
    dims[1] = bufferChannels_.at(name);
    return dims;
  }

  // The concat step that assembles a buffer from its parts, in `want`.
  memory concatInto(const std::string &name, const memory::desc &want) {
    memory::dims dims = want.dims();
    std::vector<memory> srcs;
    int64_t channel = 0;
    // Zeros in the parts' layout, so that oneDNN's plain copy concat applies
    // (with mixed layouts it picks its reference one).
    tag layout = tagOf(parts_.at(name).begin()->second.get_desc());
    auto addZeros = [&](int64_t until) {
      if (until <= channel) return;
      memory::dims gap = dims;
      gap[1] = until - channel;
      memory zeros({gap, memory::data_type::f32, layout}, engine_);
      std::memset(zeros.get_data_handle(), 0, zeros.get_desc().get_size());
      srcs.push_back(zeros);
    };
    for (const auto &[offset, part] : parts_.at(name)) {
      addZeros(offset);
      srcs.push_back(part);
      channel = offset + part.get_desc().dims()[1];
    }
    addZeros(dims[1]);
    std::vector<memory::desc> mds;
    for (const memory &m : srcs)
      mds.push_back(m.get_desc());
    dnnl::concat::primitive_desc pd(want, 1, mds, engine_);
    memory dst(pd.dst_desc(), engine_);
    Step step{dnnl::concat(pd), {{DNNL_ARG_DST, dst}}};
    for (size_t i = 0; i < srcs.size(); ++i)
      step.args[DNNL_ARG_MULTIPLE_SRC + int(i)] = srcs[i];
    steps_.push_back(std::move(step));
    impls_.push_back(name + ":" + pd.impl_info_str());
    values_[name] = dst;
    return dst;
  }

  void addLayer(const json &layer) {
    bool transposed = layer.at("op") == "deconv";
    std::string name = layer.at("name").get<std::string>();
    std::string srcName = layer.at("src").get<std::string>();
    memory::dims srcDims = dimsOf(srcName);
    int64_t out = layer.at("out").get<int64_t>();
    memory::dims dstDims = layer.at("out_shape").get<memory::dims>();
    memory user = userWeights(layer, transposed, srcDims[1], out);
    memory::desc srcAny(srcDims, memory::data_type::f32, tag::any);
    memory::desc weiAny(user.get_desc().dims(), memory::data_type::f32, tag::any);
    memory::desc dstAny(dstDims, memory::data_type::f32, tag::any);
    memory::desc biasMd = layer.at("bias").get<bool>()
                              ? memory::desc({out}, memory::data_type::f32, tag::x)
                              : memory::desc();
    dnnl::primitive_attr attr;
    if (layer.value("relu", false)) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(ops);
    }

    auto build = [&](auto tagPd) {
      using PD = decltype(tagPd);
      PD pd = makePd<PD>(layer, srcAny, weiAny, biasMd, dstAny, attr);
      memory src = sourceIn(srcName, pd.src_desc());
      memory dst(pd.dst_desc(), engine_);
      impls_.push_back(name + ":" + pd.impl_info_str());
      Step step{primitiveOf(pd), {}};
      step.args[DNNL_ARG_SRC] = src;
      memory wei(pd.weights_desc(), engine_);
      dnnl::reorder(user, wei).execute(stream_, user, wei);
      step.args[DNNL_ARG_WEIGHTS] = wei;
      if (layer.at("bias").get<bool>()) {
        const Tensor &b = weights_.at(name + ".bias");
        memory bias(biasMd, engine_);
        std::memcpy(bias.get_data_handle(), b.raw(), b.byteSize());
        step.args[DNNL_ARG_BIAS] = bias;
      }
      step.args[DNNL_ARG_DST] = dst;
      steps_.push_back(std::move(step));
      values_[name] = dst;
      if (layer.contains("into"))
        parts_[layer["into"].at("buffer").get<std::string>()]
              [layer["into"].at("offset").get<int64_t>()] = dst;
    };
    if (transposed)
      build(dnnl::deconvolution_forward::primitive_desc());
    else
      build(dnnl::convolution_forward::primitive_desc());
  }

  // The named value in the layout a primitive wants: a concat buffer is
  // assembled in it, the case input is reordered now, an intermediate by a
  // timed reorder step.
  memory sourceIn(const std::string &name, const memory::desc &want) {
    if (!values_.count(name)) return concatInto(name, want);
    memory src = values_.at(name);
    if (src.get_desc() == want) return src;
    memory converted(want, engine_);
    if (name == inputName_) {
      dnnl::reorder(src, converted).execute(stream_, src, converted);
    } else {
      steps_.push_back(
          {dnnl::reorder(src, converted), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, converted}}});
      impls_.push_back("reorder before a layer reading " + name);
    }
    return converted;
  }

  const json &spec_;
  const Weights &weights_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::string inputName_;
  std::map<std::string, memory> values_;
  std::map<std::string, int64_t> bufferChannels_;
  std::map<std::string, std::map<int64_t, memory>> parts_; // buffer: offset -> part
  std::vector<Step> steps_;
  std::vector<std::string> impls_;
};

} // namespace

int main(int argc, char **argv) {
  CLI::App app{"onednn_bench: time a bench case with oneDNN primitives; prints JSON"};
  std::string specPath, weightsPath, inputPath, outputPath;
  bench::TimingOptions timing;
  app.add_option("SPEC", specPath, "the case (JSON, written by bench/bench.py)")->required();
  app.add_option("--weights", weightsPath, ".safetensors with the layers' weights")->required();
  app.add_option("--input", inputPath, ".npy input")->required();
  app.add_option("--output", outputPath, ".npy for the output, plain layout");
  timing.addTo(app);
  CLI11_PARSE(app, argc, argv);
  try {
    std::ifstream in(specPath);
    if (!in) throw Error(specPath + ": cannot open");
    json spec = json::parse(in);
    Weights weights = readSafeTensors(weightsPath);
    Tensor input = tensorFromNpy(rt::readNpy(inputPath), inputPath);
    std::unique_ptr<Runner> runner;
    try {
      runner = std::make_unique<Runner>(spec, weights, input);
    } catch (const Unsupported &e) {
      fmt::print("{}\n", json{{"unsupported", e.what()}}.dump());
      return 0;
    }
    std::vector<double> ms = bench::timeRuns(timing, [&] { runner->runOnce(); });
    if (!outputPath.empty())
      rt::writeNpy(outputPath, npyFromTensor(runner->fetch(spec.at("output").get<std::string>())));
    const dnnl_version_t *v = dnnl::version();
    fmt::print("{}\n", json{{"times_ms", ms},
                            {"impl", runner->impls()},
                            {"version", fmt::format("{}.{}.{}", v->major, v->minor, v->patch)}}
                           .dump());
    return 0;
  } catch (const std::exception &e) {
    fmt::print(stderr, "onednn_bench: error: {}\n", e.what());
    return 1;
  }
}
