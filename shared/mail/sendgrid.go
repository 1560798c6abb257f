package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sendgrid/rest"
	"github.com/sendgrid/sendgrid-go"
	sgmail "github.com/sendgrid/sendgrid-go/helpers/mail"
)

// ErrRejected marks a mail that SendGrid refused for good (bad request, bad
// or unauthorised key, too large) or that cannot be sent at all: retrying
// cannot help. Callers check it with errors.Is and drop the mail instead of
// asking for a redelivery.
var ErrRejected = errors.New("mail: rejected")

// sendTimeout bounds one call to SendGrid; sendgrid-go's default client has
// no timeout at all.
const sendTimeout = 10 * time.Second

// SendGrid sends messages through the SendGrid v3 mail send API, or a
// compatible sink. It is safe for concurrent use.
type SendGrid struct {
	apiKey  string
	baseURL string
	from    *sgmail.Email
	client  *rest.Client
}

// NewSendGrid returns a sender that sends as fromAddress with the display
// name fromName through baseURL: https://api.sendgrid.com in production,
// the local sink otherwise. It uses its own HTTP client with a 10-second
// timeout and leaves sendgrid-go's global client alone.
func NewSendGrid(apiKey, baseURL, fromAddress, fromName string) *SendGrid {
	return &SendGrid{
		apiKey:  apiKey,
		baseURL: strings.TrimRight(baseURL, "/"),
		from:    sgmail.NewEmail(fromName, fromAddress),
		// A transport of its own: a pool that nothing else in the process
		// closes or exhausts (httptest servers, for one, close the default
		// transport's idle connections when they stop).
		client: &rest.Client{HTTPClient: &http.Client{Timeout: sendTimeout, Transport: http.DefaultTransport.(*http.Transport).Clone()}},
	}
}

// Send sends m with a text/plain part, then a text/html part (omitted when
// m.HTML is empty). sendgrid-go never looks at the status code, so Send
// does: a 2xx (SendGrid answers 202) is success; 400, 401, 403 and 413
// return an error wrapping ErrRejected; anything else (429, 5xx, a
// transport error, a cancelled ctx) returns a plain error, which a retry
// may cure. A message without recipient, subject or text is rejected
// without a request.
//
// Click and open tracking are turned off: click tracking would route the
// secret links of our mails through SendGrid's redirector.
func (s *SendGrid) Send(ctx context.Context, m Message) error {
	const op = "mail.Send"
	// Errors name the problem, never the recipient or the content: links
	// and codes are secrets and addresses are personal data.
	switch {
	case strings.TrimSpace(m.To) == "":
		return fmt.Errorf("%s: no recipient: %w", op, ErrRejected)
	case strings.TrimSpace(m.Subject) == "":
		return fmt.Errorf("%s: no subject: %w", op, ErrRejected)
	case m.Text == "":
		return fmt.Errorf("%s: no text part: %w", op, ErrRejected)
	}
	body, err := json.Marshal(s.v3(m))
	if err != nil {
		return fmt.Errorf("%s: encode: %w", op, err)
	}

	req := sendgrid.GetRequest(s.apiKey, "/v3/mail/send", s.baseURL)
	req.Method = rest.Post
	req.Body = body
	resp, err := s.client.SendWithContext(ctx, req)
	if resp != nil && resp.StatusCode >= 200 && resp.StatusCode < 300 {
		// Accepted, even if reading the (unused) response body failed:
		// a retry would send the mail twice.
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	switch resp.StatusCode {
	case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestEntityTooLarge:
		return fmt.Errorf("%s: sendgrid answered %d%s: %w", op, resp.StatusCode, errorFields(resp.Body), ErrRejected)
	default:
		return fmt.Errorf("%s: sendgrid answered %d%s", op, resp.StatusCode, errorFields(resp.Body))
	}
}

// v3 builds the SendGrid v3 request body for m.
func (s *SendGrid) v3(m Message) *sgmail.SGMailV3 {
	v := sgmail.NewV3Mail()
	v.SetFrom(s.from)
	v.Subject = m.Subject
	p := sgmail.NewPersonalization()
	p.AddTos(sgmail.NewEmail("", m.To))
	v.AddPersonalizations(p)
	// SendGrid requires text/plain before text/html.
	v.AddContent(sgmail.NewContent("text/plain", m.Text))
	if m.HTML != "" {
		v.AddContent(sgmail.NewContent("text/html", m.HTML))
	}
	off := false
	v.SetTrackingSettings(&sgmail.TrackingSettings{
		ClickTracking: &sgmail.ClickTrackingSetting{Enable: &off, EnableText: &off},
		OpenTracking:  &sgmail.OpenTrackingSetting{Enable: &off},
	})
	return v
}

// isFieldName reports whether s has the form of what SendGrid reports as
// a field ("personalizations.0.to.0.email", "content[1].value"): 1-100 of
// A-Z, a-z, 0-9, "_", ".", "[" and "]", so nothing that could be an
// address. A loop, not a regexp: compiling [...]{1,100} in every
// function's init cost more than all the rest of the package's init.
func isFieldName(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for i := range len(s) {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '.', c == '[', c == ']':
		default:
			return false
		}
	}
	return true
}

// errorFields extracts the names of the fields SendGrid complained about
// from an error body ({"errors":[{"field":…,"message":…}]}) as
// " (fields: a, b)". Only field names are kept: messages may quote the
// addresses or content of the mail.
func errorFields(body string) string {
	var e struct {
		Errors []struct {
			Field *string `json:"field"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &e) != nil {
		return ""
	}
	var fields []string
	for _, x := range e.Errors {
		if x.Field != nil && isFieldName(*x.Field) && len(fields) < 5 {
			fields = append(fields, *x.Field)
		}
	}
	if len(fields) == 0 {
		return ""
	}
	return " (fields: " + strings.Join(fields, ", ") + ")"
}
