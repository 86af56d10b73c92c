package verify

import (
	"fmt"

	"certa.example/certa/internal/ledger"
)

// text is a public message in English and Italian. Every message of a
// report comes from the catalogue below: fixed sentences, some with
// placeholders for a date, a time, a count, a verification code or a
// certificate name made safe by printable. Parser and ledger errors never
// reach a message.
type text struct{ en, it string }

// f fills the placeholders of both sentences with args.
func (t text) f(args ...any) text {
	return text{en: fmt.Sprintf(t.en, args...), it: fmt.Sprintf(t.it, args...)}
}

// in fills the one placeholder of each sentence with u in the same
// language.
func (t text) in(u text) text {
	return text{en: fmt.Sprintf(t.en, u.en), it: fmt.Sprintf(t.it, u.it)}
}

// join appends u to t, with a space.
func (t text) join(u text) text { return text{en: t.en + " " + u.en, it: t.it + " " + u.it} }

// Verdicts.
var verdictText = map[Verdict]text{
	Valid: {"The document is intact, sealed by a trusted authority and valid according to the ledger.",
		"Il documento è integro, sigillato da un'autorità attendibile e valido secondo il registro."},
	Invalid: {"The document fails one or more checks: it is not a valid certificate.",
		"Il documento non supera uno o più controlli: non è un certificato valido."},
	Revoked: {"The certificate was revoked: the document is no longer valid.",
		"Il certificato è stato revocato: il documento non è più valido."},
	Expired: {"The certificate has expired: the document is no longer valid.",
		"Il certificato è scaduto: il documento non è più valido."},
	Unknown: {"The document is not in the ledger: it was not issued by this service, or not in this form.",
		"Il documento non è nel registro: non è stato rilasciato da questo servizio, o non in questa forma."},
	Indeterminate: {"The document could not be checked completely: see the checks that could not be done.",
		"Non è stato possibile verificare completamente il documento: vedere i controlli non eseguibili."},
	NotCerta: {"The file is a PDF, but not a certificate issued by this service: it has no signature, seal or verification code of the service.",
		"Il file è un PDF, ma non è un certificato rilasciato da questo servizio: non ha firma, sigillo o codice di verifica del servizio."},
}

// Shared by the checks that depend on a signature.
var (
	msgNoSignatureToCheck = text{"Not checked: the file has no usable signature.",
		"Non verificato: il file non ha una firma utilizzabile."}
	msgSignerUnknown = text{"Not checked: the signer's certificate could not be identified.",
		"Non verificato: non è stato possibile identificare il certificato del firmatario."}
)

// signature-present
var (
	msgNoSignature  = text{"The file has no digital signature.", "Il file non ha una firma digitale."}
	msgBadByteRange = text{"The signature's byte range is malformed.",
		"L'intervallo di byte della firma non è valido."}
	msgNoSignatureValue = text{"The signature's byte range does not point at a signature value.",
		"L'intervallo di byte della firma non indica un valore di firma."}
	msgBadSignatureValue = text{"The signature value is malformed.", "Il valore della firma non è valido."}
	msgOneSignature      = text{"The file has one digital signature.", "Il file ha una firma digitale."}
	msgSignatures        = text{"The file has %d digital signatures; the last one was verified.",
		"Il file ha %d firme digitali; è stata verificata l'ultima."}
)

// byte-range-whole-file
var (
	msgNotFromStart = text{"The signature does not cover the start of the file.",
		"La firma non copre l'inizio del file."}
	msgBeyondEnd = text{"The signed part extends beyond the end of the file: the file is incomplete.",
		"La parte firmata va oltre la fine del file: il file è incompleto."}
	msgCoversFile = text{"The signature covers the whole file except its own value.",
		"La firma copre l'intero file, eccetto il proprio valore."}
	msgCoversRevision = text{"The signature covers the signed version of the file except its own value; later updates follow it.",
		"La firma copre la versione firmata del file, eccetto il proprio valore; seguono aggiornamenti successivi."}
)

// later-updates
var (
	msgNothingAdded = text{"Nothing was added to the file after signing.",
		"Al file non è stato aggiunto nulla dopo la firma."}
	msgOnlyDSS = text{"Only validation data (DSS) was added after signing.",
		"Dopo la firma sono stati aggiunti solo dati di validazione (DSS)."}
	msgChanged = text{"The file was changed after signing: %d bytes follow the signed part.",
		"Il file è stato modificato dopo la firma: %d byte seguono la parte firmata."}
	msgIncomplete = text{"Not checked: the signed part of the file is incomplete.",
		"Non verificato: la parte firmata del file è incompleta."}
)

// signature-integrity
var (
	msgUndecodable = text{"The signature value could not be decoded.",
		"Il valore della firma non può essere decodificato."}
	msgNoSigner = text{"The signer's certificate is not included in the signature.",
		"Il certificato del firmatario non è incluso nella firma."}
	msgOneSigner = text{"The signature must have exactly one signer.",
		"La firma deve avere esattamente un firmatario."}
	msgTooManyCerts = text{"The signature carries too many certificates.",
		"La firma contiene troppi certificati."}
	msgNoSignedAttrs = text{"The signature has no signed attributes, or they are malformed.",
		"La firma non ha attributi firmati, o non sono validi."}
	msgBadSignedAttrs = text{"The signature's signed attributes are malformed.",
		"Gli attributi firmati della firma non sono validi."}
	msgBadDigestAlg = text{"The signature uses a digest algorithm that is not accepted.",
		"La firma usa un algoritmo di hash non accettato."}
	msgBadSigAlg = text{"The signature uses a signature algorithm that is not accepted.",
		"La firma usa un algoritmo di firma non accettato."}
	msgSignedIncomplete = text{"The signed part of the file is incomplete, so it cannot be checked.",
		"La parte firmata del file è incompleta, quindi non può essere verificata."}
	msgModified = text{"The signed content was modified after signing.",
		"Il contenuto firmato è stato modificato dopo la firma."}
	msgSignatureMismatch = text{"The signature value does not match the signer's certificate.",
		"Il valore della firma non corrisponde al certificato del firmatario."}
	msgNoDict = text{"The signature dictionary could not be read.",
		"Il dizionario della firma non può essere letto."}
	msgUnsupported = text{"The signature is of a kind that is not supported.",
		"La firma è di un tipo non supportato."}
	msgNoESS = text{"The signature does not name its signing certificate (signing-certificate-v2 attribute), as PAdES requires.",
		"La firma non indica il proprio certificato di firma (attributo signing-certificate-v2), come richiesto da PAdES."}
	msgSigningTimeAttr = text{"The signature has a signing-time attribute, which PAdES signatures must not have.",
		"La firma ha un attributo signing-time, che le firme PAdES non devono avere."}
	msgNoContentType = text{"The signature's signed attributes lack the content type.",
		"Negli attributi firmati della firma manca il tipo di contenuto."}
	msgIntactPAdES = text{"The signed content is intact (PAdES signature).",
		"Il contenuto firmato è integro (firma PAdES)."}
	msgIntact      = text{"The signed content is intact.", "Il contenuto firmato è integro."}
	msgESSMismatch = text{"The signature names a signing certificate other than the one that made it.",
		"La firma indica un certificato di firma diverso da quello che l'ha apposta."}
	msgESSMalformed = text{"The signature's signing-certificate attribute is malformed.",
		"L'attributo signing-certificate della firma non è valido."}
	msgESSHash = text{"The signature's signing-certificate attribute uses a hash that is not accepted.",
		"L'attributo signing-certificate della firma usa un algoritmo di hash non accettato."}
)

// timestamp
var (
	msgNoTimestamp         = text{"The signature has no timestamp.", "La firma non ha una marca temporale."}
	msgTimestampNotChecked = text{"Not checked: the signature could not be decoded.",
		"Non verificato: non è stato possibile decodificare la firma."}
	msgTimestampRequired = text{"The signature has no timestamp, which this service requires.",
		"La firma non ha una marca temporale, che questo servizio richiede."}
	msgBadToken = text{"The signature's timestamp is malformed.",
		"La marca temporale della firma non è valida."}
	msgManyTokens = text{"The signature has more than one timestamp, which is not supported.",
		"La firma ha più di una marca temporale, caso non supportato."}
	msgNoTSARoots = text{"The signature has a timestamp, but no trusted timestamp authority is configured, so it cannot be checked.",
		"La firma ha una marca temporale, ma non è configurata alcuna autorità di marcatura temporale attendibile: non può essere verificata."}
	msgTimestamped  = text{"Timestamped %s by %s.", "Marca temporale del %s, emessa da %s."}
	msgOtherImprint = text{"The timestamp was not made for this signature.",
		"La marca temporale non è stata emessa per questa firma."}
	msgTSAUntrusted = text{"The timestamp authority %s is not trusted.",
		"L'autorità di marcatura temporale %s non è attendibile."}
	msgTokenInvalid = text{"The signature's timestamp is malformed or its own signature is not valid.",
		"La marca temporale della firma non è valida o la sua firma non è corretta."}
)

// signer-trusted
var (
	msgNoRoots = text{"No trust anchors are configured, so the signer %s cannot be trusted.",
		"Non è configurata alcuna autorità attendibile, quindi il firmatario %s non può essere considerato attendibile."}
	msgSignerIsCA = text{"The signer %s is a certification authority, not a seal.",
		"Il firmatario %s è un'autorità di certificazione, non un sigillo."}
	msgSignerUsage = text{"The certificate of the signer %s is not meant for signatures.",
		"Il certificato del firmatario %s non è destinato alla firma."}
	msgTrusted = text{"Signed by %s, whose certificate comes from a trusted authority.",
		"Firmato da %s, con un certificato rilasciato da un'autorità attendibile."}
	msgUntrusted = text{"The signer %s is not certified by a trusted authority.",
		"Il firmatario %s non è certificato da un'autorità attendibile."}
	msgBadChain = text{"The certificate chain of the signer %s is not valid.",
		"La catena di certificati del firmatario %s non è valida."}
)

// signer-valid-at-signing-time
var (
	msgValidityNotChecked = text{"Not checked: the signer's certificate does not come from a trusted authority.",
		"Non verificato: il certificato del firmatario non proviene da un'autorità attendibile."}
	msgValidAtTimestamp = text{"The signer's certificate was valid at the time of the timestamp, %s.",
		"Il certificato del firmatario era valido all'ora della marca temporale, %s."}
	msgValidAtClaimed = text{"The signer's certificate was valid at the signing time the signer states, %s, which no timestamp confirms.",
		"Il certificato del firmatario era valido all'ora di firma dichiarata dal firmatario, %s, non confermata da una marca temporale."}
	msgValidNow = text{"The signature states no signing time; the signer's certificate is valid now.",
		"La firma non indica l'ora di firma; il certificato del firmatario è valido ora."}
	msgNotValidAt = text{"The signer's certificate was not valid at the signing time, %s.",
		"Il certificato del firmatario non era valido all'ora di firma, %s."}
)

// qr-seal
var (
	msgNoSeal      = text{"The document carries no QR seal.", "Il documento non contiene un sigillo QR."}
	msgNoSealTrust = text{"The document carries a QR seal, but no trusted seal certificates are configured, so it cannot be checked.",
		"Il documento contiene un sigillo QR, ma non sono configurati certificati di sigillo attendibili: non può essere verificato."}
	msgManySeals = text{"The document carries more than one QR seal.",
		"Il documento contiene più di un sigillo QR."}
	msgSealMalformed    = text{"The QR seal is malformed.", "Il sigillo QR non è valido."}
	msgSealNotAuthentic = text{"The QR seal is not authentic.", "Il sigillo QR non è autentico."}
	msgSealURLCode      = text{"The QR seal's verification code differs from the one in its link.",
		"Il codice di verifica del sigillo QR è diverso da quello del suo collegamento."}
	msgSealLedgerCode = text{"The QR seal is for another certificate than the one the ledger holds for this file.",
		"Il sigillo QR riguarda un certificato diverso da quello che il registro associa a questo file."}
	msgSealMarkerCode = text{"The QR seal's verification code differs from the one in the document.",
		"Il codice di verifica del sigillo QR è diverso da quello riportato nel documento."}
	msgSealOtherSigner = text{"The QR seal was made by %s, which is not the signer of the document.",
		"Il sigillo QR è stato apposto da %s, che non è il firmatario del documento."}
	msgSealNoSigner = text{"The QR seal cannot be matched with the document's signer: the document has no usable signature.",
		"Il sigillo QR non può essere confrontato con il firmatario del documento: il documento non ha una firma utilizzabile."}
	msgSealOK = text{"The QR seal is authentic and matches the document.",
		"Il sigillo QR è autentico e corrisponde al documento."}
	msgSealExpired = text{"The QR seal is authentic and matches the document; it expired on %s.",
		"Il sigillo QR è autentico e corrisponde al documento; è scaduto il %s."}
)

// ledger
var (
	msgNoLedger = text{"The ledger is not available, so the certificate's status cannot be checked.",
		"Il registro non è disponibile, quindi non è possibile verificare lo stato del certificato."}
	msgLedgerDown = text{"The ledger could not be consulted; try again later.",
		"Non è stato possibile consultare il registro; riprovare più tardi."}
	msgDiffers = text{"The file differs from the certificate issued with its verification code.",
		"Il file è diverso dal certificato rilasciato con il suo codice di verifica."}
	msgCodeUnknown = text{"Neither the file nor its verification code is in the ledger.",
		"Né il file né il suo codice di verifica sono nel registro."}
	msgNotInLedger = text{"The file is not in the ledger.", "Il file non è nel registro."}
	msgInLedger    = text{"The certificate is in the ledger and valid until %s.",
		"Il certificato è nel registro ed è valido fino al %s."}
	msgRevoked   = text{"The certificate was revoked.", "Il certificato è stato revocato."}
	msgRevokedOn = text{"The certificate was revoked on %s.", "Il certificato è stato revocato il %s."}
	msgReason    = text{"Reason: %s.", "Motivo: %s."}
	msgReplaced  = text{"It was replaced by the certificate %s.", "È stato sostituito dal certificato %s."}
	msgExpiredOn = text{"The certificate expired on %s.", "Il certificato è scaduto il %s."}
	msgNoStatus  = text{"The ledger reports no usable status for the certificate.",
		"Il registro non riporta uno stato utilizzabile per il certificato."}
)

// reasonText names the revocation reasons of the ledger. A reason that is
// not here is left out of the message (the report's certificate still
// gives it).
var reasonText = map[ledger.Reason]text{
	ledger.ReasonIssuedInError: {"issued in error", "rilasciato per errore"},
	ledger.ReasonDataChanged:   {"the registry data changed", "i dati anagrafici sono cambiati"},
	ledger.ReasonReplaced:      {"replaced by a new certificate", "sostituito da un nuovo certificato"},
	ledger.ReasonOther:         {"other reasons", "altri motivi"},
}
