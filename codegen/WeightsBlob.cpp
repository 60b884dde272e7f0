#include "codegen/WeightsBlob.h"

#include <cstring>
#include <fstream>

#include "codegen/Hash.h"
#include "ir/Error.h"

namespace atrous::codegen {

WeightsBlob packWeights(const Graph &graph, const Weights &weights) {
  checkWeights(graph, weights);
  WeightsBlob blob;
  blob.specs = paramSpecs(graph);
  uint64_t h = kFnvOffset;
  auto mix = [&h](const void *p, size_t n) { h = fnv1a(p, n, h); };
  for (const ParamSpec &spec : blob.specs) {
    const Tensor &t = weights.at(spec.name);
    uint64_t offset = (blob.data.size() + 63) / 64 * 64;
    blob.offsets.push_back(offset);
    blob.data.resize(offset + t.byteSize());
    std::memcpy(blob.data.data() + offset, t.raw(), t.byteSize());
    mix(spec.name.data(), spec.name.size());
    mix(spec.type.shape.data(), spec.type.shape.size() * sizeof(int64_t));
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
