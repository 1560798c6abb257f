package workspaces

import "net/http"

// Stubs: the F16–F18 handlers replace this file.
func (h *handler) applyOrgLink(w http.ResponseWriter, r *http.Request) error  { return errNotBuilt }
func (h *handler) getOrgLink(w http.ResponseWriter, r *http.Request) error    { return errNotBuilt }
func (h *handler) updateOrgLink(w http.ResponseWriter, r *http.Request) error { return errNotBuilt }
