// Package workspaces is the function behind a workspace's admin API,
// /v1/workspaces/{ws}/…: invite links (F2) and member registration (F3).
// Every call is authenticated and authorised by role and workspace.
package workspaces

import (
	"net/http"

	"github.com/workgate/workgate/shared/server"
	"github.com/workgate/workgate/shared/session"
	"github.com/workgate/workgate/shared/web"
)

// Name is the function's name in the topology.
const Name = "workspaces"

func init() { server.Register(Name, New) }

type handler struct {
	sessions *session.Service
}

// New builds the function's handler.
func New(d *server.Deps) (http.Handler, error) {
	h := &handler{sessions: &session.Service{Store: d.Store, Signer: d.Signer, Clock: d.Clock}}
	_ = h
	mux := web.NewMux()
	return mux, nil
}
