package proc

import (
	"os"
	"testing"
)

// TestResidentBytes: a Go test binary's resident set is at least 1 MiB;
// a process that does not exist has none.
func TestResidentBytes(t *testing.T) {
	if got := ResidentBytes(os.Getpid()); got < 1<<20 {
		t.Errorf("ResidentBytes(self) = %d, want at least 1 MiB", got)
	}
	if got := ResidentBytes(1 << 30); got != 0 {
		t.Errorf("ResidentBytes of no process = %d, want 0", got)
	}
}
