package reclite

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// Every reclite_status of reclite.h maps to its own kind; the values are the ABI's.
func TestStatusKinds(t *testing.T) {
	cases := []struct {
		status int
		kind   error
		text   string
	}{
		{1, ErrInvalidArgument, "invalid argument"},
		{2, ErrStructSize, "struct size"},
		{10, ErrBadModel, "bad model"},
		{11, ErrUnsupported, "unsupported"},
		{20, ErrIO, "I/O"},
		{21, ErrNoMemory, "out of memory"},
		{22, ErrArenaTooSmall, "arena too small"},
		{30, ErrInternal, "internal error"},
	}
	for _, c := range cases {
		err := statusError("Op", c.status, "the message")
		if want := "reclite: Op: " + c.text + ": the message"; err.Error() != want {
			t.Errorf("status %d: %q, want %q", c.status, err.Error(), want)
		}
		expectError(t, err, c.kind, "Op", "the message")
	}
	// A status from a newer library: internal, and the message says which it was.
	expectError(t, statusError("Op", 99, "m"), ErrInternal, "Op", "RECLITE_E_UNKNOWN (status 99): m")
}

// An *Error wrapped by the caller still matches its kind.
func TestWrappedErrorKeepsKind(t *testing.T) {
	err := fmt.Errorf("loading: %w", statusError("Open", 10, "checksum mismatch"))
	var failure *Error
	if !errors.Is(err, ErrBadModel) || errors.Is(err, ErrIO) || !errors.As(err, &failure) || failure.Message != "checksum mismatch" {
		t.Fatalf("wrapped error lost its kind or message: %v", err)
	}
	if !strings.HasPrefix(ErrClosed.Error(), "reclite: ") {
		t.Errorf("kind text %q", ErrClosed.Error())
	}
}

func TestVersions(t *testing.T) {
	if ABIVersion() != headerABIVersion {
		t.Fatalf("library ABI %d, header ABI %d", ABIVersion(), headerABIVersion)
	}
	if v := Version(); strings.Count(v, ".") != 2 {
		t.Fatalf("Version() = %q, want MAJOR.MINOR.PATCH", v)
	}
}
