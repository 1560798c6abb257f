package domain

import (
	"time"

	"github.com/workgate/workgate/shared/errs"
)

// F16: super admin delegation.

// DelegationTTL is how long a delegation link works.
const DelegationTTL = 24 * time.Hour

// Delegation offers a workspace's super admin role to one of its active
// members (F16). Stored at superAdminDelegations/{hash of the link's token};
// the workspace names its latest one (Workspace.Delegation), so a newer
// offer voids older links. It is consumed, once, by the commit that hands
// the role over.
type Delegation struct {
	TokenHash     string    `firestore:"tokenHash"`
	WorkspaceID   string    `firestore:"workspaceId"`
	FromAccountID string    `firestore:"fromAccountId"` // the super admin who offered
	FromName      string    `firestore:"fromName"`
	ToAccountID   string    `firestore:"toAccountId"`
	CreatedAt     time.Time `firestore:"createdAt"`
	ExpiresAt     time.Time `firestore:"expiresAt"`
	UsedAt        time.Time `firestore:"usedAt"`
	PurgeAt       time.Time `firestore:"purgeAt"`
}

// Live reports whether the delegation can still be accepted at now.
func (d *Delegation) Live(now time.Time) bool { return d.UsedAt.IsZero() && now.Before(d.ExpiresAt) }

// F17: organisation link.

// Organisation link statuses.
const (
	OrgLinkPending  = "pending"
	OrgLinkActive   = "active"
	OrgLinkRejected = "rejected"
)

// OrgLink is a workspace's organisation link (F17), stored at
// orgLinks/{orgId}: the organisation ID is unique because it is the
// document's ID. The workspace names its link (Workspace.OrgID). Members
// log in with the organisation ID once an operator approved it (F6).
type OrgLink struct {
	OrgID           string    `firestore:"orgId"`
	WorkspaceID     string    `firestore:"workspaceId"`
	OrgName         string    `firestore:"orgName"`
	BusinessNumber  string    `firestore:"businessNumber"` // 10 digits
	Status          string    `firestore:"status"`
	LoginMethodName string    `firestore:"loginMethodName"` // "" until the super admin sets one
	AppliedBy       string    `firestore:"appliedBy"`
	AppliedAt       time.Time `firestore:"appliedAt"`
	DecidedAt       time.Time `firestore:"decidedAt"`
}

// CheckOrgID checks an organisation ID: 3–40 of a-z, 0-9 and -.
func CheckOrgID(id string) error {
	if !isSlug(id) { // the same form as a workspace ID
		return errs.E(errs.Invalid, "orgId must be 3 to 40 characters of a-z, 0-9 and -")
	}
	return nil
}

// CheckBusinessNumber checks a Korean business registration number: 10
// digits whose last is the check digit of the first nine (weights
// 1,3,7,1,3,7,1,3,5, plus the tens of the ninth digit times 5).
func CheckBusinessNumber(n string) error {
	bad := errs.E(errs.Invalid, "businessNumber must be a Korean business registration number: 10 digits with a valid check digit")
	if len(n) != 10 {
		return bad
	}
	weights := [9]int{1, 3, 7, 1, 3, 7, 1, 3, 5}
	sum := 0
	for i, r := range n {
		if r < '0' || r > '9' {
			return bad
		}
		d := int(r - '0')
		if i < 9 {
			sum += d * weights[i]
		}
		if i == 8 {
			sum += d * 5 / 10
		}
	}
	if (10-sum%10)%10 != int(n[9]-'0') {
		return bad
	}
	return nil
}

// F18: withdrawal.

// Withdrawal is the record of a workspace's withdrawal (F18), stored at
// withdrawals/{withdrawalId}. It names neither the workspace nor anyone in
// it: it is what is left once the job has deleted everything else, and it
// counts what the job deleted (each deletion commit increments it, so a
// document is counted once however often a run is redelivered).
type Withdrawal struct {
	ID          string    `firestore:"withdrawalId"`
	RequestedAt time.Time `firestore:"requestedAt"`
	// Deleted counts the documents deleted; Updated the documents of other
	// workspaces changed (rooms they share with the workspace).
	Deleted  int64     `firestore:"deleted"`
	Updated  int64     `firestore:"updated"`
	Runs     int64     `firestore:"runs"`
	Finished time.Time `firestore:"finishedAt"`
}
