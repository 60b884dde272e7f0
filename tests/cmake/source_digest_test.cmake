# Checks atrous_source_digest (cmake/SourceDigest.cmake), which keys the
# cache of compiled groups: run as `cmake -DSOURCE_DIR=<repo> -DWORK_DIR=<dir>
# -P source_digest_test.cmake`; a failed check is a FATAL_ERROR.
include("${SOURCE_DIR}/cmake/SourceDigest.cmake")

file(REMOVE_RECURSE "${WORK_DIR}")
function(write_tree root schedule)
  file(WRITE "${root}/codegen/Schedule.cpp" "${schedule}")
  file(WRITE "${root}/codegen/Lower.cpp" "lowering\n")
endfunction()
function(digest_of root out_var)
  atrous_source_digest(d BASE "${root}" FILES "${root}/codegen/Schedule.cpp"
                       "${root}/codegen/Lower.cpp" ${ARGN})
  set(${out_var} "${d}" PARENT_SCOPE)
endfunction()
# expect(<message> <condition>...): the condition as if() takes it.
function(expect message)
  if(NOT (${ARGN}))
    message(FATAL_ERROR "source digest: ${message}")
  endif()
endfunction()

write_tree("${WORK_DIR}/a" "split(x, 16)\n")
digest_of("${WORK_DIR}/a" first)
string(LENGTH "${first}" length)
expect("expected 64 hex digits, got '${first}'" length EQUAL 64)

# The same sources in another checkout, listed in another order: the same key.
write_tree("${WORK_DIR}/b" "split(x, 16)\n")
atrous_source_digest(moved BASE "${WORK_DIR}/b" FILES "${WORK_DIR}/b/codegen/Lower.cpp"
                     "${WORK_DIR}/b/codegen/Schedule.cpp")
expect("a copy of the same sources got another key" first STREQUAL moved)

# One changed character in one file: another key.
write_tree("${WORK_DIR}/a" "split(x, 32)\n")
digest_of("${WORK_DIR}/a" edited)
expect("an edited schedule kept its key" NOT first STREQUAL edited)

# A file's contents moved to another name: another key.
file(WRITE "${WORK_DIR}/c/codegen/Lower.cpp" "split(x, 16)\n")
file(WRITE "${WORK_DIR}/c/codegen/Schedule.cpp" "lowering\n")
digest_of("${WORK_DIR}/c" swapped)
expect("swapping two files' contents kept the key" NOT first STREQUAL swapped)

# A new source file: another key.
write_tree("${WORK_DIR}/a" "split(x, 16)\n")
file(WRITE "${WORK_DIR}/a/codegen/ScheduleNew.cpp" "")
digest_of("${WORK_DIR}/a" added "${WORK_DIR}/a/codegen/ScheduleNew.cpp")
expect("an added source kept the key" NOT first STREQUAL added)
digest_of("${WORK_DIR}/a" restored)
expect("the restored sources got another key" first STREQUAL restored)
