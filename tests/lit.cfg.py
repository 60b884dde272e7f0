# lit configuration: every .atr file under tests/lit with RUN lines is a test.
import os
import shutil
import lit.formats

config.name = "atrous"
config.test_format = lit.formats.ShTest(execute_external=False)
config.suffixes = [".atr", ".test"]
config.test_source_root = os.path.join(config.atrous_src_root, "tests", "lit")
config.test_exec_root = os.path.join(config.atrous_obj_root, "lit-out")
config.substitutions.append(("%atrousc", os.path.join(config.atrous_bin_dir, "atrousc")))
config.substitutions.append(("%models", os.path.join(config.atrous_src_root, "models")))
config.substitutions.append(("FileCheck", config.filecheck))
# llvm-14 (a dependency of llvm-14-dev) disassembles any target's objects.
config.substitutions.append(("%objdump", shutil.which("llvm-objdump-14") or "llvm-objdump"))
# Compiled groups are cached where ctest says (the build tree).
if "ATROUS_CACHE_DIR" in os.environ:
    config.environment["ATROUS_CACHE_DIR"] = os.environ["ATROUS_CACHE_DIR"]
