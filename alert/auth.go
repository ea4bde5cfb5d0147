package alert

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// The helpers here build every AuthError. Reasons end up on the admin's list
// of rejected deliveries, so they name headers and show short digest
// prefixes, and never a secret or anything derived from one beyond a prefix
// of a MAC.

// digestPreview is how many characters of a digest a reason may show: enough
// to tell two digests apart at a glance, far too few to be of use to anyone
// forging one.
const digestPreview = 8

// maxHeadersSeen caps the header names a reason lists.
const maxHeadersSeen = 20

// constantTimeEqual reports whether a and b are equal without its timing
// depending on where they differ or on their lengths: both sides are hashed
// first, so the compared slices always have the same length and the secret's
// length does not leak.
func constantTimeEqual(a, b string) bool {
	ha := sha256.Sum256([]byte(a))
	hb := sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// hmacSHA256 is HMAC-SHA256 over the concatenation of parts, which saves
// building the signed content in one buffer.
func hmacSHA256(key []byte, parts ...[]byte) []byte {
	m := hmac.New(sha256.New, key)
	for _, p := range parts {
		m.Write(p)
	}
	return m.Sum(nil)
}

func authErrorf(format string, args ...any) error {
	return &AuthError{Reason: fmt.Sprintf(format, args...)}
}

// errNoSecret rejects everything for a source without a secret: an empty
// secret would otherwise match an empty header or key an HMAC with nothing.
func errNoSecret() error {
	return authErrorf("the source has no secret configured")
}

// missingHeader names the header that was expected and lists the ones that
// came, which usually shows the fix (a proxy that dropped it, a sender using
// Authorization instead).
func missingHeader(name string, h http.Header) error {
	return authErrorf("missing header %s (headers seen: %s)", name, headersSeen(h))
}

// headersSeen lists the header names of h, sorted; never their values, which
// may hold credentials.
func headersSeen(h http.Header) string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, http.CanonicalHeaderKey(k))
	}
	if len(names) == 0 {
		return "none"
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) > maxHeadersSeen {
		more := len(names) - maxHeadersSeen
		return strings.Join(names[:maxHeadersSeen], ", ") + fmt.Sprintf(" and %d more", more)
	}
	return strings.Join(names, ", ")
}

// headerValue returns the header's value and whether the header came at all,
// so an empty header can be told apart from a missing one.
func headerValue(h http.Header, name string) (string, bool) {
	vs, ok := h[http.CanonicalHeaderKey(name)]
	if !ok {
		// A Header built by hand from another server's request may keep
		// the names as sent.
		for k, v := range h {
			if strings.EqualFold(k, name) {
				vs, ok = v, true
				break
			}
		}
	}
	if !ok || len(vs) == 0 {
		return "", ok
	}
	return strings.TrimSpace(vs[0]), true
}

// verifyToken checks a shared-secret header, the scheme of StackState and
// autoheal listeners.
func verifyToken(req Request, secret, header string) error {
	if secret == "" {
		return errNoSecret()
	}
	got, ok := headerValue(req.Header, header)
	if !ok {
		return missingHeader(header, req.Header)
	}
	if got == "" {
		return authErrorf("token scheme: header %s is empty", header)
	}
	if constantTimeEqual(got, secret) {
		return nil
	}
	hint := ""
	if len(got) > 7 && strings.EqualFold(got[:7], "Bearer ") {
		// A common slip: a bearer-style value pasted into a token header.
		hint = ` (it starts with "Bearer "; send the bare token)`
	}
	return authErrorf("token scheme: %s did not match the source's secret%s", header, hint)
}

// preview shows the start of a digest with an ellipsis when cut, for reasons.
func preview(digest string) string {
	if len(digest) <= digestPreview {
		return digest
	}
	return digest[:digestPreview] + "…"
}

// newToken makes a secret for the token and HMAC kinds: 32 random bytes in
// hex, which survives any header, shell or YAML file unquoted.
func newToken() string {
	return hex.EncodeToString(randomBytes(32))
}

// randomBytes reads n bytes from the system's CSPRNG. Since Go 1.24
// crypto/rand.Read never returns an error (it crashes the program instead,
// as there is no safe way to go on without randomness), so none is returned.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}
