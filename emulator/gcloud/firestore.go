package gcloud

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
)

// FreeHostPort returns a 127.0.0.1:port on which nothing listens right now.
// Another process may take it before the caller does; Start reports that
// with ErrPortInUse.
func FreeHostPort() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("gcloud.FreeHostPort: %w", err)
	}
	hostPort := l.Addr().String()
	if err := l.Close(); err != nil {
		return "", fmt.Errorf("gcloud.FreeHostPort: %w", err)
	}
	return hostPort, nil
}

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
