// Package pkcs11 provides the municipality seal key held in an HSM, through
// PKCS#11 (github.com/ThalesGroup/crypto11).
//
// # Contract
//
// Open returns a *Key, a crypto.Signer that is safe for concurrent use and
// must be closed. Sign accepts SHA-256, SHA-384 and SHA-512 digests for
// ECDSA P-256/P-384 and RSA 2048-4096 keys; opts must not be nil, and
// *rsa.PSSOptions selects RSA-PSS. Errors after which a retry may succeed
// (HSM down, restarting, all sessions busy for Options.PoolWait) wrap
// ErrUnavailable and have kind errs.Unavailable with a fixed public
// message; other signing failures have kind errs.SigningFailed. Probe
// signs and verifies a fixed digest, for readiness checks. Generate creates
// a key pair for setup tools.
//
// # URI
//
// The key is named by an RFC 7512 URI:
//
//	pkcs11:token=Comune;object=seal;id=%01%02;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/etc/certa/hsm.pin&max-sessions=8
//
// Path attributes (separated by ';'): token, manufacturer, model, serial,
// slot-id select the token (at least one of token, serial, slot-id; all
// given must match, and exactly one token may match); object (CKA_LABEL)
// and id (CKA_ID, raw bytes) select the key pair (at least one; exactly
// one key pair may match); type may only be private. Query attributes
// (separated by '&'): module-path (required, absolute), pin-source and
// max-sessions (certa's extension: concurrent signing sessions, 1-1024,
// default 8; the token sees one more, kept open to stay logged in).
// Values are percent-decoded. Unknown or duplicate attributes, empty
// values, module-name and pin-value are rejected: a PIN must never appear
// in configuration or flags.
//
// # PIN
//
// ReadPIN reads the PIN named by pin-source: file:/abs/path (or
// file:///abs/path), whose first line is the PIN and which must not be
// accessible by group or others, or env:NAME, an environment variable.
// The Key keeps the PIN in memory to log in again after a reconnection;
// neither errors nor String ever contain it.
//
// # Recovery
//
// When an operation fails because the sessions or the module state are
// gone (CKR_SESSION_HANDLE_INVALID, CKR_SESSION_CLOSED, CKR_DEVICE_REMOVED,
// CKR_DEVICE_ERROR, CKR_TOKEN_NOT_PRESENT, CKR_CRYPTOKI_NOT_INITIALIZED,
// CKR_USER_NOT_LOGGED_IN, a stale key handle, a closed context), Sign
// closes its crypto11 context, configures a new one, finds the key again,
// checks that its public key is unchanged (a different key is refused) and
// retries once. One caller reconnects while concurrent callers that failed
// wait for it and reuse its result; signing in the normal case takes no
// lock. A failed reconnection is not retried for a second; a wrong or
// locked PIN stops reconnecting for good, so the token's PIN is not locked
// by retries. A busy pool (PoolWait exceeded) is reported as unavailable
// without reconnecting.
//
// # Caveats
//
//   - A PKCS#11 module is process-wide state. crypto11 shares one module
//     instance among its contexts and finalizes it when the last one
//     closes. A reconnection re-initializes the module only if no other
//     context in the process holds it, so open one Key per module.
//   - PKCS#11 login state is per process and token: with another context
//     already logged in, C_Login answers CKR_USER_ALREADY_LOGGED_IN without
//     checking the PIN, so a wrong PIN is only detected by the first login.
//   - A call that hangs inside the module cannot be interrupted; PoolWait
//     bounds only the wait for a session. Probe returns when its context
//     ends but leaves the hung call behind.
//   - RSA-PSS with rsa.PSSSaltLengthAuto is not supported by crypto11 and is
//     refused; use rsa.PSSSaltLengthEqualsHash.
//   - Generate checks that label and id are free and then creates the key;
//     two concurrent Generate calls for the same name can both succeed.
package pkcs11
