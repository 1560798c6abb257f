package login

import (
	"context"
	"strings"

	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/i18n"
)

// Login by organisation ID (F6): a workspace whose organisation link
// (F17) an operator approved shows an organisation login screen, where its
// members log in with their e-mail address or mobile number and password,
// without an e-mail code. The lockout (F7) and device approval (F9) apply
// as to any password login.

// Org is an organisation as its login screen shows it.
type Org struct {
	OrgID           string
	OrgName         string
	LoginMethodName string
	WorkspaceID     string
}

var errNoOrg = errs.E(errs.NotFound, "There is no such organisation.")

// Org returns the organisation with an ID, only if its link is active and
// its workspace is active (404 otherwise: pending, rejected, unknown, or
// the workspace withdrawn).
func (s *Service) Org(ctx context.Context, orgID string) (*Org, error) {
	if domain.CheckOrgID(orgID) != nil {
		return nil, errNoOrg
	}
	l, _, err := s.Store.OrgLink(ctx, orgID)
	if errs.Is(err, errs.NotFound) {
		return nil, errNoOrg
	}
	if err != nil {
		return nil, err
	}
	if l.Status != domain.OrgLinkActive {
		return nil, errNoOrg
	}
	ws, _, err := s.Store.Workspace(ctx, l.WorkspaceID)
	if errs.Is(err, errs.NotFound) {
		return nil, errNoOrg
	}
	if err != nil {
		return nil, err
	}
	if ws.Status != domain.WorkspaceActive || ws.OrgID != l.OrgID {
		return nil, errNoOrg
	}
	return &Org{OrgID: l.OrgID, OrgName: l.OrgName, LoginMethodName: l.LoginMethodName, WorkspaceID: ws.ID}, nil
}

// Identifier is a member's ID on the organisation login screen: an e-mail
// address or a mobile number, normalised.
type Identifier struct {
	Email string // normalised, or ""
	Phone string // E.164, or ""
}

var errLoginID = errs.E(errs.Invalid, "loginId must be an e-mail address or a phone number, such as 010-1234-5678")

// ParseIdentifier reads a login ID: one with an "@" is an e-mail address,
// any other a phone number (in any of the forms domain.NormalizePhone
// reads, Korean without a country code).
func ParseIdentifier(s string) (Identifier, error) {
	if strings.Contains(s, "@") {
		email, err := domain.NormalizeEmail(s)
		if err != nil {
			return Identifier{}, errLoginID
		}
		return Identifier{Email: email}, nil
	}
	phone, err := domain.NormalizePhone("loginId", s)
	if err != nil || phone == "" {
		return Identifier{}, errLoginID
	}
	return Identifier{Phone: phone}, nil
}

// OrgLogin is a login on an organisation's login screen.
type OrgLogin struct {
	OrgID       string
	LoginID     string
	Password    string
	Device      domain.Device
	DeviceToken string
	Locale      i18n.Locale
}

// phoneKey is the key of the lockout counter of a phone number that
// names no member: it guards guesses at the number as an e-mail address's
// counter does.
func phoneKey(e164 string) string { return "phone:" + e164 }

// OrgLogin logs a member in to the workspace of an active organisation
// with a login ID and password. It is the password login of F5 without
// the e-mail code: the password is judged under the lockout of the
// account's e-mail address (the same counter every login path counts), an
// unknown login ID costs the same and answers the same as a wrong
// password, and a trusted device gets a session while any other gets a
// pending approval.
//
// A phone number names the workspace's one active member whose login
// phone it is (the number an admin registered, not the profile's, which
// the member edits); none, or several, is an unknown login ID.
func (s *Service) OrgLogin(ctx context.Context, in OrgLogin) (*Result, error) {
	if err := domain.CheckOrgID(in.OrgID); err != nil {
		return nil, err
	}
	id, err := ParseIdentifier(in.LoginID)
	if err != nil {
		return nil, err
	}
	// An organisation ID has the form of a workspace ID (checked above):
	// this checks the password and the device.
	if err := checkLoginInput(in.OrgID, in.Password, in.Device); err != nil {
		return nil, err
	}
	org, err := s.Org(ctx, in.OrgID)
	if err != nil {
		return nil, err
	}
	key, accountID := id.Email, ""
	if id.Email != "" {
		accountID, err = s.Store.AccountIDByEmail(ctx, id.Email)
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
	} else {
		ms, err := s.Store.ActiveMembersByLoginPhone(ctx, org.WorkspaceID, id.Phone, 2)
		if err != nil {
			return nil, err
		}
		key = phoneKey(id.Phone)
		if len(ms) == 1 {
			key, accountID = ms[0].Email, ms[0].AccountID
		}
	}
	return s.passwordLogin(ctx, key, accountID, PasswordLogin{
		WorkspaceID: org.WorkspaceID, Password: in.Password, Device: in.Device, DeviceToken: in.DeviceToken, Locale: in.Locale,
	}, "")
}
