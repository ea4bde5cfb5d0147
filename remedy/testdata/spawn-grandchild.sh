#!/bin/sh
# Starts a grandchild that outlives this script unless its whole process
# group is killed, writes the grandchild's pid to $1, then waits.
sleep 300 &
echo $! > "$1"
wait
