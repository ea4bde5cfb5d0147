// Command alertgate is the Alertgate server and its admin commands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"
)

// version is stamped at build time by the Makefile (-X main.version=…).
var version = "dev"

const usage = `Alertgate, a self-hosted incident console.

Usage:
  alertgate [serve] [flags]                   run the server (the default)
  alertgate user add --name N --role R        add a user; password on stdin
  alertgate token add --name N --role R       add an API token; printed once
  alertgate backup FILE                       copy the live database to FILE
  alertgate version                           print the version

Run "alertgate serve -h" for the server's settings.
`

// gcPercent trades memory for CPU: the heap is a few MiB at rest, and a
// burst of webhooks spends less time collecting garbage at 200 than at Go's
// default 100. Higher is no better: at 400, ingest gained about 3% but a
// burst right after a start forwarded with a p99 twice as long, the new
// heap pages costing more than the collections saved (bench/forward, on a
// small VM). GOGC in the environment still wins.
const gcPercent = 200

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(gcPercent)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv))
}

// run is main without the process: tests call it with their own arguments,
// streams and environment. It returns the exit code.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	cmd, rest := "serve", args
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, rest = args[0], args[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = serve(ctx, rest, stderr, getenv, nil)
	case "user":
		err = userCommand(ctx, rest, stdin, stdout, stderr, getenv)
	case "token":
		err = tokenCommand(ctx, rest, stdout, stderr, getenv)
	case "backup":
		err = backupCommand(ctx, rest, stdout, stderr, getenv)
	case "version":
		fmt.Fprintln(stdout, "alertgate", version)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
	default:
		fmt.Fprintf(stderr, "alertgate: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	}
	fmt.Fprintln(stderr, "alertgate:", err)
	return 1
}
