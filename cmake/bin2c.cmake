# Turns a binary file into a C array (run with cmake -P; INPUT, OUTPUT, NAME).
file(READ ${INPUT} hex HEX)
string(LENGTH "${hex}" n)
math(EXPR size "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "((0x..,){16})" "\\1\n  " body "${body}")
file(WRITE ${OUTPUT}
  "/* Generated from ${NAME}.bin at build time; do not edit. */\n"
  "const unsigned char ${NAME}[${size} + 1] = {\n  ${body}0 };\n"
  "const unsigned int ${NAME}_size = ${size};\n")
