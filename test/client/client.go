// Package client is a small client of workgate's public HTTP API for the
// programs that drive a running stack from outside (the load generator):
// JSON calls with a bearer token, each answer read whole with its status
// and headers, every call reported to an observer by its route, and the
// live events stream (server-sent events).
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/workgate/workgate/emulator/mailsink"
)

// Client calls one stack's API.
type Client struct {
	// Base is the stack's base URL.
	Base string
	// HTTP sends the calls (it should have a timeout).
	HTTP *http.Client
	// Observe, if set, is told of every call once it is answered or
	// failed. It must be safe for concurrent use.
	Observe func(Call)
}

// Call is one call as Observe sees it.
type Call struct {
	// Route is the call's route as API.md writes it, with its method:
	// "POST /v1/rooms/{roomId}/messages".
	Route string
	Start time.Time
	End   time.Time
	// Status is the answer's status; 0 if none came (Err says why).
	Status int
	// RetryAfter is the answer's Retry-After header.
	RetryAfter string
	Err        error
}

// Response is an answer, read whole.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v.
func (r Response) JSON(v any) error {
	if err := json.Unmarshal(r.Body, v); err != nil {
		return fmt.Errorf("client: decoding %d %.200s: %w", r.Status, r.Body, err)
	}
	return nil
}

// Code is the problem code of an error answer ("" if none).
func (r Response) Code() string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.Body, &p)
	return p.Code
}

// Retryable reports whether the answer asks to be tried again: 503, or
// 429, with Retry-After.
func (r Response) Retryable() bool {
	return (r.Status == http.StatusServiceUnavailable || r.Status == http.StatusTooManyRequests) && r.Header.Get("Retry-After") != ""
}

// StatusError is an answer other than the one a caller wanted.
type StatusError struct {
	Route string
	Response
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s = %d %.300s", e.Route, e.Status, bytes.TrimSpace(e.Body))
}

// Do calls route (its method, then its pattern) at path, with a bearer
// token unless token is empty, and body JSON-encoded unless it is nil.
// The error is a transport failure; any status is an answer.
func (c *Client) Do(ctx context.Context, route, path, token string, body any) (Response, error) {
	method, _, _ := strings.Cut(route, " ")
	var raw io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return Response{}, fmt.Errorf("client: %s: %w", route, err)
		}
		raw = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, raw)
	if err != nil {
		return Response{}, fmt.Errorf("client: %s: %w", route, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	call := Call{Route: route, Start: time.Now()}
	res, err := c.HTTP.Do(req)
	var r Response
	if err == nil {
		r = Response{Status: res.StatusCode, Header: res.Header}
		r.Body, err = io.ReadAll(res.Body)
		_ = res.Body.Close()
		call.Status, call.RetryAfter = res.StatusCode, res.Header.Get("Retry-After")
	}
	call.End, call.Err = time.Now(), err
	if c.Observe != nil {
		c.Observe(call)
	}
	if err != nil {
		return r, fmt.Errorf("client: %s %s: %w", method, path, err)
	}
	return r, nil
}

// Want calls as Do and requires one of the statuses given, decoding the
// answer into out unless out is nil. Another status is a *StatusError.
func (c *Client) Want(ctx context.Context, route, path, token string, body, out any, statuses ...int) (Response, error) {
	r, err := c.Do(ctx, route, path, token, body)
	if err != nil {
		return r, err
	}
	for _, s := range statuses {
		if r.Status == s {
			if out != nil && len(r.Body) > 0 {
				return r, r.JSON(out)
			}
			return r, nil
		}
	}
	return r, &StatusError{Route: route, Response: r}
}

// Session is a session response (API.md).
type Session struct {
	AccessToken  string `json:"accessToken"`
	RefreshToken string `json:"refreshToken"`
	AccountID    string `json:"accountId"`
	WorkspaceID  string `json:"workspaceId"`
	SessionID    string `json:"sessionId"`
	DeviceID     string `json:"deviceId"`
	DeviceToken  string `json:"deviceToken"`
}

// Approval is the 202 answer to a login from a device not trusted yet.
type Approval struct {
	Status     string `json:"status"`
	ApprovalID string `json:"approvalId"`
	PollToken  string `json:"pollToken"`
	MatchCode  string `json:"matchCode"`
}

// Device is a device as logins name it.
type Device struct {
	Name     string `json:"name"`
	Platform string `json:"platform"`
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// LoginCode is the 6-digit login code in a code mail ("" if none).
func LoginCode(m mailsink.Message) string {
	if len(m.Links) > 0 && strings.Contains(m.Text, "/reset-password/") {
		return ""
	}
	return sixDigits.FindString(m.Text)
}

// LinkToken is the token of the first link in m under the path prefix.
func LinkToken(m mailsink.Message, prefix string) (string, error) {
	if tok, ok := m.LinkPath(prefix); ok {
		return tok, nil
	}
	return "", fmt.Errorf("client: no %s link in the mail %q", prefix, m.Subject)
}
