// Package events holds the contracts between the functions that change
// state and the background jobs that react: topic names and versioned
// payloads. An Event is written to the outbox in the same Firestore
// transaction as the change it reports, then published to Pub/Sub.
package events

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/workgate/workgate/shared/i18n"
	"github.com/workgate/workgate/shared/mail"
)

// Topics. infra/topology.yaml declares the same names; a test checks that.
const (
	TopicMailRequested     = "mail-requested"
	TopicApprovalRequested = "approval-requested"
	TopicMemberAdded       = "external-member-added"
	TopicMessagePosted     = "message-posted"
	TopicWithdrawn         = "workspace-withdrawn"
	TopicPushRequested     = "push-requested"
)

// Topics lists every topic an event may be published to.
var Topics = []string{TopicMailRequested, TopicApprovalRequested, TopicMemberAdded, TopicMessagePosted, TopicWithdrawn, TopicPushRequested}

// Attribute names carried by every Pub/Sub message.
const (
	AttrEventID = "eventId"
	AttrVersion = "v"
)

// Event is one message for a topic. ID is the idempotency key consumers
// deduplicate on; it survives republishing, unlike Pub/Sub's message ID.
type Event struct {
	ID        string    `firestore:"id"`
	Topic     string    `firestore:"topic"`
	Version   int       `firestore:"v"`
	Data      []byte    `firestore:"data"`
	CreatedAt time.Time `firestore:"createdAt"`
}

// New returns an event for topic with payload encoded as JSON.
func New(topic string, version int, payload any, now time.Time) (Event, error) {
	data, err := json.Marshal(payload)
	if err != nil {
		return Event{}, fmt.Errorf("events.New: %w", err)
	}
	return Event{ID: NewID(), Topic: topic, Version: version, Data: data, CreatedAt: now}, nil
}

// NewID returns a random event ID (128 bits, hex).
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+).
	return hex.EncodeToString(b[:])
}

// Decode decodes the event's payload into v.
func (e Event) Decode(v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("events.Decode %s: %w", e.Topic, err)
	}
	return nil
}

// Sealer seals the secrets an event carries (shared/auth.Sealer).
type Sealer interface {
	Seal(plaintext string) string
	Open(sealed string) (string, error)
}

// Mail asks the mailer to send one templated e-mail (topic
// mail-requested, version 2). It carries no URL: the mailer builds every
// link from its own configuration (mail.URLs), so an event cannot make a
// mail point elsewhere. Token and Code are secrets: they travel sealed, so
// neither the outbox nor Pub/Sub holds them in clear.
type Mail struct {
	Template string    `json:"template"`
	Locale   string    `json:"locale"`
	To       string    `json:"to"`
	Data     mail.Data `json:"data"`
	// IfAccount asks the mailer to send only if To has an account. A
	// request path that must not reveal whether an address has one (a
	// login code) records the same event either way and leaves the
	// question to the job, so its time and writes are the same too.
	IfAccount bool `json:"ifAccount,omitempty"`
}

// MailVersion is the current version of Mail. Version 1 carried whole
// links (Data.Link, LoginURL, ResetURL); version 2 carries only the link's
// token.
const MailVersion = 2

// NewMail returns a mail-requested event, with d's secrets sealed.
func NewMail(s Sealer, template string, locale i18n.Locale, to string, d mail.Data, now time.Time) (Event, error) {
	return newMail(s, Mail{Template: template, Locale: string(locale), To: to, Data: d}, now)
}

// NewMailIfAccount is NewMail for a mail that goes out only if the address
// has an account (see Mail.IfAccount).
func NewMailIfAccount(s Sealer, template string, locale i18n.Locale, to string, d mail.Data, now time.Time) (Event, error) {
	return newMail(s, Mail{Template: template, Locale: string(locale), To: to, Data: d, IfAccount: true}, now)
}

func newMail(s Sealer, m Mail, now time.Time) (Event, error) {
	if m.Data.Token != "" {
		m.Data.Token = s.Seal(m.Data.Token)
	}
	if m.Data.Code != "" {
		m.Data.Code = s.Seal(m.Data.Code)
	}
	return New(TopicMailRequested, MailVersion, m, now)
}

// Unseal opens the secrets NewMail sealed.
func (m *Mail) Unseal(s Sealer) error {
	for _, f := range []*string{&m.Data.Token, &m.Data.Code} {
		if *f == "" {
			continue
		}
		v, err := s.Open(*f)
		if err != nil {
			return fmt.Errorf("events.Mail.Unseal: %w", err)
		}
		*f = v
	}
	return nil
}

// ApprovalRequested asks the approval job to send a new device's approval
// request to the members who may decide it (topic
// approval-requested, version 1).
type ApprovalRequested struct {
	ApprovalID string `json:"approvalId"`
}

// ApprovalRequestedVersion is the current version of ApprovalRequested.
const ApprovalRequestedVersion = 1

// NewApprovalRequested returns a approval-requested event.
func NewApprovalRequested(approvalID string, now time.Time) (Event, error) {
	return New(TopicApprovalRequested, ApprovalRequestedVersion, ApprovalRequested{ApprovalID: approvalID}, now)
}

// MemberAdded tells the introductions job that a member added another as
// an external member (F12), so that the one added is notified (topic
// external-member-added, version 1). AdditionID names this addition: the
// notification's ID derives from it, so a redelivery notifies nobody
// twice, and an addition after a removal notifies again.
type MemberAdded struct {
	AdditionID       string `json:"additionId"`
	WorkspaceID      string `json:"workspaceId"` // of the member added
	MemberID         string `json:"memberId"`
	AdderWorkspaceID string `json:"adderWorkspaceId"`
	AdderID          string `json:"adderId"`
}

// MemberAddedVersion is the current version of MemberAdded.
const MemberAddedVersion = 1

// NewMemberAdded returns an external-member-added event.
func NewMemberAdded(a MemberAdded, now time.Time) (Event, error) {
	return New(TopicMemberAdded, MemberAddedVersion, a, now)
}

// MessagePosted asks the fan-out job to notify the other members of a
// room of a message (topic message-posted, version 1). A large room is
// fanned out in batches: the event as posted (Batch 0) handles the first
// batch and publishes one event for each further batch, with the same
// message and its Batch set.
type MessagePosted struct {
	RoomID     string `json:"roomId"`
	MessageID  string `json:"messageId"`
	Seq        int64  `json:"seq"`
	SenderKey  string `json:"senderKey"`
	SenderName string `json:"senderName"`
	Text       string `json:"text"` // the notification's preview
	Batch      int    `json:"batch,omitempty"`
}

// MessagePostedVersion is the current version of MessagePosted.
const MessagePostedVersion = 1

// NewMessagePosted returns a message-posted event.
func NewMessagePosted(m MessagePosted, now time.Time) (Event, error) {
	return New(TopicMessagePosted, MessagePostedVersion, m, now)
}

// Withdrawn asks the withdrawal job to delete a workspace (topic
// workspace-withdrawn, version 1, F18). The request publishes run 0; a run
// that leaves work over publishes run Run+1 with the ID WithdrawalRunID.
type Withdrawn struct {
	WorkspaceID  string `json:"workspaceId"`
	WithdrawalID string `json:"withdrawalId"`
	Run          int    `json:"run"`
}

// WithdrawnVersion is the version of Withdrawn.
const WithdrawnVersion = 1

// NewWithdrawn returns the event of run w.Run of a withdrawal. Run 0 has a
// random ID; later runs have WithdrawalRunID, so a run republished by a
// redelivery of its predecessor is deduplicated.
func NewWithdrawn(w Withdrawn, now time.Time) (Event, error) {
	ev, err := New(TopicWithdrawn, WithdrawnVersion, w, now)
	if err != nil {
		return Event{}, err
	}
	if w.Run > 0 {
		ev.ID = WithdrawalRunID(w.WithdrawalID, w.Run)
	}
	return ev, nil
}

// WithdrawalRunID is the event ID of run n > 0 of a withdrawal.
func WithdrawalRunID(withdrawalID string, n int) string {
	return withdrawalID + "-r" + strconv.Itoa(n)
}

// PushRequested asks the push job to send a mobile push for each of some
// notifications (topic push-requested, version 1, F19). Whatever notifies
// publishes it for the notifications it made, created or already there:
// the job pushes each notification at most once per device, so a
// notification named again is not pushed again.
type PushRequested struct {
	Notifications []NotificationRef `json:"notifications"`
}

// NotificationRef names one notification of one member.
type NotificationRef struct {
	WorkspaceID    string `json:"workspaceId"`
	AccountID      string `json:"accountId"`
	NotificationID string `json:"notificationId"`
}

// PushRequestedVersion is the current version of PushRequested.
const PushRequestedVersion = 1

// NewPushRequested returns a push-requested event. A job that notifies
// passes the ID PushID derives from its own event, so that a redelivery
// of it publishes the same event again, which the push job deduplicates;
// empty means a new ID.
func NewPushRequested(id string, refs []NotificationRef, now time.Time) (Event, error) {
	ev, err := New(TopicPushRequested, PushRequestedVersion, PushRequested{Notifications: refs}, now)
	if err != nil {
		return Event{}, err
	}
	if id != "" {
		ev.ID = id
	}
	return ev, nil
}

// PushID is the ID of the push-requested event of the job run that
// handles the event with ID eventID.
func PushID(eventID string) string { return eventID + "-push" }
