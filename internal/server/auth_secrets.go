package server

import (
	"crypto/rand"
	"encoding/base64"

	"github.com/vigil-project/vigil/internal/auth"
)

// This file is the server's one door to secrets: tokens, session ids and
// passwords are made and checked by package auth, as the CLI does, so
// that a token made by `vigil tokens add` works here and one made here
// works there.

// randomString is n random bytes, base64url: the server's own form
// cookies and challenges, which are never stored.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashToken and hashSessionID are what the store keeps of a token or a
// session cookie's value.
func hashToken(tok string) string    { return auth.HashSecret(tok) }
func hashSessionID(id string) string { return auth.HashSecret(id) }

// looksLikeToken refuses anything that is not a token before the store
// is asked.
func looksLikeToken(s string) bool { return auth.LooksLikeToken(s) }

func newToken() (tok, hash string)    { return auth.NewToken() }
func newSessionID() (id, hash string) { return auth.NewSessionID() }
func newCSRF() string                 { return auth.NewCSRF() }
func csrfEqual(got, want string) bool { return auth.CSRFEqual(got, want) }

// checkPassword reports whether pw is the password of hash; an unknown
// account (hash "") costs as long as a known one.
func checkPassword(hash, pw string) bool {
	if hash == "" {
		auth.VerifyDummy(pw)
		return false
	}
	ok, err := auth.VerifyPassword(pw, hash)
	return err == nil && ok
}

// hashPassword checks a chosen password and hashes it.
func hashPassword(pw string) (string, error) {
	if err := auth.CheckPassword(pw); err != nil {
		return "", badRequest("password: %v", err)
	}
	return auth.HashPassword(pw)
}

// generatePassword makes a password for an account made without one.
func generatePassword() string { return auth.GeneratePassword() }
