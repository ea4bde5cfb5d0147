package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/alertgate/alertgate/alert"
)

func writeProvisioning(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "alertgate.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestProvisioningSourceSettings(t *testing.T) {
	p, err := loadProvisioning(writeProvisioning(t, `
sources:
  - slug: prom
    kind: alertmanager
    secret: "prom-secret-0123456789"
    settings:
      component_label: service
      severity_map: {Page: critical, ticket: medium}
  - slug: graf
    kind: grafana
    secret: "graf-secret-0123456789"
    settings: {timestamp_header: X-Grafana-Timestamp}
`))
	if err != nil {
		t.Fatal(err)
	}
	prom, graf := p.Sources[0].Settings, p.Sources[1].Settings
	if prom.ComponentLabel != "service" || prom.SeverityMap["page"] != alert.Critical || prom.SeverityMap["ticket"] != alert.Medium {
		t.Errorf("alertmanager settings = %+v", prom)
	}
	if graf.TimestampHeader != "X-Grafana-Timestamp" {
		t.Errorf("grafana settings = %+v", graf)
	}
	for yaml, words := range map[string][]string{
		"settings: {severity_map: {page: urgent}}": {"sources[0]", "severity_map", `"urgent"`},
		"settings: {timestamp_header: 'X Stamp'}":  {"sources[0]", "timestamp_header"},
		"settings: {component_lable: service}":     {"component_lable"},
	} {
		_, err := loadProvisioning(writeProvisioning(t, "sources:\n  - slug: prom\n    kind: alertmanager\n    secret: \"prom-secret-0123456789\"\n    "+yaml+"\n"))
		if err == nil {
			t.Errorf("%s accepted", yaml)
			continue
		}
		for _, w := range words {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q lacks %q", yaml, err, w)
			}
		}
	}
}
