package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestIssueRecipeParses is the recipe from the README: it must stay valid.
func TestIssueRecipeParses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "alertgate.yaml")
	os.WriteFile(path, []byte(`
recipes:
  - name: heal-app
    match: {sources: [heal], target: "app-*", min_severity: medium}
    threshold: 3
    window: 10m
    cooldown: 5m
    approval_ttl: 30m
    mode: live
    steps:
      - {name: restart, run: [docker, restart, "{{.Target}}"], timeout: 60s}
      - name: full-reset
        run: [docker, compose, -f, /srv/app/compose.yml, up, -d, --force-recreate]
        archive: [docker, logs, --tail, "5000", "{{.Target}}"]
        destructive: true
        timeout: 5m
      - {name: stop, run: [docker, stop, "{{.Target}}"], destructive: true}
`), 0o600)
	p, err := loadProvisioning(path)
	if err != nil {
		t.Fatal(err)
	}
	r := p.Recipes[0]
	if len(p.Recipes) != 1 || r.Threshold != 3 || r.Window.Minutes() != 10 || len(r.Steps) != 3 || !r.Steps[1].Destructive || len(r.Steps[1].Archive) != 5 {
		t.Fatalf("recipes = %+v", p.Recipes)
	}
}

// TestBadRecipeStopsTheServer: the server refuses to start and says which
// recipe and which field are wrong; nothing is created.
func TestBadRecipeStopsTheServer(t *testing.T) {
	dir := t.TempDir()
	cases := []struct{ name, yaml, want string }{
		{"unknown field", "recipes:\n  - {name: r, threshold: 1, window: 1m, steps: [{name: s, run: [true]}], treshold: 2}\n", "field treshold not found"},
		{"bad template", "recipes:\n  - {name: heal, threshold: 1, window: 1m, steps: [{name: s, run: [echo, '{{.Container}}']}]}\n", `recipe "heal": steps[0] (s).run[1]`},
		{"no window", "recipes:\n  - {name: heal, threshold: 1, steps: [{name: s, run: [true]}]}\n", `recipe "heal": window`},
		{"duplicate", "recipes:\n  - {name: a, threshold: 1, window: 1m, steps: [{name: s, run: [true]}]}\n  - {name: a, threshold: 1, window: 1m, steps: [{name: s, run: [true]}]}\n", `recipes[1]: name "a" appears twice`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			config := filepath.Join(dir, "r.yaml")
			os.WriteFile(config, []byte(c.yaml), 0o600)
			data := filepath.Join(dir, "data")
			code, _, errOut := runCmd(t, []string{"serve"}, "", map[string]string{"ALERTGATE_CONFIG": config, "ALERTGATE_DATA_DIR": data})
			if code == 0 || !strings.Contains(errOut, c.want) {
				t.Fatalf("code %d, stderr %q, want it to mention %q", code, errOut, c.want)
			}
			if _, err := os.Stat(data); !os.IsNotExist(err) {
				t.Fatal("a bad recipe still created the data directory")
			}
		})
	}
}
