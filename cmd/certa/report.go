package main

import (
	"encoding/json"
	"fmt"
	"io"

	"certa.example/certa/verify"
)

func printReport(w io.Writer, rep verify.Report) {
	fmt.Fprintf(w, "verdict: %s\n", rep.Verdict)
	for _, c := range rep.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  %s %-22s %s\n", mark, c.Name, c.Detail)
	}
	if c := rep.Certificate; c != nil {
		fmt.Fprintf(w, "certificate: %s %s, %s, issued %s, expires %s\n", c.Code, c.Type, c.Status,
			c.IssuedAt.Format("2006-01-02"), c.ExpiresAt.Format("2006-01-02"))
	}
}

func printJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
