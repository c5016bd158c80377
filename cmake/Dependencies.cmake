# Third-party dependencies, all from Debian bookworm packages (see scripts/install-deps.sh).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.11 REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(prometheus-cpp REQUIRED COMPONENTS core)
# cpp-httplib and spdlog through pkg-config: their .pc files carry the compile definitions
# (CPPHTTPLIB_OPENSSL_SUPPORT, SPDLOG_FMT_EXTERNAL) that the shared libraries were built with.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(SPDLOG REQUIRED IMPORTED_TARGET spdlog)
if(MODELOPS_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(MODELOPS_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
