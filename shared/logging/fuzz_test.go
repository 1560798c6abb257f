package logging

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var (
	traceIDForm = regexp.MustCompile(`^[0-9a-f]{32}$`)
	spanIDForm  = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// checkIDs fails unless trace and span are what Cloud Logging ties to
// Cloud Trace: 32 and 16 lower-case hex digits, not all zero (a span may
// be absent).
func checkIDs(t *testing.T, header, trace, span string) {
	t.Helper()
	if !traceIDForm.MatchString(trace) || strings.Trim(trace, "0") == "" {
		t.Fatalf("%q gave the trace ID %q", header, trace)
	}
	if span != "" && (!spanIDForm.MatchString(span) || strings.Trim(span, "0") == "") {
		t.Fatalf("%q gave the span ID %q", header, span)
	}
}

// FuzzTraceparent: a W3C traceparent is taken only in version 00's form,
// with IDs Cloud Logging ties to a trace (lower-case hex, as the
// recommendation requires, not all zero); what is taken, written again,
// reads the same.
func FuzzTraceparent(f *testing.F) {
	for _, s := range []string{
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00",
		"00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01", "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01", "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-x1",
		"00-+bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", " 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		trace, span, sampled, ok := traceparent(h)
		if !ok {
			return
		}
		checkIDs(t, h, trace, span)
		flags, err := strconv.ParseUint(h[len(h)-2:], 16, 8)
		if span == "" || err != nil || sampled != (flags&1 == 1) {
			t.Fatalf("traceparent(%q) = %q, %q, sampled %v", h, trace, span, sampled)
		}
		again := fmt.Sprintf("00-%s-%s-%02x", trace, span, flags)
		if t2, s2, sm2, ok := traceparent(again); !ok || t2 != trace || s2 != span || sm2 != sampled {
			t.Fatalf("traceparent(%q) = %q, %q, %v; written again, %q reads %q, %q, %v, %v", h, trace, span, sampled, again, t2, s2, sm2, ok)
		}
	})
}

// FuzzCloudTrace: an X-Cloud-Trace-Context is taken only with a trace ID
// Cloud Logging ties to a trace (32 hex digits, not all zero, given in
// lower case), with the span, if it is a number, as 16 hex digits; what
// is taken, written again, reads the same.
func FuzzCloudTrace(f *testing.F) {
	for _, s := range []string{
		"105445aa7843bc8bf206b12000100000/1;o=1", "105445aa7843bc8bf206b12000100000", "105445AA7843BC8BF206B12000100000/18446744073709551615;o=0",
		"00000000000000000000000000000000/1;o=1", "105445aa7843bc8bf206b12000100000/0", "105445aa7843bc8bf206b12000100000/-1;o=1",
		"105445aa7843bc8bf206b12000100000/18446744073709551616", `105445aa7843bc8bf206b1200010000" /1`, "105445aa7843bc8bf206b12000100000;o=1", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		trace, span, sampled, ok := cloudTrace(h)
		if !ok {
			return
		}
		checkIDs(t, h, trace, span)
		again := trace
		if span != "" {
			n, _ := strconv.ParseUint(span, 16, 64)
			again += "/" + strconv.FormatUint(n, 10)
		}
		if sampled {
			again += ";o=1"
		}
		if t2, s2, sm2, ok := cloudTrace(again); !ok || t2 != trace || s2 != span || sm2 != sampled {
			t.Fatalf("cloudTrace(%q) = %q, %q, %v; written again, %q reads %q, %q, %v, %v", h, trace, span, sampled, again, t2, s2, sm2, ok)
		}
	})
}
