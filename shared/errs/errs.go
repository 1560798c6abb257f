// Package errs gives errors a kind. The kinds are the machine-readable error
// codes of the public API; shared/web maps them to HTTP statuses in one place.
// An error without a kind is internal: its text is logged, never shown.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Kind is an API error code.
type Kind string

// The error codes of API.md, plus not_implemented and internal.
const (
	Invalid              Kind = "invalid_request"
	InvalidCode          Kind = "invalid_code"
	Immutable            Kind = "immutable"
	CannotBlockMember    Kind = "cannot_block_workspace_member"
	SameWorkspace        Kind = "same_workspace"
	Unauthenticated      Kind = "unauthenticated"
	InvalidCredentials   Kind = "invalid_credentials" //nolint:gosec // an error code, not a credential
	Forbidden            Kind = "forbidden"
	PlanRequired         Kind = "plan_required"
	ExternalChatDisabled Kind = "external_chat_disabled"
	Blocked              Kind = "blocked"
	NotFound             Kind = "not_found"
	MethodNotAllowed     Kind = "method_not_allowed"
	Conflict             Kind = "conflict"
	Gone                 Kind = "gone"
	PayloadTooLarge      Kind = "payload_too_large"
	Locked               Kind = "locked"
	RateLimited          Kind = "rate_limited"
	// Unavailable is a failure of a dependency (Firestore, Pub/Sub) that
	// may pass: answered 503 with Retry-After, so clients try again.
	Unavailable    Kind = "unavailable"
	NotImplemented Kind = "not_implemented"
	Internal       Kind = "internal"
)

// Error is an error with a kind and a message that is safe to show to the
// caller. Extra holds additional problem fields (remainingAttempts,
// lockedUntil, ...); RetryAfter sets the Retry-After header.
type Error struct {
	Kind       Kind
	Message    string
	Extra      map[string]any
	RetryAfter time.Duration
}

func (e *Error) Error() string { return string(e.Kind) + ": " + e.Message }

// E returns an error of the given kind with a message safe to show.
func E(kind Kind, message string) *Error { return &Error{Kind: kind, Message: message} }

// Errorf is E with formatting.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// With returns a copy of e with one more problem field.
func (e *Error) With(key string, value any) *Error {
	c := *e
	c.Extra = map[string]any{key: value}
	for k, v := range e.Extra {
		c.Extra[k] = v
	}
	return &c
}

// KindOf returns the kind of the first *Error in err's chain, or Internal.
func KindOf(err error) Kind {
	if e, ok := As(err); ok {
		return e.Kind
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err has the given kind.
func Is(err error, kind Kind) bool { return err != nil && KindOf(err) == kind }
