package mailsink

import (
	"cmp"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"slices"
	"strings"
	"time"
)

// SendGrid's limits.
const (
	maxBody             = 30 << 20 // "the total size of your email ... must be less than 30MB"
	maxPersonalizations = 1000
	maxRecipients       = 1000 // across to, cc and bcc of every personalization
)

// helpBase prefixes the help links of SendGrid's validation errors.
const helpBase = "http://sendgrid.com/docs/API_Reference/Web_API_v3/Mail/errors.html#"

// The request body of POST /v3/mail/send, as far as the sink needs it.
// Unknown fields are ignored, as SendGrid ignores them.
type sendRequest struct {
	Personalizations []personalization `json:"personalizations"`
	From             *address          `json:"from"`
	ReplyTo          *address          `json:"reply_to"`
	Subject          string            `json:"subject"`
	Content          []content         `json:"content"`
	TemplateID       string            `json:"template_id"`
	Sections         map[string]string `json:"sections"`
	MailSettings     *struct {
		SandboxMode *struct {
			Enable bool `json:"enable"`
		} `json:"sandbox_mode"`
	} `json:"mail_settings"`
}

type personalization struct {
	To            []address         `json:"to"`
	CC            []address         `json:"cc"`
	BCC           []address         `json:"bcc"`
	From          *address          `json:"from"`
	Subject       string            `json:"subject"`
	Substitutions map[string]string `json:"substitutions"`
}

type address struct {
	Email string `json:"email"`
	Name  string `json:"name"`
}

type content struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// send answers POST /v3/mail/send: 202 and one stored message per
// personalization, or SendGrid's errors.
func (s *Sink) send(w http.ResponseWriter, r *http.Request) error {
	if err := authorize(r); err != nil {
		return err
	}
	if s.refusing() {
		return newError(http.StatusInternalServerError, "internal error: mail is refused for now (mailsink.RefuseMail)")
	}
	body, err := readBody(w, r)
	if err != nil {
		return err
	}
	var req sendRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return newError(http.StatusBadRequest, "Bad Request")
	}
	if errs := req.validate(); len(errs) > 0 {
		return &apiError{status: http.StatusBadRequest, errs: errs}
	}
	id := newID()
	w.Header().Set("X-Message-Id", id)
	if req.MailSettings != nil && req.MailSettings.SandboxMode != nil && req.MailSettings.SandboxMode.Enable {
		// SendGrid validates sandboxed mail, answers 200 and delivers nothing.
		w.WriteHeader(http.StatusOK)
		return nil
	}
	s.store(req.messages(id, time.Now().UTC()))
	w.WriteHeader(http.StatusAccepted)
	return nil
}

// authorize wants "Authorization: Bearer <key>"; any key will do.
func authorize(r *http.Request) error {
	h := r.Header.Get("Authorization")
	if h == "" {
		return newError(http.StatusUnauthorized, "authorization required")
	}
	scheme, key, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(key) == "" {
		return newError(http.StatusUnauthorized, "The provided authorization grant is invalid, expired, or revoked")
	}
	return nil
}

// readBody reads at most maxBody bytes, gunzipping them if the client says
// so (as sendgrid-go does when asked to compress).
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	tooLarge := newError(http.StatusRequestEntityTooLarge, "The JSON payload you have included in your request is too large.")
	var body io.Reader = http.MaxBytesReader(w, r.Body, maxBody)
	if strings.EqualFold(strings.TrimSpace(r.Header.Get("Content-Encoding")), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
				return nil, tooLarge
			}
			return nil, newError(http.StatusBadRequest, "Bad Request")
		}
		defer func() { _ = zr.Close() }() // reading checked everything already
		body = io.LimitReader(zr, maxBody+1)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, tooLarge
		}
		return nil, newError(http.StatusBadRequest, "Bad Request")
	}
	if len(b) > maxBody {
		return nil, tooLarge
	}
	return b, nil
}

// validate returns SendGrid's errors for req, one per problem.
func (req *sendRequest) validate() []fieldError {
	var errs []fieldError
	add := func(field, help, msg string) {
		errs = append(errs, fieldError{Message: msg, Field: &field, Help: new(helpBase + help)})
	}

	switch {
	case req.From == nil || req.From.Email == "":
		add("from.email", "message.from", `The from object must be provided for every email send. It is an object that requires the email parameter, but may also contain a name parameter.  e.g. {"email" : "example@example.com"}  or {"email" : "example@example.com", "name" : "Example Recipient"}.`)
	case !validEmail(req.From.Email):
		add("from.email", "message.from", "The from email does not contain a valid address.")
	}

	switch n := len(req.Personalizations); {
	case n == 0:
		add("personalizations", "message.personalizations", "The personalizations field is required and must have at least one personalization.")
	case n > maxPersonalizations:
		add("personalizations", "message.personalizations", fmt.Sprintf("The personalizations field is limited to %d items per API request.", maxPersonalizations))
	}
	recipients := 0
	for i, p := range req.Personalizations {
		if len(p.To) == 0 {
			add(fmt.Sprintf("personalizations.%d.to", i), "message.personalizations.to",
				"The to array is required for all personalization objects, and must have at least one email object with a valid email address.")
		}
		seen := map[string]bool{}
		dupReported := false
		for _, list := range []struct {
			name  string
			addrs []address
		}{{"to", p.To}, {"cc", p.CC}, {"bcc", p.BCC}} {
			for j, a := range list.addrs {
				recipients++
				if !validEmail(a.Email) {
					add(fmt.Sprintf("personalizations.%d.%s.%d.email", i, list.name, j), "message.personalizations."+list.name,
						"Does not contain a valid address.")
					continue
				}
				key := strings.ToLower(a.Email)
				if seen[key] && !dupReported {
					dupReported = true
					add(fmt.Sprintf("personalizations.%d", i), "message.recipient_errors", fmt.Sprintf(
						"Each email address in the personalization block should be unique between to, cc, and bcc. We found the first duplicate instance of [%s] in the personalizations.%d.%s field.",
						a.Email, i, list.name))
				}
				seen[key] = true
			}
		}
		if p.From != nil && !validEmail(p.From.Email) {
			add(fmt.Sprintf("personalizations.%d.from.email", i), "message.personalizations.from", "Does not contain a valid address.")
		}
	}
	if recipients > maxRecipients {
		add("personalizations", "message.personalizations", fmt.Sprintf(
			"The total number of recipients must be no more than %d. This includes all recipients defined within the to, cc, and bcc parameters, across each object that you include in the personalizations array.", maxRecipients))
	}

	if req.Subject == "" && req.TemplateID == "" &&
		(len(req.Personalizations) == 0 || slices.ContainsFunc(req.Personalizations, func(p personalization) bool { return p.Subject == "" })) {
		add("subject", "message.subject", "The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.")
	}

	if len(req.Content) == 0 && req.TemplateID == "" {
		add("content", "message.content", "Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.")
	}
	types := map[string]bool{}
	for i, c := range req.Content {
		t := mediaType(c.Type)
		switch {
		case t == "":
			add(fmt.Sprintf("content.%d.type", i), "message.content.type", "The content type must be a string at least one character in length.")
		case t == "text/plain" && i != 0:
			add(fmt.Sprintf("content.%d.type", i), "message.content.type", "If present, text/plain content must be first, followed by text/html, followed by any other content.")
		case types[t]:
			add(fmt.Sprintf("content.%d.type", i), "message.content.type", fmt.Sprintf("Each unique content type may only be specified once per request. The type %s has been specified more than once.", c.Type))
		}
		types[t] = true
		if c.Value == "" {
			add(fmt.Sprintf("content.%d.value", i), "message.content.value", "The content value must be a string at least one character in length.")
		}
	}

	if req.ReplyTo != nil && !validEmail(req.ReplyTo.Email) {
		add("reply_to.email", "message.reply_to", "The reply_to email does not contain a valid address.")
	}
	return errs
}

// messages turns a valid request into one message per personalization.
func (req *sendRequest) messages(id string, now time.Time) []Message {
	var text, htmlBody string
	for _, c := range req.Content {
		switch mediaType(c.Type) {
		case "text/plain":
			text = c.Value
		case "text/html":
			htmlBody = c.Value
		}
	}
	var links []string // shared by personalizations without substitutions
	msgs := make([]Message, 0, len(req.Personalizations))
	for i, p := range req.Personalizations {
		m := Message{
			ID:         fmt.Sprintf("%s.%d", id, i),
			From:       req.From.Email,
			Subject:    cmp.Or(p.Subject, req.Subject),
			Text:       text,
			HTML:       htmlBody,
			ReceivedAt: now,
		}
		if p.From != nil {
			m.From = p.From.Email
		}
		for _, list := range [][]address{p.To, p.CC, p.BCC} {
			for _, a := range list {
				m.To = append(m.To, a.Email)
			}
		}
		if rep := replacer(p.Substitutions, req.Sections); rep != nil {
			m.Subject, m.Text, m.HTML = rep.Replace(m.Subject), rep.Replace(m.Text), rep.Replace(m.HTML)
			m.Links = extractLinks(m.Text, m.HTML)
		} else {
			if links == nil {
				links = extractLinks(text, htmlBody)
			}
			m.Links = links // stored messages are never changed, so sharing is safe
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// replacer applies a personalization's substitutions, then the sections
// that their values may name, as SendGrid does. It returns nil when there is
// nothing to replace.
func replacer(subs, sections map[string]string) *strings.Replacer {
	if len(subs) == 0 {
		return nil
	}
	keys := make([]string, 0, len(subs))
	for k := range subs {
		if k != "" {
			keys = append(keys, k)
		}
	}
	// Longest tags first, so that "-name-" does not eat part of "-name-full-".
	slices.SortFunc(keys, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		v := subs[k]
		if sec, ok := sections[v]; ok {
			v = sec
		}
		pairs = append(pairs, k, v)
	}
	return strings.NewReplacer(pairs...)
}

// mediaType returns the lower-case media type of a content type such as
// "text/plain; charset=utf-8".
func mediaType(t string) string {
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		return mt
	}
	return strings.ToLower(strings.TrimSpace(t))
}

// validEmail accepts a bare addr-spec with a dotted domain, as SendGrid,
// which delivers to the Internet, does; "Name <addr>" belongs in the name
// field, not here.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.Contains(domain, "..") && !strings.ContainsAny(domain, "[]")
}

// newID returns a random 22-character ID like SendGrid's X-Message-Id.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}
