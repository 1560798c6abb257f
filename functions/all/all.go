// Package all links every function into a binary: importing it registers
// them all (each function's init registers it with the framework and the
// local router).
package all

import (
	_ "github.com/workgate/workgate/functions/approvals"     // device-approval-requested → notifications
	_ "github.com/workgate/workgate/functions/devclock"      // dev clock (dev mode only)
	_ "github.com/workgate/workgate/functions/devices"       // F9
	_ "github.com/workgate/workgate/functions/login"         // F5, F7, F8, F10
	_ "github.com/workgate/workgate/functions/mailer"        // mail-requested → SendGrid
	_ "github.com/workgate/workgate/functions/notifications" // a member's notifications
	_ "github.com/workgate/workgate/functions/relay"         // outbox relay
	_ "github.com/workgate/workgate/functions/service"       // health, JWKS, OpenAPI, 501s
	_ "github.com/workgate/workgate/functions/signup"        // F1–F4
	_ "github.com/workgate/workgate/functions/workspaces"    // F2, F3 admin API
)
