package push

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	fcm "google.golang.org/api/fcm/v1"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
)

// Message is one push to one device.
type Message struct {
	Token       string
	Title, Body string
	// Data is the app's payload: FCM takes string values only.
	Data map[string]string
}

// Sender sends one push. Its errors say what to do: ErrUnregistered (the
// app is gone: forget the token), ErrTransient (try again later), anything
// else (the push cannot be sent).
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// The errors a Sender's errors wrap.
var (
	// ErrUnregistered: the token's app was uninstalled or the token
	// expired (FCM's UNREGISTERED); the token is of no more use.
	ErrUnregistered = errors.New("push: the token is not registered")
	// ErrTransient: FCM was unavailable, overloaded or unreachable; the
	// same push may work later.
	ErrTransient = errors.New("push: transient failure")
)

// FCM sends pushes through Firebase Cloud Messaging's HTTP v1 API, with
// google.golang.org/api/fcm/v1: a generated REST client of the API module
// workgate already uses, where the Firebase Admin SDK would bring the
// whole of Firebase (Auth, Realtime Database, Storage clients) for one
// call.
type FCM struct {
	svc    *fcm.Service
	parent string
}

// sendTimeout bounds one push; FCM answers in well under a second.
const sendTimeout = 10 * time.Second

// DevToken is the bearer token pushes carry in dev mode: the local push
// sink wants one, as FCM does, and takes any.
const DevToken = "dev-fcm-token" //nolint:gosec // a dummy the local sink takes, never a credential

// NewFCM returns a sender to the FCM HTTP v1 API at baseURL, sending as
// the Firebase project. Outside dev mode it authenticates with the
// application default credentials (on Cloud Run, the function's service
// account); in dev mode, where only the local sink is called, with
// DevToken.
func NewFCM(ctx context.Context, baseURL, project string, dev bool) (*FCM, error) {
	if !strings.HasSuffix(baseURL, "/") {
		baseURL += "/"
	}
	opts := []option.ClientOption{option.WithEndpoint(baseURL)}
	if dev {
		opts = append(opts, option.WithHTTPClient(&http.Client{Timeout: sendTimeout, Transport: devBearer{}}))
	} else {
		opts = append(opts, option.WithScopes(fcm.FirebaseMessagingScope))
	}
	svc, err := fcm.NewService(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("push.NewFCM: %w", err)
	}
	return &FCM{svc: svc, parent: "projects/" + project}, nil
}

// devBearer adds DevToken to each request.
type devBearer struct{}

func (devBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+DevToken)
	return http.DefaultTransport.RoundTrip(r)
}

// Send sends one push (messages:send).
func (f *FCM) Send(ctx context.Context, m Message) error {
	ctx, cancel := context.WithTimeout(ctx, sendTimeout)
	defer cancel()
	_, err := f.svc.Projects.Messages.Send(f.parent, &fcm.SendMessageRequest{Message: &fcm.Message{
		Token: m.Token, Notification: &fcm.Notification{Title: m.Title, Body: m.Body}, Data: m.Data,
	}}).Context(ctx).Do()
	return classify(err)
}

// classify wraps an error of messages:send in what it means: FCM's
// UNREGISTERED, a transient answer (429, 5xx) or no answer at all (the
// network, a timeout), or a refusal. UNREGISTERED is read from FCM's own
// error detail, as the Firebase Admin SDK reads it (FCM answers it with
// 404): a bare 404 (a wrong project or URL) would otherwise make the job
// forget every token it tried.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		return fmt.Errorf("%w: %w", ErrTransient, err)
	}
	switch code := fcmErrorCode(ge); {
	case code == "UNREGISTERED":
		return &Error{Status: ge.Code, Code: code, kind: ErrUnregistered}
	case ge.Code == http.StatusTooManyRequests || ge.Code >= 500:
		return &Error{Status: ge.Code, Code: code, kind: ErrTransient}
	default:
		return &Error{Status: ge.Code, Code: code}
	}
}

// Error is FCM's answer to a push it did not take: its HTTP status and
// its error code (UNREGISTERED, INVALID_ARGUMENT, …). It holds neither
// the token nor FCM's message, so it can be logged.
type Error struct {
	Status int
	Code   string
	kind   error
}

func (e *Error) Error() string { return fmt.Sprintf("push: FCM answered %d %s", e.Status, e.Code) }

// Unwrap returns ErrUnregistered or ErrTransient for those answers.
func (e *Error) Unwrap() error { return e.kind }

// fcmErrorType is the type of the error detail that carries FCM's code.
const fcmErrorType = "type.googleapis.com/google.firebase.fcm.v1.FcmError"

// fcmErrorCode returns the errorCode of FCM's error detail, if any.
func fcmErrorCode(ge *googleapi.Error) string {
	for _, d := range ge.Details {
		m, ok := d.(map[string]any)
		if !ok || m["@type"] != fcmErrorType {
			continue
		}
		if c, ok := m["errorCode"].(string); ok {
			return c
		}
	}
	return ""
}
