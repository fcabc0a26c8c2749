// Package auth holds vigil's authentication primitives: argon2id password
// hashes in PHC string form, generated passwords, API tokens, session ids
// and CSRF tokens. It keeps no state and does no I/O beyond reading
// crypto/rand; the store keeps hashes, the server and the CLI decide.
//
// Secrets a client holds (tokens, session ids) are 32 random bytes, so a
// plain SHA-256 of them is what the store keeps: unlike passwords they
// cannot be guessed, so a slow hash would buy nothing, and a fast one
// lets every request be checked with one indexed lookup.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"
)

// TokenPrefix starts every API token, so that a token pasted where it
// should not be (a log, a chat, a repository) is recognisable to people
// and to secret scanners.
const TokenPrefix = "vgl_"

// secretBytes is the entropy of tokens, session ids and CSRF tokens.
const secretBytes = 32

// randomString returns n random bytes, base64url without padding.
func randomString(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails: crypto/rand crashes the program rather than return weak bytes
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashSecret returns what the store keeps of a token or session id: its
// SHA-256 in lower-case hex.
func HashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

// NewToken makes an API token: TokenPrefix and 32 random bytes in
// base64url. It returns the token, to show once, and its hash, to store.
func NewToken() (token, hash string) {
	token = TokenPrefix + randomString(secretBytes)
	return token, HashSecret(token)
}

// tokenLen is the length of every token NewToken makes.
var tokenLen = len(TokenPrefix) + base64.RawURLEncoding.EncodedLen(secretBytes)

// LooksLikeToken says whether s has the form of an API token, so that a
// server can refuse anything else before touching the store.
func LooksLikeToken(s string) bool {
	if len(s) != tokenLen || !strings.HasPrefix(s, TokenPrefix) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s[len(TokenPrefix):])
	return err == nil
}

// NewSessionID makes a session id for a cookie. It returns the id, to
// send, and its hash, to store.
func NewSessionID() (id, hash string) {
	id = randomString(secretBytes)
	return id, HashSecret(id)
}

// NewCSRF makes the token a session's forms carry back.
func NewCSRF() string { return randomString(secretBytes) }

// CSRFEqual compares a form's CSRF token with the session's in constant
// time; an empty token never matches.
func CSRFEqual(got, want string) bool {
	return got != "" && want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// GeneratePassword returns a new random password: 26 characters of
// base32 (130 bits), easy to copy and to type.
func GeneratePassword() string { return rand.Text() }

// Password limits. The upper one keeps a request from making the
// server hash megabytes.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024
)

// CheckPassword checks a password a person chose.
func CheckPassword(pw string) error {
	if !utf8.ValidString(pw) {
		return errors.New("password is not valid UTF-8")
	}
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen {
		return fmt.Errorf("password has %d characters, want at least %d", n, MinPasswordLen)
	}
	if len(pw) > MaxPasswordLen {
		return fmt.Errorf("password over %d bytes", MaxPasswordLen)
	}
	return nil
}
