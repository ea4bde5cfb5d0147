package main

import (
	"context"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/store"
)

func TestTokenAdd(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"ALERTGATE_DATA_DIR": dir}
	code, out, errOut := runCmd(t, []string{"token", "add", "--name", "grafana", "--role", "responder"}, "", vars)
	if code != 0 || !strings.Contains(errOut, "cannot be shown again") {
		t.Fatalf("token add: code %d, out %q, err %q", code, out, errOut)
	}
	token := strings.TrimSpace(out)
	if strings.Count(out, "\n") != 1 || !strings.HasPrefix(token, store.TokenPrefix) {
		t.Fatalf("stdout %q is not the token alone on one line", out)
	}
	st, err := store.Open(context.Background(), dir, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	name, role, err := st.TokenUser(context.Background(), token)
	st.Close()
	if err != nil || name != "grafana" || role != store.RoleResponder {
		t.Fatalf("the printed token does not authenticate: %q %q %v", name, role, err)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"token", "add", "--name", "grafana"}, "already exists"},
		{[]string{"token", "add", "--name", "ci", "--role", "root"}, `role "root" is not one of`},
		{[]string{"token", "add", "--role", "admin"}, "--name is required"},
		{[]string{"token", "add", "--name", "two words"}, "a name is 1 to 64"},
		{[]string{"token", "list"}, "usage: alertgate token add"},
	} {
		code, out, errOut := runCmd(t, c.args, "", vars)
		if code == 0 || out != "" || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: code %d, stdout %q, stderr %q, want it to mention %q", c.args, code, out, errOut, c.want)
		}
	}
}
