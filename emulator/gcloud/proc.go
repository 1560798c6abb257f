package gcloud

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// process is one entry of /proc.
type process struct {
	PID   int
	Comm  string // executable name, e.g. "java"
	State byte   // 'R', 'S', 'Z' (zombie)…
}

// groupMembers lists the processes of process group pgid, zombies included.
func groupMembers(pgid int) ([]process, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	if len(stats) == 0 {
		return nil, errors.New("no /proc")
	}
	var members []process
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the process has just exited
		}
		// "pid (comm) state ppid pgrp …"; comm may hold spaces and parens.
		s := string(b)
		open, closing := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || closing < open {
			continue
		}
		fields := strings.Fields(s[closing+1:])
		if len(fields) < 3 {
			continue
		}
		if pg, err := strconv.Atoi(fields[2]); err != nil || pg != pgid {
			continue
		}
		pid, _ := strconv.Atoi(strings.TrimSpace(s[:open]))
		members = append(members, process{PID: pid, Comm: s[open+1 : closing], State: fields[0][0]})
	}
	return members, nil
}

// groupAlive reports whether process group pgid still has a process that is
// not a zombie. Orphaned zombies count as gone: they hold no memory or port,
// and init reaps them.
func groupAlive(pgid int) bool {
	members, err := groupMembers(pgid)
	if err != nil {
		return syscall.Kill(-pgid, 0) == nil
	}
	for _, p := range members {
		if p.State != 'Z' && p.State != 'X' {
			return true
		}
	}
	return false
}
