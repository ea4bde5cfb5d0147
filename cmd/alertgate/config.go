package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is everything `alertgate serve` is told, parsed once and validated
// before anything starts.
type Config struct {
	Addr    string
	DataDir string
	BaseURL *url.URL
	// BaseURLFromAddr is set when no base URL was given, so the one built
	// from the address can be rebuilt once the real port is known.
	BaseURLFromAddr bool
	ProvisionFile   string
	SessionKeys     [][]byte // nil: use the key generated into the data dir
	LogFormat       string
	LogLevel        slog.Level
	SessionIdle     time.Duration
	SessionMaxAge   time.Duration
	TrustedProxies  []string
	SyncFull        bool
	// Provisioning is what the provisioning file declares.
	Provisioning     provisioning
	HookBodyLimit    int
	HookAuthFailures int
}

// setting is one option, settable by flag or environment (flag wins).
type setting struct {
	flag, env, def, usage string
}

var settings = []setting{
	{"addr", "ALERTGATE_ADDR", "127.0.0.1:8080", "address to listen on"},
	{"data-dir", "ALERTGATE_DATA_DIR", "./data", "directory for alertgate.db, session keys and archives"},
	{"base-url", "ALERTGATE_BASE_URL", "", "public URL people and senders use (default http://ADDR)"},
	{"config", "ALERTGATE_CONFIG", "", "provisioning YAML file (sources, channels, recipes, ledger)"},
	{"session-key", "ALERTGATE_SESSION_KEY", "", "secret of at least 32 bytes for session cookies; several separated by spaces rotate keys"},
	{"session-key-file", "ALERTGATE_SESSION_KEY_FILE", "", "file holding the session key"},
	{"log-format", "ALERTGATE_LOG_FORMAT", "text", "log format: text or json"},
	{"log-level", "ALERTGATE_LOG_LEVEL", "info", "log level: debug, info, warn or error"},
	{"session-idle", "ALERTGATE_SESSION_IDLE", "24h", "sign out after this long without a request"},
	{"session-max-age", "ALERTGATE_SESSION_MAX_AGE", "168h", "sign out this long after signing in, whatever happens"},
	{"trusted-proxies", "ALERTGATE_TRUSTED_PROXIES", "", "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed"},
	{"db-sync", "ALERTGATE_DB_SYNC", "normal", "SQLite synchronous mode: normal, or full to survive power loss"},
	{"hook-body-limit", "ALERTGATE_HOOK_BODY_LIMIT", "1048576", "largest webhook body accepted, in bytes"},
	{"hook-auth-failures", "ALERTGATE_HOOK_AUTH_FAILURES", "60", "failed webhook authentications per minute before an address gets 429"},
}

// settingError names the bad setting the way the user set it.
func settingError(s setting, value string, msg string) error {
	return fmt.Errorf("invalid setting %s (--%s) %q: %s", s.env, s.flag, value, msg)
}

// parseSettings reads the flags in args, falling back to the environment
// and then to each default.
func parseSettings(name string, args []string, getenv func(string) string, stderr io.Writer) (map[string]string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	flags := map[string]*string{}
	for _, s := range settings {
		flags[s.flag] = fs.String(s.flag, "", fmt.Sprintf("%s (env %s, default %q)", s.usage, s.env, s.def))
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	values := map[string]string{}
	for _, s := range settings {
		switch {
		case set[s.flag]:
			values[s.flag] = *flags[s.flag]
		case getenv(s.env) != "":
			values[s.flag] = getenv(s.env)
		default:
			values[s.flag] = s.def
		}
	}
	return values, nil
}

func lookup(flag string) setting {
	for _, s := range settings {
		if s.flag == flag {
			return s
		}
	}
	panic("no setting " + flag)
}

// loadConfig parses and validates every setting; the first bad one is named.
func loadConfig(args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	v, err := parseSettings("serve", args, getenv, stderr)
	if err != nil {
		return Config{}, err
	}
	cfg := Config{DataDir: v["data-dir"], ProvisionFile: v["config"], LogFormat: v["log-format"]}
	steps := []func(map[string]string, *Config) error{
		validateAddr, validateBaseURL, validateLogging, validateSessions, validateProxies, validateSync, validateHooks, validateProvisionFile,
	}
	for _, step := range steps {
		if err := step(v, &cfg); err != nil {
			return Config{}, err
		}
	}
	if cfg.DataDir == "" {
		return Config{}, settingError(lookup("data-dir"), "", "must not be empty")
	}
	return cfg, nil
}

func validateAddr(v map[string]string, cfg *Config) error {
	_, port, err := net.SplitHostPort(v["addr"])
	if err != nil {
		return settingError(lookup("addr"), v["addr"], "want host:port, such as 127.0.0.1:8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return settingError(lookup("addr"), v["addr"], "the port must be a number from 0 to 65535")
	}
	cfg.Addr = v["addr"]
	return nil
}

func validateBaseURL(v map[string]string, cfg *Config) error {
	raw := v["base-url"]
	if raw == "" {
		raw, cfg.BaseURLFromAddr = baseURLFromAddr(cfg.Addr), true
	}
	u, err := url.Parse(strings.TrimRight(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return settingError(lookup("base-url"), raw, "want an absolute http:// or https:// URL, such as https://alerts.example.com")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return settingError(lookup("base-url"), raw, "must not have a query or fragment")
	}
	cfg.BaseURL = u
	return nil
}

// baseURLFromAddr is the URL a browser on this machine reaches addr at.
func baseURLFromAddr(addr string) string {
	host, port, _ := net.SplitHostPort(addr)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}

func validateLogging(v map[string]string, cfg *Config) error {
	if f := v["log-format"]; f != "text" && f != "json" {
		return settingError(lookup("log-format"), f, "want text or json")
	}
	if err := cfg.LogLevel.UnmarshalText([]byte(v["log-level"])); err != nil {
		return settingError(lookup("log-level"), v["log-level"], "want debug, info, warn or error")
	}
	return nil
}

func validateSessions(v map[string]string, cfg *Config) error {
	var err error
	for _, d := range []struct {
		flag string
		dst  *time.Duration
	}{{"session-idle", &cfg.SessionIdle}, {"session-max-age", &cfg.SessionMaxAge}} {
		*d.dst, err = time.ParseDuration(v[d.flag])
		if err != nil || *d.dst < time.Minute {
			return settingError(lookup(d.flag), v[d.flag], "want a duration of at least 1m, such as 30m or 24h")
		}
	}
	if cfg.SessionIdle > cfg.SessionMaxAge {
		return settingError(lookup("session-idle"), v["session-idle"], "must not be longer than ALERTGATE_SESSION_MAX_AGE")
	}
	keys, err := sessionKeys(v)
	cfg.SessionKeys = keys
	return err
}

// minKeyLen is the shortest session key accepted: 32 bytes of secret.
const minKeyLen = 32

func sessionKeys(v map[string]string) ([][]byte, error) {
	raw, file := v["session-key"], v["session-key-file"]
	if raw != "" && file != "" {
		return nil, settingError(lookup("session-key-file"), file, "set only one of ALERTGATE_SESSION_KEY and ALERTGATE_SESSION_KEY_FILE")
	}
	s := lookup("session-key")
	shown := "(hidden)"
	if file != "" {
		s, shown = lookup("session-key-file"), file
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, settingError(s, shown, err.Error())
		}
		raw = string(b)
	}
	if raw == "" {
		return nil, nil
	}
	var keys [][]byte
	for _, k := range strings.Fields(raw) {
		if len(k) < minKeyLen {
			return nil, settingError(s, shown, fmt.Sprintf("each key needs at least %d characters; make one with: openssl rand -hex 32", minKeyLen))
		}
		keys = append(keys, []byte(k))
	}
	return keys, nil
}

func validateProxies(v map[string]string, cfg *Config) error {
	for _, p := range strings.Split(v["trusted-proxies"], ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := netip.ParseAddr(p); err != nil {
			if _, err := netip.ParsePrefix(p); err != nil {
				return settingError(lookup("trusted-proxies"), p, "want an IP address or a CIDR such as 10.0.0.0/8")
			}
		}
		cfg.TrustedProxies = append(cfg.TrustedProxies, p)
	}
	return nil
}

func validateSync(v map[string]string, cfg *Config) error {
	switch v["db-sync"] {
	case "normal":
	case "full":
		cfg.SyncFull = true
	default:
		return settingError(lookup("db-sync"), v["db-sync"], "want normal or full")
	}
	return nil
}

func validateProvisionFile(v map[string]string, cfg *Config) error {
	if cfg.ProvisionFile == "" {
		return nil
	}
	p, err := loadProvisioning(cfg.ProvisionFile)
	if err != nil {
		return settingError(lookup("config"), cfg.ProvisionFile, err.Error())
	}
	cfg.Provisioning = p
	return nil
}

func validateHooks(v map[string]string, cfg *Config) error {
	for _, d := range []struct {
		flag     string
		dst      *int
		min, max int
	}{{"hook-body-limit", &cfg.HookBodyLimit, 1024, 64 << 20}, {"hook-auth-failures", &cfg.HookAuthFailures, 1, 1 << 20}} {
		n, err := strconv.Atoi(v[d.flag])
		if err != nil || n < d.min || n > d.max {
			return settingError(lookup(d.flag), v[d.flag], fmt.Sprintf("want a whole number from %d to %d", d.min, d.max))
		}
		*d.dst = n
	}
	return nil
}

// errUsage is returned after usage was printed; nothing more to say.
var errUsage = errors.New("usage")
