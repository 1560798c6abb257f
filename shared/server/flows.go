package server

import (
	"context"
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/contacts"
	"github.com/workgate/workgate/shared/delegation"
	"github.com/workgate/workgate/shared/device"
	"github.com/workgate/workgate/shared/live"
	"github.com/workgate/workgate/shared/login"
	"github.com/workgate/workgate/shared/orglink"
	"github.com/workgate/workgate/shared/profile"
	"github.com/workgate/workgate/shared/push"
	"github.com/workgate/workgate/shared/ratelimit"
	"github.com/workgate/workgate/shared/rooms"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/signup"
	"github.com/workgate/workgate/shared/web"
	"github.com/workgate/workgate/shared/withdrawal"
	"github.com/workgate/workgate/shared/workspace"
)

// The flows several functions share, built from the dependencies in one
// place.

// Signup returns joining: workspace creation, invite links and sign-up,
// e-mail verification, member registration and password set-up (F1–F4).
func (d *Deps) Signup() *signup.Service {
	return &signup.Service{
		Store: d.Store, Outbox: d.Outbox, Hasher: d.Hasher, Sealer: d.Sealer, Clock: d.Clock,
		Limiter: d.Limiter(), Link: d.Config.PublicLink,
	}
}

// Limiter returns the rate limiter every sender and creator goes through:
// one per process, as it remembers the limits it saw reached.
func (d *Deps) Limiter() *ratelimit.Limiter { return d.limiter }

// ClientIP is the client address of a request, as rate limits count it.
func (d *Deps) ClientIP(r *http.Request) string {
	return web.ClientIP(r, d.Config.TrustedProxyHops)
}

// Sessions returns the session service that authenticates every call
// (F10).
func (d *Deps) Sessions() *session.Service {
	return &session.Service{Store: d.Store, Signer: d.Signer, Clock: d.Clock}
}

// Login returns the login flows (F5, F7, and F9's poll and recovery key).
func (d *Deps) Login() *login.Service {
	return &login.Service{
		Store: d.Store, Outbox: d.Outbox, Hasher: d.Hasher, Sealer: d.Sealer, MACer: d.MACer, IDs: d.IDs,
		Clock: d.Clock, Sessions: d.Sessions(), Limiter: d.Limiter(),
	}
}

// Devices returns the approvers' side of F9 and the trusted devices.
func (d *Deps) Devices() *device.Service {
	return &device.Service{
		Store: d.Store, Outbox: d.Outbox, Sealer: d.Sealer, MACer: d.MACer, Clock: d.Clock, Limiter: d.Limiter(),
	}
}

// Contacts returns a member's external members and blocks (F12, F13).
func (d *Deps) Contacts() *contacts.Service {
	return &contacts.Service{Store: d.Store, Outbox: d.Outbox, Clock: d.Clock, Profiles: d.Profiles()}
}

// Profiles returns profiles and profile links (F11, F12).
func (d *Deps) Profiles() *profile.Service {
	return &profile.Service{Store: d.Store, Clock: d.Clock, Link: d.Config.PublicLink, Limiter: d.Limiter()}
}

// Workspace returns a workspace's settings and members as its admins
// manage them (F15).
func (d *Deps) Workspace() *workspace.Service {
	return &workspace.Service{Store: d.Store, Clock: d.Clock}
}

// Rooms returns rooms, messages, muting and the fan-out of messages (F14).
func (d *Deps) Rooms() *rooms.Service {
	return &rooms.Service{Store: d.Store, Outbox: d.Outbox, Clock: d.Clock, IDs: d.IDs, Limiter: d.Limiter()}
}

// Delegations returns the super admin delegation (F16).
func (d *Deps) Delegations() *delegation.Service {
	return &delegation.Service{
		Store: d.Store, Outbox: d.Outbox, Sealer: d.Sealer, Clock: d.Clock, Login: d.Login(),
	}
}

// OrgLinks returns the organisation link and the operators' decisions
// (F17).
func (d *Deps) OrgLinks() *orglink.Service {
	return &orglink.Service{Store: d.Store, Outbox: d.Outbox, Sealer: d.Sealer, Clock: d.Clock}
}

// Withdrawals returns service withdrawal and its deletion job (F18).
func (d *Deps) Withdrawals() *withdrawal.Service {
	w := &withdrawal.Service{Store: d.Store, Outbox: d.Outbox, Sealer: d.Sealer, Clock: d.Clock, Login: d.Login()}
	if d.Config.Dev {
		w.CrashAfter = d.Config.CrashWithdrawalAfter
	}
	return w
}

// Live returns the live event streams (F19), with the process's one hub.
func (d *Deps) Live() *live.Service {
	d.hubOnce.Do(func() {
		d.hub = &live.Hub{Store: d.Store, Clock: d.Clock, Restart: time.Second, Renew: 30 * time.Minute}
		d.closers = append(d.closers, d.hub.Close)
	})
	cfg := d.Config
	return &live.Service{
		Store: d.Store, Sessions: d.Sessions(), Clock: d.Clock, Hub: d.hub,
		KeepAlive: cfg.StreamKeepAlive, MaxAge: cfg.StreamMaxAge,
		Heartbeat: cfg.StreamHeartbeat, LiveFor: cfg.StreamHeartbeat * 3 / 2, Relisten: live.Relisten,
	}
}

// Drain ends the process's live streams (see live.Hub.Drain): the server
// calls it when it shuts down, so that they do not hold the shutdown.
func (d *Deps) Drain() {
	d.hubOnce.Do(func() {}) // no hub made yet: none will be, it is too late
	if d.hub != nil {
		d.hub.Drain()
	}
}

// PushTokens returns the devices' push tokens (F19).
func (d *Deps) PushTokens() *push.Tokens {
	return &push.Tokens{Store: d.Store, Clock: d.Clock}
}

// PushJob returns the push job (F19), with an FCM client of its own: at
// WORKGATE_FCM_URL, as WORKGATE_FCM_PROJECT, with the application default
// credentials (in dev mode a dummy token: only the local sink is called).
// Only the push function builds it, so no other function needs them.
func (d *Deps) PushJob() (*push.Job, error) {
	sender, err := push.NewFCM(context.Background(), d.Config.FCMURL, d.Config.FCMProject, d.Config.Dev)
	if err != nil {
		return nil, err
	}
	return &push.Job{Store: d.Store, Clock: d.Clock, Sender: sender, Workers: push.DefaultWorkers}, nil
}
