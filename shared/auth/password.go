package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/workgate/workgate/shared/errs"
)

// Argon2id parameters for new hashes (the product rule and OWASP's first
// recommendation): 19 MiB, 2 passes, 1 lane, a 16-byte salt, a 32-byte key.
// MinHashMemoryKiB is the least a dev stack may ask for instead
// (NewDevHasher).
const (
	HashMemoryKiB    = 19 * 1024
	MinHashMemoryKiB = 1024
	argonTime        = 2
	argonThreads     = 1
	saltLen          = 16
	keyLen           = 32
)

// Bounds on the parameters Verify accepts from a stored hash, so a corrupt
// or planted hash cannot make one login take gigabytes or minutes.
const (
	maxMemory  = 256 * 1024 // KiB
	maxTime    = 16
	maxThreads = 16
	minSalt    = 8
	maxSalt    = 64
	minKey     = 16
	maxKey     = 64
)

// argonParams are the cost parameters of one hash.
type argonParams struct {
	memory  uint32 // KiB
	time    uint32
	threads uint8
}

// defaultParams are used for every new hash.
var defaultParams = argonParams{memory: HashMemoryKiB, time: argonTime, threads: argonThreads}

// Hasher hashes and verifies passwords with argon2id. Each hash holds
// 19 MiB for its duration, so a Hasher lets at most Concurrency() run at
// once; the others wait for a slot. A Hasher is safe for concurrent use;
// share one per process.
type Hasher struct {
	slots  chan struct{}
	params argonParams
	dummy  string // PHC string VerifyDummy verifies against
	hashes atomic.Int64

	// onSlot, if set, is called with +1 right after a slot is taken and
	// with -1 right before it is given back. Tests use it to count the
	// hashes in flight without relying on timing.
	onSlot func(delta int)
}

// NewHasher returns a Hasher that runs at most n hashes at once; n <= 0
// means runtime.GOMAXPROCS(0), as argon2 with one lane keeps one core busy.
func NewHasher(n int) *Hasher {
	return newHasher(n, defaultParams)
}

// NewDevHasher is NewHasher with new hashes of memoryKiB instead of
// HashMemoryKiB: for the dev stacks of the end-to-end tests only (config
// refuses it outside dev mode). Verify is the same.
func NewDevHasher(n int, memoryKiB uint32) *Hasher {
	return newHasher(n, argonParams{memory: memoryKiB, time: argonTime, threads: argonThreads})
}

func newHasher(n int, p argonParams) *Hasher {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	// The dummy hash has the same parameters as real ones, so verifying
	// against it costs the same; its salt and key are random, so no
	// password matches it (but 2^-256).
	salt := make([]byte, saltLen)
	key := make([]byte, keyLen)
	_, _ = rand.Read(salt) // crypto/rand.Read never fails since Go 1.24
	_, _ = rand.Read(key)
	return &Hasher{
		slots:  make(chan struct{}, n),
		params: p,
		dummy:  encodePHC(p, salt, key),
	}
}

// Concurrency returns how many hashes h runs at once.
func (h *Hasher) Concurrency() int { return cap(h.slots) }

// Hashes returns how many argon2 computations h has run (by Hash, Verify
// and VerifyDummy). Tests use it to check that an unknown account costs
// a hash too.
func (h *Hasher) Hashes() int64 { return h.hashes.Load() }

// Hash returns the argon2id hash of password as a PHC string,
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>" (unpadded standard base64),
// with a fresh random salt. It waits for a free slot; if ctx ends first it
// returns ctx's error.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, saltLen)
	_, _ = rand.Read(salt)
	key, err := h.derive(ctx, password, salt, h.params, keyLen)
	if err != nil {
		return "", fmt.Errorf("auth.Hasher.Hash: %w", err)
	}
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether password matches encoded, a PHC string made by
// Hash. The parameters come from encoded, so hashes made with older
// parameters still verify. The keys are compared in constant time. A
// malformed encoded is an error, as is ctx ending while waiting for a slot.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (bool, error) {
	p, salt, want, err := decodePHC(encoded)
	if err != nil {
		return false, fmt.Errorf("auth.Hasher.Verify: %w", err)
	}
	got, err := h.derive(ctx, password, salt, p, uint32(len(want))) //nolint:gosec // decodePHC bounds the key to 16..64 bytes
	if err != nil {
		return false, fmt.Errorf("auth.Hasher.Verify: %w", err)
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// VerifyDummy does the work of Verify against a hash no password matches,
// and discards the result. Call it when the account is unknown, so that
// answering costs the same time as for a known account and timing does
// not reveal which e-mails have accounts.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	_, _ = h.Verify(ctx, h.dummy, password)
}

// derive runs argon2id in a slot.
func (h *Hasher) derive(ctx context.Context, password string, salt []byte, p argonParams, n uint32) ([]byte, error) {
	// Checked first so that a done ctx never wins a free slot by chance.
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	select {
	case h.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-h.slots }()
	if h.onSlot != nil {
		h.onSlot(+1)
		defer h.onSlot(-1) // runs before the slot is given back
	}
	h.hashes.Add(1)
	return argon2.IDKey([]byte(password), salt, p.time, p.memory, p.threads, n), nil
}

var b64 = base64.RawStdEncoding.Strict()

func encodePHC(p argonParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// errMalformed is the error for any hash decodePHC cannot use. It says
// nothing about the hash itself.
var errMalformed = errors.New("malformed password hash")

// decodePHC parses "$argon2id$v=19$m=M,t=T,p=P$salt$key" strictly.
func decodePHC(encoded string) (argonParams, []byte, []byte, error) {
	var p argonParams
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, errMalformed
	}
	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return p, nil, nil, errMalformed
	}
	var vals [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		s, ok := strings.CutPrefix(fields[i], name)
		if !ok || s == "" || s[0] == '+' || (len(s) > 1 && s[0] == '0') {
			return p, nil, nil, errMalformed
		}
		v, err := strconv.ParseUint(s, 10, 32)
		if err != nil || v == 0 {
			return p, nil, nil, errMalformed
		}
		vals[i] = v
	}
	if vals[0] > maxMemory || vals[1] > maxTime || vals[2] > maxThreads || vals[0] < 8*vals[2] {
		return p, nil, nil, errMalformed
	}
	p = argonParams{memory: uint32(vals[0]), time: uint32(vals[1]), threads: uint8(vals[2])} //nolint:gosec // bounded just above
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < minSalt || len(salt) > maxSalt {
		return p, nil, nil, errMalformed
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < minKey || len(key) > maxKey {
		return p, nil, nil, errMalformed
	}
	return p, salt, key, nil
}

// Password length bounds, in characters (runes).
const (
	MinPasswordLen = 8
	MaxPasswordLen = 128
)

//go:embed common-passwords.txt
var commonPasswordsFile string

// commonPasswords is the set of refused passwords, lower-cased.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	set := make(map[string]struct{}, 1024)
	for line := range strings.Lines(commonPasswordsFile) {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[strings.ToLower(line)] = struct{}{}
	}
	return set
})

// CheckPassword enforces the password rule: 8 to 128 characters (runes),
// valid UTF-8, and not one of the most common passwords (compared without
// regard to case). There are no composition rules. A refused password is
// an errs.Invalid error whose message can be shown to the user.
func CheckPassword(password string) error {
	if !utf8.ValidString(password) {
		return errs.E(errs.Invalid, "The password contains invalid characters.")
	}
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return errs.Errorf(errs.Invalid, "The password must be at least %d characters long.", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return errs.Errorf(errs.Invalid, "The password must be at most %d characters long.", MaxPasswordLen)
	}
	if _, ok := commonPasswords()[strings.ToLower(password)]; ok {
		return errs.E(errs.Invalid, "This password is too common and easy to guess; choose another.")
	}
	return nil
}
