// Package reclite runs RecLite recommendation models (.rlm files) from Go.
//
// It is a thin cgo layer over libreclite, the RecLite runtime's C library
// (include/reclite.h): the model is verified when it is opened, a Session
// scores candidates and returns the top K items of the model's catalog in a
// fixed memory arena, and every failure comes back as an *Error whose kind
// works with errors.Is (ErrBadModel, ErrInvalidArgument, ...).
//
//	model, err := reclite.Open("movies.rlm")
//	if err != nil { ... }
//	defer model.Close()
//	session, err := model.NewSession() // one per goroutine
//	if err != nil { ... }
//	defer session.Close()
//	ids, scores, err := session.Recommend(reclite.Request{User: 42}, 10, nil)
//
// # Building
//
// The package finds the library with pkg-config (`#cgo pkg-config: reclite`).
// After `make install` nothing else is needed. To use a build tree without
// installing, `make go-env` prints the PKG_CONFIG_PATH of an uninstalled
// reclite.pc that points at the tree's include/ and dist/<triple>/ and carries an
// rpath, so binaries find libreclite.so.1 there.
//
// # Threads and lifetimes
//
// A Model is immutable and safe for concurrent use. A Session is the scratch
// state of one caller: its methods are serialized by a mutex, so share one
// only if you accept that; for parallel scoring give each goroutine its own
// Session. Close releases C memory at once and is idempotent; a finalizer
// closes what was forgotten, but only as a safety net. Closing a Model while
// its sessions are open is safe: the C model is released with the last of
// them. Every method on a nil or closed object returns an error (or the
// documented empty result); none panics.
//
// # Memory
//
// Go memory is passed to C only for the duration of a call and never kept:
// OpenBytes makes the library copy the bytes, and a caller-provided arena
// (NewArena, WithArena) is C memory.
package reclite
