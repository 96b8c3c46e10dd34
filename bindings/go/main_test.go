package reclite

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The tests run on models the build makes; `make go-test` sets these:
//
//	RECLITE_TEST_MODEL  a sample model (reclite sample-model OUT --users 50 --items 200)
//	RECLITE_DEMO_MODEL  the demo's default student, tested too when the file exists
//	RECLITE_CLI         the reclite tool, whose `recommend --json` the scores must equal
var (
	sampleModelPath = os.Getenv("RECLITE_TEST_MODEL")
	demoModelPath   = os.Getenv("RECLITE_DEMO_MODEL")
	cliPath         = os.Getenv("RECLITE_CLI")
)

func TestMain(m *testing.M) {
	flag.Parse()
	if sampleModelPath == "" {
		fmt.Fprintln(os.Stderr, "reclite: RECLITE_TEST_MODEL is not set, so the tests that need a model and the "+
			"examples are skipped; run `make go-test`, or set it to a model made by "+
			"`reclite sample-model OUT --users 50 --items 200`")
		// Examples cannot skip themselves: leave them out unless -run chose.
		if run := flag.Lookup("test.run"); run != nil && run.Value.String() == "" {
			_ = flag.Set("test.run", "^Test")
		}
	}
	os.Exit(m.Run())
}

// requireSample returns the sample model's path, or skips the test.
func requireSample(t testing.TB) string {
	t.Helper()
	if sampleModelPath == "" {
		t.Skip("RECLITE_TEST_MODEL is not set (make go-test sets it)")
	}
	return sampleModelPath
}

// modelPaths are the models a test runs on: the sample and, when it exists, the demo student.
func modelPaths(t *testing.T) []string {
	paths := []string{requireSample(t)}
	if demoModelPath == "" {
		t.Log("RECLITE_DEMO_MODEL is not set: the demo student is not tested")
	} else if _, err := os.Stat(demoModelPath); err != nil {
		t.Logf("demo student not tested: %v", err)
	} else {
		paths = append(paths, demoModelPath)
	}
	return paths
}

// forEachModel runs test as a subtest on each of modelPaths with the model opened.
func forEachModel(t *testing.T, test func(t *testing.T, path string, model *Model)) {
	for _, path := range modelPaths(t) {
		path := path
		t.Run(filepath.Base(path), func(t *testing.T) { test(t, path, openModel(t, path)) })
	}
}

// openModel opens path for the test and closes it afterwards.
func openModel(t testing.TB, path string) *Model {
	t.Helper()
	model, err := Open(path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	t.Cleanup(func() { model.Close() })
	return model
}

// newSession creates a session for the test and closes it afterwards.
func newSession(t testing.TB, model *Model, options ...SessionOption) *Session {
	t.Helper()
	session, err := model.NewSession(options...)
	if err != nil {
		t.Fatalf("NewSession: %v", err)
	}
	t.Cleanup(func() { session.Close() })
	return session
}

// expectError fails the test unless err is an *Error of the given kind, from op,
// whose message contains every one of parts.
func expectError(t testing.TB, err error, kind error, op string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error, want %v", op, kind)
	}
	failure, ok := err.(*Error)
	if !ok {
		t.Fatalf("%s: error %T (%v), want *reclite.Error", op, err, err)
	}
	for _, other := range allKinds {
		if is := errors.Is(err, other); is != (other == kind) {
			t.Errorf("%s: errors.Is(%v, %v) = %v", op, err, other, is)
		}
	}
	if failure.Op != op {
		t.Errorf("error's Op = %q, want %q (%v)", failure.Op, op, err)
	}
	for _, part := range parts {
		if !strings.Contains(failure.Message, part) {
			t.Errorf("%s: message %q does not contain %q", op, failure.Message, part)
		}
	}
}

var allKinds = []error{ErrInvalidArgument, ErrStructSize, ErrBadModel, ErrUnsupported, ErrIO, ErrNoMemory,
	ErrArenaTooSmall, ErrInternal, ErrClosed}
