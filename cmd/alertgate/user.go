package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/alertgate/alertgate/store"
)

// userCommand is `alertgate user add --name N --role R`, password on stdin.
func userCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprintln(stderr, "usage: alertgate user add --name NAME --role admin|responder|viewer [--data-dir DIR] < password")
		return errUsage
	}
	fs := flag.NewFlagSet("user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "", "user name")
	role := fs.String("role", store.RoleViewer, "admin, responder or viewer")
	dataDir := dataDirFlag(fs, getenv)
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *name == "" {
		return errors.New("user add: --name is required")
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	st, err := store.Open(ctx, *dataDir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if _, err := st.CreateUser(ctx, store.Actor{Name: "cli"}, *name, password, *role); err != nil {
		var inv *store.InvalidError
		if errors.As(err, &inv) {
			return fmt.Errorf("user add: %s", inv.Msg)
		}
		return fmt.Errorf("user add: %w", err)
	}
	fmt.Fprintf(stdout, "added user %s with role %s to %s\n", *name, *role, st.Path())
	return nil
}

// dataDirFlag is --data-dir, defaulting to ALERTGATE_DATA_DIR as serve does.
func dataDirFlag(fs *flag.FlagSet, getenv func(string) string) *string {
	def := lookup("data-dir").def
	if v := getenv("ALERTGATE_DATA_DIR"); v != "" {
		def = v
	}
	return fs.String("data-dir", def, "data directory (env ALERTGATE_DATA_DIR)")
}

// readPassword reads one line; on a terminal it asks without echoing.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		b, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		return string(b), err
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("user add: no password on stdin; pipe it in, e.g. printf '%s\\n' \"$PASSWORD\" | alertgate user add …")
	}
	return line, nil
}

// backupCommand is `alertgate backup FILE`: an online, consistent copy.
func backupCommand(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dataDir := dataDirFlag(fs, getenv)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: alertgate backup [--data-dir DIR] FILE")
		return errUsage
	}
	// A backup of a database that does not exist would be an empty one made
	// on the spot: refuse, so a wrong data dir is noticed.
	if _, err := os.Stat(filepath.Join(*dataDir, store.FileName)); err != nil {
		return fmt.Errorf("backup: no database in %s (set --data-dir or ALERTGATE_DATA_DIR): %w", *dataDir, err)
	}
	st, err := store.Open(ctx, *dataDir, store.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Backup(ctx, fs.Arg(0)); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %s to %s\n", st.Path(), fs.Arg(0))
	return nil
}
