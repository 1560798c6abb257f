package e2e

// clip shortens a body for a failure message.
func clip(b []byte) string {
	const max = 2 << 10
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
