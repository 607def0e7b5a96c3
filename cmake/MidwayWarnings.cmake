# Compiler warnings and sanitizers, applied to every target of the project.
add_compile_options(
  -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes -Wmissing-prototypes
  -Wformat=2 -Wvla -Wundef -Wwrite-strings -Wcast-qual -Wno-unused-parameter
  -Wimplicit-fallthrough)
if(MW_WERROR)
  add_compile_options(-Werror)
endif()
# POSIX.1-2008 plus the Linux socket options we use (IP_MULTICAST_ALL, SO_REUSEPORT).
add_compile_definitions(_GNU_SOURCE)

if(MW_SANITIZE)
  add_compile_options(-fsanitize=${MW_SANITIZE} -fno-omit-frame-pointer
                      -fno-sanitize-recover=all)
  add_link_options(-fsanitize=${MW_SANITIZE})
endif()

# Fuzzing: the library is instrumented for coverage; fuzz/ links libFuzzer's main.
if(MW_FUZZ)
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
