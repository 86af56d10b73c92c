// Package engine is certa's issue pipeline: read the registry, apply the
// type's rules, render, check, sign, record.
//
// Order and guarantees (check, then sign):
//  1. the request is validated (type, fiscal code) and the subject read
//     from the registry in one call;
//  2. the type's rules decide whether the certificate may be issued;
//  3. the page is rendered and checked (a name that the document font
//     cannot print exactly is refused rather than misprinted);
//  4. the document is signed;
//  5. the ledger row and its audit event are committed in one transaction.
//
// Nothing leaves the engine before step 5 commits, so a signed document a
// client holds always has its ledger row; a failure at any step leaves no
// record. An Engine is safe for concurrent use and holds no lock of its own:
// rendering and signing run in parallel on every core.
package engine

import (
	"context"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"certa.example/certa/internal/bollo"
	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/ledger"
	"certa.example/certa/internal/registry"
	"certa.example/certa/internal/seal"
	"certa.example/certa/internal/store"
	"certa.example/certa/internal/vcode"
	"certa.example/certa/signer"
	"certa.example/certa/templates"
	"certa.example/certa/templates/i18n"
)

// Config is the engine's fixed configuration.
type Config struct {
	Issuer templates.Issuer
	// PublicURL is the base of verification links, e.g. "https://certificati.comune.lodi.it".
	PublicURL string
	// Demo prints the demo banner on every page.
	Demo bool
	// Now is the clock; Rand the source of verification codes (nil: crypto/rand).
	Now  func() time.Time
	Rand io.Reader
	// SealKey and SealCert sign each QR code's seal (internal/seal): an
	// ECDSA P-256 key and its certificate. Without them the QR code holds
	// only the verification URL.
	SealKey  crypto.Signer
	SealCert *x509.Certificate
	// SealTrust returns the trusted seal certificate with a kid (current
	// and retired seal certificates); nil trusts no seal.
	SealTrust func(kid []byte) (*x509.Certificate, bool)
	// LookupCacheTTL is how long Lookup may reuse a ledger record it read
	// (see recordCache); zero reads the ledger every time.
	LookupCacheTTL time.Duration
	// Observer, when set, receives the outcome and stage timings of every
	// Issue call (observer.go); nil observes nothing.
	Observer Observer
	// DocumentRetention is how long issued PDFs are kept for download
	// (PurgeDocuments deletes them after); zero keeps none, except those
	// of idempotent requests for IdempotencyWindow.
	DocumentRetention time.Duration
}

// Engine issues certificates.
type Engine struct {
	cfg      Config
	store    store.Store
	renderer *templates.Renderer
	signer   *signer.PDFSigner
	qrBase   string
	sealBase string // "HTTPS://HOST" for seal.URL; "" without a seal key
	records  *recordCache
	seals    *sealCache
	// group records issuances several to a transaction when the store can
	// (store.GroupRecorder), else it is nil and the store records each.
	group *store.GroupCommit
	// parts are what every stored PDF repeats (the renderer's fonts).
	parts []store.SharedPart
}

// New returns an engine. The renderer and signer are shared by all calls.
func New(cfg Config, st store.Store, r *templates.Renderer, s *signer.PDFSigner) (*Engine, error) {
	if cfg.Now == nil {
		return nil, fmt.Errorf("engine: a clock is required")
	}
	u, err := url.Parse(cfg.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("engine: public URL %q must be an absolute http(s) URL without query", cfg.PublicURL)
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	e := &Engine{cfg: cfg, store: st, renderer: r, signer: s, qrBase: qrBase(u), records: newRecordCache(cfg.LookupCacheTTL), seals: newSealCache()}
	if gr, ok := st.(store.GroupRecorder); ok {
		e.group = store.NewGroupCommit(gr, store.Linger)
	}
	for _, p := range r.SharedParts() {
		e.parts = append(e.parts, store.NewSharedPart(p))
	}
	if cfg.SealKey != nil || cfg.SealCert != nil {
		if strings.Trim(u.Path, "/") != "" {
			return nil, fmt.Errorf("engine: the QR seal needs a public URL without a path, not %q", cfg.PublicURL)
		}
		if err := seal.CheckKey(cfg.SealKey, cfg.SealCert); err != nil {
			return nil, fmt.Errorf("engine: QR seal: %w", err)
		}
		e.sealBase = strings.TrimSuffix(e.qrBase, "/V/")
	}
	return e, nil
}

// qrBase returns the verification URL prefix used in QR codes. Without a
// path it is upper-cased (scheme and host are case-insensitive and /V/ is
// served too), which keeps the whole QR in the denser alphanumeric mode.
func qrBase(u *url.URL) string {
	base := u.Scheme + "://" + u.Host
	if p := strings.TrimRight(u.Path, "/"); p != "" {
		return base + p + "/v/"
	}
	return strings.ToUpper(base) + "/V/"
}

// Request asks for one certificate.
type Request struct {
	Type    string // API name or ANPR code
	Subject string // holder's codice fiscale
	// Requester identifies the API client (or the CLI) that asks.
	Requester string
	// Channel is ChannelOnline or ChannelCounter (authz.go). Online,
	// Citizen is the codice fiscale of the citizen the portal acts for;
	// at the counter, Operator and IDDocument say who issued it and what
	// identified the person asking. All are recorded in the ledger.
	Channel    string
	Citizen    string
	Operator   string
	IDDocument IDDocument
	// At is the past date a storico certificate refers to, for the types
	// that need one (templates.Type.NeedsDate).
	At time.Time
	// Bollo says how the stamp duty is settled; required on the API
	// channel. Use is the destination of use (bollo.Use).
	Bollo *bollo.Request
	Use   bollo.Use
	// Also are further types for a contestuale certificate: one document
	// certifying Type and each of them (CheckCombination's rules apply).
	Also []string
	// Languages are the document's languages (i18n.ParseLanguages): ""
	// or "it" for an Italian certificate, "it-de", "it-fr" or "it-sl" for
	// a bilingual one, which only a comune with that second official
	// language issues (Config.Issuer.Language).
	Languages string
	// IdempotencyKey, when set, makes a retry of this request return the
	// first answer (see documents.go): 1 to 255 visible ASCII characters,
	// scoped by Requester.
	IdempotencyKey string
	// KeyLikelyNew skips looking the key up before issuing, for a caller
	// whose keys are new unless an earlier run of its own was cut short
	// (batch items). A used key is still answered from its entry, once the
	// ledger refuses the second one: only the rendering and signing are
	// then done in vain. It is not part of the request's identity.
	KeyLikelyNew bool `json:"-"`
}

// unlimitedYears is how far the ledger puts the expiry of a certificate of
// unlimited validity.
const unlimitedYears = 100

// Issued is a signed, recorded certificate.
type Issued struct {
	Code      string
	Type      string
	IssuedAt  time.Time
	ExpiresAt time.Time
	SHA256    [32]byte
	VerifyURL string
	PDF       []byte
	// Replayed is true when the certificate was issued by an earlier
	// request with the same IdempotencyKey.
	Replayed bool
}

// Issue runs the whole pipeline for one request.
func (e *Engine) Issue(ctx context.Context, req Request) (_ Issued, err error) {
	timer := e.startTimer()
	defer func() { timer.finish(err) }()
	if err := checkChannel(&req); err != nil {
		return Issued{}, err
	}
	if req.IdempotencyKey != "" {
		if err := checkIdempotent(req); err != nil {
			return Issued{}, err
		}
		if !req.KeyLikelyNew {
			if iss, ok, err := e.replay(ctx, req); ok || err != nil {
				return iss, err
			}
		}
	}
	ty, ok := templates.LookupType(req.Type)
	if !ok {
		return Issued{}, errs.New(errs.UnknownType, "unknown certificate type; supported: "+templates.TypeNames())
	}
	timer.setType(ty)
	all := []*templates.Type{ty}
	for _, name := range req.Also {
		t, ok := templates.LookupType(name)
		if !ok {
			return Issued{}, errs.New(errs.UnknownType, "unknown certificate type; supported: "+templates.TypeNames())
		}
		all = append(all, t)
	}
	if err := CheckCombination(all); err != nil {
		return Issued{}, err
	}
	for _, t := range all {
		if t.Counter && req.Channel != ChannelCounter {
			return Issued{}, &errs.Error{Kind: errs.NotCertifiable, Rule: counterOnly.slug, Title: counterOnly.title, Public: counterOnly.detail}
		}
	}
	now := e.cfg.Now().UTC().Truncate(time.Second)
	at := civilDay(req.At)
	switch {
	case ty.NeedsDate && at.IsZero():
		return Issued{}, errs.New(errs.InvalidRequest, "this certificate needs the past date it refers to (at)")
	case ty.NeedsDate && (at.After(now) || at.Year() < 1800):
		return Issued{}, errs.New(errs.InvalidRequest, "the date the certificate refers to (at) must be between 1800 and today")
	case !ty.NeedsDate && !at.IsZero():
		return Issued{}, errs.New(errs.InvalidRequest, "this certificate type takes no date (at)")
	}
	langs, err := e.languages(req.Languages)
	if err != nil {
		return Issued{}, err
	}
	if len(all) > 1 && len(langs) > 1 {
		return Issued{}, errs.New(errs.InvalidRequest, "a contestuale certificate is issued in Italian only")
	}
	cf, err := codicefiscale.Parse(req.Subject)
	if err != nil {
		return Issued{}, err
	}
	var stamp bollo.Request
	if req.Bollo != nil {
		stamp = *req.Bollo
	}
	if req.Bollo != nil || req.Channel == ChannelOnline {
		if err := stamp.Validate(req.Use); err != nil {
			return Issued{}, err
		}
	} else if req.Use != "" {
		if _, err := bollo.ParseUse(string(req.Use)); err != nil {
			return Issued{}, err
		}
	}
	subj, err := e.store.Subject(ctx, cf.String())
	if err != nil {
		return Issued{}, err
	}
	if err := e.checkRequester(ctx, req, subj, now); err != nil {
		return Issued{}, err
	}
	for _, t := range all {
		if err := checkRules(t, subj); err != nil {
			return Issued{}, err
		}
	}
	// From here the issuance is on its way to the ledger: a group commit
	// may wait for it (store.GroupCommit.Track).
	var ticket *store.Ticket
	if e.group != nil {
		ticket = e.group.Track()
		defer ticket.Cancel()
	}
	code, err := vcode.New(e.cfg.Rand)
	if err != nil {
		return Issued{}, errs.Wrap(errs.Internal, "", fmt.Errorf("verification code: %w", err))
	}
	expires := now.AddDate(unlimitedYears, 0, 0)
	for _, t := range all {
		if t.ValidMonths != 0 {
			expires = now.AddDate(0, t.ValidMonths, 0)
		}
	}
	doc := &templates.Document{
		Type:      ty,
		Code:      code,
		VerifyURL: e.VerifyURL(code),
		QRText:    e.qrBase + code,
		IssuedAt:  now,
		ExpiresAt: expires,
		Issuer:    e.cfg.Issuer,
		Subject:   subj,
		Demo:      e.cfg.Demo,
		At:        at,
		BolloLine: stamp.Line(),
		UseLine:   req.Use.Line(),
		Languages: langs,
		Also:      all[1:],
	}
	if e.sealBase != "" {
		if doc.QRText, err = e.sealURL(doc); err != nil {
			return Issued{}, err
		}
	}
	res, err := e.renderer.Render(doc)
	if errors.Is(err, templates.ErrPageFull) {
		if len(langs) > 1 {
			return Issued{}, errs.Wrap(errs.NotCertifiable, "the bilingual certificate does not fit on one page; issue it in Italian only", err)
		}
		return Issued{}, errs.Wrap(errs.NotCertifiable, "the certificate does not fit on one page; ask the registry office", err)
	}
	if err != nil {
		return Issued{}, errs.Wrap(errs.Internal, "", err)
	}
	if res.Lossy {
		return Issued{}, errs.New(errs.NotCertifiable, "the registry data contain letters the certificate cannot print exactly; ask the registry office")
	}
	timer.done(StageRender)
	signed, err := e.signer.Sign(ctx, res.PDF, now)
	if err != nil {
		return Issued{}, err
	}
	timer.done(StageSign)
	sum := sha256.Sum256(signed)
	rec := ledger.Record{
		Code:      code,
		Type:      typeNames(all),
		Subject:   subj.Person.FiscalCode,
		Holder:    holder(subj.Person),
		Comune:    e.cfg.Issuer.Comune,
		IssuedAt:  now,
		ExpiresAt: doc.ExpiresAt,
		SHA256:    sum,
		Requester: req.Requester,
		Channel:   req.Channel,
		Citizen:   req.Citizen,
		Operator:  req.Operator,
		IDDocType: string(req.IDDocument.Type),
		IDDocNum:  req.IDDocument.Number,
	}
	if iss, replayed, err := e.record(ctx, req, rec, signed, res.PartsAt, ticket); err != nil || replayed {
		return iss, err
	}
	timer.done(StageRecord)
	return Issued{
		Code: code, Type: typeNames(all), IssuedAt: now, ExpiresAt: doc.ExpiresAt,
		SHA256: sum, VerifyURL: e.VerifyURL(code), PDF: signed,
	}, nil
}

// sealURL signs doc's key facts and returns the QR code's URL with the seal.
func (e *Engine) sealURL(doc *templates.Document) (string, error) {
	per := doc.Subject.Person
	payload, err := seal.Sign(seal.Claims{
		Version:    seal.Version,
		Code:       doc.Code,
		Type:       typeNames(append([]*templates.Type{doc.Type}, doc.Also...)),
		ComuneCode: e.cfg.Issuer.Code,
		ComuneName: e.cfg.Issuer.Comune,
		Issued:     doc.IssuedAt,
		Expires:    doc.ExpiresAt,
		Holder:     holder(per),
		BirthDate:  per.BirthDate,
		Facts:      templates.SealFacts(doc),
	}, e.cfg.SealKey, e.cfg.SealCert)
	if err != nil {
		return "", err
	}
	return seal.URL(e.sealBase, doc.Code, payload), nil
}

func holder(p registry.Person) string { return p.Surname + " " + p.Name }

// languages parses a request's languages and checks that the issuing
// comune has the second one: nil means Italian only.
func (e *Engine) languages(s string) ([]i18n.Lang, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	langs, err := i18n.ParseLanguages(s)
	if err != nil {
		return nil, errs.New(errs.InvalidRequest, fmt.Sprintf(`unsupported language %q: want "it", "it-de", "it-fr" or "it-sl"`, s))
	}
	if len(langs) < 2 {
		return nil, nil
	}
	iss := e.cfg.Issuer
	comune := "the comune of " + templates.TitleCase(iss.Comune)
	switch {
	case iss.Language == "" || iss.ComuneAlt == "":
		return nil, errs.New(errs.InvalidRequest, fmt.Sprintf("language %q: %s has no second official language; it issues certificates in Italian only (language \"it\")", s, comune))
	case iss.Language != langs[1]:
		return nil, errs.New(errs.InvalidRequest, fmt.Sprintf("language %q: the second official language of %s is %q; ask for \"it-%s\" or \"it\"", s, comune, iss.Language, iss.Language))
	}
	return langs, nil
}

// VerifyURL is the public verification page of code.
func (e *Engine) VerifyURL(code string) string { return e.cfg.PublicURL + "/v/" + code }

// CheckRules applies the issuance checks of the type typ (API name or ANPR
// code) to s, as Issue does, without issuing: nil means a certificate may
// be issued. A refusal is an errs.NotCertifiable error carrying the rule
// (errs.RuleOf). The rules do not depend on the template catalogue: a type
// with rules is checked even before it can be rendered.
func CheckRules(typ string, s registry.Subject) error {
	if ty, ok := templates.LookupType(typ); ok {
		return checkRules(ty, s)
	}
	if name, ok := ruleTypeName(typ); ok {
		return applyRules(name, s)
	}
	return errs.New(errs.UnknownType, "unknown certificate type; supported: "+templates.TypeNames())
}

// checkRules applies the type's issuance checks (see rules.go).
func checkRules(ty *templates.Type, s registry.Subject) error { return applyRules(ty.Name, s) }

// Status is what the public verification page shows for a code.
type Status struct {
	Status    ledger.Status
	Record    ledger.Record // zero when unknown
	CheckedAt time.Time
}

// Lookup returns the status of a typed or scanned code. A malformed or
// unknown code is StatusUnknown, not an error.
func (e *Engine) Lookup(ctx context.Context, typed string) (Status, error) {
	now := e.cfg.Now()
	code, err := vcode.Parse(typed)
	if err != nil {
		return Status{Status: ledger.StatusUnknown, CheckedAt: now}, nil
	}
	if rec, ok := e.records.get(code, now); ok {
		return Status{Status: rec.StatusAt(now), Record: rec, CheckedAt: now}, nil
	}
	rec, err := e.store.ByCode(ctx, code)
	if errs.KindOf(err) == errs.NotFound {
		return Status{Status: ledger.StatusUnknown, CheckedAt: now}, nil
	}
	if err != nil {
		return Status{}, err
	}
	e.records.put(rec, now)
	return Status{Status: rec.StatusAt(now), Record: rec, CheckedAt: now}, nil
}

// typeNames names the types of a document: "residenza", or for a
// contestuale certificate "residenza+cittadinanza".
func typeNames(types []*templates.Type) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = t.Name
	}
	return strings.Join(names, "+")
}

// civilDay returns t's calendar day at midnight UTC, or the zero time.
func civilDay(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// SignatureLevel is the PAdES level of the documents e issues.
func (e *Engine) SignatureLevel() signer.Level { return e.signer.Level() }
