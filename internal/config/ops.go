package config

import (
	"flag"
	"fmt"
	"os"
	"time"
)

// Ops are the operational settings of certa serve: logs, shutdown, TLS.
type Ops struct {
	// LogFormat is "json" (default) or "text".
	LogFormat string
	// ShutdownTimeout bounds how long running requests may take to finish
	// after SIGTERM.
	ShutdownTimeout time.Duration
	// TLSCert and TLSKey are PEM files; with them certa serves HTTPS.
	// TLSClientCA, optional, is a PEM file of CAs whose client
	// certificates are verified when a client presents one.
	TLSCert, TLSKey, TLSClientCA string
	envErr                       error
}

// DefaultShutdownTimeout is the default of --shutdown-timeout.
const DefaultShutdownTimeout = 30 * time.Second

// RegisterOps adds --log-format, --shutdown-timeout and the TLS flags to fs.
func RegisterOps(fs *flag.FlagSet, o *Ops) {
	fs.StringVar(&o.LogFormat, "log-format", envOr("CERTA_LOG_FORMAT", "json"), "log format: json or text (env CERTA_LOG_FORMAT)")
	o.ShutdownTimeout = DefaultShutdownTimeout
	if v := os.Getenv("CERTA_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := parseTimeout(v)
		if err != nil {
			o.envErr = fmt.Errorf("CERTA_SHUTDOWN_TIMEOUT: %w", err)
		}
		o.ShutdownTimeout = d
	}
	fs.Func("shutdown-timeout", fmt.Sprintf("how long running requests may take to finish after SIGTERM, e.g. 30s (env CERTA_SHUTDOWN_TIMEOUT, default %s)", DefaultShutdownTimeout), func(v string) error {
		d, err := parseTimeout(v)
		o.ShutdownTimeout, o.envErr = d, nil
		return err
	})
	fs.StringVar(&o.TLSCert, "tls-cert", os.Getenv("CERTA_TLS_CERT"), "PEM certificate (and chain) to serve HTTPS with (env CERTA_TLS_CERT); needs --tls-key")
	fs.StringVar(&o.TLSKey, "tls-key", os.Getenv("CERTA_TLS_KEY"), "PEM private key of --tls-cert (env CERTA_TLS_KEY)")
	fs.StringVar(&o.TLSClientCA, "tls-client-ca", os.Getenv("CERTA_TLS_CLIENT_CA"), "PEM CAs of client certificates, verified when a client presents one (env CERTA_TLS_CLIENT_CA)")
}

// TLS reports whether certa serves HTTPS.
func (o *Ops) TLS() bool { return o.TLSCert != "" || o.TLSKey != "" }

// Resolve checks o.
func (o *Ops) Resolve() error {
	if o.envErr != nil {
		return o.envErr
	}
	if o.LogFormat != "json" && o.LogFormat != "text" {
		return fmt.Errorf("--log-format %q: want json or text", o.LogFormat)
	}
	if (o.TLSCert == "") != (o.TLSKey == "") {
		return fmt.Errorf("--tls-cert and --tls-key go together")
	}
	if o.TLSClientCA != "" && !o.TLS() {
		return fmt.Errorf("--tls-client-ca needs --tls-cert and --tls-key")
	}
	return nil
}

func parseTimeout(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Second || d > time.Hour {
		return 0, fmt.Errorf("duration %q: want 1s to 1h, e.g. 30s", v)
	}
	return d, nil
}
