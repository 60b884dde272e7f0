#include "codegen/GroupCompiler.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "codegen/GroupPipeline.h"
#include "codegen/Hash.h"
#include "ir/Error.h"

namespace fs = std::filesystem;

namespace atrous::codegen {

namespace {

std::string readFile(const fs::path &p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A cache entry is an object plus the signature it was built from; a hit
// must match the signature in full. (Two different signatures with one hash
// in one compile are refused in compileGroups; across compiles the later
// one overwrites the entry.)
GroupObject compileOne(const Graph &graph, const Group &group, const std::string &signature,
                       const Halide::Target &target, const fs::path &dir) {
  GroupObject obj;
  obj.functionName = "atrous_" + hexDigest(fnv1a(signature));
  fs::path object = dir / (obj.functionName + ".o");
  fs::path sigFile = dir / (obj.functionName + ".sig");
  obj.objectPath = object.string();
  if (fs::exists(object) && fs::exists(sigFile) && readFile(sigFile) == signature) {
    obj.cached = true;
    return obj;
  }
  // Written under temporary names and renamed, so that concurrent test
  // processes sharing the cache never see half an object.
  std::string tmp = "." + std::to_string(getpid()) + "." +
                    std::to_string(std::hash<std::thread::id>()(std::this_thread::get_id()));
  GroupPipeline p = buildGroupPipeline(graph, group, target);
  p.output.compile_to_object(object.string() + tmp, p.arguments, obj.functionName,
                             groupTarget(target));
  // For whoever tunes a schedule: the loop nest Halide lowered the group to.
  if (std::getenv("ATROUS_WRITE_STMT"))
    p.output.compile_to_lowered_stmt(object.string() + ".stmt", p.arguments, Halide::Text,
                                     groupTarget(target));
  {
    std::ofstream out(sigFile.string() + tmp, std::ios::binary);
    out << signature;
  }
  fs::rename(object.string() + tmp, object);
  fs::rename(sigFile.string() + tmp, sigFile);
  return obj;
}

} // namespace

Halide::Target groupTarget(const Halide::Target &target) {
  return target.with_feature(Halide::Target::NoRuntime).with_feature(Halide::Target::UserContext);
}

std::string resolveCacheDir(const std::string &requested) {
  fs::path dir;
  if (!requested.empty())
    dir = requested;
  else if (const char *env = std::getenv("ATROUS_CACHE_DIR"); env && *env)
    dir = env;
  else if (const char *home = std::getenv("HOME"); home && *home)
    dir = fs::path(home) / ".cache" / "atrous";
  else
    dir = "/tmp/atrous-cache";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) throw Error("cannot create the cache directory " + dir.string() + ": " + ec.message());
  return dir.string();
}

std::vector<GroupObject> compileGroups(const Graph &graph, const std::vector<Group> &groups,
                                       const Halide::Target &target, const std::string &cacheDir) {
  fs::path dir = fs::path(cacheDir) / "groups";
  fs::create_directories(dir);
  // Equal groups (same signature) are compiled once.
  std::vector<std::string> signatures;
  std::map<std::string, size_t> firstWith;
  std::vector<size_t> unique;
  std::map<uint64_t, std::string> byHash;
  for (size_t i = 0; i < groups.size(); ++i) {
    signatures.push_back(groupSignature(graph, groups[i], target));
    if (groups[i].inPlace) continue;
    if (firstWith.emplace(signatures[i], i).second) unique.push_back(i);
    auto [it, fresh] = byHash.emplace(fnv1a(signatures[i]), signatures[i]);
    if (!fresh && it->second != signatures[i])
      throw Error("two different groups hash to the same function name; please report this");
  }
  std::vector<GroupObject> objects(groups.size());
  std::atomic<size_t> next{0};
  std::mutex failMutex;
  std::exception_ptr failure;
  auto worker = [&] {
    for (size_t k; (k = next++) < unique.size();) {
      size_t i = unique[k];
      try {
        objects[i] = compileOne(graph, groups[i], signatures[i], target, dir);
      } catch (...) {
        std::lock_guard<std::mutex> lock(failMutex);
        if (!failure) failure = std::current_exception();
      }
    }
  };
  size_t workers = std::max(1u, std::min(std::thread::hardware_concurrency(), 8u));
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers && w < unique.size(); ++w)
    pool.emplace_back(worker);
  worker();
  for (std::thread &t : pool)
    t.join();
  if (failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const Halide::Error &e) {
      throw Error(std::string("Halide could not compile a group: ") + e.what());
    } catch (const Error &) {
      throw;
    } catch (const std::exception &e) {
      throw Error(std::string("compiling a group failed: ") + e.what());
    }
  }
  for (size_t i = 0; i < groups.size(); ++i)
    if (!groups[i].inPlace) objects[i] = objects[firstWith.at(signatures[i])];
  return objects;
}

} // namespace atrous::codegen
