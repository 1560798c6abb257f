// Package workspace is a workspace's settings and members as its admins
// manage them (F15): the name, logo, colour and external-member chat; the
// profile-field settings (F11); the member list and its search; the admin
// role and permissions; and the deletion of members, whose sessions end at
// once.
//
// The caller is authenticated and authorised for the workspace before a
// method runs (session.Principal.In); the rules that depend on who the
// target is (the super admin, oneself) are kept here.
package workspace

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/workgate/workgate/shared/clock"
	"github.com/workgate/workgate/shared/domain"
	"github.com/workgate/workgate/shared/errs"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/store"
)

// maxName bounds a workspace's name: the same as at its creation (F1), so
// that any name a workspace has can be sent back unchanged.
const maxName = 60

// Colour tones.
const (
	ToneLight = "light"
	ToneDark  = "dark"
)

// Service manages a workspace's settings and members.
type Service struct {
	Store *store.Store
	Clock clock.Clock
}

// Get returns the caller's workspace. Authenticating the call read it,
// together with the caller's session and membership, so this reads
// nothing more.
func (s *Service) Get(p *session.Principal) *domain.Workspace { return p.Workspace }

// Edit is a change to a workspace's settings: nil leaves a field as it is;
// an empty LogoURL, Color or ColorTone (or JSON null, which the handler
// turns into one) clears it. WorkspaceID, if set, must repeat the
// workspace's own ID, which never changes.
type Edit struct {
	WorkspaceID         *string
	Name                *string
	LogoURL             *string
	Color               *string
	ColorTone           *string
	ExternalChatAllowed *bool
}

var colorPattern = regexp.MustCompile(`^#[0-9A-Fa-f]{6}$`)

// checked returns the edit with every field it sets validated and
// normalised (the colour upper-case), or the first field's error.
func (e Edit) checked(workspaceID string) (Edit, error) {
	if e.WorkspaceID != nil && *e.WorkspaceID != workspaceID {
		return e, errs.E(errs.Immutable, "The workspace ID cannot be changed.")
	}
	out := Edit{ExternalChatAllowed: e.ExternalChatAllowed}
	if e.Name != nil {
		name, err := domain.CheckName("name", *e.Name, maxName)
		if err != nil {
			return e, err
		}
		out.Name = &name
	}
	if e.LogoURL != nil {
		logo, err := domain.CheckURL("logoUrl", *e.LogoURL)
		if err != nil {
			return e, err
		}
		out.LogoURL = &logo
	}
	if e.Color != nil {
		color := strings.ToUpper(strings.TrimSpace(*e.Color))
		if color != "" && !colorPattern.MatchString(color) {
			return e, errs.E(errs.Invalid, "color must be a hex colour #RRGGBB, such as #3A5BD9")
		}
		out.Color = &color
	}
	if e.ColorTone != nil {
		tone := strings.TrimSpace(*e.ColorTone)
		if tone != "" && tone != ToneLight && tone != ToneDark {
			return e, errs.E(errs.Invalid, "colorTone must be light or dark")
		}
		out.ColorTone = &tone
	}
	return out, nil
}

// apply sets the fields a checked edit sets on ws, and reports whether
// any changed.
func (e Edit) apply(ws *domain.Workspace) bool {
	changed := false
	for _, f := range []struct {
		in  *string
		out *string
	}{{e.Name, &ws.Name}, {e.LogoURL, &ws.LogoURL}, {e.Color, &ws.Color}, {e.ColorTone, &ws.ColorTone}} {
		if f.in != nil && *f.in != *f.out {
			*f.out, changed = *f.in, true
		}
	}
	if e.ExternalChatAllowed != nil && *e.ExternalChatAllowed != ws.ExternalChatAllowed {
		ws.ExternalChatAllowed, changed = *e.ExternalChatAllowed, true
	}
	return changed
}

// Update changes the caller's workspace's settings and returns the
// workspace as it is after the change. Nothing is written unless every
// field is valid, nor when nothing changes. The write is conditional on
// the workspace being as read, so the answer is exactly what was stored.
func (s *Service) Update(ctx context.Context, p *session.Principal, e Edit) (*domain.Workspace, error) {
	e, err := e.checked(p.WorkspaceID)
	if err != nil {
		return nil, err
	}
	for range 3 {
		ws, seen, err := s.Store.Workspace(ctx, p.WorkspaceID)
		if err != nil {
			return nil, err
		}
		if !e.apply(ws) {
			return ws, nil
		}
		err = s.Store.UpdateWorkspace(ctx, ws, seen)
		if errors.Is(err, store.ErrRaced) {
			continue // another change won: apply this one to it
		}
		if err != nil {
			return nil, err
		}
		return ws, nil
	}
	return nil, store.ErrRaced
}

// ProfileFields is the profile-field settings as a request gives them:
// every field is required, and a nil one was left out.
type ProfileFields struct {
	Nickname     *bool
	Title        *bool
	Position     *bool
	Mobile       *bool
	Landline     *bool
	Email        *bool
	WorkLocation *bool
	Birthday     *bool
	NameDisplay  string
}

// checked returns the settings in, or the error of the first field
// missing or invalid.
func (in ProfileFields) checked() (domain.ProfileFields, error) {
	var f domain.ProfileFields
	for _, b := range []struct {
		name string
		in   *bool
		out  *bool
	}{
		{"nickname", in.Nickname, &f.Nickname}, {"title", in.Title, &f.Title}, {"position", in.Position, &f.Position},
		{"mobile", in.Mobile, &f.Mobile}, {"landline", in.Landline, &f.Landline}, {"email", in.Email, &f.Email},
		{"workLocation", in.WorkLocation, &f.WorkLocation}, {"birthday", in.Birthday, &f.Birthday},
	} {
		if b.in == nil {
			return f, errs.Errorf(errs.Invalid, "%s is required (true or false)", b.name)
		}
		*b.out = *b.in
	}
	if !slices.Contains(domain.NameDisplays, in.NameDisplay) {
		return f, errs.Errorf(errs.Invalid, "nameDisplay must be one of %s", strings.Join(domain.NameDisplays, ", "))
	}
	f.NameDisplay = in.NameDisplay
	return f, nil
}

// SetProfileFields replaces the settings that decide what members see of
// each other's profiles (F11), and returns them.
func (s *Service) SetProfileFields(ctx context.Context, p *session.Principal, in ProfileFields) (*domain.ProfileFields, error) {
	f, err := in.checked()
	if err != nil {
		return nil, err
	}
	if err := s.Store.SetProfileFields(ctx, p.WorkspaceID, f); err != nil {
		return nil, err
	}
	return &f, nil
}
