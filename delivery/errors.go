package delivery

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
)

// Explain says in words what went wrong with an attempt, for the channel's
// page and the Test button: an admin should see "could not resolve host" or
// "certificate has expired", not a chain of Go error prefixes. It never
// repeats the channel URL, which may carry a token in its query string.
// Explain(nil) is "".
func Explain(err error) string {
	if err == nil {
		return ""
	}
	// TLS and DNS come first: their errors can also report Timeout, and the
	// specific cause is the more useful one.
	for _, explain := range []func(error) (string, bool){explainTLS, explainDNS, explainConn, explainTimeout} {
		if s, ok := explain(err); ok {
			return s
		}
	}
	return innermostText(err)
}

func explainTLS(err error) (string, bool) {
	var unknown x509.UnknownAuthorityError
	var host x509.HostnameError
	var invalid x509.CertificateInvalidError
	var record tls.RecordHeaderError
	var tlsAlert tls.AlertError
	switch {
	case errors.As(err, &unknown):
		return "TLS certificate is not trusted: it is signed by an unknown authority" + issuer(unknown.Cert) +
			"; install the CA on this server or turn off TLS verification for the channel", true
	case errors.As(err, &host):
		return "TLS certificate does not match the host: " + strings.TrimPrefix(host.Error(), "x509: "), true
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		// x509 uses one reason for both ends of the validity period; its
		// detail ("current time … is before/after …") tells them apart.
		if strings.Contains(invalid.Detail, " is before ") {
			return "TLS certificate is not yet valid: " + invalid.Detail, true
		}
		return "TLS certificate has expired: " + invalid.Detail, true
	case errors.As(err, &invalid):
		return "TLS certificate is invalid: " + strings.TrimPrefix(invalid.Error(), "x509: "), true
	case errors.Is(err, http.ErrSchemeMismatch):
		// net/http's name for a RecordHeaderError whose bytes read "HTTP/".
		return "server does not speak TLS: the URL says https but the port answers plain HTTP (use http:// or the TLS port)", true
	case errors.As(err, &record):
		return "server does not speak TLS: the URL says https but the port answers something else", true
	case errors.As(err, &tlsAlert):
		return "TLS handshake refused by the server: " + strings.TrimPrefix(tlsAlert.Error(), "tls: "), true
	}
	return "", false
}

func issuer(c *x509.Certificate) string {
	if c == nil || c.Issuer.String() == "" {
		return ""
	}
	return fmt.Sprintf(" (issuer %q)", c.Issuer.String())
}

func explainDNS(err error) (string, bool) {
	var dns *net.DNSError
	if !errors.As(err, &dns) {
		return "", false
	}
	s := "could not resolve host " + dns.Name
	switch {
	case dns.IsNotFound:
		return s + ": no such host", true
	case dns.IsTimeout:
		return s + ": the DNS lookup timed out", true
	}
	return s + ": " + dns.Err, true
}

func explainConn(err error) (string, bool) {
	at := ""
	var op *net.OpError
	if errors.As(err, &op) && op.Addr != nil {
		at = " " + op.Addr.String()
	}
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused by" + at + ": nothing is listening on that port", true
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset by the server" + at, true
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "host unreachable" + at + ": no route to it from this server", true
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the server closed the connection without answering", true
	}
	return "", false
}

func explainTimeout(err error) (string, bool) {
	var ne net.Error
	timeout := errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
	if !timeout {
		return "", false
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" && op.Addr != nil {
		return "timed out connecting to " + op.Addr.String(), true
	}
	return "timed out: no response within the channel's timeout", true
}

// innermostText is the error's text without the "Post \"<url>\": " prefix
// net/http adds, which would show the URL.
func innermostText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err.Error()
	}
	return err.Error()
}
