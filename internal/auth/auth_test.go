package auth

import (
	"errors"
	"strings"
	"testing"
)

// fast are small parameters for tests that hash many times; what the
// defaults cost is measured by BenchmarkHashPassword.
var fast = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashAndVerify(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=3,p=4$") {
		t.Errorf("HashPassword got %q, want a PHC string with the default parameters", h)
	}
	for _, tc := range []struct {
		pw   string
		want bool
	}{
		{"correct horse battery staple", true},
		{"correct horse battery stapl", false},
		{"Correct horse battery staple", false},
		{"", false},
		{strings.Repeat("x", MaxPasswordLen+1), false},
	} {
		if got, err := VerifyPassword(tc.pw, h); err != nil || got != tc.want {
			t.Errorf("VerifyPassword(%.30q) got %v, %v; want %v", tc.pw, got, err, tc.want)
		}
	}
	// The same password hashes differently each time (random salt).
	h2, _ := HashPasswordParams("correct horse battery staple", fast)
	h3, _ := HashPasswordParams("correct horse battery staple", fast)
	if h2 == h3 {
		t.Errorf("two hashes of a password are equal: the salt is not random")
	}
	if ok, err := VerifyPassword("correct horse battery staple", h2); !ok || err != nil {
		t.Errorf("VerifyPassword with other parameters got %v, %v; want a match", ok, err)
	}
	if _, err := HashPasswordParams("x", Params{Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32}); err == nil {
		t.Errorf("HashPasswordParams with 0 passes got no error")
	}
}

// A test vector of the reference implementation (phc-winner-argon2,
// src/test.c: argon2id, version 19, t=2, m=2^16, p=1, "password",
// "somesalt"), so that vigil's hashes are the standard's.
func TestVerifyReferenceHash(t *testing.T) {
	const ref = "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc"
	ok, err := VerifyPassword("password", ref)
	if err != nil || !ok {
		t.Errorf("VerifyPassword of the reference hash got %v, %v; want a match", ok, err)
	}
	if !NeedsRehash(ref) {
		t.Errorf("NeedsRehash of a t=2 hash got false, want true")
	}
}

func TestNeedsRehash(t *testing.T) {
	def, _ := HashPassword("a password long enough")
	low, _ := HashPasswordParams("a password long enough", fast)
	for _, tc := range []struct {
		hash string
		want bool
	}{{def, false}, {low, true}, {"", true}, {"$2y$10$bcrypt", true}} {
		if got := NeedsRehash(tc.hash); got != tc.want {
			t.Errorf("NeedsRehash(%.40q) got %v, want %v", tc.hash, got, tc.want)
		}
	}
}

func TestParsePHCRefuses(t *testing.T) {
	good, _ := HashPasswordParams("pw", fast)
	if _, _, _, err := ParsePHC(good); err != nil {
		t.Fatalf("ParsePHC(%q): %v", good, err)
	}
	salt := "$c29tZXNhbHRzb21lc2FsdA$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8"
	for _, bad := range []string{
		"",
		"argon2id$v=19$m=64,t=1,p=1" + salt,
		"$argon2i$v=19$m=64,t=1,p=1" + salt,
		"$argon2d$v=19$m=64,t=1,p=1" + salt,
		"$argon2id$v=16$m=64,t=1,p=1" + salt,
		"$argon2id$v=19$t=1,m=64,p=1" + salt,
		"$argon2id$v=19$m=64,t=1" + salt,
		"$argon2id$v=19$m=064,t=1,p=1" + salt,
		"$argon2id$v=19$m=+64,t=1,p=1" + salt,
		"$argon2id$v=19$m=64,t=0,p=1" + salt,
		"$argon2id$v=19$m=64,t=1,p=0" + salt,
		"$argon2id$v=19$m=64,t=1,p=256" + salt,
		"$argon2id$v=19$m=4294967295,t=1,p=1" + salt,
		"$argon2id$v=19$m=64,t=1000000,p=1" + salt,
		"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ=$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8",
		"$argon2id$v=19$m=64,t=1,p=1$$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8",
		"$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$c2hvcnQ",
		"$argon2id$v=19$m=64,t=1,p=1" + salt + "$extra",
	} {
		if _, _, _, err := ParsePHC(bad); !errors.Is(err, ErrBadHash) {
			t.Errorf("ParsePHC(%q) got %v, want ErrBadHash", bad, err)
		}
		if ok, err := VerifyPassword("pw", bad); ok || err == nil {
			t.Errorf("VerifyPassword against %q got %v, %v; want no match and an error", bad, ok, err)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	good, _ := HashPasswordParams("pw", fast)
	f.Add(good)
	f.Add("$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc")
	f.Add("$argon2id$v=19$m=64,t=1,p=1$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := ParsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrBadHash) {
				t.Fatalf("ParsePHC(%q) error %v does not wrap ErrBadHash", s, err)
			}
			return
		}
		if p.check() != nil || len(salt) != int(p.SaltLen) || len(key) != int(p.KeyLen) {
			t.Fatalf("ParsePHC(%q) accepted %+v with a %d-byte salt and %d-byte key", s, p, len(salt), len(key))
		}
		// Whatever is accepted has one spelling: encoding it gives it back.
		if again := encodePHC(p, salt, key); again != s {
			t.Fatalf("ParsePHC(%q) then encodePHC gives %q", s, again)
		}
	})
}

func TestTokens(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		tok, hash := NewToken()
		if !strings.HasPrefix(tok, TokenPrefix) || len(tok) != len(TokenPrefix)+43 || !LooksLikeToken(tok) {
			t.Fatalf("NewToken got %q, want vgl_ and 43 base64url characters", tok)
		}
		if hash != HashSecret(tok) || len(hash) != 64 || strings.Contains(hash, tok) {
			t.Fatalf("NewToken hash %q is not the SHA-256 hex of the token", hash)
		}
		if seen[tok] {
			t.Fatalf("NewToken repeated %q", tok)
		}
		seen[tok] = true
	}
	tok, _ := NewToken()
	for _, bad := range []string{"", tok[:len(tok)-1], "xyz_" + tok[4:], tok + "A", "vgl_" + strings.Repeat("!", 43)} {
		if LooksLikeToken(bad) {
			t.Errorf("LooksLikeToken(%q) got true", bad)
		}
	}
	// The SHA-256 of "abc", so the stored form cannot drift.
	if got := HashSecret("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Errorf("HashSecret(abc) got %s", got)
	}
}

func TestSessionsAndCSRF(t *testing.T) {
	a, ah := NewSessionID()
	b, _ := NewSessionID()
	if a == b || len(a) != 43 || ah != HashSecret(a) {
		t.Errorf("NewSessionID got %q (hash %q) and %q; want two different 43-character ids and the hash of the first", a, ah, b)
	}
	c := NewCSRF()
	for _, tc := range []struct {
		got, want string
		ok        bool
	}{{c, c, true}, {c[:10], c, false}, {"", "", false}, {"", c, false}, {NewCSRF(), c, false}} {
		if CSRFEqual(tc.got, tc.want) != tc.ok {
			t.Errorf("CSRFEqual(%q, %q) got %v, want %v", tc.got, tc.want, !tc.ok, tc.ok)
		}
	}
}

func TestPasswords(t *testing.T) {
	a, b := GeneratePassword(), GeneratePassword()
	if a == b || len(a) < 20 || CheckPassword(a) != nil {
		t.Errorf("GeneratePassword got %q and %q; want two different passwords of at least 20 characters that pass CheckPassword", a, b)
	}
	for _, tc := range []struct {
		pw string
		ok bool
	}{
		{"short", false},
		{"elevenchars", false},
		{"twelve chars", true},
		{"گذرواژهٔ بلند", true},
		{"bad utf-8 \xff\xfe here", false},
		{strings.Repeat("x", MaxPasswordLen+1), false},
	} {
		if err := CheckPassword(tc.pw); (err == nil) != tc.ok {
			t.Errorf("CheckPassword(%.20q) got %v, want ok %v", tc.pw, err, tc.ok)
		}
	}
}

func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		HashPassword("correct horse battery staple")
	}
}
