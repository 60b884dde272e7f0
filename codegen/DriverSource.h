// Generates the C side of a compiled model: the header an app includes
// (docs/generated-api.md) and the driver that checks the caller's buffers,
// allocates the intermediates of one call, and calls the group pipelines in
// order. The driver is plain C that includes only HalideRuntime.h, so it
// compiles for any target without that target's libc headers.
#pragma once

#include <string>
#include <vector>

#include "codegen/Group.h"
#include "codegen/GroupCompiler.h"
#include "codegen/WeightsBlob.h"

namespace atrous::codegen {

struct DriverSpec {
  std::string modelName; // a C identifier
  const Graph *graph = nullptr;
  std::vector<Group> groups;
  std::vector<GroupObject> objects; // one per group
  const WeightsBlob *weights = nullptr;
  bool externalWeights = false;
  bool gpu = false;
  // The names the user gave the outputs (passes may have renamed the nodes
  // that compute them); empty: the output nodes' names.
  std::vector<std::string> outputNames;

  const std::string &outputName(size_t j) const;
};

// `NAME` made a C identifier.
std::string cIdentifierFor(const std::string &name);

std::string generateHeader(const DriverSpec &spec);
std::string generateDriver(const DriverSpec &spec);
// GNU assembler source that places the blob file in read-only data under the
// symbol NAME_weights_data.
std::string generateWeightsAssembly(const std::string &modelName, const std::string &blobPath);

// Bytes of intermediate values one call of the driver allocates (the peak of
// the memory plan), and what they would take without reusing memory.
uint64_t intermediateBytes(const DriverSpec &spec);
uint64_t unsharedIntermediateBytes(const DriverSpec &spec);

} // namespace atrous::codegen
