package alert

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// fixturesDir holds the shared payloads; tests read them in place and fail
// (never skip) when they are missing.
const fixturesDir = "../../shared/fixtures"

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return b
}

func readFixture(t testing.TB, rel string) []byte {
	t.Helper()
	return readFile(t, filepath.Join(fixturesDir, rel))
}

// filesIn lists dir's files matching pattern, failing when there are none.
func filesIn(t testing.TB, dir, pattern string) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no %s files in %s (err %v)", pattern, dir, err)
	}
	return paths
}

// requireCovered fails when a file in dir has no expectation, so a new
// fixture cannot be added without being asserted on.
func requireCovered[T any](t *testing.T, dir, pattern string, table map[string]T) {
	t.Helper()
	var names []string
	for _, p := range filesIn(t, dir, pattern) {
		name := filepath.Base(p)
		names = append(names, name)
		if _, ok := table[name]; !ok {
			t.Errorf("fixture %s has no expectation", name)
		}
	}
	for name := range table {
		if !slices.Contains(names, name) {
			t.Errorf("expectation for %s but no such fixture", name)
		}
	}
}

func mustKind(t testing.TB, name string) Kind {
	t.Helper()
	k, ok := Lookup(name)
	if !ok {
		t.Fatalf("kind %s is not registered", name)
	}
	return k
}

func headers(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// decodeOne decodes req and requires exactly one event.
func decodeOne(t *testing.T, kind string, req Request) (Delivery, Event) {
	t.Helper()
	d, err := mustKind(t, kind).Decode(req)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	if len(d.Events) != 1 {
		t.Fatalf("got %d events, want 1", len(d.Events))
	}
	return d, d.Events[0]
}

// wantAuthError requires an *AuthError whose reason has every word and
// does not contain the secret.
func wantAuthError(t *testing.T, err error, secret string, words ...string) {
	t.Helper()
	var ae *AuthError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v (%T), want *AuthError", err, err)
	}
	for _, w := range words {
		if !strings.Contains(ae.Reason, w) {
			t.Errorf("reason %q lacks %q", ae.Reason, w)
		}
	}
	if secret != "" && strings.Contains(err.Error(), secret) {
		t.Errorf("reason %q contains the secret", ae.Reason)
	}
}

func wantDecodeError(t *testing.T, err error, words ...string) {
	t.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("got %v (%T), want *DecodeError", err, err)
	}
	for _, w := range words {
		if !strings.Contains(de.Reason, w) {
			t.Errorf("reason %q lacks %q", de.Reason, w)
		}
	}
}

// sameJSON compares two JSON texts by value.
func sameJSON(t *testing.T, got json.RawMessage, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("got invalid JSON %q: %v", got, err)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("want invalid JSON %q: %v", want, err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if string(gb) != string(wb) {
		t.Errorf("JSON = %s, want %s", gb, wb)
	}
}
