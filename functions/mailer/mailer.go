// Package mailer is the background job that sends the e-mails other
// functions request: it is the push endpoint of the mail-requested
// subscription, and sends each mail once through SendGrid. Every link in
// a mail is built from the mailer's own PUBLIC_URL and WORKGATE_APP_URL;
// a request carries at most a link's token.
package mailer

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/workgate/workgate/shared/auth"
	"github.com/workgate/workgate/shared/bus"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/events"
	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/logging"
	"github.com/workgate/workgate/shared/mail"
	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/store"
)

// Name is the function's name in the topology.
const Name = "mailer"

func init() { server.Register(Name, New) }

// lease outlasts one SendGrid call (10 s timeout) with room to spare.
const lease = time.Minute

// New builds the push endpoint, with the mail templates parsed.
func New(d *server.Deps) (http.Handler, error) {
	mail.Parse()
	m := &mailer{
		sealer: d.Sealer, send: d.Mailer, store: d.Store,
		urls: mail.URLs{Public: d.Config.PublicURL, App: d.Config.AppURL},
	}
	return &bus.Push{Name: Name, Store: d.Store, Clock: d.Clock, Consume: m.consume, Lease: lease}, nil
}

type mailer struct {
	sealer events.Sealer
	send   server.Mailer
	store  *store.Store
	urls   mail.URLs
}

// consume renders and sends one requested mail. A request that can never
// be sent (undecodable, unknown template, refused by SendGrid) is logged
// and dropped; a failure that may pass (SendGrid or the network down) is
// returned, so Pub/Sub redelivers.
func (m *mailer) consume(ctx context.Context, ev events.Event) error {
	log := logging.From(ctx)
	var req events.Mail
	if err := ev.Decode(&req); err != nil {
		log.Error("dropping an undecodable mail request", "error", err.Error())
		return nil
	}
	if req.IfAccount {
		_, err := m.store.AccountIDByEmail(ctx, req.To)
		if errs.Is(err, errs.NotFound) {
			log.Info("mail not sent: the address has no account", "template", req.Template)
			return nil
		}
		if err != nil {
			return err
		}
	}
	if err := req.Unseal(m.sealer); err != nil {
		if errors.Is(err, auth.ErrUnknownSealKey) {
			return err // sealed with a new key this instance has not yet: redeliver
		}
		log.Error("dropping a mail request whose secrets do not open", "error", err.Error())
		return nil
	}
	msg, err := mail.Render(req.Template, i18n.Parse(req.Locale), req.To, req.Data, m.urls)
	if err != nil {
		log.Error("dropping a mail request that does not render", "template", req.Template, "error", err.Error())
		return nil
	}
	if err := m.send.Send(ctx, msg); err != nil {
		if errors.Is(err, mail.ErrRejected) {
			log.Error("SendGrid refused a mail", "template", req.Template, "error", err.Error())
			return nil
		}
		return err
	}
	log.Info("mail sent", "template", req.Template)
	return nil
}
