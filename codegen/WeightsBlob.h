// The weights of a compiled model as one blob: every parameter in graph
// order, f32, each starting at a 64-byte boundary, in the layout its node's
// code reads. The blob is what the
// library carries in its read-only data, or (with external weights) what the
// packed weights file holds after its header.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/Layout.h"
#include "ir/Weights.h"

namespace atrous::codegen {

struct WeightsBlob {
  std::vector<ParamSpec> specs;
  // How each spec is stored (ir/Layout.h, paramStorage): a conv that tiles
  // output channels reads its weight in blocks of them.
  std::vector<ParamStorage> storage;
  std::vector<uint64_t> offsets; // byte offset of each spec's data
  std::vector<uint8_t> data;
  uint64_t fingerprint = 0; // of the names, shapes and data, checked when a file is loaded
};

WeightsBlob packWeights(const Graph &graph, const Weights &weights);

// The packed weights file: a 64-byte header ("ATROUSW1", fingerprint, data
// size, tensor count) and the blob.
inline constexpr uint64_t kWeightsHeaderBytes = 64;
void writeWeightsFile(const std::string &path, const WeightsBlob &blob);
void writeBlob(const std::string &path, const WeightsBlob &blob);

} // namespace atrous::codegen
