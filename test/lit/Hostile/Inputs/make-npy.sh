#!/bin/sh
# Writes a .npy file without numpy: make-npy.sh DESCR SHAPE DATA_BYTES OUT.
# DESCR is a dtype such as '<f4', SHAPE a tuple such as '(0, 1, 28, 28)'; the
# data are DATA_BYTES zero bytes, whatever the shape says.
set -e
header="{'descr': '$1', 'fortran_order': False, 'shape': $2, }"
len=$((${#header} + 1))
printf '\223NUMPY\001\000' > "$4"
printf "\\$(printf %03o $((len % 256)))\\$(printf %03o $((len / 256)))" >> "$4"
printf '%s\n' "$header" >> "$4"
head -c "$3" /dev/zero >> "$4"
