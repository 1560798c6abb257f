package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

// defaultWorkspace is acme as F1 makes it, as the API shows it.
func defaultWorkspace(superAdminID string) map[string]any {
	return map[string]any{
		"workspaceId": "acme", "name": "Acme acme", "logoUrl": nil, "color": "#3A5BD9", "colorTone": "light",
		"plan": "free", "status": "active", "externalChatAllowed": false, "superAdminId": superAdminID,
		"profileFields": map[string]any{
			"nickname": true, "title": true, "position": true, "mobile": false, "landline": true,
			"email": true, "workLocation": true, "birthday": false, "nameDisplay": "name",
		},
	}
}

// workspaceJSON returns a workspace answer as a map.
func workspaceJSON(t testing.TB, r response) map[string]any {
	t.Helper()
	requireStatus(t, r, http.StatusOK)
	var got map[string]any
	r.JSON(t, &got)
	return got
}

// TestWorkspaceSettingsGet: any member reads their workspace; empty
// settings are null.
func TestWorkspaceSettingsGet(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	e.joinByInvite(owner, "acme", "Lee Member", "member@example.com")
	member := e.login("acme", "member@example.com", "")
	for _, s := range []session{owner, member} {
		got := workspaceJSON(t, e.call("GET", "/v1/workspaces/acme", nil, s.bearer()...))
		if diff := cmp.Diff(defaultWorkspace(owner.AccountID), got); diff != "" {
			t.Fatalf("workspace as %s (-want +got):\n%s", s.AccountID, diff)
		}
	}
}

// TestWorkspaceSettingsPatch: an admin with admin_access changes the name,
// logo, colour (stored upper-case), tone and external chat; a workspaceId
// repeating the path's is ignored; null and "" clear; fields left out
// stay; a change shows at once to members and on the invite page; an
// empty change writes nothing.
func TestWorkspaceSettingsPatch(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	link := e.newInviteLink(c.owner, "acme", map[string]any{})

	got := workspaceJSON(t, e.patchWorkspace(c.adminAccess, "acme", map[string]any{
		"workspaceId": "acme", "name": "  Acme Korea  ", "logoUrl": "https://cdn.example.com/acme.png",
		"color": "#1a2b3c", "colorTone": "dark", "externalChatAllowed": true,
	}))
	want := defaultWorkspace(c.owner.AccountID)
	want["name"], want["logoUrl"], want["color"], want["colorTone"], want["externalChatAllowed"] = "Acme Korea", "https://cdn.example.com/acme.png", "#1A2B3C", "dark", true
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("patched (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, workspaceJSON(t, e.call("GET", "/v1/workspaces/acme", nil, c.member.bearer()...))); diff != "" {
		t.Fatalf("a member reads (-want +got):\n%s", diff)
	}
	doc := e.doc("workspaces/acme")
	if doc["workspaceId"] != "acme" || doc["color"] != "#1A2B3C" || doc["name"] != "Acme Korea" || doc["externalChatAllowed"] != true {
		t.Fatalf("stored workspace = %v", doc)
	}
	r := e.call("GET", "/v1/invites/"+link.Token, nil)
	requireStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.Body), `"name":"Acme Korea","logoUrl":"https://cdn.example.com/acme.png","color":"#1A2B3C"`) {
		t.Fatalf("invite info after the change = %s", r.Body)
	}

	// Null clears; what is left out stays.
	got = workspaceJSON(t, e.patchWorkspace(c.owner, "acme", `{"logoUrl":null,"color":null,"colorTone":null}`))
	want["logoUrl"], want["color"], want["colorTone"] = nil, nil, nil
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("cleared (-want +got):\n%s", diff)
	}
	if doc := e.doc("workspaces/acme"); doc["logoUrl"] != "" || doc["color"] != "" || doc["colorTone"] != "" {
		t.Fatalf("stored after clearing = %v", doc)
	}
	workspaceJSON(t, e.patchWorkspace(c.owner, "acme", map[string]any{"logoUrl": "http://example.com/l.png", "colorTone": "light"}))
	got = workspaceJSON(t, e.patchWorkspace(c.owner, "acme", map[string]any{"logoUrl": "", "externalChatAllowed": false}))
	want["colorTone"], want["externalChatAllowed"] = "light", false
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf(`"" clears the logo (-want +got):%s`, diff)
	}
	name60 := strings.Repeat("가", 60)
	if got := workspaceJSON(t, e.patchWorkspace(c.owner, "acme", map[string]any{"name": name60})); got["name"] != name60 {
		t.Fatalf("60-character name = %v", got["name"])
	}

	// Nothing to change: answered, nothing written.
	ctx := context.Background()
	before, err := e.fs().Doc("workspaces/acme").Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, body := range []string{`{}`, `{"workspaceId":"acme","name":"` + name60 + `","colorTone":"light"}`} {
		want["name"] = name60
		if diff := cmp.Diff(want, workspaceJSON(t, e.patchWorkspace(c.adminAccess, "acme", body))); diff != "" {
			t.Fatalf("%s (-want +got):\n%s", body, diff)
		}
	}
	after, err := e.fs().Doc("workspaces/acme").Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !after.UpdateTime.Equal(before.UpdateTime) {
		t.Fatal("a change that changes nothing wrote the workspace")
	}
}

// TestWorkspaceSettingsRefusals: bad changes are 400 (a different
// workspaceId: immutable) and write nothing, not even their valid fields.
func TestWorkspaceSettingsRefusals(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	before := e.f15Snapshot()
	cases := []struct {
		name   string
		body   any
		status int
		code   string
	}{
		{"other workspaceId", `{"workspaceId":"other","name":"Renamed"}`, 400, "immutable"},
		{"null workspaceId", `{"workspaceId":null}`, 400, "immutable"},
		{"empty workspaceId", `{"workspaceId":""}`, 400, "immutable"},
		{"empty name", `{"name":""}`, 400, "invalid_request"},
		{"blank name", `{"name":"   "}`, 400, "invalid_request"},
		{"null name", `{"name":null}`, 400, "invalid_request"},
		{"61-character name", `{"name":"` + strings.Repeat("a", 61) + `"}`, 400, "invalid_request"},
		{"name with a control character", `{"name":"Acme\u0007"}`, 400, "invalid_request"},
		{"number name", `{"name":42}`, 400, "invalid_request"},
		{"colour name", `{"color":"blue"}`, 400, "invalid_request"},
		{"short colour", `{"color":"#12345"}`, 400, "invalid_request"},
		{"long colour", `{"color":"#1234567"}`, 400, "invalid_request"},
		{"colour without #", `{"color":"123456"}`, 400, "invalid_request"},
		{"colour not hex", `{"color":"#GG0000"}`, 400, "invalid_request"},
		{"bad colour with a good name", `{"name":"Renamed","color":"#12"}`, 400, "invalid_request"},
		{"tone", `{"colorTone":"medium"}`, 400, "invalid_request"},
		{"tone capitalised", `{"colorTone":"Dark"}`, 400, "invalid_request"},
		{"ftp logo", `{"logoUrl":"ftp://example.com/logo.png"}`, 400, "invalid_request"},
		{"javascript logo", `{"logoUrl":"javascript:alert(1)"}`, 400, "invalid_request"},
		{"relative logo", `{"logoUrl":"/logo.png"}`, 400, "invalid_request"},
		{"logo with credentials", `{"logoUrl":"https://user:pw@example.com/l.png"}`, 400, "invalid_request"},
		{"logo too long", `{"logoUrl":"https://example.com/` + strings.Repeat("a", 2100) + `"}`, 400, "invalid_request"},
		{"external chat as text", `{"externalChatAllowed":"yes"}`, 400, "invalid_request"},
		{"plan", `{"plan":"enterprise"}`, 400, "invalid_request"},
		{"superAdminId", `{"superAdminId":"x"}`, 400, "invalid_request"},
		{"malformed", `{"name":`, 400, "invalid_request"},
		{"empty body", ``, 400, "invalid_request"},
		{"too large", `{"name":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "payload_too_large"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.patchWorkspace(owner, "acme", tc.body)
			if r.Status != tc.status || r.Code(t) != tc.code {
				t.Fatalf("= %d %s, want %d %s", r.Status, r.Body, tc.status, tc.code)
			}
		})
	}
	if diff := cmp.Diff(before, e.f15Snapshot()); diff != "" {
		t.Fatalf("refused changes wrote (-before +after):\n%s", diff)
	}
}

// TestWorkspaceSettingsProfileFields: the profile-field settings are set
// whole, every field required, and shown with the workspace; refused
// settings write nothing.
func TestWorkspaceSettingsProfileFields(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	fields := map[string]any{
		"nickname": false, "title": true, "position": false, "mobile": true, "landline": false,
		"email": false, "workLocation": true, "birthday": true, "nameDisplay": "nickname_name",
	}
	r := e.call("PUT", "/v1/workspaces/acme/profile-fields", fields, c.adminAccess.bearer()...)
	requireStatus(t, r, http.StatusOK)
	var got map[string]any
	r.JSON(t, &got)
	if diff := cmp.Diff(fields, got); diff != "" {
		t.Fatalf("answer (-want +got):\n%s", diff)
	}
	ws := workspaceJSON(t, e.call("GET", "/v1/workspaces/acme", nil, c.member.bearer()...))
	if diff := cmp.Diff(fields, ws["profileFields"]); diff != "" {
		t.Fatalf("workspace's profileFields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(fields, e.doc("workspaces/acme")["profileFields"]); diff != "" {
		t.Fatalf("stored profileFields (-want +got):\n%s", diff)
	}

	before := e.f15Snapshot()
	without := func(field string) map[string]any {
		out := map[string]any{}
		for k, v := range fields {
			if k != field {
				out[k] = v
			}
		}
		return out
	}
	with := func(field string, value any) map[string]any {
		out := without(field)
		out[field] = value
		return out
	}
	type refusal struct {
		name string
		body any
	}
	var cases []refusal
	for _, f := range []string{"nickname", "title", "position", "mobile", "landline", "email", "workLocation", "birthday"} {
		cases = append(cases, refusal{"without " + f, without(f)}, refusal{f + " null", with(f, nil)}, refusal{f + " as text", with(f, "true")})
	}
	cases = append(cases,
		refusal{"without nameDisplay", without("nameDisplay")},
		refusal{"nameDisplay unknown", with("nameDisplay", "nickname")},
		refusal{"nameDisplay capitalised", with("nameDisplay", "Name")},
		refusal{"nameDisplay empty", with("nameDisplay", "")},
		refusal{"unknown field", with("statusMessage", true)},
		refusal{"empty object", map[string]any{}},
		refusal{"empty body", ""},
	)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call("PUT", "/v1/workspaces/acme/profile-fields", tc.body, c.owner.bearer()...)
			refused(t, r, http.StatusBadRequest, "invalid_request")
		})
	}
	if diff := cmp.Diff(before, e.f15Snapshot()); diff != "" {
		t.Fatalf("refused settings wrote (-before +after):\n%s", diff)
	}
}

// TestF15Authorization: who may call each F15 endpoint. Reading is for any
// member of the workspace; settings for the super admin and admin_access;
// deletion for the super admin and member_management; roles for the super
// admin alone. A member of another workspace is refused everywhere.
func TestF15Authorization(t *testing.T) {
	t.Parallel()
	e := start(t)
	c := e.cast()
	const (
		anonymous = iota
		other
		plain
		without // an admin without the endpoint's permission
		with    // an admin with it
		owner
		nCallers
	)
	names := []string{"anonymous", "member of another workspace", "plain member", "admin without the permission", "admin with it", "super admin"}
	// Each deletion by each caller has its own target, so a refusal is
	// not a target already gone.
	victims := make([]string, nCallers)
	for i := range victims {
		victims[i] = e.registered(c.owner, "acme", fmt.Sprintf("Victim %d", i), fmt.Sprintf("victim%d@example.com", i))
	}
	roleTarget := e.registered(c.owner, "acme", "Role Target", "role-target@example.com")
	fields := map[string]any{
		"nickname": true, "title": true, "position": true, "mobile": true, "landline": true,
		"email": true, "workLocation": true, "birthday": true, "nameDisplay": "name_nickname",
	}
	endpoints := []struct {
		method, name  string
		path          func(caller int) string
		body          any
		with, without session
		want          []int // by caller
	}{
		{"GET", "workspace", func(int) string { return "/v1/workspaces/acme" }, nil, c.adminAccess, c.memberManagement,
			[]int{401, 403, 200, 200, 200, 200}},
		{"PATCH", "workspace", func(int) string { return "/v1/workspaces/acme" }, map[string]any{"name": "Acme Renamed"}, c.adminAccess, c.memberManagement,
			[]int{401, 403, 403, 403, 200, 200}},
		{"PUT", "profile-fields", func(int) string { return "/v1/workspaces/acme/profile-fields" }, fields, c.adminAccess, c.memberManagement,
			[]int{401, 403, 403, 403, 200, 200}},
		{"GET", "members", func(int) string { return "/v1/workspaces/acme/members" }, nil, c.memberManagement, c.adminAccess,
			[]int{401, 403, 200, 200, 200, 200}},
		{"PUT", "role", func(int) string { return "/v1/workspaces/acme/members/" + roleTarget + "/role" }, map[string]any{"role": "admin", "permissions": []string{"admin_access"}},
			c.memberManagement, c.adminAccess, // no admin permission lets one change roles
			[]int{401, 403, 403, 403, 403, 200}},
		{"DELETE", "member", func(i int) string { return "/v1/workspaces/acme/members/" + victims[i] }, nil, c.memberManagement, c.adminAccess,
			[]int{401, 403, 403, 403, 204, 204}},
	}
	for _, ep := range endpoints {
		headers := [][]string{nil, c.other.bearer(), c.member.bearer(), ep.without.bearer(), ep.with.bearer(), c.owner.bearer()}
		for who := range nCallers {
			t.Run(ep.method+" "+ep.name+" as "+names[who], func(t *testing.T) {
				r := e.call(ep.method, ep.path(who), ep.body, headers[who]...)
				if r.Status != ep.want[who] {
					t.Fatalf("= %d %s, want %d", r.Status, r.Body, ep.want[who])
				}
			})
		}
	}
	for i, id := range victims {
		want := domain.MemberInvited
		if i == with || i == owner {
			want = domain.MemberDeleted
		}
		if got := e.doc("workspaces/acme/members/" + id)["status"]; got != want {
			t.Errorf("victim of %s is %v, want %s", names[i], got, want)
		}
	}
	if got := e.doc("workspaces/acme/members/" + roleTarget)["role"]; got != domain.RoleAdmin {
		t.Errorf("role target's role = %v", got)
	}
	if got := e.doc("workspaces/other")["name"]; got != "Acme other" {
		t.Errorf("the other workspace's name = %v", got)
	}
}
