package signup

import (
	"testing"

	"github.com/workgate/workgate/shared/web/webtest"
)

// FuzzDecodeCreateWorkspaceRequest fuzzes the body of a workspace
// creation, with its nested owner, into its request type.
func FuzzDecodeCreateWorkspaceRequest(f *testing.F) {
	webtest.FuzzDecode[createWorkspaceRequest](f, true,
		`{"workspaceId":"acme","name":"Acme","owner":{"name":"Kim","email":"kim@example.com","password":"correct horse battery staple"}}`,
		`{"workspaceId":"워크","name":"에이크미","owner":{"name":"김워크","email":"kim@example.com","password":"비밀번호 비밀번호"}}`,
		`{"workspaceId":"fresh","name":"x","plan":"enterprise","owner":{"name":"a","email":"a@example.com","password":"long enough pw"}}`,
		`{"workspaceId":12}`, `{"owner":{"email":"a@example.com","Email":"b@example.com"}}`, `{"owner":[]}`,
	)
}
