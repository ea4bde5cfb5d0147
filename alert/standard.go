package alert

import (
	"crypto/hmac"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Standard Webhooks (standardwebhooks.com): the body is signed with the
// delivery's id and timestamp, so a captured request cannot be replayed
// outside the timestamp window, and the id names the delivery for dedupe.
const (
	standardIDHeader        = "webhook-id"
	standardTimestampHeader = "webhook-timestamp"
	standardSignatureHeader = "webhook-signature"
	standardSecretPrefix    = "whsec_"
	// standardWindow is the spec's tolerance, both ways, for clock skew
	// and delivery delay.
	standardWindow = 5 * time.Minute
)

func init() {
	register(Kind{
		Name:           "standard",
		Label:          "Standard Webhooks",
		Verify:         verifyStandard,
		Decode:         decodeStandard,
		GenerateSecret: newStandardSecret,
	})
}

// SignStandard returns the Standard Webhooks signature "v1,<base64>" of body
// sent as delivery id at time ts. A secret starting with whsec_ is keyed by
// the base64 after the prefix, as the spec's libraries do; any other secret
// (and a whsec_ one whose rest is not base64) by its own bytes, so that a
// plain channel token can sign too. Verify keys the same way.
func SignStandard(secret, id string, ts time.Time, body []byte) string {
	return standardSignature(standardKey(secret), id, strconv.FormatInt(ts.Unix(), 10), body)
}

func standardSignature(key []byte, id, ts string, body []byte) string {
	mac := hmacSHA256(key, []byte(id), []byte("."), []byte(ts), []byte("."), body)
	return "v1," + base64.StdEncoding.EncodeToString(mac)
}

func standardKey(secret string) []byte {
	rest, ok := strings.CutPrefix(secret, standardSecretPrefix)
	if !ok {
		return []byte(secret)
	}
	// Unpadded base64 too: some senders generate whsec_ secrets without it.
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding} {
		if k, err := enc.DecodeString(rest); err == nil {
			return k
		}
	}
	return []byte(secret)
}

// newStandardSecret makes a whsec_ secret of 24 random bytes, the size the
// spec's own examples use.
func newStandardSecret() string {
	return standardSecretPrefix + base64.StdEncoding.EncodeToString(randomBytes(24))
}

func decodeStandard(req Request) (Delivery, error) {
	ev, err := decodeGenericEvent(req.Body)
	if err != nil {
		return Delivery{}, err
	}
	id, _ := headerValue(req.Header, standardIDHeader)
	return Delivery{Key: id, Events: []Event{ev}}, nil
}

// standardHeaders are the three headers as sent.
type standardHeaders struct {
	id, timestamp, signatures string
}

func verifyStandard(req Request, secret string) error {
	key := standardKey(secret)
	if len(key) == 0 {
		// Covers "" and a bare "whsec_", both rejected by the spec's libraries.
		return errNoSecret()
	}
	h, err := readStandardHeaders(req.Header)
	if err != nil {
		return err
	}
	if err := checkStandardTimestamp(h.timestamp, req.Now); err != nil {
		return err
	}
	return checkStandardSignatures(h, key, secret, req.Body)
}

func readStandardHeaders(hdr http.Header) (standardHeaders, error) {
	var h standardHeaders
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{standardIDHeader, &h.id},
		{standardTimestampHeader, &h.timestamp},
		{standardSignatureHeader, &h.signatures},
	} {
		v, ok := headerValue(hdr, f.name)
		if !ok {
			return h, missingHeader(f.name, hdr)
		}
		if v == "" {
			return h, authErrorf("header %s is empty", f.name)
		}
		*f.dst = v
	}
	return h, nil
}

// checkStandardTimestamp allows the timestamp at most standardWindow either
// side of the arrival time, so a captured delivery cannot be replayed later.
func checkStandardTimestamp(text string, now time.Time) error {
	ts, err := parseUnixSeconds(text)
	if err != nil {
		return err
	}
	if now.IsZero() {
		// Callers set Now; the clock is only a fallback for a forgotten one.
		now = time.Now()
	}
	window := int64(standardWindow / time.Second)
	skew := now.Unix() - ts
	switch {
	case skew > window:
		return authErrorf("%s is %d s in the past (window ±%d s)", standardTimestampHeader, skew, window)
	case skew < -window:
		return authErrorf("%s is %d s in the future (window ±%d s)", standardTimestampHeader, -skew, window)
	}
	return nil
}

// parseUnixSeconds accepts digits only: the signed content holds the header
// as sent, and a sign, a fraction or spaces mean the sender is not following
// the spec.
func parseUnixSeconds(text string) (int64, error) {
	ts, err := strconv.ParseInt(text, 10, 64)
	if err != nil || strings.Trim(text, "0123456789") != "" {
		return 0, authErrorf("%s %s is not unix seconds", standardTimestampHeader, quote(text))
	}
	return ts, nil
}

// checkStandardSignatures passes when any v1 entry matches, as the spec
// requires during key rotation; entries of other versions (v1a is ed25519)
// are skipped.
func checkStandardSignatures(h standardHeaders, key []byte, secret string, body []byte) error {
	want := standardSignature(key, h.id, h.timestamp, body)
	var v1, others []string
	for _, entry := range strings.Fields(h.signatures) {
		version, _, _ := strings.Cut(entry, ",")
		if version != "v1" {
			others = append(others, version)
			continue
		}
		if hmac.Equal([]byte(entry), []byte(want)) {
			return nil
		}
		v1 = append(v1, entry)
	}
	if len(v1) == 0 {
		return authErrorf("%s has no v1 entry (versions seen: %s)", standardSignatureHeader, quote(strings.Join(others, " ")))
	}
	return standardMismatch(v1, want, secret)
}

func standardMismatch(v1 []string, want, secret string) error {
	_, got, _ := strings.Cut(v1[0], ",")
	if constantTimeEqual(got, secret) || constantTimeEqual(standardSecretPrefix+got, secret) {
		return authErrorf("%s carries the secret itself; send v1,<base64 HMAC-SHA256 of id.timestamp.body>", standardSignatureHeader)
	}
	shown, wanted := "v1,"+preview(got), "v1,"+preview(strings.TrimPrefix(want, "v1,"))
	if len(v1) == 1 {
		return authErrorf("%s is %q but the HMAC of id.timestamp.body with the current secret is %q",
			standardSignatureHeader, shown, wanted)
	}
	return authErrorf("none of the %d v1 entries in %s matched (the first is %q); the HMAC of id.timestamp.body with the current secret is %q",
		len(v1), standardSignatureHeader, shown, wanted)
}
