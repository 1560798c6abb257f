package workspaces

import (
	"testing"

	"github.com/workgate/workgate/shared/web/webtest"
)

// FuzzDecodeUpdateWorkspaceRequest fuzzes a workspace's partial update,
// whose fields tell absent from null, into its request type.
func FuzzDecodeUpdateWorkspaceRequest(f *testing.F) {
	webtest.FuzzDecode[updateWorkspaceRequest](f, false,
		`{"name":"Acme","logoUrl":null,"color":"#336699","colorTone":"dark","externalChatAllowed":true}`,
		`{"workspaceId":"acme-2"}`, `{"logoUrl":"https://example.com/logo.png"}`, `{"externalChatAllowed":null}`,
		`{"externalChatAllowed":"true"}`, `{"name":1}`, `{"name":"a","Name":"b"}`, `{"plan":"enterprise"}`,
	)
}

// FuzzDecodeCreateInviteLinkRequest fuzzes an invite link's limits,
// optional integers, into their request type.
func FuzzDecodeCreateInviteLinkRequest(f *testing.F) {
	webtest.FuzzDecode[createInviteLinkRequest](f, true,
		`{"expiresInHours":72,"maxUses":10}`, `{}`, `{"maxUses":null}`, `{"expiresInHours":1.5}`,
		`{"expiresInHours":1e2}`, `{"maxUses":-1}`, `{"maxUses":9223372036854775808}`, `{"maxUses":"3"}`, `{"uses":3}`,
	)
}
