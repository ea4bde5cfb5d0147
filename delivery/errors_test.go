package delivery

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"syscall"
	"testing"
	"time"
)

// post makes the request a channel attempt makes and returns its error,
// failing when there is none.
func post(t *testing.T, c *http.Client, target string) error {
	t.Helper()
	resp, err := c.Post(target, "application/json", strings.NewReader(`{}`))
	if err == nil {
		resp.Body.Close()
		t.Fatalf("POST %s: status %d, want an error", target, resp.StatusCode)
	}
	return err
}

func wantWords(t *testing.T, err error, words ...string) {
	t.Helper()
	got := Explain(err)
	t.Logf("%s", got)
	for _, w := range words {
		if !strings.Contains(got, w) {
			t.Errorf("Explain(%v)\n = %q\nwant it to contain %q", err, got, w)
		}
	}
	if strings.Contains(got, "secret-token") {
		t.Errorf("Explain shows the URL's token: %q", got)
	}
}

// Every case below gets its error from a real request against a real
// local listener, as the Test button would.

func TestExplainConnectionRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	err = post(t, &http.Client{}, "http://"+addr+"/hook?token=secret-token")
	wantWords(t, err, "connection refused by "+addr)
}

func TestExplainTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Sleeps past the client's timeout until the test is done with it.
		io.Copy(io.Discard, r.Body)
		<-release
	}))
	defer srv.Close()
	defer close(release) // before Close, which waits for the handlers
	err := post(t, &http.Client{Timeout: 100 * time.Millisecond}, srv.URL+"?token=secret-token")
	wantWords(t, err, "timed out")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL, strings.NewReader(`{}`))
	_, err = http.DefaultClient.Do(req)
	wantWords(t, err, "timed out")
}

func TestExplainTLSUnknownAuthority(t *testing.T) {
	srv := quietTLSServer(nil)
	defer srv.Close()
	// A default client trusts the system roots only, not httptest's CA.
	err := post(t, &http.Client{}, srv.URL+"?token=secret-token")
	wantWords(t, err, "TLS certificate is not trusted", "unknown authority")
}

func TestExplainTLSHostname(t *testing.T) {
	srv := quietTLSServer(nil)
	defer srv.Close()
	// httptest's certificate names 127.0.0.1 and example.com, not localhost.
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	err := post(t, srv.Client(), "https://localhost:"+port+"/")
	wantWords(t, err, "TLS certificate does not match the host", "localhost")
}

func TestExplainTLSValidity(t *testing.T) {
	now := time.Now()
	tests := []struct {
		name                string
		notBefore, notAfter time.Time
		want                string
	}{
		{"expired yesterday", now.Add(-48 * time.Hour), now.Add(-24 * time.Hour), "TLS certificate has expired"},
		{"valid from tomorrow", now.Add(24 * time.Hour), now.Add(48 * time.Hour), "TLS certificate is not yet valid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cert, pool := selfSigned(t, tt.notBefore, tt.notAfter)
			srv := quietTLSServer(&tls.Config{Certificates: []tls.Certificate{cert}})
			defer srv.Close()
			c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
			wantWords(t, post(t, c, srv.URL), tt.want)
		})
	}
}

// quietTLSServer is an httptest TLS server that does not log the handshake
// failures these tests cause on purpose.
func quietTLSServer(cfg *tls.Config) *httptest.Server {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = cfg
	srv.StartTLS()
	return srv
}

// selfSigned is a certificate for 127.0.0.1 valid only between notBefore
// and notAfter, and a pool trusting it, so its dates are its only fault.
func selfSigned(t *testing.T, notBefore, notAfter time.Time) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "alertgate.test"},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

func TestExplainTLSToPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	err := post(t, &http.Client{}, strings.Replace(srv.URL, "http://", "https://", 1))
	wantWords(t, err, "server does not speak TLS", "plain HTTP")
}

// TestExplainTLSToOtherProtocol: a port whose server talks first and not in
// TLS (SSH, SMTP) gives net/http's raw tls.RecordHeaderError.
func TestExplainTLSToOtherProtocol(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("SSH-2.0-OpenSSH_9.6\r\n"))
			c.Close()
		}
	}()
	err = post(t, &http.Client{}, "https://"+ln.Addr().String()+"/")
	wantWords(t, err, "server does not speak TLS")
}

func TestExplainDNS(t *testing.T) {
	// .invalid is reserved (RFC 2606): it never resolves.
	err := post(t, &http.Client{Timeout: 20 * time.Second}, "http://alertgate-test.invalid/hook?token=secret-token")
	wantWords(t, err, "could not resolve host alertgate-test.invalid")
}

// TestExplainBuilt covers the branches no local listener produces on
// demand, with errors shaped as net/http returns them.
func TestExplainBuilt(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 443}
	wrap := func(err error) error {
		return &url.Error{Op: "Post", URL: "https://example.com/hook?token=secret-token", Err: err}
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"dns timeout", wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Name: "hooks.example", Err: "i/o timeout", IsTimeout: true}}),
			"could not resolve host hooks.example: the DNS lookup timed out"},
		{"dns server failure", wrap(&net.OpError{Op: "dial", Err: &net.DNSError{Name: "hooks.example", Err: "server misbehaving"}}),
			"could not resolve host hooks.example: server misbehaving"},
		{"reset", wrap(&net.OpError{Op: "read", Addr: addr, Err: &net.OpError{Err: syscall.ECONNRESET}}),
			"connection reset by the server 192.0.2.1:443"},
		{"unreachable", wrap(&net.OpError{Op: "dial", Addr: addr, Err: syscall.EHOSTUNREACH}),
			"host unreachable 192.0.2.1:443"},
		{"closed without answer", wrap(io.EOF), "the server closed the connection without answering"},
		{"dial timeout", wrap(&net.OpError{Op: "dial", Addr: addr, Err: timeoutErr{}}), "timed out connecting to 192.0.2.1:443"},
		{"tls alert", wrap(tls.AlertError(40)), "TLS handshake refused by the server"},
		{"anything else, without the URL", wrap(errors.New("stopped after 10 redirects")), "stopped after 10 redirects"},
		{"not from net/http", fmt.Errorf("outbox: %w", errors.New("boom")), "outbox: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Explain(tt.err); got != tt.want && !strings.HasPrefix(got, tt.want) {
				t.Errorf("Explain = %q, want %q", got, tt.want)
			}
			if strings.Contains(Explain(tt.err), "secret-token") {
				t.Error("Explain shows the URL")
			}
		})
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }
