// Package webtest fuzzes web.Decode into the request types of the
// functions, which sit unexported beside their handlers: each function's
// test calls FuzzDecode with its own type, and the properties checked are
// the ones Decode promises whatever the type.
package webtest

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/web"
)

// Seeds are bodies worth starting from for any request type: the edge
// cases of JSON and of Decode's rules. FuzzDecode adds them to the
// caller's own.
var Seeds = []string{
	``, ` `, `{}`, `{} `, "{}\n", `null`, `[]`, `""`, `0`, `true`,
	`{`, `}`, `{}{}`, `{} {}`, `{}x`, `{},`, `[{}]`,
	`{"":1}`, `{"x":1}`, `{"a":1,"a":2}`, `{"a":null}`,
	"{\"a\":\"\xff\"}", "{\"\xff\":1}", `{"a":"\ud800"}`, `{"a":"\u0000"}`,
	`{"a":1e999}`, `{"a":-0}`, `{"a":[]}`, `{"a":{}}`,
	"\ufeff{}", "\x00{}",
}

// FuzzDecode fuzzes web.Decode into a T, starting from seeds (bodies
// that T's handler takes, and ones it refuses) and Seeds. It checks that
// a body Decode takes is one JSON object of valid UTF-8, with nothing
// after it, no member name twice in an object and no member name that is
// not, exactly, one of T's (or its fields') JSON names; that what it
// decoded encodes and decodes back to the same value (when roundTrip;
// types whose fields cannot be encoded, such as web.Optional, skip it);
// and that a refusal is a short invalid_request (or payload_too_large)
// that quotes no value of the body.
func FuzzDecode[T any](f *testing.F, roundTrip bool, seeds ...string) {
	f.Helper()
	for _, s := range append(seeds, Seeds...) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v T
		err := web.Decode(httptest.NewRequest("POST", "/", bytes.NewReader(body)), &v)
		if err != nil {
			checkRefusal(t, body, err)
			return
		}
		if err := checkAccepted(body, reflect.TypeFor[T]()); err != nil {
			t.Fatalf("Decode took %q: %v", body, err)
		}
		if !roundTrip {
			return
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("encoding what Decode made of %q: %v", body, err)
		}
		var w T
		if err := web.Decode(httptest.NewRequest("POST", "/", bytes.NewReader(again)), &w); err != nil {
			t.Fatalf("Decode refused %q, the encoding of what it made of %q: %v", again, body, err)
		}
		if diff := cmp.Diff(v, w); diff != "" {
			t.Fatalf("%q decoded, encoded and decoded again differs (-first +again):\n%s", body, diff)
		}
	})
}

// maxDetail bounds a refusal's message: it names what is wrong, and
// does not carry the body back.
const maxDetail = 200

func checkRefusal(t *testing.T, body []byte, err error) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || (e.Kind != errs.Invalid && e.Kind != errs.PayloadTooLarge) {
		t.Fatalf("Decode(%q) = %v, want invalid_request or payload_too_large", body, err)
	}
	if e.Kind == errs.PayloadTooLarge && len(body) <= web.MaxBody {
		t.Fatalf("Decode(%q) = %v for %d bytes", body, err, len(body))
	}
	if len(e.Message) > maxDetail {
		t.Fatalf("Decode(%q) refused with a %d-byte message: %.80q…", body, len(e.Message), e.Message)
	}
	for _, s := range quotable(body) {
		if strings.Contains(e.Message, s) {
			t.Fatalf("Decode(%q) = %q quotes the value %q", body, e.Message, s)
		}
	}
}

// wording is the fixed text of Decode's refusals, which a value of the
// body may happen to spell.
var wording = "the body is empty; the body must be a JSON object; the body must hold one JSON value; " +
	"the body is not valid JSON; the body could not be read; unknown field; has the wrong type; " +
	"appears twice; the body is larger than 64 KiB"

// quotable returns the string values of the first JSON value in body, if
// it parses, that a refusal could only contain by quoting them: of at
// least 3 bytes, and not part of a member name (which a refusal may
// name) or of the refusals' wording.
func quotable(body []byte) []string {
	var v any
	if json.NewDecoder(bytes.NewReader(body)).Decode(&v) != nil {
		return nil
	}
	var values, names []string
	var walk func(any)
	walk = func(x any) {
		switch x := x.(type) {
		case string:
			values = append(values, x)
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for k, e := range x {
				names = append(names, k)
				walk(e)
			}
		}
	}
	walk(v)
	kept := values[:0]
	for _, s := range values {
		if len(s) >= 3 && !strings.Contains(wording, s) && !slices.ContainsFunc(names, func(n string) bool { return strings.Contains(n, s) }) {
			kept = append(kept, s)
		}
	}
	return kept
}

// checkAccepted returns why body should not have been taken as a T.
func checkAccepted(body []byte, typ reflect.Type) error {
	if !utf8.Valid(body) {
		return errors.New("not valid UTF-8")
	}
	if !json.Valid(body) {
		return errors.New("not one JSON value")
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return errors.New("not a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	return checkValue(dec, typ, "")
}

// checkValue reads the next value of dec, which must fit typ by the
// exact JSON names of its fields, each member once.
func checkValue(dec *json.Decoder, typ reflect.Type, path string) error {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	if decodesItself(typ) || typ.Kind() == reflect.Interface {
		var skip json.RawMessage
		return dec.Decode(&skip)
	}
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch tok {
	case json.Delim('{'):
		var fields map[string]reflect.Type
		switch typ.Kind() {
		case reflect.Struct:
			fields = jsonFields(typ)
		case reflect.Map:
		default:
			return errors.New(path + ": an object for a " + typ.String())
		}
		seen := map[string]bool{}
		for dec.More() {
			tok, err := dec.Token()
			if err != nil {
				return err
			}
			name := tok.(string)
			if seen[name] {
				return errors.New(path + ": member " + name + " twice")
			}
			seen[name] = true
			elem := fields[name] // nil for a map: any name
			if typ.Kind() == reflect.Map {
				elem = typ.Elem()
			}
			if elem == nil {
				return errors.New(path + ": member " + name + " is not a field")
			}
			if err := checkValue(dec, elem, path+"/"+name); err != nil {
				return err
			}
		}
		_, err := dec.Token() // '}'
		return err
	case json.Delim('['):
		if typ.Kind() != reflect.Slice && typ.Kind() != reflect.Array {
			return errors.New(path + ": an array for a " + typ.String())
		}
		for dec.More() {
			if err := checkValue(dec, typ.Elem(), path+"/[]"); err != nil {
				return err
			}
		}
		_, err := dec.Token() // ']'
		return err
	}
	return nil // a scalar or null
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// decodesItself reports whether values of typ read their own JSON (like
// time.Time and web.Optional), which the names check then leaves alone.
func decodesItself(typ reflect.Type) bool {
	p := reflect.PointerTo(typ)
	return p.Implements(jsonUnmarshaler) || p.Implements(textUnmarshaler)
}

// jsonFields returns the JSON names of a struct's fields, as
// encoding/json names them, with the type of each: an untagged embedded
// struct's fields are the struct's own, unless a shallower field has the
// name.
func jsonFields(typ reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	var embedded []reflect.Type
	for i := range typ.NumField() {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if f.Anonymous && name == "" && ft.Kind() == reflect.Struct {
			embedded = append(embedded, ft)
			continue
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	for _, e := range embedded {
		for name, t := range jsonFields(e) {
			if out[name] == nil {
				out[name] = t
			}
		}
	}
	return out
}
