// Package proc reads what Linux says of a process: the servers report
// their own resident set in dev mode, and the tools that run them (the
// emulators' launcher, the load generator) theirs.
package proc

import (
	"os"
	"strconv"
	"strings"
)

// ResidentBytes is a process's resident set size (VmRSS): 0 if unknown, or
// off Linux.
func ResidentBytes(pid int) int64 {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
