package engine

import (
	"testing"

	"certa.example/certa/internal/errs"
	"certa.example/certa/templates"
)

func TestCheckCombination(t *testing.T) {
	types := func(names ...string) []*templates.Type {
		var out []*templates.Type
		for _, n := range names {
			ty, ok := templates.LookupType(n)
			if !ok {
				t.Fatalf("no type %s", n)
			}
			out = append(out, ty)
		}
		return out
	}
	for _, tc := range []struct {
		name  string
		types []string
		kind  errs.Kind
		rule  string
	}{
		{"one type", []string{"morte"}, 0, ""},
		{"residence and citizenship", []string{"residenza", "cittadinanza", "stato_civile"}, 0, ""},
		{"AIRE with its family", []string{"residenza_aire", "stato_famiglia_aire", "cittadinanza"}, 0, ""},
		{"none", nil, errs.InvalidRequest, ""},
		{"too many", []string{"residenza", "cittadinanza", "stato_civile", "nascita", "esistenza_in_vita"}, errs.InvalidRequest, ""},
		{"twice", []string{"residenza", "residenza"}, errs.InvalidRequest, ""},
		{"storico combined", []string{"storico_residenza", "cittadinanza"}, errs.NotCertifiable, "contestuale-non-combinabile"},
		{"morte combined", []string{"morte", "nascita"}, errs.NotCertifiable, "contestuale-non-combinabile"},
		{"AIRE and resident", []string{"residenza_aire", "residenza"}, errs.NotCertifiable, "contestuale-aire-e-residenti"},
		{"marriage and free status", []string{"matrimonio", "stato_libero"}, errs.NotCertifiable, "contestuale-matrimonio-stato-libero"},
		{"marriage and civil union", []string{"unione_civile", "matrimonio"}, errs.NotCertifiable, "contestuale-matrimonio-stato-libero"},
		{"two family forms", []string{"stato_famiglia", "stato_famiglia_parentela"}, errs.NotCertifiable, "contestuale-stati-di-famiglia"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckCombination(types(tc.types...))
			if tc.kind == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if slug, _ := errs.RuleOf(err); errs.KindOf(err) != tc.kind || slug != tc.rule {
				t.Fatalf("got %v (rule %q), want %v %q", err, slug, tc.kind, tc.rule)
			}
			if tc.rule != "" {
				if _, ok := RuleBySlug(tc.rule); !ok {
					t.Errorf("rule %s has no page", tc.rule)
				}
			}
		})
	}
}
