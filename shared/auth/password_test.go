package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/crypto/argon2"

	"github.com/workgate/workgate/shared/errs"
)

// cheapParams make hashes fast for tests about slots, not about the cost.
var cheapParams = argonParams{memory: 64, time: 1, threads: 1}

// phcOf builds a PHC string independently of encodePHC.
func phcOf(tb testing.TB, password string, salt []byte, m, t uint32, p uint8, keyLen uint32) string {
	tb.Helper()
	key := argon2.IDKey([]byte(password), salt, t, m, p, keyLen)
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", m, t, p,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

func mustHash(tb testing.TB, h *Hasher, password string) string {
	tb.Helper()
	enc, err := h.Hash(context.Background(), password)
	if err != nil {
		tb.Fatalf("Hash: %v", err)
	}
	return enc
}

func TestHashVerify(t *testing.T) {
	t.Parallel()
	h := NewHasher(0)
	const password = "correct horse battery staple"
	enc := mustHash(t, h, password)

	cases := []struct {
		name     string
		password string
		want     bool
	}{
		{name: "right password", password: password, want: true},
		{name: "wrong password", password: "correct horse battery stapler", want: false},
		{name: "other case", password: strings.ToUpper(password), want: false},
		{name: "empty", password: "", want: false},
		{name: "prefix", password: password[:8], want: false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.Verify(context.Background(), enc, tc.password)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got != tc.want {
				t.Errorf("Verify(%q) = %v, want %v", tc.password, got, tc.want)
			}
		})
	}

	t.Run("fresh salt each time", func(t *testing.T) {
		if again := mustHash(t, h, password); again == enc {
			t.Errorf("two hashes of the same password are equal: %s", enc)
		}
	})
}

func TestHashFormat(t *testing.T) {
	t.Parallel()
	enc := mustHash(t, NewHasher(1), "k7#mQz!v-long-enough")
	re := regexp.MustCompile(`^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$`)
	m := re.FindStringSubmatch(enc)
	if m == nil {
		t.Fatalf("Hash = %q, want $argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>", enc)
	}
	for _, part := range []struct {
		name string
		b64  string
		want int
	}{{"salt", m[1], 16}, {"key", m[2], 32}} {
		b, err := base64.RawStdEncoding.DecodeString(part.b64)
		if err != nil {
			t.Fatalf("%s is not unpadded standard base64: %v", part.name, err)
		}
		if len(b) != part.want {
			t.Errorf("%s has %d bytes, want %d", part.name, len(b), part.want)
		}
	}
	// The key is argon2id with exactly these parameters.
	salt, _ := base64.RawStdEncoding.DecodeString(m[1])
	if want := phcOf(t, "k7#mQz!v-long-enough", salt, 19456, 2, 1, 32); enc != want {
		t.Errorf("Hash = %q, want %q", enc, want)
	}
}

// TestDevHasher: a dev hasher's hashes are argon2id with its memory (the
// rest as ever), and the product's hasher verifies them, as it does the
// other way round.
func TestDevHasher(t *testing.T) {
	t.Parallel()
	dev, prod := NewDevHasher(1, MinHashMemoryKiB), NewHasher(1)
	enc := mustHash(t, dev, "k7#mQz!v-long-enough")
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=2,p=1$") {
		t.Fatalf("dev Hash = %q, want m=1024,t=2,p=1", enc)
	}
	for _, c := range []struct {
		name     string
		by, with *Hasher
	}{{"dev hash, product's verify", dev, prod}, {"product's hash, dev verify", prod, dev}} {
		enc := mustHash(t, c.by, "k7#mQz!v-long-enough")
		for password, want := range map[string]bool{"k7#mQz!v-long-enough": true, "k7#mQz!v-long-enougH": false} {
			if got, err := c.with.Verify(context.Background(), enc, password); err != nil || got != want {
				t.Errorf("%s: Verify(%q) = %v, %v; want %v", c.name, password, got, err, want)
			}
		}
	}
}

func TestVerifyOtherParams(t *testing.T) {
	t.Parallel()
	h := NewHasher(0)
	cases := []struct {
		name   string
		m, t   uint32
		p      uint8
		salt   int
		keyLen uint32
	}{
		{name: "older lighter params", m: 4096, t: 3, p: 1, salt: 16, keyLen: 32},
		{name: "two lanes", m: 8192, t: 1, p: 2, salt: 16, keyLen: 32},
		{name: "short salt and key", m: 1024, t: 2, p: 1, salt: 8, keyLen: 16},
		{name: "long key", m: 1024, t: 1, p: 1, salt: 32, keyLen: 64},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			salt := []byte(strings.Repeat("s", tc.salt))
			enc := phcOf(t, "hunter2-but-longer", salt, tc.m, tc.t, tc.p, tc.keyLen)
			for password, want := range map[string]bool{"hunter2-but-longer": true, "hunter3-but-longer": false} {
				got, err := h.Verify(context.Background(), enc, password)
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got != want {
					t.Errorf("Verify(%q) = %v, want %v", password, got, want)
				}
			}
		})
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	salt := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef"))
	key := base64.RawStdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))
	ok := "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key
	cases := []struct {
		name    string
		encoded string
	}{
		{name: "empty", encoded: ""},
		{name: "plain text", encoded: "correct horse battery staple"},
		{name: "bcrypt", encoded: "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{name: "argon2i", encoded: strings.Replace(ok, "argon2id", "argon2i", 1)},
		{name: "version 16", encoded: strings.Replace(ok, "v=19", "v=16", 1)},
		{name: "no version", encoded: strings.Replace(ok, "$v=19", "", 1)},
		{name: "missing key", encoded: "$argon2id$v=19$m=19456,t=2,p=1$" + salt},
		{name: "extra part", encoded: ok + "$" + key},
		{name: "trailing space", encoded: ok + " "},
		{name: "params reordered", encoded: strings.Replace(ok, "m=19456,t=2,p=1", "t=2,m=19456,p=1", 1)},
		{name: "param missing", encoded: strings.Replace(ok, "m=19456,t=2,p=1", "m=19456,t=2", 1)},
		{name: "param not a number", encoded: strings.Replace(ok, "t=2", "t=two", 1)},
		{name: "param negative", encoded: strings.Replace(ok, "t=2", "t=-2", 1)},
		{name: "param with plus", encoded: strings.Replace(ok, "t=2", "t=+2", 1)},
		{name: "param leading zero", encoded: strings.Replace(ok, "t=2", "t=02", 1)},
		{name: "memory zero", encoded: strings.Replace(ok, "m=19456", "m=0", 1)},
		{name: "time zero", encoded: strings.Replace(ok, "t=2", "t=0", 1)},
		{name: "lanes zero", encoded: strings.Replace(ok, "p=1", "p=0", 1)},
		{name: "memory too large", encoded: strings.Replace(ok, "m=19456", "m=4194304", 1)},
		{name: "memory below 8 per lane", encoded: strings.Replace(ok, "m=19456,t=2,p=1", "m=8,t=2,p=2", 1)},
		{name: "time too large", encoded: strings.Replace(ok, "t=2", "t=1000", 1)},
		{name: "lanes too many", encoded: strings.Replace(ok, "p=1", "p=256", 1)},
		{name: "memory overflows uint32", encoded: strings.Replace(ok, "m=19456", "m=4294967297", 1)},
		{name: "salt not base64", encoded: "$argon2id$v=19$m=19456,t=2,p=1$sa!t$" + key},
		{name: "salt padded", encoded: "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key},
		{name: "salt url alphabet", encoded: "$argon2id$v=19$m=19456,t=2,p=1$" + strings.Repeat("_", 22) + "$" + key},
		{name: "salt too short", encoded: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$" + key},
		{name: "key too short", encoded: "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$a2V5"},
		{name: "key empty", encoded: "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$"},
	}
	h := newHasher(1, cheapParams)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := h.Verify(context.Background(), tc.encoded, "password")
			if err == nil {
				t.Fatalf("Verify(%q) = %v, nil; want an error", tc.encoded, got)
			}
			if !errors.Is(err, errMalformed) {
				t.Errorf("Verify(%q) error = %v, want errMalformed", tc.encoded, err)
			}
			if got {
				t.Errorf("Verify(%q) = true with an error", tc.encoded)
			}
			if len(tc.encoded) > 8 && strings.Contains(err.Error(), tc.encoded) {
				t.Errorf("error %q quotes the hash", err)
			}
		})
	}
	if n := h.Hashes(); n != 0 {
		t.Errorf("Hashes() = %d after malformed hashes only, want 0 (no work)", n)
	}
	// The well-formed base of the table is accepted, so the table tests
	// what it says.
	if _, err := h.Verify(context.Background(), ok, "password"); err != nil {
		t.Errorf("Verify(well-formed) error = %v", err)
	}
}

func TestHasherConcurrencyBound(t *testing.T) {
	t.Parallel()
	const limit, calls = 2, 6
	h := newHasher(limit, cheapParams)
	var (
		inFlight, maxInFlight atomic.Int64
		entered               = make(chan struct{}, calls)
		release               = make(chan struct{})
	)
	h.onSlot = func(delta int) {
		if delta < 0 {
			inFlight.Add(-1)
			return
		}
		n := inFlight.Add(1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		entered <- struct{}{}
		<-release // the first ones hold their slots until the test lets go
	}

	ctx := &waitCounter{Context: context.Background(), reached: make(chan struct{}, calls)}
	var wg sync.WaitGroup
	errc := make(chan error, calls)
	for range calls {
		wg.Go(func() {
			_, err := h.Hash(ctx, "password-in-flight")
			errc <- err
		})
	}
	// Every call reaches the wait for a slot and two of them get one. Were
	// the bound broken, the others would now pass it too and push the
	// maximum up; the yields give them every chance to before the release.
	for range calls {
		<-ctx.reached
	}
	for range limit {
		<-entered
	}
	for range 100 {
		runtime.Gosched()
	}
	close(release)
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Errorf("Hash: %v", err)
		}
	}
	if got := maxInFlight.Load(); got != limit {
		t.Errorf("most hashes in flight at once = %d, want %d", got, limit)
	}
	if got := h.Hashes(); got != calls {
		t.Errorf("Hashes() = %d, want %d", got, calls)
	}
	if got := h.Concurrency(); got != limit {
		t.Errorf("Concurrency() = %d, want %d", got, limit)
	}
}

func TestNewHasherDefaultConcurrency(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		n    int
	}{{"zero", 0}, {"negative", -3}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got, want := NewHasher(tc.n).Concurrency(), runtime.GOMAXPROCS(0); got != want {
				t.Errorf("NewHasher(%d).Concurrency() = %d, want GOMAXPROCS = %d", tc.n, got, want)
			}
		})
	}
}

// waitCounter reports each call of Done, which derive makes once per call
// as it waits for a slot.
type waitCounter struct {
	context.Context
	reached chan struct{}
}

func (c *waitCounter) Done() <-chan struct{} {
	c.reached <- struct{}{}
	return c.Context.Done()
}

// doneWatcher reports when Done is first called, that is when derive has
// reached its wait for a slot.
type doneWatcher struct {
	context.Context
	once    sync.Once
	waiting chan struct{}
}

func (c *doneWatcher) Done() <-chan struct{} {
	c.once.Do(func() { close(c.waiting) })
	return c.Context.Done()
}

func TestHashContextWhileWaiting(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		call func(context.Context, *Hasher) error
	}{
		{name: "Hash", call: func(ctx context.Context, h *Hasher) error {
			_, err := h.Hash(ctx, "password-waiting")
			return err
		}},
		{name: "Verify", call: func(ctx context.Context, h *Hasher) error {
			_, err := h.Verify(ctx, h.dummy, "password-waiting")
			return err
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHasher(1, cheapParams)
			h.slots <- struct{}{} // the only slot is busy
			base, cancel := context.WithCancel(context.Background())
			ctx := &doneWatcher{Context: base, waiting: make(chan struct{})}
			errc := make(chan error, 1)
			go func() { errc <- tc.call(ctx, h) }()
			<-ctx.waiting
			cancel()
			err := <-errc
			if !errors.Is(err, context.Canceled) {
				t.Errorf("error = %v, want context.Canceled", err)
			}
			if n := h.Hashes(); n != 0 {
				t.Errorf("Hashes() = %d, want 0", n)
			}
		})
	}
}

func TestHashContextAlreadyDone(t *testing.T) {
	t.Parallel()
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithTimeout(context.Background(), 0)
	defer cancel2()
	cases := []struct {
		name string
		ctx  context.Context
		want error
	}{
		{name: "canceled", ctx: canceled, want: context.Canceled},
		{name: "deadline exceeded", ctx: expired, want: context.DeadlineExceeded},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHasher(4, cheapParams) // free slots: the ctx must still win
			if _, err := h.Hash(tc.ctx, "password-late"); !errors.Is(err, tc.want) {
				t.Errorf("Hash error = %v, want %v", err, tc.want)
			}
			if n := h.Hashes(); n != 0 {
				t.Errorf("Hashes() = %d, want 0", n)
			}
		})
	}
}

func TestVerifyDummy(t *testing.T) {
	t.Parallel()
	h := NewHasher(1)
	ctx := context.Background()

	h.VerifyDummy(ctx, "anything-at-all")
	if got := h.Hashes(); got != 1 {
		t.Fatalf("Hashes() after VerifyDummy = %d, want 1", got)
	}

	// The dummy costs what a real hash costs: same parameters, same sizes.
	dp, dsalt, dkey, err := decodePHC(h.dummy)
	if err != nil {
		t.Fatalf("dummy hash: %v", err)
	}
	actual := mustHash(t, h, "anything-at-all")
	rp, rsalt, rkey, err := decodePHC(actual)
	if err != nil {
		t.Fatalf("real hash: %v", err)
	}
	type shape struct {
		Params          [3]uint32
		SaltLen, KeyLen int
	}
	want := shape{[3]uint32{rp.memory, rp.time, uint32(rp.threads)}, len(rsalt), len(rkey)}
	got := shape{[3]uint32{dp.memory, dp.time, uint32(dp.threads)}, len(dsalt), len(dkey)}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dummy hash shape differs from a real one (-real +dummy):\n%s", diff)
	}
	if ok, err := h.Verify(ctx, h.dummy, "anything-at-all"); err != nil || ok {
		t.Errorf("Verify(dummy) = %v, %v; want false, nil", ok, err)
	}
}

func TestCheckPassword(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		password string
		ok       bool
	}{
		{name: "empty", password: "", ok: false},
		{name: "7 characters", password: "k7#mQz!", ok: false},
		{name: "8 characters", password: "k7#mQz!v", ok: true},
		{name: "128 characters", password: strings.Repeat("k7#mQz!v", 16), ok: true},
		{name: "129 characters", password: strings.Repeat("k7#mQz!v", 16) + "x", ok: false},
		{name: "7 runes in 21 bytes", password: "가나다라마바사", ok: false},
		{name: "8 runes in 24 bytes", password: "가나다라마바사아", ok: true},
		{name: "128 runes in 384 bytes", password: strings.Repeat("가", 128), ok: true},
		{name: "129 runes", password: strings.Repeat("가", 129), ok: false},
		{name: "emoji count as one each", password: "🔑🔑🔑🔑🔑🔑🔑", ok: false},
		{name: "8 emoji", password: "🔑🔑🔑🔑🔑🔑🔑🔑", ok: true},
		{name: "no composition rules", password: "correct horse battery staple", ok: true},
		{name: "invalid UTF-8", password: "abcdefg\xff", ok: false},
		{name: "common", password: "password1", ok: false},
		{name: "common other case", password: "Password1", ok: false},
		{name: "common upper case", password: "PASSWORD123", ok: false},
		{name: "common keyboard walk", password: "1q2w3e4r", ok: false},
		{name: "common Korean layout", password: "Dkssudgktpdy", ok: false},
		{name: "common with a space", password: "I love you", ok: false},
		{name: "common plus a character", password: "password1x", ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPassword(tc.password)
			if tc.ok {
				if err != nil {
					t.Errorf("CheckPassword(%q) = %v, want nil", tc.password, err)
				}
				return
			}
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("CheckPassword(%q) = %v, want kind %s", tc.password, err, errs.Invalid)
			}
			if e, _ := errs.As(err); e.Message == "" || (tc.password != "" && strings.Contains(e.Message, tc.password)) {
				t.Errorf("message %q is empty or quotes the password", e.Message)
			}
		})
	}
}

func TestCommonPasswordList(t *testing.T) {
	t.Parallel()
	set := commonPasswords()
	if len(set) < 500 {
		t.Errorf("common password list has %d entries, want at least 500", len(set))
	}
	for p := range set {
		if p != strings.ToLower(p) || utf8.RuneCountInString(p) < MinPasswordLen || strings.TrimSpace(p) != p {
			t.Errorf("list entry %q is not lower-case, trimmed and of at least %d characters", p, MinPasswordLen)
		}
		if err := CheckPassword(p); !errs.Is(err, errs.Invalid) {
			t.Errorf("CheckPassword(%q) = %v, want refused", p, err)
		}
	}
}

func BenchmarkHash(b *testing.B) {
	h := NewHasher(1)
	ctx := context.Background()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHashParallel shows the throughput of a default Hasher under a
// burst: calls beyond Concurrency() wait instead of adding 19 MiB each.
func BenchmarkHashParallel(b *testing.B) {
	h := NewHasher(0)
	ctx := context.Background()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
