#include "codegen/Toolchain.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "ir/Error.h"

extern char **environ;

namespace atrous::codegen {

namespace {

std::string tool(const char *envVar, const char *fallback) {
  const char *v = std::getenv(envVar);
  return v && *v ? v : fallback;
}

// The clang triple for a Halide target, or "" for the host's default.
std::string clangTriple(const Halide::Target &t) {
  Halide::Target host = Halide::get_host_target();
  if (t.arch == host.arch && t.bits == host.bits && t.os == host.os) return "";
  std::string arch;
  if (t.arch == Halide::Target::X86)
    arch = t.bits == 64 ? "x86_64" : "i686";
  else if (t.arch == Halide::Target::ARM)
    arch = t.bits == 64 ? "aarch64" : "armv7";
  else if (t.arch == Halide::Target::RISCV)
    arch = "riscv64";
  else
    throw Error("no C toolchain known for target " + t.to_string());
  if (t.os == Halide::Target::Linux)
    return arch + (arch == "armv7" ? "-linux-gnueabihf" : "-linux-gnu");
  if (t.os == Halide::Target::OSX)
    return arch == "aarch64" ? "arm64-apple-macos" : arch + "-apple-macos";
  throw Error("no C toolchain known for target " + t.to_string());
}

} // namespace

void runProcess(const std::vector<std::string> &argv, const std::string &what) {
  std::string commandLine;
  for (const std::string &a : argv)
    commandLine += (commandLine.empty() ? "" : " ") + a;
  int pipeFds[2];
  // Close-on-exec, so that a tool started by another thread at the same time
  // does not inherit this pipe and keep it open past this tool's exit.
  if (pipe2(pipeFds, O_CLOEXEC) != 0) throw Error(what + ": cannot create a pipe");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipeFds[1], 2);
  posix_spawn_file_actions_addclose(&actions, pipeFds[0]);
  std::vector<char *> args;
  for (const std::string &a : argv)
    args.push_back(const_cast<char *>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(pipeFds[1]);
  std::string output;
  char buf[4096];
  ssize_t n;
  while ((n = read(pipeFds[0], buf, sizeof buf)) > 0)
    output.append(buf, static_cast<size_t>(n));
  close(pipeFds[0]);
  if (rc != 0) throw Error(what + ": cannot run '" + argv[0] + "' (is it installed?)");
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    throw Error(what + " failed: " + commandLine + "\n" + output);
}

void compileC(const Halide::Target &target, const std::string &source, const std::string &object,
              const std::vector<std::string> &includeDirs) {
  std::vector<std::string> argv = {tool("ATROUS_CC", "clang"),
                                   "-c",
                                   "-O2",
                                   "-fPIC",
                                   "-std=gnu11",
                                   "-ffreestanding",
                                   "-Wall",
                                   "-Werror=implicit-function-declaration"};
  std::string triple = clangTriple(target);
  if (!triple.empty()) {
    argv.push_back("--target=" + triple);
    // HalideRuntime.h includes <string.h>, which a cross target has no copy
    // of here; the driver needs nothing from it but these declarations.
    std::filesystem::path shim = std::filesystem::path(object).parent_path() / "libc-shim";
    std::filesystem::create_directories(shim);
    std::ofstream(shim / "string.h") << "typedef __SIZE_TYPE__ size_t;\n"
                                        "void *memcpy(void *, const void *, size_t);\n"
                                        "void *memset(void *, int, size_t);\n"
                                        "int memcmp(const void *, const void *, size_t);\n"
                                        "size_t strlen(const char *);\n";
    argv.push_back("-I" + shim.string());
  }
  for (const std::string &dir : includeDirs)
    argv.push_back("-I" + dir);
  argv.insert(argv.end(), {source, "-o", object});
  runProcess(argv, "compiling " + source);
}

void archive(const std::vector<std::string> &objects, const std::string &library) {
  std::filesystem::remove(library);
  std::vector<std::string> argv = {tool("ATROUS_AR", "ar"), "rcs", library};
  argv.insert(argv.end(), objects.begin(), objects.end());
  runProcess(argv, "archiving " + library);
}

void linkShared(const std::vector<std::string> &objects, const std::string &library) {
  std::vector<std::string> argv = {tool("ATROUS_CC", "clang"), "-shared", "-Wl,-Bsymbolic", "-o",
                                   library};
  argv.insert(argv.end(), objects.begin(), objects.end());
  runProcess(argv, "linking " + library);
}

std::string halideIncludeDir() {
  for (const char *dir : {"/usr/include/halide14", "/usr/include", "/usr/local/include"})
    if (std::filesystem::exists(std::string(dir) + "/HalideRuntime.h")) return dir;
  throw Error("HalideRuntime.h not found; is libhalide14-0-dev installed?");
}

} // namespace atrous::codegen
