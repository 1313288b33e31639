# Project-wide warning set; MB_WERROR (on in CI) turns them into errors.
add_library(mb_warnings INTERFACE)
target_compile_options(mb_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(MB_WERROR)
  target_compile_options(mb_warnings INTERFACE -Werror)
endif()
