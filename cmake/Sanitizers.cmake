# MB_SANITIZE=address,undefined or thread instruments every target.
if(MB_SANITIZE)
  add_compile_options(-fsanitize=${MB_SANITIZE} -fno-omit-frame-pointer -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${MB_SANITIZE})
endif()
