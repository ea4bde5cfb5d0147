package alert

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

// standardVectors is test-vectors.json from the shared fixtures.
type standardVectors struct {
	Vectors []struct {
		Name      string `json:"name"`
		Secret    string `json:"secret"`
		ID        string `json:"webhook-id"`
		Timestamp string `json:"webhook-timestamp"`
		Payload   string `json:"payload"`
		Expected  string `json:"expected_signature"`
	} `json:"vectors"`
	Negative []struct {
		Name      string          `json:"name"`
		Source    string          `json:"source"`
		Signature string          `json:"webhook-signature"`
		Timestamp json.RawMessage `json:"webhook-timestamp"` // a string or a list
		Secret    []string        `json:"secret"`
		Expect    string          `json:"expect"`
	} `json:"negative_cases"`
}

func loadStandardVectors(t *testing.T) standardVectors {
	t.Helper()
	var v standardVectors
	if err := json.Unmarshal(readFixture(t, "standard-webhooks/test-vectors.json"), &v); err != nil {
		t.Fatalf("test-vectors.json: %v", err)
	}
	if len(v.Vectors) < 2 || len(v.Negative) == 0 {
		t.Fatalf("test-vectors.json has %d vectors and %d negative cases", len(v.Vectors), len(v.Negative))
	}
	return v
}

// standardCase is one signed request and the time it arrives.
type standardCase struct {
	secret, id, ts, sig string
	body                []byte
	now                 time.Time
}

func (c standardCase) request() Request {
	h := http.Header{}
	for name, v := range map[string]string{"webhook-id": c.id, "webhook-timestamp": c.ts, "webhook-signature": c.sig} {
		if v != "-" { // "-" leaves the header out
			h.Set(name, v)
		}
	}
	return Request{Header: h, Body: c.body, Now: c.now}
}

func (c standardCase) verify() error {
	return verifyStandard(c.request(), c.secret)
}

func unixOf(t *testing.T, ts string) time.Time {
	t.Helper()
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		t.Fatalf("timestamp %q: %v", ts, err)
	}
	return time.Unix(n, 0)
}

func TestStandardKnownAnswers(t *testing.T) {
	for _, v := range loadStandardVectors(t).Vectors {
		t.Run(v.Name, func(t *testing.T) {
			at := unixOf(t, v.Timestamp)
			if got := SignStandard(v.Secret, v.ID, at, []byte(v.Payload)); got != v.Expected {
				t.Fatalf("SignStandard = %s, want %s", got, v.Expected)
			}
			c := standardCase{v.Secret, v.ID, v.Timestamp, v.Expected, []byte(v.Payload), at}
			for _, skew := range []int64{0, 300, -300} {
				c.now = at.Add(time.Duration(skew) * time.Second)
				if err := c.verify(); err != nil {
					t.Errorf("skew %d s: rejected: %v", skew, err)
				}
			}
		})
	}
}

func TestStandardTimestampWindow(t *testing.T) {
	v := loadStandardVectors(t).Vectors[0]
	at := unixOf(t, v.Timestamp)
	c := standardCase{v.Secret, v.ID, v.Timestamp, v.Expected, []byte(v.Payload), time.Time{}}
	tests := []struct {
		skew  time.Duration
		words string
	}{
		{301 * time.Second, "webhook-timestamp is 301 s in the past (window ±300 s)"},
		{412 * time.Second, "webhook-timestamp is 412 s in the past (window ±300 s)"},
		{-301 * time.Second, "webhook-timestamp is 301 s in the future (window ±300 s)"},
		{-24 * time.Hour, "webhook-timestamp is 86400 s in the future"},
		{300*time.Second + 999*time.Millisecond, ""}, // whole seconds, as the spec counts
	}
	for _, tt := range tests {
		t.Run(tt.skew.String(), func(t *testing.T) {
			c.now = at.Add(tt.skew)
			err := c.verify()
			if tt.words == "" {
				if err != nil {
					t.Fatalf("rejected: %v", err)
				}
				return
			}
			wantAuthError(t, err, v.Secret, tt.words)
		})
	}
}

// TestStandardNegativeCases runs every negative case in test-vectors.json;
// one this test does not know fails it, so none is skipped silently.
func TestStandardNegativeCases(t *testing.T) {
	vs := loadStandardVectors(t)
	goVec, rustVec := vs.Vectors[0], vs.Vectors[1]
	base := func(rust bool) standardCase {
		v := goVec
		if rust {
			v = rustVec
		}
		return standardCase{v.Secret, v.ID, v.Timestamp, v.Expected, []byte(v.Payload), unixOf(t, v.Timestamp)}
	}
	for _, nc := range vs.Negative {
		t.Run(nc.Name, func(t *testing.T) {
			switch {
			case nc.Signature != "":
				c := base(strings.HasPrefix(nc.Name, "rust") || strings.Contains(nc.Source, "rust"))
				c.sig = strings.ReplaceAll(nc.Signature, "<valid v1 signature>", c.sig)
				err := c.verify()
				if strings.HasPrefix(nc.Expect, "accept") {
					if err != nil {
						t.Fatalf("rejected: %v", err)
					}
					return
				}
				wantAuthError(t, err, c.secret, "webhook-signature")
			case strings.HasPrefix(nc.Name, "missing"):
				for _, drop := range []string{"id", "timestamp", "signature"} {
					c := base(false)
					*map[string]*string{"id": &c.id, "timestamp": &c.ts, "signature": &c.sig}[drop] = "-"
					wantAuthError(t, c.verify(), c.secret, "missing header webhook-"+drop, "headers seen: Webhook-")
				}
			case len(nc.Timestamp) > 0:
				var one string
				var many []string
				if json.Unmarshal(nc.Timestamp, &one) == nil {
					many = []string{one}
				} else if err := json.Unmarshal(nc.Timestamp, &many); err != nil {
					t.Fatalf("webhook-timestamp %s: %v", nc.Timestamp, err)
				}
				for _, ts := range many {
					c := base(false)
					c.ts = ts
					wantAuthError(t, c.verify(), c.secret, "webhook-timestamp", "is not unix seconds")
				}
			case strings.HasPrefix(nc.Name, "timestamp older"):
				c := base(false)
				c.now = c.now.Add(301 * time.Second)
				wantAuthError(t, c.verify(), c.secret, "301 s in the past")
				c.now = c.now.Add(-602 * time.Second)
				wantAuthError(t, c.verify(), c.secret, "301 s in the future")
			case len(nc.Secret) > 0:
				for _, secret := range nc.Secret {
					c := base(false)
					c.secret = secret
					wantAuthError(t, c.verify(), "", "no secret")
				}
			default:
				t.Fatalf("negative case %q (expect %q) is not covered by this test", nc.Name, nc.Expect)
			}
		})
	}
}

// hmacB64Of is the test's own Standard Webhooks HMAC, independent of the
// package's helpers.
func hmacB64Of(key []byte, content string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(content))
	return "v1," + base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// TestStandardSignedContent checks the id.timestamp.body layout against the
// spec's own example of the signed string.
func TestStandardSignedContent(t *testing.T) {
	content := strings.TrimSuffix(string(readFixture(t, "standard-webhooks/spec-example-signed-content.txt")), "\n")
	hdrs := string(readFixture(t, "standard-webhooks/spec-example-headers.txt"))
	id, ts := headerLine(t, hdrs, "webhook-id"), headerLine(t, hdrs, "webhook-timestamp")
	prefix := id + "." + ts + "."
	if !strings.HasPrefix(content, prefix) {
		t.Fatalf("signed content %q does not start with %q", content, prefix)
	}
	body := strings.TrimPrefix(content, prefix)
	key := []byte("spec-example-key")
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	want := hmacB64Of(key, content)
	if got := SignStandard(secret, id, unixOf(t, ts), []byte(body)); got != want {
		t.Errorf("SignStandard = %s, want %s", got, want)
	}
	// The spec's header carries a v1 and a v1a entry; v1a (ed25519) is skipped.
	c := standardCase{secret, id, ts, want + " " + strings.Fields(headerLine(t, hdrs, "webhook-signature"))[1], []byte(body), unixOf(t, ts)}
	if err := c.verify(); err != nil {
		t.Errorf("v1 + v1a header rejected: %v", err)
	}
}

func headerLine(t *testing.T, text, name string) string {
	t.Helper()
	for line := range strings.Lines(text) {
		if v, ok := strings.CutPrefix(line, name+": "); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s line in %q", name, text)
	return ""
}

func TestStandardKeying(t *testing.T) {
	body := []byte(`{"hostname":"h","incident_type":"i"}`)
	at := time.Unix(1700000000, 0)
	key32 := []byte("0123456789abcdef0123456789abcdef")
	tests := []struct {
		name, secret string
		key          []byte
	}{
		{"plain token keys by its bytes", "plain-channel-token", []byte("plain-channel-token")},
		{"whsec_ padded base64", "whsec_" + base64.StdEncoding.EncodeToString(key32), key32},
		{"whsec_ unpadded base64", "whsec_" + base64.RawStdEncoding.EncodeToString(key32), key32},
		{"whsec_ that is not base64 keys by its bytes", "whsec_not*base64!", []byte("whsec_not*base64!")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := hmacB64Of(tt.key, "msg_1.1700000000."+string(body))
			if got := SignStandard(tt.secret, "msg_1", at, body); got != want {
				t.Fatalf("SignStandard = %s, want %s", got, want)
			}
			c := standardCase{tt.secret, "msg_1", "1700000000", want, body, at}
			if err := c.verify(); err != nil {
				t.Errorf("rejected: %v", err)
			}
		})
	}
}

func TestStandardReasons(t *testing.T) {
	v := loadStandardVectors(t).Vectors[0]
	at := unixOf(t, v.Timestamp)
	good := strings.TrimPrefix(v.Expected, "v1,")
	rawKey := strings.TrimPrefix(v.Secret, "whsec_")
	tests := []struct {
		name, sig string
		words     []string
	}{
		{"one wrong entry", "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=",
			[]string{`webhook-signature is "v1,Ceo5qEr0…" but the HMAC of id.timestamp.body with the current secret is "v1,` + good[:8] + `…"`}},
		{"several wrong entries", "v1,AAAA v1,BBBB",
			[]string{`none of the 2 v1 entries in webhook-signature matched (the first is "v1,AAAA")`, `"v1,` + good[:8] + `…"`}},
		{"only v1a", "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw", []string{`webhook-signature has no v1 entry (versions seen: "v1a")`}},
		{"no comma", "garbage", []string{"has no v1 entry"}},
		{"the secret itself", "v1," + v.Secret, []string{"carries the secret itself"}},
		{"the key itself", "v1," + rawKey, []string{"carries the secret itself"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := standardCase{v.Secret, v.ID, v.Timestamp, tt.sig, []byte(v.Payload), at}
			err := c.verify()
			wantAuthError(t, err, v.Secret, tt.words...)
			if strings.Contains(err.Error(), rawKey) {
				t.Errorf("reason %q contains the key", err)
			}
		})
	}
	c := standardCase{v.Secret, v.ID, v.Timestamp, v.Expected, []byte(v.Payload), at}
	c.ts = " "
	wantAuthError(t, c.verify(), v.Secret, "header webhook-timestamp is empty")
}

func TestStandardGenerateSecret(t *testing.T) {
	k := mustKind(t, "standard")
	a, b := k.GenerateSecret(), k.GenerateSecret()
	if a == b {
		t.Fatal("two secrets are equal")
	}
	rest, ok := strings.CutPrefix(a, "whsec_")
	key, err := base64.StdEncoding.DecodeString(rest)
	if !ok || err != nil || len(key) != 24 {
		t.Fatalf("secret %q: want whsec_ + base64 of 24 bytes (err %v)", a, err)
	}
	body := []byte(`{"hostname":"h","incident_type":"i"}`)
	now := time.Now()
	c := standardCase{a, "msg_x", strconv.FormatInt(now.Unix(), 10), SignStandard(a, "msg_x", now, body), body, now}
	if err := c.verify(); err != nil {
		t.Errorf("own secret rejected: %v", err)
	}
	if err := verifyStandard(c.request(), b); err == nil {
		t.Error("another secret accepted")
	}
}

func TestDecodeStandard(t *testing.T) {
	body := readFile(t, genericDir+"/alertgate-resolved-key-unicode.constructed.json")
	req := Request{Header: headers("webhook-id", "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"), Body: body}
	d, ev := decodeOne(t, "standard", req)
	if d.Key != "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W" {
		t.Errorf("delivery key = %q, want the webhook-id", d.Key)
	}
	if ev.Key != "db-01/replication" || ev.Type != Close || ev.Title != "Réplication en retard — 主从延迟 🐢" {
		t.Errorf("event = %+v", ev)
	}
	// The spec's sample payloads are Standard Webhooks envelopes, not the
	// generic body this kind reads.
	for _, p := range filesIn(t, fixturesDir+"/standard-webhooks", "spec-*payload*.json") {
		_, err := mustKind(t, "standard").Decode(Request{Header: req.Header, Body: readFile(t, p)})
		wantDecodeError(t, err, "missing hostname and incident_type")
	}
	for _, v := range loadStandardVectors(t).Vectors {
		_, err := mustKind(t, "standard").Decode(Request{Header: req.Header, Body: []byte(v.Payload)})
		wantDecodeError(t, err, "missing hostname and incident_type")
	}
}
