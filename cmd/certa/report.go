package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"certa.example/certa/templates"
	"certa.example/certa/verify"
)

// printReport prints a verification report for people: the verdict, each
// check, and what the ledger and the QR seal say.
func printReport(w io.Writer, rep verify.Report) {
	fmt.Fprintf(w, "verdict: %s\n  %s\n", rep.Verdict, rep.Message)
	for _, c := range rep.Checks {
		mark := map[verify.CheckStatus]string{verify.Passed: "ok  ", verify.Failed: "FAIL"}[c.Status]
		if mark == "" {
			mark = "--  "
		}
		fmt.Fprintf(w, "  %s %-29s %s\n", mark, c.Name, c.Message)
	}
	if c := rep.Certificate; c != nil {
		fmt.Fprintf(w, "certificate: %s %s, %s, issued %s, expires %s\n", c.Code, c.Type, c.Status,
			c.IssuedAt.Format("2006-01-02"), c.ExpiresAt.Format("2006-01-02"))
		if c.Revoked {
			fmt.Fprintf(w, "  revoked %s, reason %s", c.RevokedAt.Format("2006-01-02"), c.RevokedReason)
			if c.ReplacedBy != "" {
				fmt.Fprintf(w, ", replaced by %s", c.ReplacedBy)
			}
			fmt.Fprintln(w)
		}
	}
	if s := rep.Seal; s != nil {
		fmt.Fprintf(w, "QR seal: %s, %s, issued %s, valid until %s\n  holder %s, born %s, comune %s (%s)\n",
			s.Code, typeTitles(s.Type), s.Issued, s.Expires, s.Holder, s.BirthDate, s.Comune, s.ComuneCode)
		for _, k := range templates.FactKeys(s.Facts) {
			fmt.Fprintf(w, "  %s: %s\n", strings.ToLower(templates.FactLabel(k, "en")), s.Facts[k])
		}
	}
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
