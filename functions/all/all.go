// Package all links every function into a binary: importing it registers
// them all (each function's init registers it with the framework and the
// local router).
package all

import (
	_ "github.com/workgate/workgate/functions/approvals"     // approval-requested → notifications
	_ "github.com/workgate/workgate/functions/contacts"      // F12 external members, F13 blocks
	_ "github.com/workgate/workgate/functions/devclock"      // dev clock (dev mode only)
	_ "github.com/workgate/workgate/functions/devices"       // F9
	_ "github.com/workgate/workgate/functions/events"        // F19 live events
	_ "github.com/workgate/workgate/functions/fanout"        // message-posted → notifications
	_ "github.com/workgate/workgate/functions/introductions" // external-member-added → notification
	_ "github.com/workgate/workgate/functions/login"         // F5, F6, F7, F8, F10
	_ "github.com/workgate/workgate/functions/mailer"        // mail-requested → SendGrid
	_ "github.com/workgate/workgate/functions/notifications" // a member's notifications
	_ "github.com/workgate/workgate/functions/operator"      // F17 operators' API
	_ "github.com/workgate/workgate/functions/profiles"      // F11, F12 profiles and profile links
	_ "github.com/workgate/workgate/functions/push"          // push-requested → FCM (F19)
	_ "github.com/workgate/workgate/functions/relay"         // outbox relay
	_ "github.com/workgate/workgate/functions/rooms"         // F14 rooms and messages
	_ "github.com/workgate/workgate/functions/service"       // health, JWKS, OpenAPI, 501s
	_ "github.com/workgate/workgate/functions/signup"        // F1–F4
	_ "github.com/workgate/workgate/functions/web"           // F20 the web app
	_ "github.com/workgate/workgate/functions/withdrawal"    // workspace-withdrawn → deletion (F18)
	_ "github.com/workgate/workgate/functions/workspaces"    // F2, F3, F9, F15–F18 admin API
)
