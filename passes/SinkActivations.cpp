// sink-activations: `act(interleave(p0, ..., pk))` becomes
// `interleave(act(p0), ..., act(pk))` when the activation (relu, relu6,
// leaky_relu, sigmoid, tanh) is the interleave's only reader and the
// interleave its phases' only reader. An elementwise op commutes with moving
// pixels, so the two compute the same values. A transposed conv followed by a
// relu lowers (lower-conv-transpose) to phase convs, an interleave and the
// relu, which then ran in the interleave's group; sunk into the phases, the
// relu fuses into their convs (run this before fuse-epilogue) and the
// interleave is left alone, to be placed in memory so that it moves no data
// (place-interleaves). The new interleave takes the activation's name, which
// its readers and the graph's outputs know; a phase shared by several of the
// interleave's inputs (lower-conv-transpose's bias-only phases) gets one
// activation.
#include "passes/SinkActivations.h"

#include <map>
#include <set>

#include "ir/Epilogue.h"
#include "passes/Rewriter.h"

namespace atrous {

namespace {

class SinkActivationsPass : public Pass {
public:
  std::string name() const override { return "sink-activations"; }
  std::string summary() const override {
    return "move an interleave's activation into its phases, for fuse-epilogue";
  }

  bool run(Graph &graph, Weights *) override {
    const std::vector<int> uses = useCounts(graph);
    auto readOnlyBy = [&](ValueId value, const Node &reader) {
      int reads = 0;
      for (ValueId in : reader.inputs)
        reads += in == value;
      return uses[static_cast<size_t>(value)] == reads;
    };
    // The interleaves to sink through, by the activation that reads them.
    std::map<ValueId, ValueId> sunk;
    std::set<ValueId> replaced;
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const Node &act = graph.nodes[i];
      if (!isEpilogueActivation(act.op) || act.inputs.size() != 1) continue;
      const Node &interleave = graph.node(act.inputs[0]);
      if (interleave.op != OpKind::Interleave || !readOnlyBy(act.inputs[0], act)) continue;
      bool phasesOnlyRead = true;
      for (ValueId phase : interleave.inputs)
        phasesOnlyRead = phasesOnlyRead && graph.node(phase).op != OpKind::Input &&
                         readOnlyBy(phase, interleave);
      if (!phasesOnlyRead) continue;
      sunk[static_cast<ValueId>(i)] = act.inputs[0];
      replaced.insert(act.inputs[0]);
    }
    if (sunk.empty()) return false;

    Rewriter rw(graph);
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      const ValueId id = static_cast<ValueId>(i);
      if (replaced.count(id)) continue;
      auto s = sunk.find(id);
      if (s == sunk.end()) {
        rw.copy(id);
        continue;
      }
      const Node &act = graph.nodes[i];
      const Node &interleave = graph.node(s->second);
      Node joined = interleave;
      joined.name = act.name;
      joined.inputs.clear();
      std::map<ValueId, ValueId> activated;
      for (ValueId phase : interleave.inputs) {
        auto done = activated.find(phase);
        if (done == activated.end()) {
          Node a = act;
          a.name = rw.freshName(graph.node(phase).name + "." + opName(act.op));
          a.inputs = {rw.map(phase)};
          a.type = graph.type(phase);
          done = activated.emplace(phase, rw.add(a)).first;
        }
        joined.inputs.push_back(done->second);
      }
      rw.setMap(id, rw.add(joined));
    }
    graph = rw.finish();
    return true;
  }
};

} // namespace

std::unique_ptr<Pass> createSinkActivationsPass() {
  return std::make_unique<SinkActivationsPass>();
}

} // namespace atrous
