package reclite

// #include <stdlib.h>
import "C"

import (
	"runtime"
	"sync"
	"unsafe"
)

// Arena is working memory for a session that the caller owns (see
// WithArena), for programs that decide where their memory comes from or
// reuse one block across sessions. It is C memory, as cgo requires of memory
// the library keeps; Close frees it.
type Arena struct {
	mu     sync.Mutex
	memory unsafe.Pointer // C memory; nil once freed
	size   int
	inUse  bool // an open session works in it
}

// NewArena allocates size bytes of zeroed C memory, e.g. model.ArenaSize().
// Errors: ErrInvalidArgument (size < 1), ErrNoMemory.
func NewArena(size int) (*Arena, error) {
	const op = "NewArena"
	if size < 1 {
		return nil, newError(op, ErrInvalidArgument, "size is %d; it must be at least 1", size)
	}
	memory := C.calloc(1, C.size_t(size))
	if memory == nil {
		return nil, newError(op, ErrNoMemory, "cannot allocate %d bytes", size)
	}
	a := &Arena{memory: memory, size: size}
	runtime.SetFinalizer(a, (*Arena).Close)
	return a, nil
}

// Len is the arena's size in bytes; 0 for a nil or closed arena.
func (a *Arena) Len() int {
	if a == nil {
		return 0
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.memory == nil {
		return 0
	}
	return a.size
}

// Close frees the arena. It fails with ErrInvalidArgument while an open
// session works in it (close the session first). Closing twice is a no-op.
func (a *Arena) Close() error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inUse {
		return newError("Arena.Close", ErrInvalidArgument, "an open session works in this arena; close the session first")
	}
	if a.memory != nil {
		C.free(a.memory)
		a.memory = nil
		runtime.SetFinalizer(a, nil)
	}
	return nil
}

// claim reserves the arena for a new session and returns its memory.
func (a *Arena) claim(op string) (unsafe.Pointer, int, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case a.memory == nil:
		return nil, 0, closedError(op, "arena")
	case a.inUse:
		return nil, 0, newError(op, ErrInvalidArgument, "the arena is in use by another open session")
	}
	a.inUse = true
	return a.memory, a.size, nil
}

// release makes the arena available again after its session closed (or failed to open).
func (a *Arena) release() {
	a.mu.Lock()
	a.inUse = false
	a.mu.Unlock()
}
