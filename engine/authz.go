package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"certa.example/certa/internal/codicefiscale"
	"certa.example/certa/internal/errs"
	"certa.example/certa/internal/registry"
)

// The channels a request comes through (docs/authorization.md).
const (
	// ChannelOnline is a portal acting for a citizen it authenticated
	// (SPID/CIE); Request.Citizen names them. The citizen may obtain
	// certificates for themself and, if of age, for the members of their
	// registered household (Circolare 115/2022).
	ChannelOnline = "online"
	// ChannelCounter is the registry office: an operator issues for anyone
	// who shows an identification document, which is recorded.
	ChannelCounter = "counter"
)

// IDDocumentType is a kind of identification document (DPR 445/2000,
// art. 35). New kinds are appended; none is renamed.
type IDDocumentType string

// The identification documents a counter operator may record.
const (
	IDCartaIdentita        IDDocumentType = "carta-identita"
	IDCartaIdentitaEl      IDDocumentType = "cie"
	IDPassaporto           IDDocumentType = "passaporto"
	IDPatente              IDDocumentType = "patente"
	IDPatenteNautica       IDDocumentType = "patente-nautica"
	IDPortoArmi            IDDocumentType = "porto-armi"
	IDTesseraStatale       IDDocumentType = "tessera-statale"
	IDPermessoSoggiorno    IDDocumentType = "permesso-soggiorno"
	maxIDDocumentNumberLen                = 20
)

// IDDocumentTypes lists the accepted kinds, in a fixed order.
var IDDocumentTypes = []IDDocumentType{IDCartaIdentita, IDCartaIdentitaEl, IDPassaporto, IDPatente,
	IDPatenteNautica, IDPortoArmi, IDTesseraStatale, IDPermessoSoggiorno}

// IDDocument is the identification document shown at the counter.
// Number is personal data: it goes to the ledger, never to a log.
type IDDocument struct {
	Type   IDDocumentType
	Number string
}

// Check normalises the number (upper case, no spaces) and validates both.
func (d IDDocument) Check() (IDDocument, error) {
	if !slices.Contains(IDDocumentTypes, d.Type) {
		names := make([]string, len(IDDocumentTypes))
		for i, t := range IDDocumentTypes {
			names[i] = string(t)
		}
		return IDDocument{}, errs.New(errs.InvalidRequest, "the identification document type must be one of "+strings.Join(names, ", "))
	}
	n := strings.ToUpper(strings.ReplaceAll(d.Number, " ", ""))
	if len(n) < 4 || len(n) > maxIDDocumentNumberLen || strings.IndexFunc(n, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9')
	}) >= 0 {
		return IDDocument{}, errs.New(errs.InvalidRequest, fmt.Sprintf("the identification document number must be 4 to %d letters and digits", maxIDDocumentNumberLen))
	}
	return IDDocument{Type: d.Type, Number: n}, nil
}

// ParseIDDocument reads "TYPE:NUMBER" (the CLI's --id-document).
func ParseIDDocument(s string) (IDDocument, error) {
	t, n, ok := strings.Cut(s, ":")
	if !ok {
		return IDDocument{}, errs.New(errs.InvalidRequest, "the identification document is TYPE:NUMBER, e.g. cie:CA00000AA")
	}
	return IDDocument{Type: IDDocumentType(t), Number: n}.Check()
}

// AccessRule is a reason to refuse a requester; its slug names the problem
// subtype /problems/forbidden/<slug>.
type AccessRule struct{ slug, title, detail string }

func (r AccessRule) err() error {
	return &errs.Error{Kind: errs.Forbidden, Rule: r.slug, Title: r.title, Public: r.detail}
}

// Slug, Title and Detail describe the rule for its problem document.
func (r AccessRule) Slug() string   { return r.slug }
func (r AccessRule) Title() string  { return r.title }
func (r AccessRule) Detail() string { return r.detail }

var (
	ruleNotOwnHousehold = AccessRule{"not-own-household", "Subject outside the requester's household",
		"online si possono richiedere certificati solo per sé stessi o per i componenti della propria famiglia anagrafica"}
	ruleMinorRequester = AccessRule{"minor-requester", "Minor requester",
		"chi non ha compiuto 18 anni può richiedere online solo i propri certificati"}
	ruleCounterScope = AccessRule{"counter-scope", "Counter channel not allowed",
		"questa chiave API non è abilitata al canale sportello (scope issue:any-subject)"}
)

// AccessRules returns the reasons a requester is refused, by slug.
func AccessRules() []AccessRule {
	out := []AccessRule{ruleNotOwnHousehold, ruleMinorRequester, ruleCounterScope}
	slices.SortFunc(out, func(a, b AccessRule) int { return cmp.Compare(a.slug, b.slug) })
	return out
}

// AccessRuleBySlug finds an access rule.
func AccessRuleBySlug(slug string) (AccessRule, bool) {
	for _, r := range AccessRules() {
		if r.slug == slug {
			return r, true
		}
	}
	return AccessRule{}, false
}

// CounterScopeError is the refusal of a counter request by a client that
// may not use the counter channel (checked by the HTTP layer, which knows
// the client's scopes).
func CounterScopeError() error { return ruleCounterScope.err() }

// checkChannel validates the channel fields of req, normalising them.
func checkChannel(req *Request) error {
	switch req.Channel {
	case ChannelOnline:
		if req.Citizen == "" {
			return errs.New(errs.InvalidRequest, `the online channel needs the requesting citizen's codice fiscale ("requester")`)
		}
		cf, err := codicefiscale.Parse(req.Citizen)
		if err != nil {
			return errs.Wrap(errs.InvalidRequest, "the requester's codice fiscale is not valid", err)
		}
		req.Citizen = cf.String()
		if req.Operator != "" || req.IDDocument != (IDDocument{}) {
			return errs.New(errs.InvalidRequest, "operator and identification document belong to the counter channel")
		}
	case ChannelCounter:
		if req.Citizen != "" {
			return errs.New(errs.InvalidRequest, "the requester's codice fiscale belongs to the online channel; at the counter record the identification document")
		}
		if strings.TrimSpace(req.Operator) == "" || len(req.Operator) > 100 {
			return errs.New(errs.InvalidRequest, "the counter channel needs the operator's identifier (1 to 100 characters)")
		}
		doc, err := req.IDDocument.Check()
		if err != nil {
			return err
		}
		req.IDDocument = doc
	case "":
		return errs.New(errs.InvalidRequest, `the channel is required: "online" or "counter"`)
	default:
		return errs.New(errs.InvalidRequest, `the channel must be "online" or "counter"`)
	}
	return nil
}

// checkRequester applies the online channel's rules: the citizen asks for
// themself, or, being of age on day now, for a member of their registered
// household. subj is the certificate's subject, already read.
func (e *Engine) checkRequester(ctx context.Context, req Request, subj registry.Subject, now time.Time) error {
	if req.Channel != ChannelOnline || req.Citizen == subj.Person.FiscalCode {
		return nil
	}
	citizen, err := e.store.Subject(ctx, req.Citizen)
	if errs.KindOf(err) == errs.SubjectNotFound {
		return ruleNotOwnHousehold.err()
	}
	if err != nil {
		return err
	}
	if citizen.Person.HouseholdID == "" || citizen.Person.HouseholdID != subj.Person.HouseholdID ||
		citizen.Person.Removal != nil {
		return ruleNotOwnHousehold.err()
	}
	if !citizen.Person.BirthDate.IsZero() && now.Before(citizen.Person.BirthDate.AddDate(18, 0, 0)) {
		return ruleMinorRequester.err()
	}
	return nil
}
