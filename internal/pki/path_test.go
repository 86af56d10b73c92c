package pki

import (
	"bytes"
	"crypto"
	"encoding/base64"
	"math/big"
	"strings"
	"testing"

	"golang.org/x/crypto/ocsp"
)

func TestOCSPFromPath(t *testing.T) {
	// Find a request whose base64 holds '/', "//" or '+', which routers
	// and path cleaning like to mangle.
	var der []byte
	var b64 string
	for i := int64(1); ; i++ {
		q := ocsp.Request{HashAlgorithm: crypto.SHA1, IssuerNameHash: make([]byte, 20), IssuerKeyHash: make([]byte, 20), SerialNumber: big.NewInt(i * 7919)}
		q.IssuerNameHash[0] = byte(i)
		d, err := q.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		if s := base64.StdEncoding.EncodeToString(d); strings.Contains(s, "/") && strings.Contains(s, "+") {
			der, b64 = d, s
			break
		}
	}
	for _, tc := range []struct {
		name string
		path string
		want []byte
	}{
		{"at /ocsp", "/ocsp/" + b64, der},
		{"mounted deeper", "/pki/v1/ocsp/" + b64, der},
		{"no request", "/ocsp", nil},
		{"no request, trailing slash", "/ocsp/", nil},
		{"not base64", "/ocsp/!!!", nil},
		{"base64 of something else", "/ocsp/" + base64.StdEncoding.EncodeToString([]byte("hello there!")), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := ocspFromPath(tc.path); !bytes.Equal(got, tc.want) {
				t.Fatalf("got %x, want %x", got, tc.want)
			}
		})
	}
}
