# Project-wide warning set; MB_WERROR (on in CI) turns them into errors.
add_library(mb_warnings INTERFACE)
target_compile_options(mb_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
# C++20 designated initializers that rely on default member initializers
# (`WriteOptions{.force = true}`) are the point of those defaults; GCC's
# -Wmissing-field-initializers (part of -Wextra) flags every such use.
target_compile_options(mb_warnings INTERFACE -Wno-missing-field-initializers)
if(MB_WERROR)
  target_compile_options(mb_warnings INTERFACE -Werror)
endif()
# GCC 12 at -O3 reports -Wrestrict inside std::string's operator+ (GCC bug
# 105329), a false positive in the standard library, not in our code.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(mb_warnings INTERFACE -Wno-restrict)
endif()
