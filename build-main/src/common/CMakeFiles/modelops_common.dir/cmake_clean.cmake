file(REMOVE_RECURSE
  "CMakeFiles/modelops_common.dir/flags.cpp.o"
  "CMakeFiles/modelops_common.dir/flags.cpp.o.d"
  "CMakeFiles/modelops_common.dir/logging.cpp.o"
  "CMakeFiles/modelops_common.dir/logging.cpp.o.d"
  "CMakeFiles/modelops_common.dir/time.cpp.o"
  "CMakeFiles/modelops_common.dir/time.cpp.o.d"
  "libmodelops_common.a"
  "libmodelops_common.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang CXX)
  include(CMakeFiles/modelops_common.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
