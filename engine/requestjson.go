package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"certa.example/certa/internal/bollo"
	"certa.example/certa/internal/errs"
)

// RequestJSON is one issuance request as JSON: the body of
// POST /api/v1/certificates and each line of a batch file. Decode it with
// DecodeRequestJSON so that both read it by the same strict rules.
type RequestJSON struct {
	Type    string         `json:"type"`
	Subject string         `json:"subject"`
	Bollo   *bollo.Request `json:"bollo"`
	Use     bollo.Use      `json:"use"`
	// Language is "it" (the default) or, where the comune has a second
	// official language, "it-de", "it-fr" or "it-sl".
	Language string `json:"language"`
	// Also are further types for one contestuale certificate.
	Also []string `json:"also"`
	// Channel is "online" (Requester is the citizen the portal acts for)
	// or "counter" (Operator and IDDocument are recorded); see
	// docs/authorization.md.
	Channel    string          `json:"channel"`
	Requester  string          `json:"requester"`
	Operator   string          `json:"operator"`
	IDDocument *IDDocumentJSON `json:"id_document"`
}

// IDDocumentJSON is the identification document shown at the counter.
type IDDocumentJSON struct {
	Type   string `json:"type"`
	Number string `json:"number"`
}

// DecodeRequestJSON reads exactly one JSON object from data: unknown
// fields, wrong types, trailing data and a missing type or subject are
// errs.InvalidRequest with a fixed public text that never echoes the
// input (a field's own parser, such as bollo's, may say more).
func DecodeRequestJSON(data []byte) (RequestJSON, error) {
	var r RequestJSON
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return RequestJSON{}, JSONError(err)
	}
	if dec.More() {
		return RequestJSON{}, errs.New(errs.InvalidRequest, "the body must hold exactly one JSON object")
	}
	if r.Type == "" || r.Subject == "" {
		return RequestJSON{}, errs.New(errs.InvalidRequest, `"type" and "subject" are required`)
	}
	return r, nil
}

// JSONError turns an encoding/json decoding error into an errs.Error.
func JSONError(err error) error {
	var known *errs.Error
	if errors.As(err, &known) {
		return known // a field's own parser said what is wrong (e.g. bollo)
	}
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		return errs.Wrap(errs.InvalidRequest, fmt.Sprintf("field %q has the wrong type", ute.Field), err)
	}
	if strings.HasPrefix(err.Error(), "json: unknown field") {
		return errs.Wrap(errs.InvalidRequest, "the body has an unknown field: "+strings.TrimPrefix(err.Error(), "json: unknown field "), err)
	}
	return errs.Wrap(errs.InvalidRequest, "the body is not a valid JSON object", err)
}

// Request maps r to the engine's request by client, with an optional
// idempotency key.
func (r RequestJSON) Request(client, idempotencyKey string) Request {
	out := Request{
		Type: r.Type, Subject: r.Subject, Requester: client, Channel: r.Channel,
		Citizen: r.Requester, Operator: r.Operator,
		Bollo: r.Bollo, Use: r.Use, Also: r.Also, Languages: r.Language, IdempotencyKey: idempotencyKey,
	}
	if r.IDDocument != nil {
		out.IDDocument = IDDocument{Type: IDDocumentType(r.IDDocument.Type), Number: r.IDDocument.Number}
	}
	return out
}
