package mailsink

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// The push sink speaks FCM HTTP v1's messages:send as the Firebase Admin
// SDK (firebase.google.com/go/v4/messaging) and google.golang.org/api/fcm/v1
// call it, with FCM's validation and error bodies (google.rpc.Status as
// JSON), so that a sender tested here handles the real service's answers.
// Requests are read as FCM's proto3 JSON parser reads them: field names in
// snake_case or lowerCamelCase, null for "not set", unknown fields refused;
// the platform blocks (android, apns, webpush, fcm_options) are kept opaque.
const (
	// maxPushPayload is FCM's limit on a message's payload: "4096 bytes for
	// most messages, or 2048 bytes in the case of messages to topics".
	maxPushPayload      = 4096
	maxTopicPushPayload = 2048
	// maxPushBody bounds the memory one request takes; a body this large
	// carries a payload over FCM's limit anyway.
	maxPushBody = 1 << 20
	// unregisteredPrefix marks the tokens the sink treats as FCM treats the
	// tokens of uninstalled apps.
	unregisteredPrefix = "invalid-"
	// dryRunID is what FCM names the message of a validate_only request.
	dryRunID = "fake_message_id"
)

// The types of the details of Google API errors.
const (
	fcmErrorType   = "type.googleapis.com/google.firebase.fcm.v1.FcmError"
	badRequestType = "type.googleapis.com/google.rpc.BadRequest"
	errorInfoType  = "type.googleapis.com/google.rpc.ErrorInfo"
)

// statusError is an answer in the shape of Google API errors, a
// google.rpc.Status as JSON under "error", which FCM uses.
type statusError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
	Details []any  `json:"details,omitempty"`
}

func (e *statusError) Error() string {
	return fmt.Sprintf("mailsink: %d %s: %s", e.Code, e.Status, e.Message)
}

type statusResponse struct {
	Error *statusError `json:"error"`
}

// fcmErrorDetail carries FCM's own error code, which clients branch on
// (messaging.IsUnregistered reads it).
type fcmErrorDetail struct {
	Type      string `json:"@type"`
	ErrorCode string `json:"errorCode"`
}

type badRequestDetail struct {
	Type            string           `json:"@type"`
	FieldViolations []fieldViolation `json:"fieldViolations"`
}

type fieldViolation struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

type errorInfoDetail struct {
	Type     string            `json:"@type"`
	Reason   string            `json:"reason"`
	Domain   string            `json:"domain"`
	Metadata map[string]string `json:"metadata"`
}

// unregistered is FCM's answer for a token whose app is gone: the sender
// should forget the token.
func unregistered() *statusError {
	return &statusError{
		Code: http.StatusNotFound, Status: "NOT_FOUND", Message: "Requested entity was not found.",
		Details: []any{fcmErrorDetail{Type: fcmErrorType, ErrorCode: "UNREGISTERED"}},
	}
}

// invalidArgument is FCM's answer to a message it parsed and refuses.
func invalidArgument(message, field, description string) *statusError {
	return &statusError{
		Code: http.StatusBadRequest, Status: "INVALID_ARGUMENT", Message: message,
		Details: []any{
			fcmErrorDetail{Type: fcmErrorType, ErrorCode: "INVALID_ARGUMENT"},
			badRequestDetail{Type: badRequestType, FieldViolations: []fieldViolation{{Field: field, Description: description}}},
		},
	}
}

// invalidJSON is the answer to a body that does not parse as a
// SendMessageRequest: Google's front end refuses it before FCM sees it, so
// it carries no FcmError.
func invalidJSON(field, description string) *statusError {
	return &statusError{
		Code: http.StatusBadRequest, Status: "INVALID_ARGUMENT", Message: description,
		Details: []any{badRequestDetail{Type: badRequestType, FieldViolations: []fieldViolation{{Field: field, Description: description}}}},
	}
}

// unauthenticated is Google's answer to a request without an OAuth 2
// access token (missing) or with something else in its place.
func unauthenticated(missing bool) *statusError {
	message, reason := "Request had invalid authentication credentials.", "ACCESS_TOKEN_TYPE_UNSUPPORTED"
	if missing {
		message, reason = "Request is missing required authentication credential.", "CREDENTIALS_MISSING"
	}
	return &statusError{
		Code: http.StatusUnauthorized, Status: "UNAUTHENTICATED",
		Message: message + " Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
		Details: []any{errorInfoDetail{
			Type: errorInfoType, Reason: reason, Domain: "googleapis.com",
			Metadata: map[string]string{"method": "google.firebase.fcm.v1.FcmService.SendMessage", "service": "fcm.googleapis.com"},
		}},
	}
}

// Push is one push notification accepted for a device.
type Push struct {
	// ID is the last segment of the message name FCM answered.
	ID string `json:"id"`
	// Token is the device's registration token (or installation ID).
	Token string `json:"token"`
	// Title and Body are the notification's; empty for data-only messages.
	Title string `json:"title"`
	Body  string `json:"body"`
	// Data is the message's key/value payload, never nil.
	Data       map[string]string `json:"data"`
	ReceivedAt time.Time         `json:"receivedAt"`
}

type sendPushResponse struct {
	Name string `json:"name"`
}

// sendPush answers POST /v1/projects/{project}/messages:send: 200 and the
// message's name, FCM's UNREGISTERED error for tokens starting with
// "invalid-", or FCM's other errors.
func (s *Sink) sendPush(w http.ResponseWriter, r *http.Request) error {
	if err := authorizeGoogle(r); err != nil {
		w.Header().Set("WWW-Authenticate", `Bearer realm="https://accounts.google.com/"`)
		return err
	}
	body, err := readPushBody(w, r)
	if err != nil {
		return err
	}
	req, err := parsePushRequest(body)
	if err != nil {
		return err
	}
	if err := req.validate(); err != nil {
		return err
	}
	if strings.HasPrefix(req.push.Token, unregisteredPrefix) {
		return unregistered() // FCM checks the token in dry runs too
	}
	id := dryRunID
	if !req.validateOnly {
		id = newID()
		req.push.ID, req.push.ReceivedAt = id, time.Now().UTC()
		s.storePush(req.push)
	}
	return writeJSON(w, http.StatusOK, sendPushResponse{Name: "projects/" + r.PathValue("project") + "/messages/" + id})
}

// authorizeGoogle wants "Authorization: Bearer <token>", as Google APIs
// do; any token will do.
func authorizeGoogle(r *http.Request) error {
	h := r.Header.Get("Authorization")
	if h == "" {
		return unauthenticated(true)
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return unauthenticated(false)
	}
	return nil
}

// readPushBody reads at most maxPushBody bytes.
func readPushBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPushBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return nil, invalidArgument("Android message is too big", "message", fmt.Sprintf("The request is over %d bytes.", maxPushBody))
		}
		return nil, invalidJSON("", "Invalid JSON payload received. The body could not be read.")
	}
	return body, nil
}

// pushRequest is a parsed SendMessageRequest.
type pushRequest struct {
	hasMessage   bool
	validateOnly bool
	// targets are the target fields set (token, topic, condition, fid);
	// target is the value of the first.
	targets []string
	target  string
	push    Push // Token, Title, Body and Data
}

// parsePushRequest reads body as FCM reads a SendMessageRequest; its errors
// are *statusError.
func parsePushRequest(body []byte) (*pushRequest, error) {
	if len(bytes.TrimSpace(body)) == 0 {
		body = []byte("{}") // an empty body is an empty request
	}
	var raw json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, invalidJSON("", "Invalid JSON payload received. "+strings.TrimPrefix(err.Error(), "json: ")+".")
	}
	top, ok := members(raw)
	if !ok {
		return nil, invalidJSON("", `Invalid JSON payload received. Unknown name "": Root element must be a message.`)
	}
	req := &pushRequest{push: Push{Data: map[string]string{}}}
	for _, m := range top {
		if isNull(m.value) {
			continue
		}
		switch protoName(m.name) {
		case "message":
			req.hasMessage = true
			if err := req.parseMessage(m.value); err != nil {
				return nil, err
			}
		case "validate_only":
			if err := json.Unmarshal(m.value, &req.validateOnly); err != nil {
				return nil, invalidValue(m.name, "TYPE_BOOL", m.value)
			}
		default:
			return nil, unknownField(m.name, "")
		}
	}
	return req, nil
}

// parseMessage reads a Message.
func (req *pushRequest) parseMessage(raw json.RawMessage) error {
	fields, ok := members(raw)
	if !ok {
		return invalidValue("message", "type.googleapis.com/google.firebase.fcm.v1.Message", raw)
	}
	for _, m := range fields {
		if isNull(m.value) {
			continue
		}
		path := "message." + m.name
		switch name := protoName(m.name); name {
		case "token", "topic", "condition", "fid":
			v, ok := stringValue(m.value)
			if !ok {
				return invalidValue(path, "TYPE_STRING", m.value)
			}
			if len(req.targets) > 0 && req.targets[0] != name {
				return invalidJSON("message", fmt.Sprintf("Invalid JSON payload received. Oneof field 'target' is already set. Cannot set '%s'", m.name))
			}
			req.targets, req.target = []string{name}, v
		case "name":
			if _, ok := stringValue(m.value); !ok {
				return invalidValue(path, "TYPE_STRING", m.value)
			}
		case "notification":
			if err := req.parseNotification(m.value); err != nil {
				return err
			}
		case "data":
			if err := req.parseData(m.value); err != nil {
				return err
			}
		case "android", "apns", "webpush", "fcm_options":
			if _, ok := members(m.value); !ok {
				return invalidValue(path, "type.googleapis.com/google.firebase.fcm.v1."+platformTypes[name], m.value)
			}
		default:
			return unknownField(m.name, "message")
		}
	}
	if len(req.targets) > 0 && (req.targets[0] == "token" || req.targets[0] == "fid") {
		req.push.Token = req.target
	}
	return nil
}

// platformTypes names the message types of the blocks kept opaque.
var platformTypes = map[string]string{
	"android": "AndroidConfig", "apns": "ApnsConfig", "webpush": "WebpushConfig", "fcm_options": "FcmOptions",
}

// parseNotification reads a Notification.
func (req *pushRequest) parseNotification(raw json.RawMessage) error {
	fields, ok := members(raw)
	if !ok {
		return invalidValue("message.notification", "type.googleapis.com/google.firebase.fcm.v1.Notification", raw)
	}
	for _, m := range fields {
		if isNull(m.value) {
			continue
		}
		name := protoName(m.name)
		if name != "title" && name != "body" && name != "image" {
			return unknownField(m.name, "message.notification")
		}
		v, ok := stringValue(m.value)
		if !ok {
			return invalidValue("message.notification."+m.name, "TYPE_STRING", m.value)
		}
		switch name {
		case "title":
			req.push.Title = v
		case "body":
			req.push.Body = v
		}
	}
	return nil
}

// parseData reads the data map, whose values must be strings; FCM names a
// wrong entry by its position.
func (req *pushRequest) parseData(raw json.RawMessage) error {
	entries, ok := members(raw)
	if !ok {
		return invalidValue("message.data", "type.googleapis.com/google.firebase.fcm.v1.Message.DataEntry", raw)
	}
	for i, m := range entries {
		v, ok := stringValue(m.value)
		if !ok {
			return invalidValue(fmt.Sprintf("message.data[%d].value", i), "TYPE_STRING", m.value)
		}
		req.push.Data[m.name] = v
	}
	return nil
}

// validate applies FCM's checks to a parsed request.
func (req *pushRequest) validate() error {
	const invalid = "Request contains an invalid argument."
	if !req.hasMessage {
		return invalidArgument(invalid, "message", "The message is required.")
	}
	if len(req.targets) == 0 {
		return invalidArgument(invalid, "message", "One of token, topic, condition or fid is required.")
	}
	if req.target == "" {
		if req.targets[0] == "token" {
			return invalidArgument("The registration token is not a valid FCM registration token", "message.token", "Invalid registration token")
		}
		return invalidArgument(invalid, "message."+req.targets[0], "The "+req.targets[0]+" is empty.")
	}
	size := len(req.push.Title) + len(req.push.Body)
	for k, v := range req.push.Data {
		if k == "from" || k == "message_type" || strings.HasPrefix(k, "google.") || strings.HasPrefix(k, "gcm.notification.") {
			return invalidArgument(invalid, "message.data", fmt.Sprintf("Invalid data key %q: from, message_type and keys starting with google. or gcm.notification. are reserved.", k))
		}
		size += len(k) + len(v)
	}
	limit := maxPushPayload
	if req.targets[0] == "topic" || req.targets[0] == "condition" {
		limit = maxTopicPushPayload
	}
	if size > limit {
		return invalidArgument("Android message is too big", "message",
			fmt.Sprintf("The data keys and values, title and body take %d bytes; the limit is %d.", size, limit))
	}
	return nil
}

func invalidValue(path, typ string, v json.RawMessage) *statusError {
	return invalidJSON(path, fmt.Sprintf("Invalid value at '%s' (%s), %s", path, typ, v))
}

func unknownField(name, parent string) *statusError {
	if parent == "" {
		return invalidJSON("", fmt.Sprintf("Invalid JSON payload received. Unknown name %q: Cannot find field.", name))
	}
	return invalidJSON(parent, fmt.Sprintf("Invalid JSON payload received. Unknown name %q at '%s': Cannot find field.", name, parent))
}

// member is one member of a JSON object.
type member struct {
	name  string
	value json.RawMessage
}

// members returns the members of the JSON object raw, which must be valid
// JSON, in order; false if raw is not an object.
func members(raw json.RawMessage) ([]member, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	out := []member{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		var m member
		m.name, _ = tok.(string) // object keys are strings
		if err := dec.Decode(&m.value); err != nil {
			return nil, false
		}
		m.value = bytes.TrimSpace(m.value)
		out = append(out, m)
	}
	return out, true
}

// stringValue returns the JSON string raw holds; false if it is no string.
func stringValue(raw json.RawMessage) (string, bool) {
	var s string
	if len(raw) == 0 || raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

func isNull(raw json.RawMessage) bool { return string(raw) == "null" }

// protoName turns a lowerCamelCase JSON name into the proto field name
// ("validateOnly" → "validate_only"); proto3 JSON accepts either.
func protoName(name string) string {
	var b strings.Builder
	for _, c := range name {
		if 'A' <= c && c <= 'Z' {
			b.WriteByte('_')
			c += 'a' - 'A'
		}
		b.WriteRune(c)
	}
	return b.String()
}
