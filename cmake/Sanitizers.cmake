# Sanitizer builds: OPENWHP_SANITIZE=address (ASan+UBSan) or thread (TSan).
if(OPENWHP_SANITIZE STREQUAL "address")
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer
                      -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
elseif(OPENWHP_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  add_link_options(-fsanitize=thread)
elseif(NOT OPENWHP_SANITIZE STREQUAL "")
  message(FATAL_ERROR "OPENWHP_SANITIZE must be empty, address or thread")
endif()
