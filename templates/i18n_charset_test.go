package templates

import (
	"strings"
	"testing"

	"certa.example/certa/templates/i18n"
)

// TestI18nCharset checks that every message of package i18n, in every
// language and gender, prints exactly in the documents' single-byte
// encoding (font.go), as written and in capitals or lower case, since the
// templates change the case of some labels.
func TestI18nCharset(t *testing.T) {
	enc := newEncoding()
	for _, key := range i18n.Keys() {
		for _, lang := range i18n.Langs() {
			raw, ok := i18n.Raw(lang, key)
			if !ok {
				t.Errorf("%s/%s: missing", key, lang)
				continue
			}
			for _, s := range []string{raw, strings.ToUpper(raw), strings.ToLower(raw)} {
				if out, ok := enc.encode(s); !ok {
					t.Errorf("%s/%s: %q is not exact in the document encoding (prints %q)", key, lang, s, out)
				}
			}
		}
	}
}

// TestI18nTitles checks that package i18n has every certificate type's
// title, in the Italian the catalogue prints.
func TestI18nTitles(t *testing.T) {
	names := map[i18n.Key]bool{}
	for _, ty := range Types() {
		k := i18n.TitleKey(ty.Name)
		names[k] = true
		if got := i18n.T(i18n.IT, k); got != ty.Title {
			t.Errorf("%s: i18n has %q, the catalogue %q", ty.Name, got, ty.Title)
		}
	}
	for _, k := range i18n.Keys() {
		if strings.HasPrefix(string(k), "title.") && !names[k] {
			t.Errorf("i18n has %s, which is not a certificate type", k)
		}
	}
}
