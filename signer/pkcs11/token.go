package pkcs11

import (
	"errors"
	"fmt"

	p11 "github.com/miekg/pkcs11"
)

// withModule runs f on a second handle to a module that a crypto11
// Context has already loaded and initialized in this process (dlopen
// returns the same library, so the state is shared). It never calls
// C_Initialize or C_Finalize, which would pull the module from under
// crypto11.
func withModule(path string, f func(*p11.Ctx) error) error {
	m := p11.New(path)
	if m == nil {
		return fmt.Errorf("pkcs11: cannot load module %s", path)
	}
	defer m.Destroy()
	return f(m)
}

// selectedSlot returns the slot of the one token that matches every token
// attribute of u, after checking that it is the token crypto11 opened:
// crypto11 accepts a single selector and takes the first slot it matches.
func selectedSlot(m *p11.Ctx, u URI) (uint, error) {
	slots, err := m.GetSlotList(true)
	if err != nil {
		return 0, fmt.Errorf("pkcs11: list slots: %w", err)
	}
	var (
		matches []uint
		chosen  uint
		found   bool
		why     string
	)
	for _, s := range slots {
		ti, err := m.GetTokenInfo(s)
		if err != nil {
			return 0, fmt.Errorf("pkcs11: read token info of slot %d: %w", s, err)
		}
		mismatch := tokenMismatch(u, s, ti)
		if !found && selectorMatches(u, s, ti) {
			chosen, found, why = s, true, mismatch
		}
		if mismatch == "" {
			matches = append(matches, s)
		}
	}
	switch {
	case !found:
		return 0, fmt.Errorf("pkcs11: no token matches %s", u.describeToken())
	case why != "":
		return 0, fmt.Errorf("pkcs11: the token in slot %d %s", chosen, why)
	case len(matches) > 1:
		return 0, fmt.Errorf("pkcs11: %d tokens match %s; add serial or slot-id to the URI", len(matches), u.describeToken())
	}
	return chosen, nil
}

// selectorMatches mirrors crypto11's token search for the one selector
// Configure is given (see crypto11Config).
func selectorMatches(u URI, slot uint, ti p11.TokenInfo) bool {
	switch {
	case u.SlotID != nil:
		return uint(*u.SlotID) == slot
	case u.Serial != "":
		return ti.SerialNumber == u.Serial
	}
	return ti.Label == u.Token
}

// tokenMismatch says which token attribute of u the token does not have,
// or returns "" when all match.
func tokenMismatch(u URI, slot uint, ti p11.TokenInfo) string {
	for _, a := range []struct{ name, want, got string }{
		{"label", u.Token, ti.Label},
		{"serial", u.Serial, ti.SerialNumber},
		{"manufacturer", u.Manufacturer, ti.ManufacturerID},
		{"model", u.Model, ti.Model},
	} {
		if a.want != "" && a.want != a.got {
			return fmt.Sprintf("has %s %q, not %q", a.name, a.got, a.want)
		}
	}
	if u.SlotID != nil && uint(*u.SlotID) != slot {
		return fmt.Sprintf("is not slot-id %d", *u.SlotID)
	}
	return ""
}

// objectExists reports whether the token in slot holds any object (key,
// certificate or data) with the given label, or with the given id.
// The application must be logged in for private objects to be visible.
func objectExists(m *p11.Ctx, slot uint, label string, id []byte) (bool, error) {
	sh, err := m.OpenSession(slot, p11.CKF_SERIAL_SESSION)
	if err != nil {
		return false, fmt.Errorf("pkcs11: open session: %w", err)
	}
	defer m.CloseSession(sh)
	var templates [][]*p11.Attribute
	if label != "" {
		templates = append(templates, []*p11.Attribute{p11.NewAttribute(p11.CKA_LABEL, label)})
	}
	if len(id) > 0 {
		templates = append(templates, []*p11.Attribute{p11.NewAttribute(p11.CKA_ID, id)})
	}
	for _, t := range templates {
		if err := m.FindObjectsInit(sh, t); err != nil {
			return false, fmt.Errorf("pkcs11: find objects: %w", err)
		}
		found, _, err := m.FindObjects(sh, 1)
		err = errors.Join(err, m.FindObjectsFinal(sh))
		if err != nil {
			return false, fmt.Errorf("pkcs11: find objects: %w", err)
		}
		if len(found) > 0 {
			return true, nil
		}
	}
	return false, nil
}
