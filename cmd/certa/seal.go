package main

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"certa.example/certa/engine"
	"certa.example/certa/internal/config"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/pki"
	"certa.example/certa/internal/seal"
	"certa.example/certa/templates"
)

// verifyQR checks a scanned QR text offline: its seal against a trust list
// (a file fetched from /.well-known/certa/trust-list, or this installation's
// seal certificates), and, with --revocations, against a revocation list.
func verifyQR(text string, trustList, revocations string, common config.Common, sealCfg config.Seal, stdout io.Writer) (int, error) {
	code, payload, err := seal.ParseURL(strings.TrimSpace(text))
	if err != nil {
		fmt.Fprintln(stdout, "verdict: invalid (the text is not a certa seal URL)")
		return 1, nil
	}
	now := time.Now()
	var lookup func([]byte) (*x509.Certificate, bool)
	var roots *x509.CertPool
	rootsFor := func() (*x509.CertPool, error) {
		if roots != nil {
			return roots, nil
		}
		if sealCfg.TrustRoots != "" {
			pool, _, err := pki.LoadRoots(sealCfg.TrustRoots)
			roots = pool
			return pool, err
		}
		env, err := openSealed(context.Background(), common, sealCfg)
		if err != nil {
			return nil, err
		}
		defer env.Close()
		roots = env.Roots
		return roots, nil
	}
	if trustList != "" {
		data, err := os.ReadFile(trustList)
		if err != nil {
			return 2, err
		}
		pool, err := rootsFor()
		if err != nil {
			return 2, err
		}
		tl, err := seal.ParseTrustList(data, pool, now)
		if err != nil {
			return 2, fmt.Errorf("--trust-list: %w", err)
		}
		lookup = tl.Lookup
	} else {
		env, err := openSealed(context.Background(), common, sealCfg)
		if err != nil {
			return 2, err
		}
		lookup = env.SealTrust()
		roots = env.Roots
		env.Close()
	}
	claims, cert, err := seal.Verify(payload, lookup, now)
	expired := errors.Is(err, seal.ErrExpired)
	switch {
	case err == nil || expired:
	case errors.Is(err, seal.ErrUntrusted):
		fmt.Fprintln(stdout, "verdict: invalid (the seal is not signed by a trusted seal key)")
		return 1, nil
	default:
		fmt.Fprintln(stdout, "verdict: invalid (malformed seal)")
		return 1, nil
	}
	if claims.Code != code {
		fmt.Fprintln(stdout, "verdict: invalid (the seal belongs to another code than the URL's)")
		return 1, nil
	}
	verdict, exit := "valid", 0
	if expired {
		verdict, exit = "expired", 1
	}
	if revocations != "" {
		data, err := os.ReadFile(revocations)
		if err != nil {
			return 2, err
		}
		pool, err := rootsFor()
		if err != nil {
			return 2, err
		}
		rl, err := seal.ParseRevocationList(data, pool, now)
		if err != nil {
			return 2, fmt.Errorf("--revocations: %w", err)
		}
		if rl.Contains(claims.Code) {
			verdict, exit = "revoked", 1
		}
	}
	fmt.Fprintf(stdout, "verdict: %s (seal checked offline)\n", verdict)
	fmt.Fprintf(stdout, "  code:        %s\n  type:        %s\n  comune:      %s (%s)\n  holder:      %s\n  born:        %s\n  issued:      %s\n  valid until: %s\n",
		claims.Code, typeTitles(claims.Type), claims.ComuneName, claims.ComuneCode, claims.Holder,
		claims.BirthDate.Format("02/01/2006"), claims.Issued.Format("02/01/2006"), claims.Expires.Format("02/01/2006"))
	for _, k := range templates.FactKeys(claims.Facts) {
		fmt.Fprintf(stdout, "  %-12s %s\n", templates.FactLabel(k, "en")+":", claims.Facts[k])
	}
	fmt.Fprintf(stdout, "  sealed by:   %s\n", cert.Subject.CommonName)
	if revocations == "" {
		fmt.Fprintln(stdout, "  revocation:  not checked (pass --revocations FILE, or open the URL online)")
	}
	return exit, nil
}

// typeTitles names the types of a seal ("a+b" for a contestuale).
func typeTitles(types string) string {
	var out []string
	for _, name := range strings.Split(types, "+") {
		if t, ok := templates.LookupType(name); ok {
			out = append(out, t.Title)
		} else {
			out = append(out, name)
		}
	}
	return strings.Join(out, " + ")
}

// revokeCmd revokes a certificate at the registry office.
func revokeCmd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("revoke", stderr)
	var common config.Common
	config.RegisterCommon(fs, &common)
	reason := fs.String("reason", "", "why: issued-in-error, data-changed, replaced (with --replaced-by) or other")
	replacedBy := fs.String("replaced-by", "", "code of the certificate that replaces this one (with --reason replaced)")
	operator := fs.String("operator", "", "who revokes (recorded in the audit trail); default: the system user")
	if err := config.Parse(fs, reorderArgs(fs, args), &common); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: certa revoke CODE --reason REASON [--replaced-by CODE]")
	}
	r, err := ledger.ParseReason(*reason)
	if err != nil {
		return err
	}
	actor := *operator
	if actor == "" {
		actor = "cli:" + os.Getenv("USER")
	}
	ctx := context.Background()
	env, err := openEnv(ctx, common)
	if err != nil {
		return err
	}
	defer env.Close()
	rec, err := engine.RevokeIn(ctx, env.Store, time.Now(), fs.Arg(0), r, *replacedBy, actor)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "revoked %s (%s) at %s\n", rec.Code, rec.RevokedReason, rec.RevokedAt.Format(time.RFC3339))
	return nil
}

// reorderArgs lets flags follow the positional argument ("revoke CODE
// --reason x"), which the flag package alone does not.
func reorderArgs(fs *flag.FlagSet, args []string) []string {
	var flags, pos []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		name := strings.TrimLeft(a, "-")
		if strings.Contains(name, "=") {
			continue
		}
		if f := fs.Lookup(name); f != nil {
			if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
				continue
			}
			if i+1 < len(args) {
				flags = append(flags, args[i+1])
				i++
			}
		}
	}
	return append(flags, pos...)
}
