# atrous_source_digest(<out-var> BASE <dir> FILES <file>...)
#
# Sets <out-var> to a SHA-256 over the files' paths relative to BASE and their
# contents, in sorted order: a key that changes with any edit to the code it
# covers, and that does not depend on where the checkout lives. atrousc puts
# it into the signature of every cached group object, so a cache never hands
# back an object that an older lowering or schedule built.
function(atrous_source_digest out_var)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "" "BASE" "FILES")
  set(entries)
  foreach(file IN LISTS ARG_FILES)
    file(RELATIVE_PATH name "${ARG_BASE}" "${file}")
    file(SHA256 "${file}" hash)
    list(APPEND entries "${name} ${hash}")
  endforeach()
  list(SORT entries)
  string(SHA256 digest "${entries}")
  set(${out_var} "${digest}" PARENT_SCOPE)
endfunction()
