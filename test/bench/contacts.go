package main

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// nAdds is how many external-member additions F12's chain is timed on.
const nAdds = 25

type benchNotes struct {
	Notifications []struct {
		NotificationID string `json:"notificationId"`
		Kind           string `json:"kind"`
	} `json:"notifications"`
}

// contacts measures F11 and F12 between two workspaces that allow external
// chat: profile views (a colleague's, an external member's), the QR code,
// and the chain of an addition by QR link: the commit with its event, the
// introductions job, and the owner's next poll of their notifications. The
// adder removes the owner after each addition, so each one notifies anew.
func (b *bench) contacts(ctx context.Context) error {
	owner, err := b.firstLogin(ctx, "bench-contacts", "owner@contacts.bench.example")
	if err != nil {
		return err
	}
	adder, err := b.firstLogin(ctx, "bench-contacts-b", "adder@contacts.bench.example")
	if err != nil {
		return err
	}
	const colleagueID = "c0ffee00c0ffee00c0ffee00c0ffee00"
	if err := b.addMember(ctx, "bench-contacts", owner.AccountID, colleagueID, "colleague@contacts.bench.example"); err != nil {
		return err
	}
	for _, s := range []benchSession{owner, adder} {
		ws := map[string]string{owner.AccountID: "bench-contacts", adder.AccountID: "bench-contacts-b"}[s.AccountID]
		if err := b.request("PATCH", "/v1/workspaces/"+ws, `{"externalChatAllowed":true}`, s.AccessToken, http.StatusOK, nil); err != nil {
			return err
		}
	}
	var link struct {
		Token string `json:"token"`
	}
	if err := b.request("POST", "/v1/me/profile-links", `{"type":"qr"}`, owner.AccessToken, http.StatusCreated, &link); err != nil {
		return err
	}

	timed := func(route, method, path, body, token string, want int) ([]time.Duration, cost, error) {
		var lat []time.Duration
		c := b.costs.since(route)
		for range nCalls {
			t := time.Now()
			if err := b.request(method, path, body, token, want, nil); err != nil {
				return nil, cost{}, err
			}
			lat = append(lat, time.Since(t))
		}
		return lat, c(), nil
	}
	colleagueLat, colleagueCost, err := timed("GET /v1/members/{memberId}/profile", "GET", "/v1/members/"+colleagueID+"/profile", "", owner.AccessToken, http.StatusOK)
	if err != nil {
		return err
	}
	qrLat, qrCost, err := timed("GET /v1/profile-links/{token}/qr.png", "GET", "/v1/profile-links/"+link.Token+"/qr.png", "", "", http.StatusOK)
	if err != nil {
		return err
	}

	newest := func() (string, time.Duration, error) {
		var n benchNotes
		t := time.Now()
		err := b.request("GET", "/v1/me/notifications?limit=1", "", owner.AccessToken, http.StatusOK, &n)
		if err != nil || len(n.Notifications) == 0 {
			return "", time.Since(t), err
		}
		return n.Notifications[0].NotificationID, time.Since(t), nil
	}
	var addLat, chainLat, pollLat []time.Duration
	addCost := b.costs.since("POST /v1/me/external-members")
	jobCost := b.costs.since("/_push/introductions")
	addBody := fmt.Sprintf(`{"profileLinkToken":%q}`, link.Token)
	for range nAdds {
		before, _, err := newest()
		if err != nil {
			return err
		}
		t := time.Now()
		if err := b.request("POST", "/v1/me/external-members", addBody, adder.AccessToken, http.StatusCreated, nil); err != nil {
			return err
		}
		addLat = append(addLat, time.Since(t))
		deadline := time.Now().Add(10 * time.Second)
		for {
			id, lat, err := newest()
			if err != nil {
				return err
			}
			pollLat = append(pollLat, lat)
			if id != before {
				chainLat = append(chainLat, time.Since(t))
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("contacts: no notification of an addition within 10 s")
			}
			time.Sleep(pollEvery)
		}
		if err := b.request("DELETE", "/v1/me/external-members/"+owner.AccountID, "", adder.AccessToken, http.StatusNoContent, nil); err != nil {
			return err
		}
	}
	adds, jobs := addCost(), jobCost()
	externalLat, externalCost, err := timed("GET /v1/members/{memberId}/profile", "GET", "/v1/members/"+adder.AccountID+"/profile", "", owner.AccessToken, http.StatusOK)
	if err != nil {
		return err
	}

	costRow("GET /v1/members/{id}/profile, a colleague", colleagueLat, colleagueCost)
	costRow("GET /v1/members/{id}/profile, an adder", externalLat, externalCost)
	costRow("GET /v1/profile-links/{token}/qr.png", qrLat, qrCost)
	costRow("POST /v1/me/external-members (QR link)", addLat, adds)
	opsRow("introductions job, per run", jobs.n, jobs.reads(), jobs.writes())
	row("chain: addition → in the owner's notifications", chainLat, -1, -1)
	row("  … the owner's poll of notifications (limit 1)", pollLat, -1, -1)
	return nil
}
