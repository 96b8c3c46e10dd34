package reclite

// #include <stdlib.h>
// #include "rlgo.h"
import "C"

import (
	"fmt"
	"math"
	"runtime"
	"sync"
	"unsafe"
)

// Session scores and recommends with one model. It owns one arena of
// working memory; Score and Recommend allocate no C memory (ScoreBatch one
// block for its requests). Calls on one Session are serialized; give each
// goroutine its own Session to run in parallel.
type Session struct {
	mu          sync.Mutex
	handle      *C.reclite_session // nil once closed
	model       *Model
	modelHandle *C.reclite_model // valid while this session is open: the Model keeps it for its sessions
	arena       *Arena           // the caller's arena, or nil when the library allocated one
	// contextIndex remembers resolved context feature names.
	contextIndex map[string]C.uint32_t
}

// SessionOption configures NewSession.
type SessionOption func(*sessionOptions)

type sessionOptions struct {
	arena *Arena
}

// WithArena makes the session work in the caller's arena (at least
// Model.ArenaSize bytes) instead of one the library allocates. One open
// session at a time may use an arena; after that session is closed the
// arena can serve another, of any model it is large enough for.
// WithArena(nil) is the same as no option.
func WithArena(arena *Arena) SessionOption {
	return func(options *sessionOptions) { options.arena = arena }
}

// NewSession creates a session over the model.
// Errors: ErrClosed (closed model or arena), ErrInvalidArgument (nil model or
// an arena in use), ErrArenaTooSmall, ErrNoMemory.
func (m *Model) NewSession(options ...SessionOption) (*Session, error) {
	const op = "Model.NewSession"
	if m == nil {
		return nil, nilReceiver(op, "*Model")
	}
	var chosen sessionOptions
	for _, option := range options {
		option(&chosen)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, closedError(op, "model")
	}
	var memory unsafe.Pointer
	var length int
	if chosen.arena != nil {
		var err error
		if memory, length, err = chosen.arena.claim(op); err != nil {
			return nil, err
		}
	}
	var handle *C.reclite_session
	err := threadCall(op, func() C.reclite_status {
		return C.reclite_session_create(m.handle, memory, C.size_t(length), &handle)
	})
	if err != nil {
		if chosen.arena != nil {
			chosen.arena.release()
		}
		return nil, err
	}
	m.sessions++
	s := &Session{handle: handle, model: m, modelHandle: m.handle, arena: chosen.arena, contextIndex: map[string]C.uint32_t{}}
	runtime.SetFinalizer(s, (*Session).Close)
	return s, nil
}

// Close releases the session and its arena (or frees a caller's arena for
// another session). Closing twice is a no-op; nil returns nil. It always
// returns nil (it has the error result of io.Closer).
func (s *Session) Close() error {
	if s == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.handle == nil {
		return nil
	}
	C.reclite_session_close(s.handle)
	s.handle = nil
	runtime.SetFinalizer(s, nil)
	if s.arena != nil {
		s.arena.release()
	}
	s.model.mu.Lock()
	s.model.sessions--
	s.model.releaseIfUnused()
	s.model.mu.Unlock()
	return nil
}

// open locks the session for one call, or reports why it cannot be used.
// On success the caller must unlock s.mu.
func (s *Session) open(op string) error {
	if s == nil {
		return nilReceiver(op, "*Session")
	}
	s.mu.Lock()
	if s.handle == nil {
		s.mu.Unlock()
		return closedError(op, "session")
	}
	return nil
}

// check turns a status of a session call into an error with the session's message.
func (s *Session) check(op string, status C.reclite_status) error {
	if status == C.RECLITE_OK {
		return nil
	}
	return statusError(op, int(status), C.GoString(C.reclite_session_last_error(s.handle)))
}

// Score returns the model's score of each of items for the request
// (scores[i] belongs to items[i]; see ModelInfo.ScoreKind for what they mean).
// Unknown items get the out-of-vocabulary score. No items give an empty,
// non-nil slice once the request has been checked.
// Errors: ErrInvalidArgument (context feature, flags, more than 2^31-1 items), ErrClosed.
func (s *Session) Score(req Request, items []int64) ([]float32, error) {
	const op = "Session.Score"
	if err := s.open(op); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	request, err := s.resolve(op, req)
	if err != nil {
		return nil, err
	}
	scores := make([]float32, len(items))
	status := C.rlgo_score(s.handle, request.flags, request.user, (*C.reclite_context_value)(first(request.context)), C.size_t(len(request.context)),
		(*C.int64_t)(first(items)), C.size_t(len(items)), (*C.float)(first(scores)))
	if err := s.check(op, status); err != nil {
		return nil, err
	}
	return scores, nil
}

// Recommend returns the best k catalog items for the request, best first,
// and their scores (the ones Score gives the same items). Items in exclude
// (e.g. already seen; unknown ids are ignored) are never returned. When k
// exceeds the eligible items, all of them are returned. An unknown user gets
// the catalog's most popular items unless the request has NoFallback.
// Errors: ErrInvalidArgument (k < 1, a bad context), ErrUnsupported (the
// model has no catalog), ErrClosed.
func (s *Session) Recommend(req Request, k int, exclude []int64) (ids []int64, scores []float32, err error) {
	const op = "Session.Recommend"
	if err := s.open(op); err != nil {
		return nil, nil, err
	}
	defer s.mu.Unlock()
	if k < 1 {
		return nil, nil, newError(op, ErrInvalidArgument, "k is %d; it must be at least 1", k)
	}
	request, err := s.resolve(op, req)
	if err != nil {
		return nil, nil, err
	}
	// More than the catalog cannot be returned, so a huge k costs no memory.
	// (A model without a catalog gets one slot: the library then reports ErrUnsupported.)
	capacity := k
	if catalog := int(s.model.info.CatalogSize); capacity > catalog {
		capacity = catalog
		if capacity == 0 {
			capacity = 1
		}
	}
	ids = make([]int64, capacity)
	scores = make([]float32, capacity)
	var count C.size_t
	status := C.rlgo_recommend(s.handle, request.flags, request.user, (*C.reclite_context_value)(first(request.context)), C.size_t(len(request.context)),
		C.size_t(capacity), (*C.int64_t)(first(exclude)), C.size_t(len(exclude)), (*C.int64_t)(first(ids)), (*C.float)(first(scores)), &count)
	if err := s.check(op, status); err != nil {
		return nil, nil, err
	}
	return ids[:count], scores[:count], nil
}

// ScoreBatch scores the same items for each request: scores[r][i] is the
// score of items[i] for reqs[r] (the rows share one backing array). Every
// request is checked before anything is scored. No requests give an empty
// result; no items give empty rows.
// Errors: as Score, naming the failing request ("request 3: ..."), and
// ErrInvalidArgument when len(reqs)·len(items) is too large.
func (s *Session) ScoreBatch(reqs []Request, items []int64) ([][]float32, error) {
	const op = "Session.ScoreBatch"
	if err := s.open(op); err != nil {
		return nil, err
	}
	defer s.mu.Unlock()
	if len(reqs) == 0 {
		return [][]float32{}, nil
	}
	if len(items) > 0 && len(reqs) > math.MaxInt32/len(items) {
		return nil, newError(op, ErrInvalidArgument, "%d requests × %d items is more scores than one call returns (%d)",
			len(reqs), len(items), math.MaxInt32)
	}
	users := make([]C.int64_t, len(reqs))
	flags := make([]C.uint32_t, len(reqs))
	ends := make([]C.size_t, len(reqs))
	var context []C.reclite_context_value
	for r, req := range reqs {
		request, err := s.resolve(op, req)
		if err != nil {
			if e, ok := err.(*Error); ok {
				e.Message = fmt.Sprintf("request %d: %s", r, e.Message)
			}
			return nil, err
		}
		users[r], flags[r] = request.user, request.flags
		context = append(context, request.context...)
		ends[r] = C.size_t(len(context))
	}
	// The reclite_request array holds pointers to the context values, so it
	// is C memory; rlgo_score_batch fills it for the duration of the call.
	requests := (*C.reclite_request)(C.calloc(C.size_t(len(reqs)), C.sizeof_reclite_request))
	if requests == nil {
		return nil, newError(op, ErrNoMemory, "cannot allocate %d requests", len(reqs))
	}
	defer C.free(unsafe.Pointer(requests))
	flat := make([]float32, len(reqs)*len(items))
	status := C.rlgo_score_batch(s.handle, requests, C.size_t(len(reqs)), (*C.int64_t)(first(users)), (*C.uint32_t)(first(flags)),
		(*C.reclite_context_value)(first(context)), (*C.size_t)(first(ends)), (*C.int64_t)(first(items)), C.size_t(len(items)), (*C.float)(first(flat)))
	if err := s.check(op, status); err != nil {
		return nil, err
	}
	rows := make([][]float32, len(reqs))
	for r := range rows {
		rows[r] = flat[r*len(items) : (r+1)*len(items) : (r+1)*len(items)]
	}
	return rows, nil
}

// first points at a slice's first element, or is nil for an empty slice: the
// pointer C gets for the duration of one call.
func first[T any](slice []T) unsafe.Pointer {
	if len(slice) == 0 {
		return nil
	}
	return unsafe.Pointer(&slice[0])
}
