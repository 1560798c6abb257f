package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/workgate/workgate/shared/domain"
)

// The fields of one's own profile (GET /v1/me/profile), those a member
// edits (PATCH), those every profile view shows, and those the
// workspace's settings show or hide.
var (
	ownProfileFields = []string{"memberId", "workspaceId", "name", "email", "department", "nickname", "title",
		"position", "mobile", "landline", "workLocation", "birthday", "statusMessage", "photoUrl"}
	editableProfileFields = []string{"nickname", "title", "position", "mobile", "landline", "workLocation", "birthday", "statusMessage", "photoUrl"}
	alwaysVisibleFields   = []string{"memberId", "displayName", "name", "photoUrl", "department", "statusMessage"}
	optionalVisibleFields = []string{"nickname", "title", "position", "mobile", "landline", "email", "workLocation", "birthday"}
)

// only returns the entries of m under keys; a key m lacks stays absent,
// so that a diff tells a missing field from a null one. (Answers may
// carry more fields than API.md lists.)
func only(m map[string]any, keys ...string) map[string]any {
	out := map[string]any{}
	for _, k := range keys {
		if v, ok := m[k]; ok {
			out[k] = v
		}
	}
	return out
}

// with returns a copy of m with k set to v.
func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{}
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}

// TestProfileOwn is F11 for one's own profile: every field with nulls for
// the empty ones, each field changed (phone numbers normalised, text
// trimmed) leaving the others as they were, fields cleared with null or
// "", the limits at their boundaries, and every bad input refused with
// nothing written.
func TestProfileOwn(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	memberDoc := profilePath("acme", owner.AccountID)

	e.step(t, "fresh profile", func(t *testing.T) {
		want := map[string]any{
			"memberId": owner.AccountID, "workspaceId": "acme", "name": "Kim Workgate", "email": "owner@example.com",
			"department": nil, "nickname": nil, "title": nil, "position": nil, "mobile": nil, "landline": nil,
			"workLocation": nil, "birthday": nil, "statusMessage": nil, "photoUrl": nil,
		}
		if diff := cmp.Diff(want, only(e.profile(owner), ownProfileFields...)); diff != "" {
			t.Fatalf("own profile (-want +got):\n%s", diff)
		}
	})

	e.step(t, "fields an admin gave", func(t *testing.T) {
		jung := e.registeredSession(owner, "acme", map[string]string{
			"email": "jung@example.com", "name": "Jung Hoseok", "department": "Sales",
			"title": "Team lead", "position": "Manager", "mobile": "010-2222-3333",
		})
		want := map[string]any{
			"memberId": jung.AccountID, "workspaceId": "acme", "name": "Jung Hoseok", "email": "jung@example.com",
			"department": "Sales", "nickname": nil, "title": "Team lead", "position": "Manager", "mobile": "+821022223333",
			"landline": nil, "workLocation": nil, "birthday": nil, "statusMessage": nil, "photoUrl": nil,
		}
		if diff := cmp.Diff(want, only(e.profile(jung), ownProfileFields...)); diff != "" {
			t.Fatalf("registered member's profile (-want +got):\n%s", diff)
		}
	})

	e.step(t, "each field", func(t *testing.T) {
		cases := []struct{ field, in, want string }{
			{"nickname", "  Kimmy  ", "Kimmy"},
			{"title", "팀장", "팀장"},
			{"position", " Senior Manager ", "Senior Manager"},
			{"mobile", "010-1234-5678", "+821012345678"},
			{"landline", "02-123-4567", "+8221234567"},
			{"workLocation", "Pangyo HQ, 5F", "Pangyo HQ, 5F"},
			{"birthday", "1990-05-17", "1990-05-17"},
			{"statusMessage", "회의 중 · in a meeting", "회의 중 · in a meeting"},
			{"photoUrl", "https://cdn.example.com/p/kim.png?size=200", "https://cdn.example.com/p/kim.png?size=200"},
		}
		for _, tc := range cases { // in turn: each change keeps the earlier ones
			before := only(e.profile(owner), ownProfileFields...)
			got := e.patchedProfile(owner, map[string]any{tc.field: tc.in})
			want := with(before, tc.field, tc.want)
			if diff := cmp.Diff(want, only(got, ownProfileFields...)); diff != "" {
				t.Fatalf("PATCH %s=%q answered (-want +got):\n%s", tc.field, tc.in, diff)
			}
			if diff := cmp.Diff(want, only(e.profile(owner), ownProfileFields...)); diff != "" {
				t.Fatalf("GET after PATCH %s (-want +got):\n%s", tc.field, diff)
			}
			if stored := e.doc(memberDoc)[tc.field]; stored != tc.want {
				t.Fatalf("stored %s = %#v, want %q", tc.field, stored, tc.want)
			}
		}
		// Several fields at once.
		got := e.patchedProfile(owner, map[string]any{"title": "Director", "mobile": "+1 415 555 0100", "statusMessage": "Away"})
		if got["title"] != "Director" || got["mobile"] != "+14155550100" || got["statusMessage"] != "Away" || got["nickname"] != "Kimmy" {
			t.Fatalf("PATCH of several fields = %v", got)
		}
	})

	e.step(t, "phone numbers", func(t *testing.T) {
		cases := []struct{ in, want string }{
			{"010-1234-5678", "+821012345678"},
			{"+82 (10) 1234.5678", "+821012345678"},
			{"02-123-4567", "+8221234567"},
			{"+1 415 555 0100", "+14155550100"},
			{" 01012345678 ", "+821012345678"},
		}
		for _, field := range []string{"mobile", "landline"} {
			for _, tc := range cases {
				if got := e.patchedProfile(owner, map[string]any{field: tc.in}); got[field] != tc.want {
					t.Errorf("%s %q answered %#v, want %q", field, tc.in, got[field], tc.want)
				}
				if stored := e.doc(memberDoc)[field]; stored != tc.want {
					t.Errorf("%s %q stored as %#v, want %q", field, tc.in, stored, tc.want)
				}
			}
		}
	})

	e.step(t, "clearing", func(t *testing.T) {
		full := map[string]any{
			"nickname": "Kimmy", "title": "Director", "position": "VP", "mobile": "+821012345678", "landline": "+8221234567",
			"workLocation": "Seoul", "birthday": "1990-05-17", "statusMessage": "Busy", "photoUrl": "https://cdn.example.com/k.png",
		}
		e.patchedProfile(owner, full)
		// Half cleared with null, half with "": the absent ones stay.
		clear := map[string]any{"nickname": nil, "title": "", "mobile": nil, "birthday": "", "photoUrl": nil}
		got := only(e.patchedProfile(owner, clear), editableProfileFields...)
		want := map[string]any{}
		for k, v := range full {
			want[k] = v
		}
		for k := range clear {
			want[k] = nil
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("after clearing some (-want +got):\n%s", diff)
		}
		stored := e.doc(memberDoc)
		for _, k := range editableProfileFields {
			wantStored := full[k]
			if _, cleared := clear[k]; cleared {
				wantStored = ""
			}
			if stored[k] != wantStored {
				t.Errorf("stored %s = %#v, want %#v (a cleared field is stored as \"\")", k, stored[k], wantStored)
			}
		}
		got = only(e.patchedProfile(owner, map[string]any{"position": nil, "landline": "", "workLocation": nil, "statusMessage": ""}), editableProfileFields...)
		for _, k := range editableProfileFields {
			if got[k] != nil {
				t.Errorf("%s = %#v after clearing everything, want null", k, got[k])
			}
		}
		if diff := cmp.Diff(got, only(e.profile(owner), editableProfileFields...)); diff != "" {
			t.Fatalf("GET after clearing (-PATCH +GET):\n%s", diff)
		}
		// An empty change changes nothing.
		if got := only(e.patchedProfile(owner, map[string]any{}), ownProfileFields...); cmp.Diff(only(e.profile(owner), ownProfileFields...), got) != "" {
			t.Fatalf("PATCH {} = %v", got)
		}
	})

	e.step(t, "limits", func(t *testing.T) {
		url2048 := "https://example.com/" + strings.Repeat("a", 2048-len("https://example.com/"))
		cases := []struct{ field, in, want string }{
			{"nickname", strings.Repeat("n", 30), strings.Repeat("n", 30)},
			{"nickname", strings.Repeat("닉", 30), strings.Repeat("닉", 30)},
			{"nickname", "  " + strings.Repeat("닉", 30) + "  ", strings.Repeat("닉", 30)},
			{"title", strings.Repeat("t", 100), strings.Repeat("t", 100)},
			{"title", strings.Repeat("팀", 100), strings.Repeat("팀", 100)},
			{"position", strings.Repeat("직", 100), strings.Repeat("직", 100)},
			{"workLocation", strings.Repeat("w", 100), strings.Repeat("w", 100)},
			{"workLocation", strings.Repeat("판", 100), strings.Repeat("판", 100)},
			{"statusMessage", strings.Repeat("s", 60), strings.Repeat("s", 60)},
			{"statusMessage", strings.Repeat("상", 60), strings.Repeat("상", 60)},
			{"photoUrl", url2048, url2048},
			{"photoUrl", "http://example.com/a.png", "http://example.com/a.png"},
		}
		for _, tc := range cases {
			if got := e.patchedProfile(owner, map[string]any{tc.field: tc.in}); got[tc.field] != tc.want {
				t.Errorf("%s of %d characters answered %#v", tc.field, len([]rune(tc.in)), got[tc.field])
			}
		}
	})

	e.step(t, "birthday", func(t *testing.T) {
		now := e.devNow()
		for _, ok := range []string{"2024-02-29", "2000-02-29", "1900-01-01", now.AddDate(0, 0, -1).Format(time.DateOnly)} {
			if got := e.patchedProfile(owner, map[string]any{"birthday": ok}); got["birthday"] != ok {
				t.Errorf("birthday %s answered %#v", ok, got["birthday"])
			}
		}
		// A date in the future by the dev clock is refused until the dev
		// clock reaches it: "now" is the product's clock, not the machine's.
		future := now.AddDate(0, 0, 3).Format(time.DateOnly)
		refused(t, e.patchProfile(owner, map[string]any{"birthday": future}), http.StatusBadRequest, "invalid_request")
		e.advance(4 * 24 * 3600)
		owner = e.renew(owner)
		if got := e.patchedProfile(owner, map[string]any{"birthday": future}); got["birthday"] != future {
			t.Fatalf("birthday %s, today by the dev clock, answered %#v", future, got["birthday"])
		}
	})

	e.step(t, "refused", func(t *testing.T) {
		e.patchedProfile(owner, map[string]any{"nickname": "Kimmy", "title": "Director", "mobile": "010-1234-5678", "birthday": "1990-05-17"})
		kept := e.profile(owner)
		tomorrow := e.devNow().AddDate(0, 0, 2).Format(time.DateOnly)
		cases := []struct {
			name  string
			field string
			value any
		}{
			{"nickname 31", "nickname", strings.Repeat("n", 31)},
			{"nickname 31 Korean", "nickname", strings.Repeat("닉", 31)},
			{"nickname control", "nickname", "Kim\x07my"},
			{"nickname newline", "nickname", "Kim\nmy"},
			{"nickname DEL", "nickname", "Kim\x7fmy"},
			{"title 101", "title", strings.Repeat("t", 101)},
			{"title 101 Korean", "title", strings.Repeat("팀", 101)},
			{"title control", "title", "Team\x00lead"},
			{"position 101", "position", strings.Repeat("p", 101)},
			{"position 101 Korean", "position", strings.Repeat("직", 101)},
			{"workLocation 101", "workLocation", strings.Repeat("w", 101)},
			{"workLocation 101 Korean", "workLocation", strings.Repeat("판", 101)},
			{"statusMessage 61", "statusMessage", strings.Repeat("s", 61)},
			{"statusMessage 61 Korean", "statusMessage", strings.Repeat("상", 61)},
			{"statusMessage control", "statusMessage", "busy\x1b[31m"},
			{"photoUrl 2049", "photoUrl", "https://example.com/" + strings.Repeat("a", 2049-len("https://example.com/"))},
			{"photoUrl javascript", "photoUrl", "javascript:alert(1)"},
			{"photoUrl ftp", "photoUrl", "ftp://x"},
			{"photoUrl not a url", "photoUrl", "not a url"},
			{"photoUrl relative", "photoUrl", "/images/kim.png"},
			{"photoUrl space", "photoUrl", "https://example.com/my photo.png"},
			{"photoUrl data", "photoUrl", "data:image/png;base64,AAAA"},
			{"photoUrl no host", "photoUrl", "https://"},
			{"mobile words", "mobile", "call me"},
			{"mobile short", "mobile", "12"},
			{"mobile plus inside", "mobile", "010+1234"},
			{"landline words", "landline", "call me"},
			{"landline short", "landline", "12"},
			{"landline plus inside", "landline", "010+1234"},
			{"birthday 2023-02-29", "birthday", "2023-02-29"},
			{"birthday 2000-02-30", "birthday", "2000-02-30"},
			{"birthday month 13", "birthday", "2000-13-01"},
			{"birthday 1899", "birthday", "1899-12-31"},
			{"birthday future", "birthday", tomorrow},
			{"birthday slashes", "birthday", "1990/05/17"},
			{"birthday unpadded", "birthday", "1990-5-17"},
			{"birthday day first", "birthday", "17-05-1990"},
			{"birthday with time", "birthday", "1990-05-17T00:00:00Z"},
			{"nickname number", "nickname", 5},
			{"birthday boolean", "birthday", true},
			{"title array", "title", []string{"x"}},
			{"mobile object", "mobile", map[string]any{"n": 1}},
			{"unknown name", "name", "Someone Else"},
			{"unknown email", "email", "else@example.com"},
			{"unknown department", "department", "Finance"},
			{"unknown memberId", "memberId", "x"},
			{"unknown workspaceId", "workspaceId", "other"},
			{"unknown nick", "nick", "K"},
		}
		for _, tc := range cases {
			e.step(t, tc.name, func(t *testing.T) {
				// A valid change rides along: it must not be written either.
				ride := "statusMessage"
				if tc.field == ride {
					ride = "nickname"
				}
				body := map[string]any{ride: "should not be written", tc.field: tc.value}
				before := e.doc(memberDoc)
				refused(t, e.patchProfile(owner, body), http.StatusBadRequest, "invalid_request")
				if diff := cmp.Diff(before, e.doc(memberDoc)); diff != "" {
					t.Fatalf("a refused PATCH wrote (-before +after):\n%s", diff)
				}
			})
		}
		raw := []struct {
			name   string
			body   string
			status int
			code   string
		}{
			{"malformed", `{"nickname":`, 400, "invalid_request"},
			{"array", `[{"nickname":"x"}]`, 400, "invalid_request"},
			{"string", `"nickname"`, 400, "invalid_request"},
			{"too large", `{"statusMessage":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "payload_too_large"},
		}
		before := e.doc(memberDoc)
		for _, tc := range raw {
			e.step(t, tc.name, func(t *testing.T) {
				refused(t, e.patchProfile(owner, tc.body), tc.status, tc.code)
			})
		}
		if diff := cmp.Diff(before, e.doc(memberDoc)); diff != "" {
			t.Fatalf("refused PATCHes wrote (-before +after):\n%s", diff)
		}
		if diff := cmp.Diff(kept, e.profile(owner)); diff != "" {
			t.Fatalf("profile after refusals (-before +after):\n%s", diff)
		}
	})

	e.step(t, "anonymous", func(t *testing.T) {
		for _, r := range []response{
			e.call("GET", "/v1/me/profile", nil),
			e.call("PATCH", "/v1/me/profile", map[string]any{"nickname": "x"}),
			e.call("GET", "/v1/members/"+owner.AccountID+"/profile", nil),
			e.call("GET", "/v1/me/profile", nil, "Authorization", "Bearer not-a-jwt"),
		} {
			refused(t, r, http.StatusUnauthorized, "unauthenticated")
		}
	})
}

// visibleWant is a member's profile as their workspace's settings f show
// it, from their own profile (GET /v1/me/profile): the always-shown
// fields, each optional field that f turns on (null when empty) and none
// that f turns off.
func visibleWant(own map[string]any, f domain.ProfileFields, displayName string) map[string]any {
	want := map[string]any{
		"memberId": own["memberId"], "displayName": displayName, "name": own["name"],
		"photoUrl": own["photoUrl"], "department": own["department"], "statusMessage": own["statusMessage"],
	}
	on := map[string]bool{
		"nickname": f.Nickname, "title": f.Title, "position": f.Position, "mobile": f.Mobile,
		"landline": f.Landline, "email": f.Email, "workLocation": f.WorkLocation, "birthday": f.Birthday,
	}
	for k, shown := range on {
		if shown {
			want[k] = own[k]
		}
	}
	return want
}

// visibleGot is the part of a profile view a test compares. The fields
// always shown must be there; API.md leaves open whether an empty one is
// null or "", so "" reads as null.
func visibleGot(p map[string]any) map[string]any {
	got := only(p, append(append([]string{}, alwaysVisibleFields...), optionalVisibleFields...)...)
	for _, k := range []string{"photoUrl", "department", "statusMessage"} {
		if got[k] == "" {
			got[k] = nil
		}
	}
	return got
}

// TestProfileVisibility is F11 as others see a profile: exactly the fields
// the workspace's settings turn on (absent when off, null when on but
// empty), the display name in each format with and without a nickname and
// with nicknames hidden; members of the same workspace (any status but
// deleted, oneself too) see it, anyone unrelated gets 404.
func TestProfileVisibility(t *testing.T) {
	t.Parallel()
	e := start(t)
	owner := e.ownerSession("acme", "owner@example.com")
	lee := e.registeredSession(owner, "acme", map[string]string{
		"email": "lee@example.com", "name": "Lee Colleague", "department": "Sales",
		"title": "Team lead", "position": "Manager", "mobile": "010-9876-5432",
	})
	e.patchedProfile(lee, map[string]any{
		"nickname": "Leo", "landline": "02-555-0100", "workLocation": "Pangyo 5F", "birthday": "1992-03-04",
		"statusMessage": "Heads down", "photoUrl": "https://cdn.example.com/lee.png",
	})
	invitedID := e.registered(owner, "acme", "Yoon Invited", "yoon@example.com") // no password yet: invited
	leeOwn, kimOwn := e.profile(lee), e.profile(owner)
	if leeOwn["nickname"] != "Leo" || leeOwn["landline"] != "+8225550100" || kimOwn["nickname"] != nil {
		t.Fatalf("setup: lee %v, kim %v", leeOwn, kimOwn)
	}

	onlyNickHidden := allProfileFields(domain.NicknameThenName)
	onlyNickHidden.Nickname = false
	hiddenNameNick := allProfileFields(domain.NameThenNickname)
	hiddenNameNick.Nickname = false
	cases := []struct {
		name   string
		fields *domain.ProfileFields // nil: a new workspace's defaults
		// display names of Lee (nickname Leo) and Kim (no nickname)
		lee, kim string
	}{
		{"defaults", nil, "Lee Colleague", "Kim Workgate"},
		{"all on, name", new(allProfileFields(domain.NameOnly)), "Lee Colleague", "Kim Workgate"},
		{"all on, name_nickname", new(allProfileFields(domain.NameThenNickname)), "Lee Colleague (Leo)", "Kim Workgate"},
		{"all on, nickname_name", new(allProfileFields(domain.NicknameThenName)), "Leo (Lee Colleague)", "Kim Workgate"},
		{"nicknames hidden, nickname_name", &onlyNickHidden, "Lee Colleague", "Kim Workgate"},
		{"nicknames hidden, name_nickname", &hiddenNameNick, "Lee Colleague", "Kim Workgate"},
		{"all off, nickname_name", &domain.ProfileFields{NameDisplay: domain.NicknameThenName}, "Lee Colleague", "Kim Workgate"},
		{"private ones only", &domain.ProfileFields{Mobile: true, Birthday: true, NameDisplay: domain.NameThenNickname}, "Lee Colleague", "Kim Workgate"},
		{"contact ones only", &domain.ProfileFields{Nickname: true, Email: true, Landline: true, NameDisplay: domain.NameThenNickname}, "Lee Colleague (Leo)", "Kim Workgate"},
	}
	for _, tc := range cases {
		e.step(t, tc.name, func(t *testing.T) {
			f := domain.DefaultProfileFields()
			if tc.fields != nil {
				f = *tc.fields
				e.setProfileFields(owner, "acme", f)
			}
			views := []struct {
				name   string
				viewer session
				own    map[string]any
				shown  string
			}{
				{"kim sees lee", owner, leeOwn, tc.lee},
				{"lee sees herself", lee, leeOwn, tc.lee},
				{"lee sees kim", lee, kimOwn, tc.kim},
				{"kim sees himself", owner, kimOwn, tc.kim},
			}
			for _, v := range views {
				got := e.visibleProfile(v.viewer, v.own["memberId"].(string))
				if diff := cmp.Diff(visibleWant(v.own, f, v.shown), visibleGot(got)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", v.name, diff)
				}
			}
		})
	}

	e.step(t, "invited member", func(t *testing.T) {
		got := e.visibleProfile(lee, invitedID)
		if got["memberId"] != invitedID || got["name"] != "Yoon Invited" || got["displayName"] != "Yoon Invited" {
			t.Fatalf("invited member's profile = %v", got)
		}
	})

	e.step(t, "outsiders", func(t *testing.T) {
		other := e.ownerSession("other", "other@example.com")
		// Unrelated stays unrelated even with external chat on both sides.
		for _, allowed := range []bool{false, true} {
			e.setExternalChat(owner, allowed)
			e.setExternalChat(other, allowed)
			refused(t, e.memberProfile(other, lee.AccountID), http.StatusNotFound, "not_found")
			refused(t, e.memberProfile(other, owner.AccountID), http.StatusNotFound, "not_found")
			refused(t, e.memberProfile(lee, other.AccountID), http.StatusNotFound, "not_found")
		}
		for _, id := range []string{domain.NewID(), "nobody", "x.y"} {
			refused(t, e.memberProfile(lee, id), http.StatusNotFound, "not_found")
		}
	})

	e.step(t, "deleted member", func(t *testing.T) {
		e.memberDeleted(owner, "acme", lee.AccountID)
		refused(t, e.memberProfile(owner, lee.AccountID), http.StatusNotFound, "not_found")
		e.memberDeleted(owner, "acme", invitedID)
		refused(t, e.memberProfile(owner, invitedID), http.StatusNotFound, "not_found")
	})
}
