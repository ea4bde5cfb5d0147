#!/bin/sh
# Appends its arguments after the first, one line per call, to the file
# named by the first: what a step ran, as the test sees it.
file=$1
shift
printf '%s\n' "$*" >> "$file"
