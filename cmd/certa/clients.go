package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"text/tabwriter"
	"time"

	"certa.example/certa/internal/apiclient"
	"certa.example/certa/internal/config"
	"certa.example/certa/internal/httpapi"
)

const clientsUsage = `usage:
  certa clients create --id ID --scopes issue,read [--rate-limit N [--rate-burst N]] [--daily-quota N] [--tls-cert FILE.pem] [--operator NAME]
  certa clients list [--json]
  certa clients revoke ID [--operator NAME]`

// clientsCmd manages the stored API clients (docs/clients.md).
func clientsCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(clientsUsage)
	}
	switch args[0] {
	case "create":
		return clientsCreate(args[1:], stdout, stderr)
	case "list":
		return clientsList(args[1:], stdout, stderr)
	case "revoke":
		return clientsRevoke(args[1:], stdout, stderr)
	}
	return fmt.Errorf("unknown clients command %q\n%s", args[0], clientsUsage)
}

// operatorOr is the audit actor: --operator, or the system user.
func operatorOr(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	return "cli:" + os.Getenv("USER")
}

func clientsCreate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("clients create", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	id := fs.String("id", "", "client ID: lower-case letters, digits and hyphens, e.g. portale-milano")
	scopes := fs.String("scopes", "", "comma-separated scopes: issue, issue:any-subject, revoke, read, admin")
	rate := fs.Float64("rate-limit", 0, "the client's requests per second on the API (0: no limit of its own)")
	burst := fs.Int("rate-burst", 0, "requests the client may send at once (default: one second's worth)")
	quota := fs.Int64("daily-quota", 0, "certificates the client may issue per day (0: no quota)")
	tlsCert := fs.String("tls-cert", "", "PEM file of the client's TLS certificate: its key then works only over mutual TLS with it")
	operator := fs.String("operator", "", "who creates the client (recorded in the audit trail); default: the system user")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 || *id == "" || *scopes == "" {
		return errors.New("clients create needs --id and --scopes and takes no arguments")
	}
	sc, err := apiclient.ParseScopes(*scopes)
	if err != nil {
		return fmt.Errorf("--scopes: %w", err)
	}
	rec := apiclient.Record{ID: *id, Scopes: sc, RateLimit: *rate, RateBurst: *burst, DailyQuota: *quota}
	if *tlsCert != "" {
		pemData, err := os.ReadFile(*tlsCert)
		if err != nil {
			return err
		}
		if rec.TLSCertSHA256, err = apiclient.CertFingerprint(pemData); err != nil {
			return fmt.Errorf("--tls-cert %s: %w", *tlsCert, err)
		}
	}
	if err := rec.Check(); err != nil {
		return err
	}
	ctx := context.Background()
	env, err := openEnv(ctx, common)
	if err != nil {
		return err
	}
	defer env.Close()
	for _, m := range []map[string]string{env.APIKeys, env.AdminKeys} {
		for _, configured := range m {
			if configured == rec.ID {
				return fmt.Errorf("client ID %q belongs to a configured key; choose another", rec.ID)
			}
		}
	}
	key, err := apiclient.NewKey(rand.Reader)
	if err != nil {
		return err
	}
	rec.KeyHash = apiclient.HashKey(key)
	stored, err := env.Store.CreateClient(ctx, rec, operatorOr(*operator))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "created client %s (%s)\n", stored.ID, stored.Describe())
	fmt.Fprintf(stdout, "API key, shown only now (certa keeps only its SHA-256):\n%s\n", key)
	return nil
}

// clientJSON is a client as `certa clients list --json` prints it: no key,
// no key hash.
type clientJSON struct {
	ID            string     `json:"id"`
	Scopes        []string   `json:"scopes"`
	CreatedAt     time.Time  `json:"created_at"`
	RevokedAt     *time.Time `json:"revoked_at,omitempty"`
	RateLimit     float64    `json:"rate_limit,omitempty"`
	RateBurst     int        `json:"rate_burst,omitempty"`
	DailyQuota    int64      `json:"daily_quota,omitempty"`
	TLSCertSHA256 string     `json:"tls_cert_sha256,omitempty"`
}

func clientsList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("clients list", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	asJSON := fs.Bool("json", false, "print JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return errors.New("clients list takes no arguments")
	}
	ctx := context.Background()
	env, err := openEnv(ctx, common)
	if err != nil {
		return err
	}
	defer env.Close()
	cs, err := env.Store.ListClients(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]clientJSON, 0, len(cs))
		for _, c := range cs {
			j := clientJSON{ID: c.ID, CreatedAt: c.CreatedAt, DailyQuota: c.DailyQuota,
				TLSCertSHA256: apiclient.Fingerprint(c.TLSCertSHA256)}
			for _, s := range c.Scopes {
				j.Scopes = append(j.Scopes, string(s))
			}
			if c.Revoked() {
				j.RevokedAt = &c.RevokedAt
			}
			if c.RateLimit > 0 {
				j.RateLimit, j.RateBurst = c.RateLimit, c.Burst()
			}
			out = append(out, j)
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSCOPES\tCREATED\tSTATUS\tRATE LIMIT\tDAILY QUOTA\tTLS CERT")
	for _, c := range cs {
		status := "active"
		if c.Revoked() {
			status = "revoked " + c.RevokedAt.Local().Format(time.DateTime)
		}
		rate, quota, cert := "-", "-", "-"
		if c.RateLimit > 0 {
			rate = strconv.FormatFloat(c.RateLimit, 'g', -1, 64) + "/s burst " + strconv.Itoa(c.Burst())
		}
		if c.DailyQuota > 0 {
			quota = strconv.FormatInt(c.DailyQuota, 10)
		}
		if c.BoundToCert() {
			cert = apiclient.Fingerprint(c.TLSCertSHA256)[:16] + "…"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", c.ID, c.Scopes, c.CreatedAt.Local().Format(time.DateTime), status, rate, quota, cert)
	}
	return tw.Flush()
}

func clientsRevoke(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("clients revoke", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	operator := fs.String("operator", "", "who revokes (recorded in the audit trail); default: the system user")
	if err := fs.Parse(reorderArgs(fs, args)); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: certa clients revoke ID [--operator NAME]")
	}
	ctx := context.Background()
	env, err := openEnv(ctx, common)
	if err != nil {
		return err
	}
	defer env.Close()
	rec, err := env.Store.RevokeClient(ctx, fs.Arg(0), operatorOr(*operator))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked client %s at %s; running servers refuse its key within %s\n",
		rec.ID, rec.RevokedAt.Format(time.RFC3339), httpapi.DefaultClientCacheTTL)
	return nil
}
