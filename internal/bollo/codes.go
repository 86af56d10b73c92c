package bollo

// MarcaLen is the length of the identifier of a contrassegno telematico.
const MarcaLen = 14

// validMarca reports whether s is the identifier of a contrassegno
// telematico: 14 ASCII digits.
func validMarca(s string) bool {
	if len(s) != MarcaLen {
		return false
	}
	for i := range len(s) {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

// Limits of an IUV (AgID, Specifiche attuative dei codici identificativi di
// versamento, riversamento e rendicontazione, §2.3 and Appendice 1).
const (
	maxIUV = 35 // SEPA limit for a remittance reference
	maxRF  = 25 // ISO 11649: "RF", 2 check digits, at most 21 characters
)

// checkIUV reports whether s is an acceptable IUV and, when it is not, why,
// in Italian for the citizen ("" for the default reason).
func checkIUV(s string) (ok bool, detail string) {
	if s == "" || len(s) > maxIUV {
		return false, ""
	}
	for i := range len(s) {
		if !isDigit(s[i]) && !isLetter(s[i]) {
			return false, ""
		}
	}
	if !isCreditorReference(s) {
		return true, ""
	}
	const rf = "il codice IUV che inizia per RF è un riferimento del creditore (ISO 11649): "
	if len(s) < 5 || len(s) > maxRF {
		return false, rf + "dopo RF e le due cifre di controllo seguono da 1 a 21 lettere o cifre"
	}
	if !rfCheck(s) {
		return false, rf + "le cifre di controllo non corrispondono; verificare il codice"
	}
	return true, ""
}

// isCreditorReference reports whether s has the form of an ISO 11649
// creditor reference: "RF" and two digits.
func isCreditorReference(s string) bool {
	return len(s) >= 4 && s[0] == 'R' && s[1] == 'F' && isDigit(s[2]) && isDigit(s[3])
}

// rfCheck verifies the check digits of an ISO 11649 creditor reference of
// ASCII letters and digits (ISO 7064 MOD 97-10, as for IBAN): the
// reference followed by its first four characters, letters read as 10 to
// 35 regardless of case, is 1 modulo 97.
func rfCheck(s string) bool {
	m := 0
	for _, c := range []byte(s[4:] + s[:4]) {
		switch {
		case isDigit(c):
			m = (m*10 + int(c-'0')) % 97
		default:
			v := int((c|0x20)-'a') + 10 // 0x20 makes a letter lower case
			m = (m*100 + v) % 97
		}
	}
	return m == 1
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' }
