package gcloud

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sync"
)

// FreeHostPort returns a 127.0.0.1:port on which nothing listens right now,
// and never the same one twice in a process: two emulators started at once
// (parallel tests) would otherwise race for one port, and the loser could
// take the winner's "Ok" for its own. Another process may still take it
// before the caller does; Start reports that with ErrPortInUse.
func FreeHostPort() (string, error) {
	handedOut.Lock()
	defer handedOut.Unlock()
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", fmt.Errorf("gcloud.FreeHostPort: %w", err)
		}
		hostPort := l.Addr().String()
		if err := l.Close(); err != nil {
			return "", fmt.Errorf("gcloud.FreeHostPort: %w", err)
		}
		if !handedOut.ports[hostPort] {
			handedOut.ports[hostPort] = true
			return hostPort, nil
		}
	}
	return "", fmt.Errorf("gcloud.FreeHostPort: no port that was not handed out already")
}

// handedOut is every port FreeHostPort returned in this process.
var handedOut = struct {
	sync.Mutex
	ports map[string]bool
}{ports: map[string]bool{}}

// WipeFirestore deletes every document of project's default database in the
// Firestore emulator at hostPort. Other projects are untouched.
func WipeFirestore(ctx context.Context, hostPort, project string) error {
	u := "http://" + hostPort + "/emulator/v1/projects/" + url.PathEscape(project) + "/databases/(default)/documents"
	req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u, nil)
	if err != nil {
		return fmt.Errorf("gcloud.WipeFirestore: %w", err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("gcloud.WipeFirestore: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("gcloud.WipeFirestore %s: %s: %s", project, resp.Status, body)
	}
	return nil
}
