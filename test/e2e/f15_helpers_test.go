package e2e

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"cloud.google.com/go/firestore"

	"github.com/workgate/workgate/shared/domain"
)

// The helpers here drive F15: a workspace's settings, its member list,
// roles and the deletion of members.

// listedMember is one entry of the member list.
type listedMember struct {
	MemberID   string  `json:"memberId"`
	Name       string  `json:"name"`
	Department string  `json:"department"`
	Role       string  `json:"role"`
	Status     string  `json:"status"`
	Email      *string `json:"email"`
}

// memberPage is one page of the member list.
type memberPage struct {
	Members       []listedMember `json:"members"`
	NextPageToken *string        `json:"nextPageToken"`
}

// listMembers asks for a page of ws's member list as s.
func (e *env) listMembers(s session, ws string, query url.Values) response {
	e.t.Helper()
	return e.call("GET", "/v1/workspaces/"+ws+"/members?"+query.Encode(), nil, s.bearer()...)
}

// memberPage returns a page of ws's member list as s.
func (e *env) memberPage(s session, ws string, query url.Values) memberPage {
	e.t.Helper()
	r := e.listMembers(s, ws, query)
	requireStatus(e.t, r, http.StatusOK)
	var p memberPage
	r.JSON(e.t, &p)
	return p
}

// allMembers pages through ws's member list as s, with a search text and
// a page size, and returns every member in the order listed and the
// number of pages. Every page but the last is full, and only the last
// has no next page token.
func (e *env) allMembers(s session, ws, q string, size int) ([]listedMember, int) {
	e.t.Helper()
	var out []listedMember
	query := url.Values{"q": {q}, "pageSize": {strconv.Itoa(size)}}
	for pages := 1; ; pages++ {
		if pages > 2000 {
			e.t.Fatal("the member list never ends")
		}
		p := e.memberPage(s, ws, query)
		out = append(out, p.Members...)
		if p.NextPageToken == nil {
			if len(p.Members) > size {
				e.t.Fatalf("last page of %d members, page size %d", len(p.Members), size)
			}
			return out, pages
		}
		if len(p.Members) != size || *p.NextPageToken == "" {
			e.t.Fatalf("page %d: %d members and token %q, page size %d", pages, len(p.Members), *p.NextPageToken, size)
		}
		query.Set("pageToken", *p.NextPageToken)
	}
}

// memberNames returns the names of listed members, in order.
func memberNames(ms []listedMember) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}

// patchWorkspace changes ws's settings as s.
func (e *env) patchWorkspace(s session, ws string, body any) response {
	e.t.Helper()
	return e.call("PATCH", "/v1/workspaces/"+ws, body, s.bearer()...)
}

// setRole changes a member's role as s.
func (e *env) setRole(s session, ws, memberID string, body any) response {
	e.t.Helper()
	return e.call("PUT", "/v1/workspaces/"+ws+"/members/"+memberID+"/role", body, s.bearer()...)
}

// deleteMember deletes a member as s.
func (e *env) deleteMember(s session, ws, memberID string) response {
	e.t.Helper()
	return e.call("DELETE", "/v1/workspaces/"+ws+"/members/"+memberID, nil, s.bearer()...)
}

// f15Snapshot is f9Snapshot without the presence documents, which any
// authenticated call may refresh: what a refused call must leave as it
// was. It waits for the outbox to settle first.
func (e *env) f15Snapshot() map[string]string {
	e.t.Helper()
	e.settle()
	out := e.f9Snapshot()
	for path := range out {
		if strings.Contains(path, "/presence/") {
			delete(out, path)
		}
	}
	return out
}

// seedMembers writes members straight into Firestore as the product
// stores them (their sort and search keys set by domain.MemberIndex), with
// a BulkWriter: a large workspace in a second.
func (e *env) seedMembers(ms []*domain.Member) {
	e.t.Helper()
	bw := e.fs().BulkWriter(context.Background())
	jobs := make([]*firestore.BulkWriterJob, 0, len(ms))
	for _, m := range ms {
		domain.MemberIndex(m)
		j, err := bw.Create(e.fs().Doc("workspaces/"+m.WorkspaceID+"/members/"+m.AccountID), m)
		if err != nil {
			e.t.Fatal(err)
		}
		jobs = append(jobs, j)
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			e.t.Fatal(err)
		}
	}
}
