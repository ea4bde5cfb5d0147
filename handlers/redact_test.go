package handlers

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// benchHeaders are what bench/ingest's sender sends.
var benchHeaders = http.Header{
	"Host": {"127.0.0.1:8080"}, "User-Agent": {"Go-http-client/1.1"}, "Content-Length": {"118"},
	"Content-Type": {"application/json"}, "Idempotency-Key": {"bench-1a2b3c4d-12-3456"},
	"X-Signature":     {"sha256=9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
	"Accept-Encoding": {"gzip"},
}

// BenchmarkRedactedHeaders compares the hand-written JSON with
// json.Marshal of a redacted copy, what it replaced:
//
//	go test -run '^$' -bench RedactedHeaders ./handlers
func BenchmarkRedactedHeaders(b *testing.B) {
	b.Run("by-hand", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			redactedHeaders(benchHeaders)
		}
	})
	b.Run("json.Marshal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			marshalRedacted(benchHeaders)
		}
	})
}

// marshalRedacted is the reference: json.Marshal of a redacted copy.
func marshalRedacted(h http.Header) []byte {
	out := http.Header{}
	for name, values := range h {
		out[name] = redactedValues(name, values)
	}
	b, _ := json.Marshal(out)
	return b
}

// The hand-written JSON is what json.Marshal makes of the redacted
// headers, for names and values with every kind of awkward byte.
func TestRedactedHeadersIsMarshalledJSON(t *testing.T) {
	h := http.Header{
		"Authorization":              {"Bearer s3cr3t-token"},
		"X-Api-Key":                  {"", "second-secret"},
		"X-Signature":                {"sha256=0123456789abcdef0123", "short"},
		"Webhook-Signature":          {"v1,ünïcode-and-more-than-16-bytes"},
		"X-Quote":                    {`say "hi" \ back`, "tab\there\nnewline\x01ctl"},
		"X-Bad-Utf8":                 {"a\xffb\xc3", "\u2028 and <html> & 😀"},
		"Empty":                      {""},
		"Content-Type":               {"application/json"},
		"X-Stackstate-Webhook-Token": {"tok"},
	}
	got := redactedHeaders(h)
	wantJSON := marshalRedacted(h)
	var gotHeader, wantHeader http.Header
	if err := json.Unmarshal([]byte(got), &gotHeader); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, got)
	}
	json.Unmarshal(wantJSON, &wantHeader)
	if !reflect.DeepEqual(gotHeader, wantHeader) {
		t.Errorf("got  %s\nwant %s", got, wantJSON)
	}
	for _, secret := range []string{"s3cr3t", "second-secret", "0123456789abcdef0123", "more-than-16", "tok\""} {
		if strings.Contains(got, secret) {
			t.Errorf("%q is stored: %s", secret, got)
		}
	}
	if !strings.Contains(got, `"X-Signature":["sha256=012345678…","short"]`) {
		t.Errorf("signature not cut to 16 bytes: %s", got)
	}
}
