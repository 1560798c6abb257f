package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"cloud.google.com/go/firestore"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/store"
)

// Member list sizes (F15).
const (
	nMembers    = 1000
	listRounds  = 20  // times the whole list is paged through
	listPage    = 100 // members per page
	searchQuery = "minsu"
)

type benchMemberPage struct {
	Members []struct {
		MemberID string `json:"memberId"`
	} `json:"members"`
	NextPageToken *string `json:"nextPageToken"`
}

// members measures F15's member list in a workspace of nMembers: its owner
// (who sees e-mail addresses, so every page reads them) pages through the
// whole list listRounds times, by listPage, and searches it. The members
// besides the owner are written straight to Firestore, as the product
// stores them (sort and search keys from domain.MemberIndex): the bench
// times the list, not sign-up.
func (b *bench) members(ctx context.Context) error {
	const workspace = "bench-members"
	owner, err := b.firstLogin(ctx, workspace, "owner@members.bench.example")
	if err != nil {
		return err
	}
	if err := b.seedMembers(ctx, workspace, nMembers-1); err != nil {
		return err
	}
	path := "/v1/workspaces/" + workspace + "/members"
	list := func(q url.Values) (benchMemberPage, time.Duration, error) {
		var p benchMemberPage
		t := time.Now()
		err := b.request("GET", path+"?"+q.Encode(), "", owner.AccessToken, http.StatusOK, &p)
		return p, time.Since(t), err
	}

	var firstLat, pageLat []time.Duration
	var firstCost, pageCost cost
	for range listRounds {
		q := url.Values{"pageSize": {fmt.Sprint(listPage)}}
		seen := 0
		for page := 0; ; page++ {
			c := b.costs.since("GET /v1/workspaces/{ws}/members")
			p, lat, err := list(q)
			if err != nil {
				return err
			}
			if page == 0 {
				firstLat = append(firstLat, lat)
				firstCost = firstCost.add(c())
			} else {
				pageLat = append(pageLat, lat)
				pageCost = pageCost.add(c())
			}
			seen += len(p.Members)
			if p.NextPageToken == nil {
				break
			}
			q.Set("pageToken", *p.NextPageToken)
		}
		if seen != nMembers {
			return fmt.Errorf("members: paged through %d members, want %d", seen, nMembers)
		}
	}

	var searchLat []time.Duration
	searchCost := b.costs.since("GET /v1/workspaces/{ws}/members")
	found := 0
	for range nCalls {
		p, lat, err := list(url.Values{"q": {searchQuery}, "pageSize": {fmt.Sprint(listPage)}})
		if err != nil {
			return err
		}
		searchLat = append(searchLat, lat)
		found = len(p.Members)
	}
	searches := searchCost()

	// Floors: the same queries straight through the store, without HTTP
	// or authentication.
	var rawPageLat, rawSearchLat []time.Duration
	for range nCalls {
		for _, key := range []string{"", searchQuery} {
			t := time.Now()
			if _, err := b.s.Deps.Store.MemberPage(ctx, store.MemberList{WorkspaceID: workspace, Key: key, Emails: true, Limit: listPage + 1}); err != nil {
				return err
			}
			if key == "" {
				rawPageLat = append(rawPageLat, time.Since(t))
			} else {
				rawSearchLat = append(rawSearchLat, time.Since(t))
			}
		}
	}

	row("floor: page query (store.MemberPage, raw)", rawPageLat, float64(listPage+1), 0)
	row("floor: search query (store.MemberPage, raw)", rawSearchLat, float64(listPage+1), 0)
	costRow(fmt.Sprintf("GET …/members?pageSize=%d (first page)", listPage), firstLat, firstCost)
	costRow(fmt.Sprintf("GET …/members?pageSize=%d&pageToken=…", listPage), pageLat, pageCost)
	costRow(fmt.Sprintf("GET …/members?q=%s (%d found)", searchQuery, found), searchLat, searches)
	fmt.Printf("  %d members paged through %d times; reads per page: 4 (the caller's session, membership,\n"+
		"  workspace, presence) + the page + 1 (whether a next page exists), whatever the workspace's size.\n"+
		"  The emulator answers array-contains by scanning every member's search keys (it has no indexes);\n"+
		"  production serves the search from the composite index in infra/topology.yaml.\n", nMembers, listRounds)
	return nil
}

// seedMembers writes n members of a workspace straight to Firestore with
// a BulkWriter: a mix of names (Korean and Latin, some the same), active
// and invited.
func (b *bench) seedMembers(ctx context.Context, workspace string, n int) error {
	families := []string{"Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Jang", "Lim", "김", "이", "박"}
	givens := []string{"Minsu", "Jiwoo", "Seoyeon", "Hana", "Jisoo", "Minjun", "서연", "민준", "지우"}
	fs := b.s.Deps.Store.Firestore()
	now := b.s.Deps.Clock.Now()
	bw := fs.BulkWriter(ctx)
	jobs := make([]*firestore.BulkWriterJob, 0, n)
	for i := range n {
		m := &domain.Member{
			AccountID: domain.NewID(), WorkspaceID: workspace,
			Name:  families[i%len(families)] + " " + givens[(i/len(families))%len(givens)],
			Email: fmt.Sprintf("m%04d@members.bench.example", i), Department: fmt.Sprintf("Team %d", i%7),
			Role: domain.RoleMember, Permissions: []string{}, Status: domain.MemberActive, JoinedAt: now,
		}
		if i%10 == 3 {
			m.Status = domain.MemberInvited
		}
		domain.MemberIndex(m)
		j, err := bw.Create(fs.Collection("workspaces").Doc(workspace).Collection("members").Doc(m.AccountID), m)
		if err != nil {
			return err
		}
		jobs = append(jobs, j)
	}
	bw.End()
	for _, j := range jobs {
		if _, err := j.Results(); err != nil {
			return err
		}
	}
	return nil
}
