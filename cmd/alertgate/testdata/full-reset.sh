#!/bin/sh
# A stand-in for a destructive remediation step. It appends its target ($2)
# to the file named by $1, one line per run, so a test can count the runs,
# and prints a line the run's output must show.
printf '%s\n' "$2" >> "$1"
echo "full reset of $2 done"
