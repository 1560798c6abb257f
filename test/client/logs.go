package client

import (
	"encoding/json"
	"log/slog"
)

// LogLine is what the tests and the load generator read of a function's
// log line: the request line web.Middleware writes (route, status,
// Firestore cost), or a warning or an error.
type LogLine struct {
	Severity string `json:"severity"`
	Message  string `json:"message"`
	Function string `json:"function"`
	Route    string `json:"route"`
	Status   int64  `json:"status"`
	Reads    int64  `json:"firestoreReads"`
	Writes   int64  `json:"firestoreWrites"`
	Error    string `json:"error"`
}

// Request reports whether the line is a request line.
func (l LogLine) Request() bool { return l.Message == "request" }

// ParseLogLine reads one JSON line a split stack's process wrote; false if
// it is not a log line.
func ParseLogLine(b []byte) (LogLine, bool) {
	var l LogLine
	if err := json.Unmarshal(b, &l); err != nil || l.Message == "" {
		return LogLine{}, false
	}
	return l, true
}

// RecordLine reads a record of a one-process stack's logger, which
// carries attrs (the function's name among them), as ParseLogLine reads
// the line the record would be in a process of its own.
func RecordLine(r slog.Record, attrs []slog.Attr) LogLine {
	l := LogLine{Message: r.Message, Severity: "INFO"}
	switch {
	case r.Level >= slog.LevelError:
		l.Severity = "ERROR"
	case r.Level >= slog.LevelWarn:
		l.Severity = "WARNING"
	}
	set := func(a slog.Attr) bool {
		switch a.Key {
		case "function":
			l.Function = a.Value.String()
		case "route":
			l.Route = a.Value.String()
		case "status":
			l.Status = a.Value.Int64()
		case "firestoreReads":
			l.Reads = a.Value.Int64()
		case "firestoreWrites":
			l.Writes = a.Value.Int64()
		case "error":
			l.Error = a.Value.String()
		}
		return true
	}
	for _, a := range attrs {
		set(a)
	}
	r.Attrs(set)
	return l
}
