#include "codegen/WeightsBlob.h"

#include <cstring>
#include <fstream>

#include "codegen/Hash.h"
#include "ir/Error.h"

namespace atrous::codegen {

WeightsBlob packWeights(const Graph &graph, const Weights &weights) {
  checkWeights(graph, weights);
  WeightsBlob blob;
  uint64_t h = kFnvOffset;
  auto mix = [&h](const void *p, size_t n) { h = fnv1a(p, n, h); };
  for (const Node &node : graph.nodes)
    for (const ParamSpec &spec : paramSpecs(graph, node)) {
      const Tensor &t = weights.at(spec.name);
      const ParamStorage storage = paramStorage(node, spec.suffix, spec.type.shape);
      const std::vector<float> stored =
          toStorage(static_cast<const float *>(t.raw()), spec.type.shape, storage);
      uint64_t offset = (blob.data.size() + 63) / 64 * 64;
      blob.specs.push_back(spec);
      blob.storage.push_back(storage);
      blob.offsets.push_back(offset);
      blob.data.resize(offset + stored.size() * sizeof(float));
      std::memcpy(blob.data.data() + offset, stored.data(), stored.size() * sizeof(float));
      mix(spec.name.data(), spec.name.size());
      mix(storage.shape.data(), storage.shape.size() * sizeof(int64_t));
      mix(storage.strides.data(), storage.strides.size() * sizeof(int64_t));
    }
  mix(blob.data.data(), blob.data.size());
  blob.fingerprint = h;
  if (blob.data.empty()) blob.data.resize(64); // an empty section still needs a symbol
  return blob;
}

static void writeOrThrow(std::ofstream &out, const std::string &path, const void *p, size_t n) {
  out.write(static_cast<const char *>(p), static_cast<std::streamsize>(n));
  if (!out) throw Error("cannot write " + path);
}

void writeWeightsFile(const std::string &path, const WeightsBlob &blob) {
  std::ofstream out(path, std::ios::binary);
  uint8_t header[kWeightsHeaderBytes] = {};
  std::memcpy(header, "ATROUSW1", 8);
  uint64_t fields[3] = {blob.fingerprint, blob.data.size(), blob.specs.size()};
  std::memcpy(header + 8, fields, sizeof fields);
  writeOrThrow(out, path, header, sizeof header);
  writeOrThrow(out, path, blob.data.data(), blob.data.size());
}

void writeBlob(const std::string &path, const WeightsBlob &blob) {
  std::ofstream out(path, std::ios::binary);
  writeOrThrow(out, path, blob.data.data(), blob.data.size());
}

} // namespace atrous::codegen
