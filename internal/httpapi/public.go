package httpapi

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"certa.example/certa/engine"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/seal"
	"certa.example/certa/templates"
)

// Well-known paths of the lists offline verifiers cache.
const (
	TrustListPath   = "/.well-known/certa/trust-list"
	RevocationsPath = "/.well-known/certa/revocations"
)

const (
	// trustListTTL is how long a signed trust list is valid; it is re-signed
	// when half of it has passed.
	trustListTTL = 7 * 24 * time.Hour
	// revocationsTTL is the validity of a signed revocation list, and
	// revocationsCheck how often the server asks the ledger whether it
	// changed (a revocation through this server refreshes it at once).
	revocationsTTL   = 48 * time.Hour
	revocationsCheck = time.Second
)

// sealClaimsJSON is a seal's content in the JSON status.
type sealClaimsJSON struct {
	Code       string            `json:"code"`
	Type       string            `json:"type"`
	ComuneCode string            `json:"comune_code"`
	Comune     string            `json:"comune"`
	Issued     string            `json:"issued"`
	Expires    string            `json:"expires"`
	Holder     string            `json:"holder"`
	BirthDate  string            `json:"birth_date"`
	Facts      map[string]string `json:"facts,omitempty"`
}

// sealJSON is the outcome of a seal check in the JSON status.
type sealJSON struct {
	Authentic bool            `json:"authentic"`
	Expired   bool            `json:"expired,omitempty"`
	Problem   string          `json:"problem,omitempty"`
	Mismatch  []string        `json:"mismatch,omitempty"`
	Claims    *sealClaimsJSON `json:"claims,omitempty"`
}

func day(t time.Time) string { return t.Format("2006-01-02") }

// sealStatus serves GET /v/{code}/{seal}: the page (or JSON) of a scanned
// QR code carrying a seal. The seal is read from the escaped path, as the
// QR code wrote it.
func (s *Server) sealStatus(w http.ResponseWriter, r *http.Request) {
	format, ok := negotiate(r.Header.Get("Accept"), "text/html", "application/json")
	if !ok {
		s.writeProblem(w, r, errs.New(errs.NotAcceptable, "this resource is available as text/html or application/json"))
		return
	}
	var chk engine.SealCheck
	code, payload, err := seal.ParseURL("HTTPS://HOST" + r.URL.EscapedPath())
	if err != nil {
		// A damaged seal segment: the ledger status of the code, and a
		// malformed seal.
		code = chi.URLParam(r, "code")
		chk.Status, err = s.engine.Lookup(r.Context(), code)
		chk.Problem = engine.SealMalformed
	} else {
		chk, err = s.engine.CheckSeal(r.Context(), code, payload)
	}
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	if chk.Status.Status != ledger.StatusUnknown {
		s.counts.add(chk.Record.Code)
	}
	s.observeLookup("seal", chk.Status.Status)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Vary", "Accept, Accept-Language")
	if format == "application/json" {
		resp := statusJSON(chk.Status)
		sj := &sealJSON{Authentic: chk.Authentic, Expired: chk.Expired, Problem: chk.Problem, Mismatch: chk.Mismatch}
		if chk.Authentic {
			c := chk.Claims
			sj.Claims = &sealClaimsJSON{Code: c.Code, Type: c.Type, ComuneCode: c.ComuneCode, Comune: c.ComuneName,
				Issued: day(c.Issued), Expires: day(c.Expires), Holder: c.Holder, BirthDate: day(c.BirthDate), Facts: c.Facts}
		}
		resp.Seal = sj
		if chk.Problem != "" && chk.Problem != engine.SealNotOnRecord {
			resp.Status = ledger.Status("seal-invalid")
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	lang := pageLang(r)
	v := s.statusViewOf(chk.Status, code, lang)
	sv := &sealView{Valid: chk.Authentic, Matches: chk.Authentic && chk.Problem == "", Problem: chk.Problem}
	if chk.Authentic {
		c := chk.Claims
		v.BirthDate = c.BirthDate
		if v.Holder == "" {
			v.Holder = c.Holder
		}
		for _, k := range templates.FactKeys(c.Facts) {
			sv.Facts = append(sv.Facts, factView{Label: templates.FactLabel(k, lang), Value: c.Facts[k]})
		}
	}
	switch chk.Problem {
	case engine.SealMalformed, engine.SealUntrusted, engine.SealMismatch:
		v.State = "seal-invalid"
		if chk.Problem == engine.SealMismatch {
			sv.Problem = "mismatch"
		}
	}
	v.Seal = sv
	s.renderStatus(w, r, v)
}

// statusJSON is the JSON status of a ledger look-up.
func statusJSON(st engine.Status) statusResponse {
	resp := statusResponse{Status: st.Status, CheckedAt: st.CheckedAt}
	if st.Status != ledger.StatusUnknown {
		rec := st.Record
		resp.Code, resp.Type, resp.Comune, resp.Holder = rec.Code, rec.Type, rec.Comune, rec.Holder
		resp.IssuedAt, resp.ExpiresAt = &rec.IssuedAt, &rec.ExpiresAt
		if rec.Revoked {
			resp.Revocation = &revocationJSON{At: rec.RevokedAt, Reason: string(rec.RevokedReason), ReplacedBy: rec.ReplacedBy}
		}
	}
	return resp
}

// revocationJSON tells why a certificate was revoked.
type revocationJSON struct {
	At         time.Time `json:"at"`
	Reason     string    `json:"reason"`
	ReplacedBy string    `json:"replaced_by,omitempty"`
}

// signedList is a signed list served from memory and rebuilt when stale.
type signedList struct {
	mu      sync.Mutex
	cose    []byte
	json    []byte
	built   time.Time // when signed
	checked time.Time // when the version was last read
	version int64
	stale   bool
}

// get returns the list, rebuilding it when maxAge has passed since it was
// signed or it was marked stale. With a version func it also reads its
// source's version, at most every check, and rebuilds when it changed.
func (l *signedList) get(now time.Time, check, maxAge time.Duration, version func() (int64, error), build func() (cose, json []byte, err error)) ([]byte, []byte, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fresh := l.cose != nil && !l.stale && now.Sub(l.built) < maxAge && !now.Before(l.built)
	if fresh && (version == nil || now.Sub(l.checked) < check && !now.Before(l.checked)) {
		return l.cose, l.json, nil
	}
	var v int64
	if version != nil {
		var err error
		if v, err = version(); err != nil {
			return nil, nil, err
		}
		l.checked = now
		if fresh && v == l.version {
			return l.cose, l.json, nil
		}
	}
	c, j, err := build()
	if err != nil {
		return nil, nil, err
	}
	l.cose, l.json, l.built, l.version, l.stale = c, j, now, v, false
	return c, j, nil
}

func (l *signedList) invalidate() {
	l.mu.Lock()
	l.stale = true
	l.mu.Unlock()
}

// serveList answers with the signed list (application/cose) or, when the
// client prefers it, its JSON view (not signed: for people and debugging).
func (s *Server) serveList(w http.ResponseWriter, r *http.Request, name string, get func() ([]byte, []byte, error)) {
	format, ok := negotiate(r.Header.Get("Accept"), "application/cose", "application/json")
	if !ok {
		s.writeProblem(w, r, errs.New(errs.NotAcceptable, "this resource is available as application/cose or application/json"))
		return
	}
	if s.listKey == nil {
		s.writeProblem(w, r, errs.New(errs.NotFound, "this server publishes no "+name+": QR seals are off"))
		return
	}
	c, j, err := get()
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Cache-Control", "public, max-age=300")
	h.Set("Vary", "Accept")
	if format == "application/json" {
		h.Set("Content-Type", "application/json")
		w.Write(j)
		return
	}
	h.Set("Content-Type", "application/cose")
	h.Set("Content-Disposition", `attachment; filename="`+strings.ReplaceAll(name, " ", "-")+`.cose"`)
	w.Write(c)
}

// trustList serves the signed list of seal certificates.
func (s *Server) trustList(w http.ResponseWriter, r *http.Request) {
	s.serveList(w, r, "trust list", func() ([]byte, []byte, error) {
		now := s.engine.Now()
		return s.trust.get(now, 0, trustListTTL/2, nil, func() ([]byte, []byte, error) {
			tl := seal.TrustList{Version: now.Unix(), Issued: now, Expires: now.Add(trustListTTL), Entries: s.sealEntries}
			return s.signList(tl, func() ([]byte, error) { return seal.SignTrustList(tl, s.listKey, s.listChain) })
		})
	})
}

// revocationList serves the signed list of revoked certificates, as
// SHA-256 prefixes of their codes. At most once a second it asks the ledger
// whether the revocations changed (a cheap count); it re-signs the list
// when they did, and when half of the list's validity has passed.
func (s *Server) revocationList(w http.ResponseWriter, r *http.Request) {
	s.serveList(w, r, "revocation list", func() ([]byte, []byte, error) {
		now := s.engine.Now()
		return s.revocations.get(now, revocationsCheck, revocationsTTL/2,
			func() (int64, error) { return s.engine.RevocationsVersion(r.Context()) },
			func() ([]byte, []byte, error) {
				revs, err := s.engine.Revocations(r.Context())
				if err != nil {
					return nil, nil, err
				}
				codes := make([]string, len(revs))
				for i, rv := range revs {
					codes[i] = rv.Code
				}
				l := seal.NewRevocationList(now.UnixNano(), now, now.Add(revocationsTTL), codes)
				return s.signList(l, func() ([]byte, error) { return seal.SignRevocationList(l, s.listKey, s.listChain) })
			})
	})
}

func (s *Server) signList(view any, sign func() ([]byte, error)) ([]byte, []byte, error) {
	c, err := sign()
	if err != nil {
		return nil, nil, errs.Wrap(errs.Internal, "", err)
	}
	j, err := jsonIndent(view)
	if err != nil {
		return nil, nil, errs.Wrap(errs.Internal, "", err)
	}
	return c, j, nil
}

// revokeRequest is the body of POST /api/v1/certificates/{code}/revoke.
type revokeRequest struct {
	Reason     string `json:"reason"`
	ReplacedBy string `json:"replaced_by"`
}

// revoke serves POST /api/v1/certificates/{code}/revoke (admin keys only).
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if !isMediaType(r.Header.Get("Content-Type"), "application/json") {
		s.writeProblem(w, r, errs.New(errs.UnsupportedMedia, "send the request as application/json"))
		return
	}
	var req revokeRequest
	if err := decodeJSON(w, r, &req); err != nil {
		s.writeProblem(w, r, err)
		return
	}
	reason, err := ledger.ParseReason(req.Reason)
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	rec, err := s.engine.Revoke(r.Context(), chi.URLParam(r, "code"), reason, req.ReplacedBy, clientFrom(r.Context()))
	if err != nil {
		s.writeProblem(w, r, err)
		return
	}
	s.revocations.invalidate()
	s.log.InfoContext(r.Context(), "certificate revoked", "code", rec.Code, "reason", string(rec.RevokedReason), "client", clientFrom(r.Context()))
	writeJSON(w, http.StatusOK, s.certificateJSON(rec))
}

func jsonIndent(v any) ([]byte, error) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
