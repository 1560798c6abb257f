package workspaces

import "net/http"

// Stubs: the F16–F18 handlers replace this file.
func (h *handler) delegate(w http.ResponseWriter, r *http.Request) error         { return errNotBuilt }
func (h *handler) acceptDelegation(w http.ResponseWriter, r *http.Request) error { return errNotBuilt }
func (h *handler) delegationPage(w http.ResponseWriter, r *http.Request) error   { return errNotBuilt }
func (h *handler) delegationForm(w http.ResponseWriter, r *http.Request) error   { return errNotBuilt }
