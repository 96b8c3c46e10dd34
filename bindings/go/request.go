package reclite

// #include <reclite.h>
import "C"

import (
	"sort"
	"strings"
	"unsafe"
)

// RequestFlags modify a request; combine them with |.
type RequestFlags uint32

// NoFallback ranks an unknown user with the model's out-of-vocabulary user
// instead of returning the catalog's most popular items.
const NoFallback RequestFlags = C.RECLITE_REQUEST_NO_FALLBACK

// Request says whom a recommendation is for.
type Request struct {
	// User is the raw user id; an unknown user is a cold-start user, not an error.
	User int64
	// Flags, e.g. NoFallback.
	Flags RequestFlags
	// Context holds values of context features by name, e.g. {"hour": 21}.
	// Context features left out use their out-of-vocabulary row; a name the
	// model does not have, or a feature that is not a context feature, is
	// ErrInvalidArgument.
	Context map[string]int64
}

// cRequest is a Request with its context features resolved to indexes.
type cRequest struct {
	user    C.int64_t
	flags   C.uint32_t
	context []C.reclite_context_value
}

// resolve turns req's context names into feature indexes with
// reclite_model_find_feature, remembering them for the session's next calls.
// Names are resolved in sorted order, so an error names the same feature
// every time. The caller holds s.mu.
func (s *Session) resolve(op string, req Request) (cRequest, error) {
	resolved := cRequest{user: C.int64_t(req.User), flags: C.uint32_t(req.Flags)}
	if len(req.Context) == 0 {
		return resolved, nil
	}
	names := make([]string, 0, len(req.Context))
	for name := range req.Context {
		names = append(names, name)
	}
	sort.Strings(names)
	resolved.context = make([]C.reclite_context_value, len(names))
	for i, name := range names {
		index, err := s.contextFeature(op, name)
		if err != nil {
			return cRequest{}, err
		}
		resolved.context[i] = C.reclite_context_value{feature: index, value: C.int64_t(req.Context[name])}
	}
	return resolved, nil
}

// contextFeature is the index of the context feature called name.
func (s *Session) contextFeature(op, name string) (C.uint32_t, error) {
	if index, ok := s.contextIndex[name]; ok {
		return index, nil
	}
	if strings.IndexByte(name, 0) >= 0 {
		return 0, newError(op, ErrInvalidArgument, "context feature name %q contains a NUL byte", name)
	}
	cname := append([]byte(name), 0) // Go memory, passed for the duration of the call only
	var index C.uint32_t
	err := threadCall(op, func() C.reclite_status {
		return C.reclite_model_find_feature(s.modelHandle, (*C.char)(unsafe.Pointer(&cname[0])), &index)
	})
	if err != nil {
		return 0, err
	}
	if int(index) >= len(s.model.features) {
		return 0, newError(op, ErrInternal, "feature %q has index %d, but the model has %d features", name, index, len(s.model.features))
	}
	if feature := s.model.features[index]; !feature.IsContext() {
		return 0, newError(op, ErrInvalidArgument, "feature %q is a %s feature, not a context feature (the model's context features: %s)",
			name, feature.Kind, s.model.contextNames())
	}
	s.contextIndex[name] = index
	return index, nil
}

// contextNames lists the model's context features for messages ("none" if it has none).
func (m *Model) contextNames() string {
	names := ""
	for _, feature := range m.features {
		if feature.IsContext() {
			if names != "" {
				names += ", "
			}
			names += feature.Name
		}
	}
	if names == "" {
		return "none"
	}
	return names
}
