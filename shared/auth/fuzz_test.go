package auth

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
)

// tamper changes valid as the fuzzer asks: mode 1 replaces the byte at
// pos with b, 2 inserts b there, 3 removes the byte there; any other mode
// leaves it.
func tamper(valid string, mode uint8, pos uint16, b byte) string {
	i := int(pos) % (len(valid) + 1)
	switch mode % 4 {
	case 1:
		if i < len(valid) {
			return valid[:i] + string([]byte{b}) + valid[i+1:]
		}
	case 2:
		return valid[:i] + string([]byte{b}) + valid[i:]
	case 3:
		if i < len(valid) {
			return valid[:i] + valid[i+1:]
		}
	}
	return valid
}

// addTampers seeds a fuzz target of tamper's arguments (and a free
// string) with changes at the edges of a compact token's parts.
func addTampers(f *testing.F, valid string) {
	f.Helper()
	last := uint16(len(valid) - 1)
	dot := uint16(strings.Index(valid, "."))
	for _, s := range []struct {
		mode uint8
		pos  uint16
		b    byte
	}{
		{0, 0, 0}, {1, last, 'A'}, {1, last, 'B'}, {1, last, 'C'}, {1, last, 'D'}, {1, 0, 'e'},
		{1, dot, 'x'}, {2, last + 1, '='}, {2, 10, '\n'}, {2, last, '\r'}, {2, dot + 1, '\n'},
		{3, last, 0}, {3, dot, 0}, {2, last + 1, '.'},
	} {
		f.Add(s.mode, s.pos, s.b, "")
	}
}

// sameBits returns a base64url character that differs from c in its
// lowest bit only, which is unused in the last character of an Ed25519
// signature (64 bytes in 86 characters: 4 unused bits).
func sameBits(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return alphabet[strings.IndexByte(alphabet, c)^1]
}

// FuzzSignerVerify: of an access token changed in any way (a byte
// replaced, added or removed), or of any string, Verify takes only the
// token the Signer made, as it was; every refusal is unauthenticated and
// never shows the token.
func FuzzSignerVerify(f *testing.F) {
	s := newTestSigner(f, newKey(f))
	valid := mustSign(f, s, validClaims())
	addTampers(f, valid)
	f.Add(uint8(1), uint16(len(valid)-1), sameBits(valid[len(valid)-1]), "") // the same signature, otherwise spelled
	for _, other := range []string{
		"", "a.b.c", valid + "." + valid, strings.ReplaceAll(valid, ".", ".."),
		unsigned(f, map[string]any{"alg": "none", "typ": "JWT"}, validClaims()) + ".",
		unsigned(f, map[string]any{"alg": "HS256", "kid": s.KeyID()}, validClaims()) + ".c2ln",
		unsigned(f, map[string]any{"alg": "EdDSA", "kid": s.KeyID(), "crit": []string{"x"}}, validClaims()) + "." + strings.Split(valid, ".")[2],
	} {
		f.Add(uint8(4), uint16(0), byte(0), other)
	}
	f.Fuzz(func(t *testing.T, mode uint8, pos uint16, b byte, other string) {
		token := tamper(valid, mode, pos, b)
		if mode&7 == 4 {
			token = other
		}
		var c testClaims
		err := s.Verify(token, &c)
		if err == nil {
			if token != valid {
				t.Fatalf("Verify took %q, not the token the Signer made (%q)", token, valid)
			}
			if diff := cmp.Diff(validClaims(), c); diff != "" {
				t.Fatalf("Verify decoded other claims (-signed +decoded):\n%s", diff)
			}
			return
		}
		if errs.KindOf(err) != errs.Unauthenticated {
			t.Fatalf("Verify(%q) = %v, want unauthenticated", token, err)
		}
		for _, seg := range strings.Split(token, ".") {
			if len(seg) >= 16 && strings.Contains(err.Error(), seg) {
				t.Fatalf("Verify's error %q shows the token", err)
			}
		}
	})
}

// FuzzSealerOpen: of a value sealed with the current or the previous
// key changed in any way, or of any string, Open returns a plaintext
// only for a value Seal made, as it was; its error never shows the value.
// (Seal draws a random nonce, so the values differ between the fuzzing
// processes: seeds hold only the changes, and strings that no randomness
// makes valid.)
func FuzzSealerOpen(f *testing.F) {
	s := newTestSealer(f, 1, 2)
	const secret = "the link token"
	valid := s.Seal(secret)
	old := newTestSealer(f, 2).Seal(secret)
	addTampers(f, valid)
	for _, other := range []string{
		"", ".", "..", "AAAAAAAA." + body(f, valid), "x." + body(f, valid), body(f, valid),
		"AAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
	} {
		f.Add(uint8(4), uint16(0), byte(0), other)
	}
	f.Add(uint8(8), uint16(0), byte(0), "")     // the previous key's value
	f.Add(uint8(10), uint16(9), byte('\n'), "") // … with a line break
	f.Fuzz(func(t *testing.T, mode uint8, pos uint16, b byte, other string) {
		base := valid
		if mode&8 != 0 {
			base = old
		}
		sealed := tamper(base, mode, pos, b)
		if mode&7 == 4 {
			sealed = other
		}
		plain, err := s.Open(sealed)
		if err == nil {
			if (sealed != valid && sealed != old) || plain != secret {
				t.Fatalf("Open(%q) = %q, but Seal made %q and %q", sealed, plain, valid, old)
			}
			return
		}
		if len(sealed) >= 16 && strings.Contains(err.Error(), sealed) {
			t.Fatalf("Open's error %q shows the value", err)
		}
	})
}

// FuzzSplitKeyedToken: a refresh or device token is taken only as
// "<ID>.<secret>", with an ID domain.NewID could make (it names a
// document) and at most 256 bytes; what is taken is that ID and the hash
// of that secret, and every token NewKeyedToken makes is taken.
func FuzzSplitKeyedToken(f *testing.F) {
	tok, _ := NewKeyedToken(domain.NewID())
	for _, s := range []string{
		tok, "0123456789abcdef0123456789abcdef.x", "0123456789abcdef0123456789abcdef.",
		"0123456789ABCDEF0123456789ABCDEF.x", "0123456789abcdef0123456789abcdef..", ".x", "x",
		"0123456789abcdef0123456789abcde/.x", "../../sessions/0123456789abcdef0123456789abcdef.x",
		"0123456789abcdef0123456789abcdef.a.b", "0123456789abcdef0123456789abcdef\n.x",
		"0123456789abcdef0123456789abcdef." + strings.Repeat("s", 300),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, token string) {
		id, hash, ok := SplitKeyedToken(token)
		if ok {
			secret, found := strings.CutPrefix(token, id+".")
			if !domain.IsID(id) || !found || secret == "" || len(token) > maxKeyedToken || hash != HashToken(secret) {
				t.Fatalf("SplitKeyedToken(%q) = %q, %q", token, id, hash)
			}
		}
		// Whatever the input, a token made for an ID splits back.
		if domain.IsID(id) {
			made, madeHash := NewKeyedToken(id)
			if gotID, gotHash, ok := SplitKeyedToken(made); !ok || gotID != id || gotHash != madeHash {
				t.Fatalf("SplitKeyedToken(NewKeyedToken(%q)) = %q, %q, %v", id, gotID, gotHash, ok)
			}
		}
	})
}

var recoveryKeyForm = regexp.MustCompile(`^[A-Z2-7]{20}$`)

// FuzzNormalizeRecoveryKey: a recovery key typed in any case, with any
// spaces and dashes, reads as the key it was made as; normalizing twice
// is normalizing once; and a normalized key has no space or dash.
func FuzzNormalizeRecoveryKey(f *testing.F) {
	f.Add("ABCDE-FGHIJ-KLMNO-PQRST", uint32(0), "")
	f.Add("abcde fghij klmno pqrst", uint32(0xffff), "  ")
	f.Add("A2B3C-4D5E6-7F2G3-H4I5J", uint32(0xaaaaa), "--")
	f.Add("", uint32(0), "ǅ")
	f.Add("", uint32(0), "K") // the Kelvin sign, upper case already
	f.Add("", uint32(0), "ß\xff")
	f.Fuzz(func(t *testing.T, key string, lower uint32, typed string) {
		n := NormalizeRecoveryKey(typed)
		if strings.ContainsAny(n, "- ") || NormalizeRecoveryKey(n) != n {
			t.Fatalf("NormalizeRecoveryKey(%q) = %q, normalizes again to %q", typed, n, NormalizeRecoveryKey(n))
		}
		// A key as NewRecoveryKey makes it, typed with some letters in
		// lower case and the groups split by spaces, dashes or nothing.
		if !recoveryKeyForm.MatchString(strings.ReplaceAll(key, "-", "")) {
			key = NewRecoveryKey()
		}
		want := strings.ReplaceAll(key, "-", "")
		var b strings.Builder
		for i, c := range want {
			if i > 0 && i%5 == 0 {
				b.WriteString([]string{"", " ", "-", " - "}[(lower>>(20+i/5*2))&3])
			}
			if lower>>i&1 == 1 {
				c = []rune(strings.ToLower(string(c)))[0]
			}
			b.WriteRune(c)
		}
		if got := NormalizeRecoveryKey(b.String()); got != want {
			t.Fatalf("NormalizeRecoveryKey(%q) = %q, want %q", b.String(), got, want)
		}
	})
}

// FuzzParseSigningKey: a signing key in configuration is taken only as
// the base64 of a 32-byte seed or a PKCS#8 PEM of an Ed25519 key; what
// is taken is a whole Ed25519 key, and each form of it reads back the
// same; an error never quotes the value.
func FuzzParseSigningKey(f *testing.F) {
	_, k, _ := ed25519.GenerateKey(nil)
	der, _ := x509.MarshalPKCS8PrivateKey(k)
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	for _, s := range []string{
		pemKey, strings.ReplaceAll(pemKey, "\n", `\n`), "  " + pemKey + "\n",
		base64.StdEncoding.EncodeToString(k.Seed()), base64.RawURLEncoding.EncodeToString(k.Seed()),
		base64.StdEncoding.EncodeToString(k), "-----BEGIN PRIVATE KEY-----", "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
		"", "=", "AAAA", strings.Repeat("A", 43), strings.Repeat("A", 43) + "=", strings.Repeat("A", 44),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		key, err := ParseSigningKey(value)
		if err != nil {
			if v := strings.TrimSpace(value); len(v) >= 8 && strings.Contains(err.Error(), v) {
				t.Fatalf("ParseSigningKey's error %q quotes the value", err)
			}
			return
		}
		if len(key) != ed25519.PrivateKeySize || !key.Equal(ed25519.NewKeyFromSeed(key.Seed())) {
			t.Fatalf("ParseSigningKey(%q) made a key that is not a whole Ed25519 key", value)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		for _, form := range []string{
			base64.StdEncoding.EncodeToString(key.Seed()), base64.RawURLEncoding.EncodeToString(key.Seed()),
			string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		} {
			if again, err := ParseSigningKey(form); err != nil || !again.Equal(key) {
				t.Fatalf("ParseSigningKey(%q) took it as another key than %q: %v", form, value, err)
			}
		}
	})
}

// FuzzParseSecretKeys: the seal, MAC and ID keys in configuration are
// taken only as base64 (any of its four forms) of exactly 32 bytes (the
// seal key) or at least 32; a value valid in two forms reads the same in
// both; an error never quotes the value.
func FuzzParseSecretKeys(f *testing.F) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(0xfb + i*7)
	}
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(key), base64.RawStdEncoding.EncodeToString(key),
		base64.URLEncoding.EncodeToString(key), base64.RawURLEncoding.EncodeToString(key),
		base64.StdEncoding.EncodeToString(append(key, key...)), " " + base64.StdEncoding.EncodeToString(key) + "\n",
		base64.StdEncoding.EncodeToString(key[:31]), "", "====", strings.Repeat("A", 43) + "B",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, value string) {
		for _, p := range []struct {
			name     string
			parse    func(string) ([]byte, error)
			min, max int
		}{
			{"ParseSealKey", ParseSealKey, SealKeyBytes, SealKeyBytes},
			{"ParseMACKey", ParseMACKey, MinMACKeyBytes, -1},
			{"ParseIDKey", ParseIDKey, MinMACKeyBytes, -1},
		} {
			k, err := p.parse(value)
			if err != nil {
				if v := strings.TrimSpace(value); len(v) >= 8 && strings.Contains(err.Error(), v) {
					t.Fatalf("%s's error %q quotes the value", p.name, err)
				}
				continue
			}
			if len(k) < p.min || (p.max >= 0 && len(k) > p.max) {
				t.Fatalf("%s(%q) took %d bytes", p.name, value, len(k))
			}
			again, err := p.parse(base64.RawURLEncoding.EncodeToString(k))
			if err != nil || string(again) != string(k) {
				t.Fatalf("%s took %q, and not the same key in another form: %v", p.name, value, err)
			}
		}
		// Where two forms read value, they read it the same.
		v := strings.TrimSpace(value)
		var first []byte
		for i, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
			if b, err := enc.Strict().DecodeString(v); err == nil {
				if first != nil && string(b) != string(first) {
					t.Fatalf("%q reads as %x and, in form %d, as %x", v, first, i, b)
				}
				first = b
			}
		}
	})
}
