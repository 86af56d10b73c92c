// Package apiclient defines who calls the issuance API: a client (a portal,
// counter software, an operator's tool) identified by an API key and
// allowed what its scopes name.
//
// Scopes:
//
//	issue               issue certificates on the online channel, for the
//	                    citizen the client acts for or their household
//	issue:any-subject   issue on the counter channel, for anyone
//	revoke              revoke certificates
//	read                read certificates the client issued or whose
//	                    holder it acts for, and list a citizen's
//	admin               everything above, and read every certificate
//
// A scope set is written as a comma-separated list ("issue,read").
//
// Record is a client as the store keeps it (docs/clients.md): the SHA-256
// of its key (NewKey makes keys, HashKey hashes them; the key itself is
// never stored), its scopes, and its optional rate limit, daily quota and
// TLS client certificate pin.
package apiclient

import (
	"fmt"
	"slices"
	"strings"
)

// Scope is a permission of a client.
type Scope string

// The scopes. New ones are appended; none is ever renamed.
const (
	ScopeIssue           Scope = "issue"
	ScopeIssueAnySubject Scope = "issue:any-subject"
	ScopeRevoke          Scope = "revoke"
	ScopeRead            Scope = "read"
	ScopeAdmin           Scope = "admin"
)

// AllScopes lists every scope, in a fixed order.
var AllScopes = []Scope{ScopeIssue, ScopeIssueAnySubject, ScopeRevoke, ScopeRead, ScopeAdmin}

// Scopes is a set of scopes, kept sorted in AllScopes order.
type Scopes []Scope

// ParseScopes parses a comma-separated list; an unknown or repeated scope
// is an error, and so is an empty list.
func ParseScopes(s string) (Scopes, error) {
	var out Scopes
	for _, part := range strings.Split(s, ",") {
		sc := Scope(strings.TrimSpace(part))
		if !slices.Contains(AllScopes, sc) {
			return nil, fmt.Errorf("unknown scope %q; known: %s", sc, Scopes(AllScopes))
		}
		if slices.Contains(out, sc) {
			return nil, fmt.Errorf("scope %q given twice", sc)
		}
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b Scope) int { return slices.Index(AllScopes, a) - slices.Index(AllScopes, b) })
	return out, nil
}

// String is the comma-separated form ParseScopes reads.
func (s Scopes) String() string {
	parts := make([]string, len(s))
	for i, sc := range s {
		parts[i] = string(sc)
	}
	return strings.Join(parts, ",")
}

// Has reports whether the set grants sc; admin grants every scope.
func (s Scopes) Has(sc Scope) bool {
	return slices.Contains(s, sc) || slices.Contains(s, ScopeAdmin)
}

// Client is an authenticated API client.
type Client struct {
	ID     string
	Scopes Scopes
}

// Has reports whether the client may do what sc names.
func (c Client) Has(sc Scope) bool { return c.Scopes.Has(sc) }
