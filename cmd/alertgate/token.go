package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/alertgate/alertgate/store"
)

// tokenCommand is `alertgate token add --name N --role R`. The token goes
// alone to stdout, so `TOKEN=$(alertgate token add …)` captures it; the
// reminder that it cannot be shown again goes to stderr, for the person.
func tokenCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "usage: alertgate token add --name NAME --role admin|responder|viewer [--data-dir DIR]")
		return errUsage
	}
	fs := flag.NewFlagSet("token add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "token name, e.g. the script or dashboard that uses it")
	role := fs.String("role", store.RoleViewer, "admin, responder or viewer")
	dataDir := dataDirFlag(fs, getenv)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("token add: --name is required")
	}
	st, err := store.Open(ctx, *dataDir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	token, err := st.CreateToken(ctx, store.Actor{Name: "cli"}, *name, *role)
	if err != nil {
		var inv *store.InvalidError
		if errors.As(err, &inv) {
			return fmt.Errorf("token add: %s", inv.Msg)
		}
		return fmt.Errorf("token add: %w", err)
	}
	fmt.Fprintln(stdout, token)
	fmt.Fprintf(stderr, "added API token %s with role %s to %s; copy it now: it cannot be shown again\n", *name, *role, st.Path())
	return nil
}
