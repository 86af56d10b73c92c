// Package config reads certa's settings from flags and CERTA_* environment
// variables, strictly: a CERTA_* variable certa does not know is an error,
// so a typo never silently falls back to a default. A flag given on the
// command line wins over its environment variable.
package config

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Known lists every CERTA_* variable certa reads, with its meaning.
var Known = map[string]string{
	"CERTA_DATA":                "data directory of the embedded default (--data)",
	"CERTA_ADDR":                "listen address of certa serve (--addr)",
	"CERTA_PUBLIC_URL":          "base URL of verification links (--public-url)",
	"CERTA_MAX_UPLOAD":          "largest PDF accepted for verification, in bytes (--max-upload)",
	"CERTA_DATABASE_URL":        "PostgreSQL URL; when set, the registry, ledger and audit trail live there (--database-url)",
	"CERTA_SEAL_KEY":            "seal key: a PKCS#8 PEM file or an RFC 7512 pkcs11: URI; default: the demo seal (--seal-key)",
	"CERTA_SEAL_CHAIN":          "PEM file with the seal certificate and its chain (--seal-chain)",
	"CERTA_TRUST_ROOTS":         "PEM file of the roots verification trusts; default: the root of the seal chain (--trust-roots)",
	"CERTA_TSA_URL":             "RFC 3161 timestamp authority; makes signatures B-T by default (--tsa-url)",
	"CERTA_TSA_ROOTS":           "PEM file of the roots the TSA's certificate chains to (--tsa-roots)",
	"CERTA_SIGNATURE_LEVEL":     "PAdES level: B-B, B-T or B-LT (--signature-level)",
	"CERTA_RATE_LIMIT":          "requests per second per client on the public pages and verify API, or off (--rate-limit)",
	"CERTA_TRUSTED_PROXIES":     "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed (--trusted-proxies)",
	"CERTA_QR_SEAL":             "on (default) or off: whether QR codes carry the signed seal, which needs an ECDSA P-256 seal key (--qr-seal)",
	"CERTA_SEAL_RETIRED":        "PEM file of retired seal certificates, still listed in the trust list (--seal-retired)",
	"CERTA_CONFIG":              "TOML configuration file, below flags and CERTA_* variables in precedence (--config)",
	"CERTA_LOG_FORMAT":          "log format of certa serve: json (default) or text (--log-format)",
	"CERTA_SHUTDOWN_TIMEOUT":    "how long running requests may take to finish after SIGTERM (--shutdown-timeout)",
	"CERTA_TLS_CERT":            "PEM certificate certa serve serves HTTPS with (--tls-cert)",
	"CERTA_TLS_KEY":             "PEM private key of the TLS certificate (--tls-key)",
	"CERTA_TLS_CLIENT_CA":       "PEM CAs of client certificates, verified when presented (--tls-client-ca)",
	"CERTA_ISSUE_CONCURRENCY":   "issuances run at once before requests wait, then get 503 (--issue-concurrency)",
	"CERTA_ISSUE_QUEUE_WAIT":    "longest an issuance waits for a slot before 503, e.g. 100ms (--issue-queue-wait)",
	"CERTA_BATCH_WORKERS":       "batch items issued in parallel per process (--batch-workers)",
	"CERTA_BATCH_LEASE":         "how long a process holds a batch between renewals (--batch-lease)",
	"CERTA_BATCH_MAX_UPLOAD":    "largest batch file the API accepts, in bytes (--batch-max-upload)",
	"CERTA_PDF_RETENTION":       "how long issued PDFs are kept for download, e.g. 90d or 36h; 0 keeps none (--pdf-retention)",
	"CERTA_REQUIRE_INTEGRATION": "tests only: fail instead of skipping when a real dependency is missing",
	"CERTA_TEST_DATABASE_URL":   "tests only: PostgreSQL URL for integration tests",
}

// CheckEnv returns an error naming every unknown CERTA_* variable in env.
func CheckEnv(env []string) error {
	var unknown []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CERTA_") {
			if _, ok := Known[k]; !ok {
				unknown = append(unknown, k)
			}
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return fmt.Errorf("unknown environment variable(s) %s; known: %s", strings.Join(unknown, ", "), strings.Join(knownNames(), ", "))
}

func knownNames() []string {
	var n []string
	for k := range Known {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}

// Common are the settings every subcommand shares.
type Common struct {
	DataDir string
	// DatabaseURL selects PostgreSQL; empty means the embedded SQLite store.
	DatabaseURL string
	// ConfigFile is the TOML configuration file (file.go); Parse applies it.
	ConfigFile string
	// PDFRetention is how long issued PDFs are kept for download; zero
	// keeps none (see engine.Config.DocumentRetention).
	PDFRetention time.Duration
	retentionErr error // a bad CERTA_PDF_RETENTION, unless the flag overrides it
}

// Check reports a bad setting that RegisterCommon read from the
// environment.
func (c *Common) Check() error { return c.retentionErr }

// Serve are the settings of certa serve (and of the verification links that
// certa issue prints).
type Serve struct {
	Addr      string
	PublicURL string
	MaxUpload int64
	envErr    error // a bad CERTA_MAX_UPLOAD, unless --max-upload overrides it
	// RateLimit is the requests per second each client may make to the
	// public endpoints ("off" or a number; Resolve sets Rate), RateBurst
	// how many at once.
	RateLimit string
	Rate      float64
	RateBurst int
	// TrustedProxies are comma-separated CIDRs whose X-Forwarded-For is
	// believed; Resolve parses them into Proxies.
	TrustedProxies string
	Proxies        []netip.Prefix
	// TLS makes the default public URL https (set it from Ops.TLS).
	TLS bool
	// IssueConcurrency is how many issuances run at once; up to
	// IssueQueue more wait at most IssueQueueWait each, and requests past
	// them get 503 with Retry-After (internal/admission).
	IssueConcurrency int
	IssueQueueWait   time.Duration
}

// IssueQueue is the number of issuance requests that may wait for a slot:
// four per slot.
func (s *Serve) IssueQueue() int { return 4 * s.IssueConcurrency }

// Defaults.
const (
	DefaultDataDir   = "certa-data"
	DefaultAddr      = "127.0.0.1:8080"
	DefaultMaxUpload = 10 << 20
	DefaultRateLimit = "10"
	DefaultRateBurst = 40
	// DefaultIssueQueueWait bounds the wait for an issuance slot.
	DefaultIssueQueueWait = 100 * time.Millisecond
	// DefaultPDFRetention keeps issued PDFs 90 days: long enough to
	// download a copy again, short enough not to hoard personal data.
	DefaultPDFRetention = 90 * 24 * time.Hour
	// MaxPDFRetention bounds --pdf-retention (10 years).
	MaxPDFRetention = 3650 * 24 * time.Hour
)

// RegisterCommon adds --data to fs.
func RegisterCommon(fs *flag.FlagSet, c *Common) {
	fs.StringVar(&c.DataDir, "data", envOr("CERTA_DATA", DefaultDataDir), "data directory (env CERTA_DATA)")
	fs.StringVar(&c.ConfigFile, "config", os.Getenv("CERTA_CONFIG"), "TOML configuration file; flags and CERTA_* variables win over it (env CERTA_CONFIG)")
	fs.StringVar(&c.DatabaseURL, "database-url", os.Getenv("CERTA_DATABASE_URL"), "PostgreSQL URL, e.g. postgres://user@host/db; default: the embedded store in the data directory (env CERTA_DATABASE_URL)")
	c.PDFRetention, c.retentionErr = DefaultPDFRetention, nil
	if v := os.Getenv("CERTA_PDF_RETENTION"); v != "" {
		d, err := ParseRetention(v)
		if err != nil {
			c.retentionErr = fmt.Errorf("CERTA_PDF_RETENTION: %w", err)
		}
		c.PDFRetention = d
	}
	fs.Func("pdf-retention", "how long issued PDFs are kept for download: days (90d) or a Go duration (36h); 0 keeps none (env CERTA_PDF_RETENTION, default 90d)", func(v string) error {
		d, err := ParseRetention(v)
		c.PDFRetention, c.retentionErr = d, nil
		return err
	})
}

// ParseRetention reads a retention: "0", a number of days ("90d") or a Go
// duration ("36h", "90m"), from 0 to MaxPDFRetention.
func ParseRetention(v string) (time.Duration, error) {
	bad := fmt.Errorf("retention %q: want 0, days like 90d, or a duration like 36h, at most %dd", v, int(MaxPDFRetention/(24*time.Hour)))
	if len(v) > 32 {
		return 0, bad
	}
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > int(MaxPDFRetention/(24*time.Hour)) || strconv.Itoa(n) != days {
			return 0, bad
		}
		d = time.Duration(n) * 24 * time.Hour
	} else if v == "0" {
		d = 0
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, bad
		}
	}
	if d < 0 || d > MaxPDFRetention {
		return 0, bad
	}
	return d, nil
}

// RegisterServe adds --addr, --public-url and --max-upload to fs.
// Seal configures the seal and the signatures: see RegisterSeal. The
// zero value is the demo seal, B-B.
type Seal struct {
	Key, Chain, TrustRoots string
	TSAURL, TSARoots       string
	Level                  string
	// QR is "on" or "off": whether QR codes carry the signed seal.
	QR string
	// Retired names a PEM file of former seal certificates.
	Retired string
}

// RegisterSeal adds the seal flags to fs, for the commands that sign or
// verify. The PKCS#11 PIN is never a flag: the URI's pin-source names a
// file or an environment variable.
func RegisterSeal(fs *flag.FlagSet, s *Seal) {
	fs.StringVar(&s.Key, "seal-key", os.Getenv("CERTA_SEAL_KEY"), "seal key: PKCS#8 PEM file or pkcs11: URI (env CERTA_SEAL_KEY); default: the demo seal")
	fs.StringVar(&s.Chain, "seal-chain", os.Getenv("CERTA_SEAL_CHAIN"), "PEM seal certificate and chain, leaf first (env CERTA_SEAL_CHAIN)")
	fs.StringVar(&s.TrustRoots, "trust-roots", os.Getenv("CERTA_TRUST_ROOTS"), "PEM roots verification trusts (env CERTA_TRUST_ROOTS); default: the seal chain's root")
	fs.StringVar(&s.TSAURL, "tsa-url", os.Getenv("CERTA_TSA_URL"), "RFC 3161 timestamp authority URL (env CERTA_TSA_URL)")
	fs.StringVar(&s.TSARoots, "tsa-roots", os.Getenv("CERTA_TSA_ROOTS"), "PEM roots of the TSA's certificate (env CERTA_TSA_ROOTS); required with --tsa-url")
	fs.StringVar(&s.Level, "signature-level", os.Getenv("CERTA_SIGNATURE_LEVEL"), "PAdES level B-B, B-T or B-LT (env CERTA_SIGNATURE_LEVEL); default B-T with a TSA, else B-B")
	fs.StringVar(&s.QR, "qr-seal", envOr("CERTA_QR_SEAL", "on"), "on or off: QR codes carry a signed seal, which needs an ECDSA P-256 seal key (env CERTA_QR_SEAL)")
	fs.StringVar(&s.Retired, "seal-retired", os.Getenv("CERTA_SEAL_RETIRED"), "PEM file of retired seal certificates for the trust list (env CERTA_SEAL_RETIRED)")
}

func RegisterServe(fs *flag.FlagSet, s *Serve) {
	fs.StringVar(&s.Addr, "addr", envOr("CERTA_ADDR", DefaultAddr), "listen address (env CERTA_ADDR)")
	fs.StringVar(&s.PublicURL, "public-url", os.Getenv("CERTA_PUBLIC_URL"), "base URL of verification links; default http://<addr> (env CERTA_PUBLIC_URL)")
	fs.Func("max-upload", fmt.Sprintf("largest PDF accepted for verification, bytes (env CERTA_MAX_UPLOAD, default %d)", DefaultMaxUpload), func(v string) error {
		n, err := parseSize(v)
		s.MaxUpload, s.envErr = n, nil
		return err
	})
	fs.StringVar(&s.RateLimit, "rate-limit", envOr("CERTA_RATE_LIMIT", DefaultRateLimit), "requests per second per client on the public pages and verify API, or off (env CERTA_RATE_LIMIT)")
	fs.IntVar(&s.RateBurst, "rate-burst", DefaultRateBurst, "requests a client may send at once (with --rate-limit)")
	fs.StringVar(&s.TrustedProxies, "trusted-proxies", os.Getenv("CERTA_TRUSTED_PROXIES"), "comma-separated CIDRs of reverse proxies whose X-Forwarded-For names the client (env CERTA_TRUSTED_PROXIES)")
	fs.IntVar(&s.IssueConcurrency, "issue-concurrency", envValue("CERTA_ISSUE_CONCURRENCY", DefaultIssueConcurrency(), strconv.Atoi, "a whole number", &s.envErr),
		fmt.Sprintf("issuances run at once; more wait briefly, then get 503 (env CERTA_ISSUE_CONCURRENCY, default %d: four per core)", DefaultIssueConcurrency()))
	fs.DurationVar(&s.IssueQueueWait, "issue-queue-wait", envValue("CERTA_ISSUE_QUEUE_WAIT", DefaultIssueQueueWait, time.ParseDuration, "a duration such as 100ms", &s.envErr),
		"longest an issuance waits for a slot before 503 (env CERTA_ISSUE_QUEUE_WAIT)")
	s.MaxUpload = DefaultMaxUpload
	if v := os.Getenv("CERTA_MAX_UPLOAD"); v != "" {
		n, err := parseSize(v)
		if err != nil {
			s.envErr = fmt.Errorf("CERTA_MAX_UPLOAD: %w", err)
		}
		s.MaxUpload = n
	}
}

// Resolve fills defaults that depend on other settings and checks s.
func (s *Serve) Resolve() error {
	if s.envErr != nil {
		return s.envErr
	}
	host, port, err := net.SplitHostPort(s.Addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %w", s.Addr, err)
	}
	if s.PublicURL == "" {
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		scheme := "http://"
		if s.TLS {
			scheme = "https://"
		}
		s.PublicURL = scheme + net.JoinHostPort(host, port)
	}
	u, err := url.Parse(s.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return fmt.Errorf("--public-url %q must be an absolute http(s) URL without query", s.PublicURL)
	}
	s.PublicURL = strings.TrimRight(s.PublicURL, "/")
	if s.RateLimit != "off" {
		r, err := strconv.ParseFloat(s.RateLimit, 64)
		if err != nil || !(r > 0 && r <= 1e6) {
			return fmt.Errorf("--rate-limit %q: want requests per second (a number above 0, at most 1000000) or off", s.RateLimit)
		}
		if s.RateBurst < 1 || s.RateBurst > 1e6 {
			return fmt.Errorf("--rate-burst %d: want 1 to 1000000", s.RateBurst)
		}
		s.Rate = r
	}
	if s.IssueConcurrency < 1 || s.IssueConcurrency > 4096 {
		return fmt.Errorf("--issue-concurrency %d: want 1 to 4096", s.IssueConcurrency)
	}
	if s.IssueQueueWait < 0 || s.IssueQueueWait > time.Minute {
		return fmt.Errorf("--issue-queue-wait %s: want 0 (no waiting) to 1m", s.IssueQueueWait)
	}
	s.Proxies = nil
	for _, p := range strings.Split(s.TrustedProxies, ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			return fmt.Errorf("--trusted-proxies: %q is not a CIDR prefix like 10.0.0.0/8", p)
		}
		s.Proxies = append(s.Proxies, pfx.Masked())
	}
	return nil
}

func parseSize(v string) (int64, error) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1024 || n > 1<<30 {
		return 0, fmt.Errorf("size %q must be a number of bytes between 1024 and 1073741824", v)
	}
	return n, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// DefaultIssueConcurrency is four issuances per core: enough to cover the
// ledger commit's and a remote signer's waits.
func DefaultIssueConcurrency() int { return 4 * runtimeCPUs() }

// envValue returns the value of the variable name parsed by parse, or def
// when it is unset; a bad value is recorded in *errp (saying want), for
// Resolve to report.
func envValue[T any](name string, def T, parse func(string) (T, error), want string, errp *error) T {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	x, err := parse(v)
	if err != nil {
		if *errp == nil {
			*errp = fmt.Errorf("%s=%q: want %s", name, v, want)
		}
		return def
	}
	return x
}
