#include "codegen/ModelObjects.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <limits>

#include "codegen/DriverSource.h"
#include "codegen/GroupCompiler.h"
#include "codegen/Target.h"
#include "codegen/Toolchain.h"
#include "ir/Error.h"
#include "ir/InPlace.h"
#include "ir/ResidualInPlace.h"
#include "ir/Verifier.h"

namespace fs = std::filesystem;

namespace atrous::codegen {

static void writeText(const fs::path &path, const std::string &text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw Error("cannot write " + path.string());
}

// Per-node pipelines set aside the `group` pass's partition, the arena plan
// made for it and the residuals placed for its order of groups.
static Graph withoutGroupAnnotations(Graph graph) {
  for (Node &node : graph.nodes) {
    node.attrs.erase("group");
    node.attrs.erase("arena_offset");
    node.attrs.erase("residual_in_place");
  }
  return graph;
}

ModelObjects buildModelObjects(const Graph &annotatedGraph, const Weights &weights,
                               const Halide::Target &target, const std::string &name,
                               const std::string &workDir, bool externalWeights,
                               const std::string &cacheDir, bool fuseGroups,
                               const std::vector<std::string> &outputNames) {
  // A graph built through the API, not parsed, meets its rules here: one
  // that breaks them (a channels_last model output, an in_place node whose
  // parts cannot be views) would compile into code that silently writes the
  // wrong elements.
  verify(annotatedGraph);
  Graph graph = fuseGroups ? annotatedGraph : withoutGroupAnnotations(annotatedGraph);
  // A device buffer is no host pointer that a view could offset, so on a GPU
  // the concats and interleaves copy their parts, and the arena is planned
  // again for that; each value keeps a device buffer of its own, so a conv
  // writes no residual's bytes either.
  if (isGpuTarget(target) && std::any_of(graph.nodes.begin(), graph.nodes.end(), [](const Node &n) {
        return isInPlace(n) || isResidualInPlace(n);
      }))
    for (Node &node : graph.nodes) {
      node.attrs.erase("in_place");
      node.attrs.erase("residual_in_place");
      node.attrs.erase("arena_offset");
    }
  if (!externalWeights && target.os != Halide::Target::Linux)
    throw Error("weights in the library's data section need an ELF target; use "
                "--external-weights for " +
                target.to_string());
  // Halide addresses a buffer with 32-bit offsets unless built for large
  // buffers, which costs speed everywhere; a model this large is refused.
  for (const Node &n : graph.nodes)
    if (numElements(n.type.shape) * dtypeSize(n.type.dtype) > std::numeric_limits<int32_t>::max())
      throw Error("value '" + n.name + "' " + n.type.str() +
                  " is larger than the 2 GiB a generated buffer can hold");
  ModelObjects result;
  result.name = cIdentifierFor(name);
  result.weights = packWeights(graph, weights);
  fs::path dir(workDir);
  fs::create_directories(dir);

  DriverSpec spec;
  spec.modelName = result.name;
  spec.graph = &graph;
  spec.groups = fuseGroups ? fusedGroups(graph) : singleNodeGroups(graph);
  spec.objects = compileGroups(graph, spec.groups, target, resolveCacheDir(cacheDir));
  spec.weights = &result.weights;
  spec.externalWeights = externalWeights;
  spec.gpu = isGpuTarget(target);
  spec.outputNames = outputNames;
  result.groups = static_cast<int>(std::count_if(spec.groups.begin(), spec.groups.end(),
                                                 [](const Group &g) { return !g.inPlace; }));
  for (const GroupObject &o : spec.objects) {
    if (o.objectPath.empty()) continue;
    if (std::find(result.objects.begin(), result.objects.end(), o.objectPath) ==
        result.objects.end())
      result.objects.push_back(o.objectPath);
    result.cachedGroups += o.cached;
  }
  result.intermediateBytes = intermediateBytes(spec);
  result.unsharedIntermediateBytes = unsharedIntermediateBytes(spec);

  fs::path header = dir / (result.name + ".h");
  writeText(header, generateHeader(spec));
  result.headerPath = header.string();
  fs::path driver = dir / (result.name + "_driver.c");
  writeText(driver, generateDriver(spec));
  fs::path driverObject = dir / (result.name + "_driver.o");
  compileC(target, driver.string(), driverObject.string(), {dir.string(), halideIncludeDir()});
  result.objects.push_back(driverObject.string());

  if (!externalWeights) {
    fs::path blob = fs::absolute(dir / (result.name + "_weights.bin"));
    writeBlob(blob.string(), result.weights);
    fs::path assembly = dir / (result.name + "_weights.S");
    writeText(assembly, generateWeightsAssembly(result.name, blob.string()));
    fs::path weightsObject = dir / (result.name + "_weights.o");
    compileC(target, assembly.string(), weightsObject.string(), {});
    result.objects.push_back(weightsObject.string());
  }
  return result;
}

} // namespace atrous::codegen
