# MB_SANITIZE=address,undefined or thread instruments every target.
if(MB_SANITIZE)
  add_compile_options(-fsanitize=${MB_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${MB_SANITIZE})
endif()

# Fuzzing: every library gets coverage instrumentation, otherwise libFuzzer
# only sees the fuzz target's own file and explores nothing.
if(MB_BUILD_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
