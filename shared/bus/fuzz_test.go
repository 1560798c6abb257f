package bus

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/test/testenv"
)

// eventIDForm is what an event ID may be: one Firestore document-ID
// segment (with the consumer's name) that no path trick can bend.
var eventIDForm = regexp.MustCompile(`^[A-Za-z0-9_-]{1,256}$`)

// FuzzDecodeEnvelope: a push body is taken only with an event ID that
// can name its dedupe record, the eventId attribute or Pub/Sub's message
// ID; what is taken is the event that a push of it again (as bus
// publishes it) gives back; a refusal, which is logged, quotes nothing of
// the body.
func FuzzDecodeEnvelope(f *testing.F) {
	for _, s := range []string{
		// As Pub/Sub pushes what bus publishes.
		`{"message":{"attributes":{"eventId":"0123456789abcdef0123456789abcdef","v":"2"},"data":"eyJ0ZW1wbGF0ZSI6InZlcmlmeSJ9","messageId":"2070443601311540","message_id":"2070443601311540","publishTime":"2031-05-04T03:02:01.123Z","publish_time":"2031-05-04T03:02:01.123Z"},"subscription":"projects/workgate/subscriptions/mailer"}`,
		`{"message":{"attributes":{"eventId":"0123456789abcdef0123456789abcdef-r3","v":"1"},"data":"e30=","messageId":"1"},"subscription":"s"}`,
		`{"message":{"attributes":{"eventId":"0123456789abcdef0123456789abcdef-push"},"data":""}}`,
		// Published by hand: no eventId.
		`{"message":{"data":"aGk=","messageId":"136969346945"}}`,
		// Permanently bad.
		`{}`, `{"message":{}}`, `{"message":{"attributes":{"eventId":""}}}`, `{"message":{"attributes":{"eventId":"a/b"}}}`,
		`{"message":{"attributes":{"eventId":"__id__"}}}`, `{"message":{"attributes":{"eventId":".."}}}`,
		`{"message":{"messageId":"../x"}}`, `{"message":{"attributes":{"eventId":"x","v":"two"}}}`,
		`{"message":{"data":"not base64!","messageId":"1"}}`, `{"message":{"data":"aGk","messageId":"1"}}`,
		`{"message":{"publishTime":"yesterday","messageId":"1"}}`, `{"message":{"attributes":{"eventId":1}}}`,
		`{"message":{"attributes":{"eventId":"é"}}}`, `null`, `[]`, ``, `{"message":null}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ev, err := decodeEnvelope(body)
		if err != nil {
			for _, s := range stringValues(body) {
				if len(s) >= 8 && strings.Contains(err.Error(), s) {
					t.Fatalf("decodeEnvelope(%q) = %q quotes %q", body, err, s)
				}
			}
			return
		}
		if !eventIDForm.MatchString(ev.ID) {
			t.Fatalf("decodeEnvelope(%q) took the event ID %q", body, ev.ID)
		}
		var env Envelope
		if err := json.Unmarshal(body, &env); err != nil {
			t.Fatalf("decodeEnvelope took %q, which is no envelope: %v", body, err)
		}
		if id := env.Message.Attributes[events.AttrEventID]; id != ev.ID && (id != "" || ev.ID != "msg-"+env.Message.MessageID) {
			t.Fatalf("decodeEnvelope(%q) named the event %q", body, ev.ID)
		}
		// Published again as bus publishes it, and pushed.
		var again Envelope
		again.Message.Data = ev.Data
		again.Message.Attributes = map[string]string{events.AttrEventID: ev.ID, events.AttrVersion: itoa(ev.Version)}
		again.Message.MessageID = "1"
		again.Message.PublishTime = ev.CreatedAt
		b, err := json.Marshal(again)
		if err != nil {
			// A publish time json cannot encode (a year beyond 9999) is
			// not one Pub/Sub sends.
			return
		}
		got, err := decodeEnvelope(b)
		if err != nil {
			t.Fatalf("decodeEnvelope refused %q, made from what it took of %q: %v", b, body, err)
		}
		if diff := cmp.Diff(ev, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) }), cmp.Comparer(bytes.Equal)); diff != "" {
			t.Fatalf("%q decoded, published and decoded again differs (-first +again):\n%s", body, diff)
		}
	})
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// stringValues returns the string values in body (not member names),
// as far as it is JSON.
func stringValues(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			out = append(out, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// sameBits returns the base64url character that differs from c in its
// lowest bit only.
func sameBits(c byte) byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	return alphabet[strings.IndexByte(alphabet, c)^1]
}

// FuzzVerifier: of a valid push token changed in any way (a byte
// replaced, added or removed), or of any Authorization header at all,
// the Verifier takes only the token Google signed, as it was; its error
// never shows the token.
func FuzzVerifier(f *testing.F) {
	google := testenv.NewGoogle(f, "key-1")
	v, err := NewVerifier(context.Background(), audience, invoker, google.Client())
	if err != nil {
		f.Fatal(err)
	}
	valid := google.Sign(f, google.Claims(audience, invoker))
	f.Add(uint8(0), uint16(0), byte(0), "")              // the valid token itself
	f.Add(uint8(1), uint16(len(valid)-1), byte('A'), "") // the signature's last character
	f.Add(uint8(1), uint16(len(valid)-1), byte('B'), "")
	// The same signature otherwise spelled: 256 bytes in 342 characters
	// leave the last one's 4 lowest bits unused.
	f.Add(uint8(1), uint16(len(valid)-1), sameBits(valid[len(valid)-1]), "") //
	f.Add(uint8(1), uint16(strings.Index(valid, ".")), byte('x'), "")        // a segment separator
	f.Add(uint8(2), uint16(len(valid)), byte('='), "")                       // padding after the signature
	f.Add(uint8(2), uint16(10), byte('\n'), "")                              // a line break
	f.Add(uint8(3), uint16(len(valid)-1), byte(0), "")                       // the last character dropped
	f.Add(uint8(4), uint16(0), byte(0), "Bearer eyJhbGciOiJub25lIn0.e30.")
	f.Add(uint8(4), uint16(0), byte(0), "Bearer a.b.c")
	f.Add(uint8(4), uint16(0), byte(0), "Basic d2c6c2VjcmV0")
	f.Fuzz(func(t *testing.T, mode uint8, pos uint16, b byte, header string) {
		token := valid
		i := int(pos) % (len(valid) + 1)
		switch mode % 5 {
		case 1:
			if i < len(valid) {
				token = valid[:i] + string([]byte{b}) + valid[i+1:]
			}
		case 2:
			token = valid[:i] + string([]byte{b}) + valid[i:]
		case 3:
			if i < len(valid) {
				token = valid[:i] + valid[i+1:]
			}
		}
		authorization := "Bearer " + token
		if mode%5 == 4 {
			authorization = header
		}
		r := httptest.NewRequest(http.MethodPost, "/_push/mailer", nil)
		r.Header["Authorization"] = []string{authorization}
		err := v.Verify(r)
		if err == nil {
			if _, got, _ := strings.Cut(authorization, " "); got != valid {
				t.Fatalf("Verify took %q, not the token Google signed (%q)", authorization, valid)
			}
			return
		}
		for _, seg := range strings.Split(token, ".") {
			if len(seg) >= 16 && strings.Contains(err.Error(), seg) {
				t.Fatalf("Verify's error %q shows the token", err)
			}
		}
	})
}
