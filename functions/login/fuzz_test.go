package login

import (
	"testing"

	"github.com/workgate/workgate/shared/web/webtest"
)

// FuzzDecodePasswordRequest fuzzes the password login's body, which
// holds a nested object (the device), into its request type.
func FuzzDecodePasswordRequest(f *testing.F) {
	webtest.FuzzDecode[passwordRequest](f, true,
		`{"loginTicket":"eyJhbGciOiJFZERTQSJ9.e30.c2ln","workspaceId":"acme","email":"kim@example.com","password":"correct horse battery staple","device":{"name":"Kim's phone","platform":"ios"},"deviceToken":"0123456789abcdef0123456789abcdef.c2VjcmV0"}`,
		`{"workspaceId":"acme","email":"kim@example.com","password":"pw","device":{"name":"Chrome","platform":"web"}}`,
		`{"device":null}`, `{"device":{"name":"a","os":"x"}}`, `{"device":{"Name":"a"}}`, `{"device":"phone"}`,
		`{"password":"pw","password":"other"}`, `{"Password":"pw"}`,
	)
}
