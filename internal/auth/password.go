package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams are RFC 9106's second recommended option (section 4):
// 64 MiB, 3 passes, 4 lanes, a 16-byte salt and a 32-byte hash — for
// machines without the 2 GiB its first option needs. One hash took
// 0.57 s on the shared 2-core development machine under load
// (BenchmarkHashPassword); the server throttles logins, so that many at
// once cannot take its memory or its cores.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 4, SaltLen: 16, KeyLen: 32}

// Bounds on the parameters a stored hash may carry, so that a forged or
// damaged hash cannot make one verification take gigabytes or minutes.
const (
	maxMemory  = 1 << 20 // KiB: 1 GiB
	maxTime    = 64
	maxThreads = 64
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
)

// ErrBadHash is wrapped by errors about a stored hash that is not an
// argon2id PHC string vigil accepts.
var ErrBadHash = errors.New("not an argon2id hash")

func (p Params) check() error {
	switch {
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemory:
		return fmt.Errorf("memory %d KiB out of range: %w", p.Memory, ErrBadHash)
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("time %d out of range: %w", p.Time, ErrBadHash)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("threads %d out of range: %w", p.Threads, ErrBadHash)
	case p.SaltLen < minSalt || p.SaltLen > maxSalt:
		return fmt.Errorf("salt of %d bytes out of range: %w", p.SaltLen, ErrBadHash)
	case p.KeyLen < minKey || p.KeyLen > maxKey:
		return fmt.Errorf("hash of %d bytes out of range: %w", p.KeyLen, ErrBadHash)
	}
	return nil
}

// HashPassword hashes a password with DefaultParams.
func HashPassword(pw string) (string, error) { return HashPasswordParams(pw, DefaultParams) }

// HashPasswordParams hashes a password with argon2id and a random salt,
// in PHC string form:
//
//	$argon2id$v=19$m=65536,t=3,p=4$<salt>$<hash>
//
// salt and hash in base64 without padding, as the reference
// implementation writes them.
func HashPasswordParams(pw string, p Params) (string, error) {
	if err := p.check(); err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	if len(pw) > MaxPasswordLen {
		return "", fmt.Errorf("hash password: over %d bytes", MaxPasswordLen)
	}
	salt := make([]byte, p.SaltLen)
	rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodePHC(p, salt, key), nil
}

func encodePHC(p Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// ParsePHC reads an argon2id hash in PHC string form. Anything else —
// another algorithm or version, parameters out of bounds, bad base64 —
// is an error wrapping ErrBadHash.
func ParsePHC(s string) (p Params, salt, key []byte, err error) {
	bad := func(why string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%s: %w", why, ErrBadHash)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("want $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	if parts[1] != "argon2id" {
		return bad(fmt.Sprintf("algorithm %.20q", parts[1]))
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad(fmt.Sprintf("version %.20q", parts[2]))
	}
	kv := strings.Split(parts[3], ",")
	if len(kv) != 3 {
		return bad("want parameters m, t and p")
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		num, ok := strings.CutPrefix(kv[i], name)
		// ParseUint accepts no sign, space or "0x": one spelling per value.
		v, err := strconv.ParseUint(num, 10, 32)
		if !ok || err != nil || (len(num) > 1 && num[0] == '0') {
			return bad(fmt.Sprintf("parameter %.20q", kv[i]))
		}
		vals[i] = v
	}
	if vals[2] > maxThreads {
		return bad(fmt.Sprintf("threads %d out of range", vals[2]))
	}
	salt, err1 := base64.RawStdEncoding.Strict().DecodeString(parts[4])
	key, err2 := base64.RawStdEncoding.Strict().DecodeString(parts[5])
	// The decoder skips line breaks; one spelling only.
	if err1 != nil || err2 != nil || base64.RawStdEncoding.EncodeToString(salt) != parts[4] || base64.RawStdEncoding.EncodeToString(key) != parts[5] {
		return bad("salt or hash is not base64")
	}
	p = Params{Memory: uint32(vals[0]), Time: uint32(vals[1]), Threads: uint8(vals[2]), SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.check(); err != nil {
		return Params{}, nil, nil, err
	}
	return p, salt, key, nil
}

// VerifyPassword says whether pw is the password of the stored hash,
// comparing in constant time. A hash vigil does not accept is an error
// (and no match).
func VerifyPassword(pw, hash string) (bool, error) {
	p, salt, key, err := ParsePHC(hash)
	if err != nil {
		return false, fmt.Errorf("verify password: %w", err)
	}
	if len(pw) > MaxPasswordLen {
		return false, nil
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash says whether a stored hash was made with other parameters
// than DefaultParams (or cannot be read), so that a successful login can
// store a new hash of the password it was given.
func NeedsRehash(hash string) bool {
	p, _, _, err := ParsePHC(hash)
	return err != nil || p != DefaultParams
}

// dummy is a hash of nothing anyone types, made once.
var dummy = sync.OnceValue(func() string {
	h, _ := HashPassword(GeneratePassword())
	return h
})

// VerifyDummy does the work of one VerifyPassword and matches nothing,
// so that a login for an unknown or disabled account takes as long as
// one for a real one and its timing does not tell which names exist.
func VerifyDummy(pw string) {
	VerifyPassword(pw, dummy())
}
