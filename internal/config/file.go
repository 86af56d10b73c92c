package config

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// The configuration file (--config FILE, env CERTA_CONFIG) is TOML: flat
// keys named like the flags, e.g.
//
//	addr = "0.0.0.0:8443"
//	database-url = "postgres://certa@db/certa"
//	tls-cert = "/etc/certa/tls.pem"
//	rate-limit = 20
//
// It is strict: a key certa does not know is an error naming it, as is a
// table or an array. Precedence: a flag on the command line, then its
// CERTA_* variable, then the file, then the default. A key for a flag the
// command does not have (addr for certa issue) is ignored by that command.

// fileKeys maps every setting the file may hold to its environment
// variable ("" for the flags that have none).
var fileKeys = map[string]string{
	"data":              "CERTA_DATA",
	"database-url":      "CERTA_DATABASE_URL",
	"addr":              "CERTA_ADDR",
	"public-url":        "CERTA_PUBLIC_URL",
	"max-upload":        "CERTA_MAX_UPLOAD",
	"rate-limit":        "CERTA_RATE_LIMIT",
	"rate-burst":        "",
	"trusted-proxies":   "CERTA_TRUSTED_PROXIES",
	"seal-key":          "CERTA_SEAL_KEY",
	"seal-chain":        "CERTA_SEAL_CHAIN",
	"trust-roots":       "CERTA_TRUST_ROOTS",
	"tsa-url":           "CERTA_TSA_URL",
	"tsa-roots":         "CERTA_TSA_ROOTS",
	"signature-level":   "CERTA_SIGNATURE_LEVEL",
	"qr-seal":           "CERTA_QR_SEAL",
	"seal-retired":      "CERTA_SEAL_RETIRED",
	"log-format":        "CERTA_LOG_FORMAT",
	"shutdown-timeout":  "CERTA_SHUTDOWN_TIMEOUT",
	"tls-cert":          "CERTA_TLS_CERT",
	"tls-key":           "CERTA_TLS_KEY",
	"tls-client-ca":     "CERTA_TLS_CLIENT_CA",
	"pdf-retention":     "CERTA_PDF_RETENTION",
	"issue-concurrency": "CERTA_ISSUE_CONCURRENCY",
	"issue-queue-wait":  "CERTA_ISSUE_QUEUE_WAIT",
	"batch-workers":     "CERTA_BATCH_WORKERS",
	"batch-lease":       "CERTA_BATCH_LEASE",
	"batch-max-upload":  "CERTA_BATCH_MAX_UPLOAD",
}

// FileKeys returns the keys a configuration file may hold, sorted.
func FileKeys() []string {
	keys := make([]string, 0, len(fileKeys))
	for k := range fileKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Parse parses args into fs and then applies the configuration file that
// c.ConfigFile names (see ApplyFile). Use it instead of fs.Parse for every
// command that registers Common.
func Parse(fs *flag.FlagSet, args []string, c *Common) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.ConfigFile == "" {
		return nil
	}
	return ApplyFile(fs, c.ConfigFile)
}

// ApplyFile reads the TOML file at path and sets each flag of fs that the
// file names, unless the command line set it or its environment variable
// is set. Values go through the flag's own parser, so the file is checked
// exactly like the flags.
func ApplyFile(fs *flag.FlagSet, path string) error {
	values, err := ReadFile(path)
	if err != nil {
		return err
	}
	onCommandLine := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { onCommandLine[f.Name] = true })
	for _, key := range sortedKeys(values) {
		if fs.Lookup(key) == nil || onCommandLine[key] {
			continue
		}
		if env := fileKeys[key]; env != "" && os.Getenv(env) != "" {
			continue
		}
		if err := fs.Set(key, values[key]); err != nil {
			return fmt.Errorf("config file %s: %s: %w", path, key, err)
		}
	}
	return nil
}

// ReadFile reads and checks a configuration file: every key known, every
// value a string, number or boolean. It returns the values as flag text.
func ReadFile(path string) (map[string]string, error) {
	var raw map[string]any
	md, err := toml.DecodeFile(path, &raw)
	if err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			return nil, fmt.Errorf("config file %s: line %d: %s", path, perr.Position.Line, perr.Message)
		}
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	var unknown []string
	out := map[string]string{}
	for _, key := range md.Keys() {
		if len(key) != 1 {
			continue // inside a table, reported with the table
		}
		name := key[0]
		if _, ok := fileKeys[name]; !ok {
			unknown = append(unknown, strconv.Quote(name))
			continue
		}
		switch v := raw[name].(type) {
		case string:
			out[name] = v
		case int64:
			out[name] = strconv.FormatInt(v, 10)
		case float64:
			out[name] = strconv.FormatFloat(v, 'f', -1, 64)
		case bool:
			out[name] = strconv.FormatBool(v)
		default:
			return nil, fmt.Errorf("config file %s: %s: want a string, number or boolean, not a %s", path, name, md.Type(name))
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("config file %s: unknown key(s) %s; known: %s", path, strings.Join(unknown, ", "), strings.Join(FileKeys(), ", "))
	}
	return out, nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
