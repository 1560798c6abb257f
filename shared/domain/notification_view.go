package domain

import "time"

// NotificationView is a notification as the API shows it (GET
// /v1/me/notifications, the stream's notification events): the common
// fields, then those of its kind.
type NotificationView struct {
	ID        string    `json:"notificationId"`
	Kind      string    `json:"kind"`
	CreatedAt time.Time `json:"createdAt"`
	// device_approval
	ApprovalID string           `json:"approvalId,omitempty"`
	Account    *ApprovalAccount `json:"account,omitempty"`
	Device     *Device          `json:"device,omitempty"`
	ExpiresAt  *time.Time       `json:"expiresAt,omitempty"`
	// external_member_added: the adder's profile and workspace, and how to
	// add them back (POST /v1/me/external-members with this memberId).
	Profile   *VisibleProfile `json:"profile,omitempty"`
	Workspace *WorkspaceName  `json:"workspace,omitempty"`
	AddBack   *AddBack        `json:"addBack,omitempty"`
	// message: the room, the message and its sender, and the start of
	// its text.
	RoomID     string `json:"roomId,omitempty"`
	MessageID  string `json:"messageId,omitempty"`
	Seq        int64  `json:"seq,omitempty"`
	SenderID   string `json:"senderId,omitempty"`
	SenderName string `json:"senderName,omitempty"`
	Text       string `json:"text,omitempty"`
}

// ApprovalAccount is the account whose new device asks for approval.
type ApprovalAccount struct {
	AccountID string `json:"accountId"`
	Name      string `json:"name"`
}

// WorkspaceName names a workspace.
type WorkspaceName struct {
	WorkspaceID string `json:"workspaceId"`
	Name        string `json:"name"`
}

// AddBack is how to add back someone who added the member.
type AddBack struct {
	MemberID string `json:"memberId"`
}

// View is the notification as the API shows it.
func (n *Notification) View() NotificationView {
	out := NotificationView{ID: n.ID, Kind: n.Kind, CreatedAt: n.CreatedAt.UTC()}
	if a := n.Approval; a != nil {
		exp := n.ExpiresAt.UTC()
		out.ApprovalID, out.ExpiresAt = a.ApprovalID, &exp
		out.Account = &ApprovalAccount{AccountID: a.AccountID, Name: a.AccountName}
		out.Device = &a.Device
	}
	if a := n.Added; a != nil {
		out.Profile = &a.Profile
		out.Workspace = &WorkspaceName{WorkspaceID: a.WorkspaceID, Name: a.WorkspaceName}
		out.AddBack = &AddBack{MemberID: a.Profile.MemberID}
	}
	if m := n.Message; m != nil {
		out.RoomID, out.MessageID, out.Seq, out.Text = m.RoomID, m.MessageID, m.Seq, m.Text
		out.SenderID, out.SenderName = m.SenderID, m.SenderName
	}
	return out
}
