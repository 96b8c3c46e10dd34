package reclite

// #include <reclite.h>
import "C"

import (
	"fmt"
	"runtime"
)

// errorKind is the type of the Err* values: one per reclite_status, plus
// ErrClosed for objects this package has already released.
type errorKind struct {
	name string
}

// Error returns the kind's description, e.g. "reclite: bad model".
func (k *errorKind) Error() string { return "reclite: " + k.name }

// The kinds of failure. Every error this package returns is an *Error whose
// Kind is one of them, so errors.Is(err, reclite.ErrBadModel) tells them apart.
var (
	// ErrInvalidArgument: the caller passed something impossible (k < 1, an
	// unknown context feature name, unknown flags, a nil receiver).
	ErrInvalidArgument error = &errorKind{"invalid argument"}
	// ErrStructSize: the library rejected a struct's size (a library older
	// than the header this package was built with).
	ErrStructSize error = &errorKind{"struct size"}
	// ErrBadModel: the model file is corrupt, truncated or inconsistent.
	ErrBadModel error = &errorKind{"bad model"}
	// ErrUnsupported: a well-formed model that needs a newer library, a model
	// without a catalog asked to recommend, or a library of another ABI.
	ErrUnsupported error = &errorKind{"unsupported"}
	// ErrIO: the model file could not be opened or read.
	ErrIO error = &errorKind{"I/O"}
	// ErrNoMemory: memory could not be allocated.
	ErrNoMemory error = &errorKind{"out of memory"}
	// ErrArenaTooSmall: the arena given with WithArena is smaller than Model.ArenaSize.
	ErrArenaTooSmall error = &errorKind{"arena too small"}
	// ErrInternal: an internal invariant of the library failed (please report it).
	ErrInternal error = &errorKind{"internal error"}
	// ErrClosed: the Model, Session or Arena was closed before the call.
	ErrClosed error = &errorKind{"closed"}
)

// Error is a failed call: which method, what kind of failure and the
// library's message, which names the first problem.
type Error struct {
	// Op is the method that failed, e.g. "Open" or "Session.Recommend".
	Op string
	// Kind is one of the Err* values; errors.Is(err, Kind) is true.
	Kind error
	// Message is the library's message for the failure (the session's
	// message for session calls) or, for failures found before the library
	// is called, this package's.
	Message string
}

// Error formats the failure as "reclite: Op: kind: message".
func (e *Error) Error() string {
	text := "reclite: " + e.Op
	if kind, ok := e.Kind.(*errorKind); ok {
		text += ": " + kind.name
	} else if e.Kind != nil {
		text += ": " + e.Kind.Error()
	}
	if e.Message != "" {
		text += ": " + e.Message
	}
	return text
}

// Unwrap returns the kind, which is what makes errors.Is work.
func (e *Error) Unwrap() error { return e.Kind }

// newError builds an *Error with a formatted message.
func newError(op string, kind error, format string, args ...interface{}) *Error {
	return &Error{Op: op, Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// kindOf maps a reclite_status to its kind. A status this package does not
// know (from a newer library) counts as ErrInternal.
func kindOf(status int) error {
	switch status {
	case C.RECLITE_E_INVALID_ARGUMENT:
		return ErrInvalidArgument
	case C.RECLITE_E_STRUCT_SIZE:
		return ErrStructSize
	case C.RECLITE_E_BAD_MODEL:
		return ErrBadModel
	case C.RECLITE_E_UNSUPPORTED:
		return ErrUnsupported
	case C.RECLITE_E_IO:
		return ErrIO
	case C.RECLITE_E_NO_MEMORY:
		return ErrNoMemory
	case C.RECLITE_E_ARENA_TOO_SMALL:
		return ErrArenaTooSmall
	default:
		return ErrInternal
	}
}

// statusError is the *Error for a failed reclite_status and the library's message.
func statusError(op string, status int, message string) *Error {
	kind := kindOf(status)
	if kind == ErrInternal && status != C.RECLITE_E_INTERNAL {
		name := C.GoString(C.reclite_status_name(C.reclite_status(status)))
		message = fmt.Sprintf("%s (status %d): %s", name, status, message)
	}
	return &Error{Op: op, Kind: kind, Message: message}
}

// threadCall runs call, a library function that keeps its failure message per
// OS thread, and turns a failure into an *Error with that message. The
// goroutine stays on one thread meanwhile, so the message read is the one
// call left, not another goroutine's.
func threadCall(op string, call func() C.reclite_status) error {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if status := call(); status != C.RECLITE_OK {
		return statusError(op, int(status), C.GoString(C.reclite_last_error()))
	}
	return nil
}

// nilReceiver is the error of a method called on a nil pointer.
func nilReceiver(op, typeName string) error {
	return newError(op, ErrInvalidArgument, "called on a nil %s", typeName)
}

// closedError is the error of a method called after Close.
func closedError(op, what string) error {
	return newError(op, ErrClosed, "the %s is closed", what)
}
