package apiclient

import "testing"

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"issue", "issue", false},
		{"read, issue", "issue,read", false},
		{"admin,issue:any-subject,revoke", "issue:any-subject,revoke,admin", false},
		{"", "", true},
		{"issue,", "", true},
		{"issue,issue", "", true},
		{"Issue", "", true},
		{"write", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseScopes(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err == nil && got.String() != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHas(t *testing.T) {
	read := Client{ID: "p", Scopes: Scopes{ScopeIssue, ScopeRead}}
	if !read.Has(ScopeRead) || !read.Has(ScopeIssue) || read.Has(ScopeRevoke) || read.Has(ScopeIssueAnySubject) {
		t.Errorf("issue,read: wrong grants")
	}
	admin := Client{Scopes: Scopes{ScopeAdmin}}
	for _, sc := range AllScopes {
		if !admin.Has(sc) {
			t.Errorf("admin lacks %s", sc)
		}
	}
	if (Client{}).Has(ScopeRead) {
		t.Error("the zero client has a scope")
	}
}

func FuzzParseScopes(f *testing.F) {
	f.Add("issue,read")
	f.Add("admin, issue:any-subject")
	f.Fuzz(func(t *testing.T, s string) {
		sc, err := ParseScopes(s)
		if err != nil {
			return
		}
		again, err := ParseScopes(sc.String())
		if err != nil || again.String() != sc.String() {
			t.Errorf("%q: String %q does not parse back: %v", s, sc, err)
		}
	})
}
