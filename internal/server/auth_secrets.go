package server

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
)

// This file is the server's one door to secrets: how tokens, session ids
// and passwords are made and checked. Each function is a thin wrapper so
// that the rest of the server never handles a secret's format itself.

// tokenPrefix starts every API token, so that a token pasted in the
// wrong place is recognisable (and secret scanners find it).
const tokenPrefix = "vgl_"

// randomString is n random bytes, base64url.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken is what the store keeps of an API token.
func hashToken(tok string) string {
	sum := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(sum[:])
}

// newToken makes an API token and its hash.
func newToken() (tok, hash string) {
	tok = tokenPrefix + randomString(24)
	return tok, hashToken(tok)
}

// hashSessionID is what the store keeps of a session cookie's value.
func hashSessionID(id string) string {
	sum := sha256.Sum256([]byte("session\x00" + id))
	return hex.EncodeToString(sum[:])
}

// newSessionID makes a session id and its hash.
func newSessionID() (id, hash string) {
	id = randomString(32)
	return id, hashSessionID(id)
}

// newCSRF makes a session's CSRF token.
func newCSRF() string { return randomString(24) }

// checkPassword reports whether pw is the password hash was made of.
func checkPassword(hash, pw string) bool {
	return hash != "" && hash == placeholderHash(pw)
}

// hashPassword hashes a new password.
func hashPassword(pw string) (string, error) { return placeholderHash(pw), nil }

func placeholderHash(pw string) string {
	sum := sha256.Sum256([]byte("placeholder\x00" + pw))
	return "placeholder$" + hex.EncodeToString(sum[:])
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
