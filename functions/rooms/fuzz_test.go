package rooms

import (
	"testing"

	"github.com/workgate/workgate/shared/web/webtest"
)

// FuzzDecodeCreateRequest fuzzes a room's creation, with its list of
// members, into its request type.
func FuzzDecodeCreateRequest(f *testing.F) {
	webtest.FuzzDecode[createRequest](f, true,
		`{"type":"group","memberIds":["0123456789abcdef0123456789abcdef","fedcba9876543210fedcba9876543210"],"name":"프로젝트"}`,
		`{"type":"direct","memberIds":["0123456789abcdef0123456789abcdef"]}`,
		`{"memberIds":null}`, `{"memberIds":[]}`, `{"memberIds":[1]}`, `{"memberIds":"a"}`, `{"type":"self","members":[]}`,
	)
}

// FuzzDecodeReadRequest fuzzes a read mark, a required integer, into its
// request type.
func FuzzDecodeReadRequest(f *testing.F) {
	webtest.FuzzDecode[readRequest](f, true,
		`{"seq":1767225600000000}`, `{"seq":0}`, `{"seq":null}`, `{"seq":-1}`, `{"seq":1.0}`, `{"seq":1e3}`,
		`{"seq":9007199254740993}`, `{"seq":9223372036854775808}`, `{"seq":"5"}`, `{"seq":5,"seq":6}`,
	)
}
