package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/store"
)

// env is a fake environment for run.
func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func runCmd(t *testing.T, args []string, stdin string, vars map[string]string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut, env(vars))
	return code, out.String(), errOut.String()
}

func TestUserAdd(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"ALERTGATE_DATA_DIR": dir}
	code, out, errOut := runCmd(t, []string{"user", "add", "--name", "alice", "--role", "admin"}, "s3cret password\n", vars)
	if code != 0 || !strings.Contains(out, "added user alice with role admin") {
		t.Fatalf("user add: code %d, out %q, err %q", code, out, errOut)
	}
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	u, err := st.Authenticate(context.Background(), "alice", "s3cret password")
	st.Close()
	if err != nil || u.Role != store.RoleAdmin {
		t.Fatalf("alice cannot sign in with the piped password: %v (%+v)", err, u)
	}

	for _, c := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"user", "add", "--name", "alice", "--role", "viewer"}, "another password\n", "already exists"},
		{[]string{"user", "add", "--name", "bob", "--role", "root"}, "another password\n", `role "root" is not one of`},
		{[]string{"user", "add", "--name", "bob"}, "short\n", "at least 8 characters"},
		{[]string{"user", "add", "--name", "bob"}, "", "no password on stdin"},
		{[]string{"user", "add", "--role", "admin"}, "another password\n", "--name is required"},
		{[]string{"user", "remove"}, "", "usage: alertgate user add"},
	} {
		code, _, errOut := runCmd(t, c.args, c.stdin, vars)
		if code == 0 || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: code %d, stderr %q, want it to mention %q", c.args, code, errOut, c.want)
		}
	}
	st, _ = store.Open(context.Background(), dir, store.Options{})
	defer st.Close()
	if n, _ := st.CountUsers(context.Background()); n != 1 {
		t.Fatalf("failed commands changed the users: %d users, want 1", n)
	}
}

func TestConfigErrorsNameTheSetting(t *testing.T) {
	dir := t.TempDir()
	badYAML := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badYAML, []byte("sourcs: []\n"), 0o600)
	badChannel := filepath.Join(dir, "channel.yaml")
	os.WriteFile(badChannel, []byte("channels:\n  - {name: ops, url: 'not a url', token: 'ops-token-0123456789'}\n"), 0o600)
	shortKey := filepath.Join(dir, "short.key")
	os.WriteFile(shortKey, []byte("tooshort\n"), 0o600)
	cases := []struct {
		name string
		args []string
		vars map[string]string
		want string
	}{
		{"addr without port", nil, map[string]string{"ALERTGATE_ADDR": "localhost"}, "ALERTGATE_ADDR (--addr)"},
		{"addr flag wins over env", []string{"--addr", "nope"}, map[string]string{"ALERTGATE_ADDR": "127.0.0.1:1"}, `--addr) "nope"`},
		{"port out of range", nil, map[string]string{"ALERTGATE_ADDR": "127.0.0.1:99999"}, "port must be a number"},
		{"relative base url", nil, map[string]string{"ALERTGATE_BASE_URL": "alerts.example.com"}, "ALERTGATE_BASE_URL"},
		{"log format", nil, map[string]string{"ALERTGATE_LOG_FORMAT": "xml"}, "ALERTGATE_LOG_FORMAT"},
		{"log level", nil, map[string]string{"ALERTGATE_LOG_LEVEL": "loud"}, "ALERTGATE_LOG_LEVEL"},
		{"short session key", nil, map[string]string{"ALERTGATE_SESSION_KEY": "abc"}, "ALERTGATE_SESSION_KEY (--session-key) \"(hidden)\""},
		{"short key file", nil, map[string]string{"ALERTGATE_SESSION_KEY_FILE": shortKey}, "at least 32 characters"},
		{"missing key file", nil, map[string]string{"ALERTGATE_SESSION_KEY_FILE": filepath.Join(dir, "none")}, "ALERTGATE_SESSION_KEY_FILE"},
		{"key and key file", nil, map[string]string{"ALERTGATE_SESSION_KEY": strings.Repeat("k", 32), "ALERTGATE_SESSION_KEY_FILE": shortKey}, "set only one of"},
		{"idle longer than max", nil, map[string]string{"ALERTGATE_SESSION_IDLE": "48h", "ALERTGATE_SESSION_MAX_AGE": "24h"}, "ALERTGATE_SESSION_IDLE"},
		{"bad duration", nil, map[string]string{"ALERTGATE_SESSION_MAX_AGE": "forever"}, "ALERTGATE_SESSION_MAX_AGE"},
		{"bad proxy", nil, map[string]string{"ALERTGATE_TRUSTED_PROXIES": "127.0.0.1, caddy"}, `ALERTGATE_TRUSTED_PROXIES (--trusted-proxies) "caddy"`},
		{"db sync", nil, map[string]string{"ALERTGATE_DB_SYNC": "sometimes"}, "ALERTGATE_DB_SYNC"},
		{"missing config file", nil, map[string]string{"ALERTGATE_CONFIG": filepath.Join(dir, "none.yaml")}, "ALERTGATE_CONFIG"},
		{"unknown config section", nil, map[string]string{"ALERTGATE_CONFIG": badYAML}, "field sourcs not found"},
		{"bad channel url", nil, map[string]string{"ALERTGATE_CONFIG": badChannel}, "channels[0] (ops): url: the URL must be an absolute"},
		{"stray argument", []string{"extra"}, nil, "unexpected argument"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			vars := map[string]string{"ALERTGATE_DATA_DIR": filepath.Join(dir, "data")}
			for k, v := range c.vars {
				vars[k] = v
			}
			code, _, errOut := runCmd(t, append([]string{"serve"}, c.args...), "", vars)
			if code == 0 || !strings.Contains(errOut, c.want) {
				t.Fatalf("code %d, stderr %q, want it to mention %q", code, errOut, c.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "data")); !os.IsNotExist(err) {
				t.Fatal("a bad setting still created the data directory")
			}
		})
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	secret := "short-but-secret"
	_, _, errOut := runCmd(t, []string{"serve"}, "", map[string]string{"ALERTGATE_SESSION_KEY": secret, "ALERTGATE_DATA_DIR": t.TempDir()})
	if strings.Contains(errOut, secret) {
		t.Fatalf("the session key appears in the error: %q", errOut)
	}
}

func TestVersionAndUnknownCommand(t *testing.T) {
	if code, out, _ := runCmd(t, []string{"version"}, "", nil); code != 0 || !strings.HasPrefix(out, "alertgate ") {
		t.Fatalf("version: %d %q", code, out)
	}
	if code, _, errOut := runCmd(t, []string{"frobnicate"}, "", nil); code != 2 || !strings.Contains(errOut, "unknown command") {
		t.Fatalf("unknown command: %d %q", code, errOut)
	}
}

// TestReadmeListsEverySetting keeps the README's configuration table true.
func TestReadmeListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range settings {
		row := "| `" + s.env + "` | `--" + s.flag + "` |"
		if !bytes.Contains(readme, []byte(row)) {
			t.Errorf("README has no row starting %q", row)
		}
	}
}

func TestBackup(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"ALERTGATE_DATA_DIR": filepath.Join(dir, "nothing-here")}
	dst := filepath.Join(dir, "copy.db")
	if code, _, errOut := runCmd(t, []string{"backup", dst}, "", vars); code == 0 || !strings.Contains(errOut, "no database in") {
		t.Fatalf("backup of a missing database: code %d, %q", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "nothing-here")); !os.IsNotExist(err) {
		t.Fatal("backup created the data dir it was wrongly pointed at")
	}
	vars["ALERTGATE_DATA_DIR"] = filepath.Join(dir, "data")
	runCmd(t, []string{"user", "add", "--name", "alice", "--role", "admin"}, "s3cret password\n", vars)
	if code, out, errOut := runCmd(t, []string{"backup", dst}, "", vars); code != 0 || !strings.Contains(out, "backed up") {
		t.Fatalf("backup: code %d, %q %q", code, out, errOut)
	}
	restored := filepath.Join(dir, "restored")
	os.Mkdir(restored, 0o700)
	if err := os.Rename(dst, filepath.Join(restored, store.FileName)); err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(context.Background(), restored, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Authenticate(context.Background(), "alice", "s3cret password"); err != nil {
		t.Fatalf("the backup lacks the user: %v", err)
	}
}
