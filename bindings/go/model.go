package reclite

// #include <stdlib.h>
// #include <reclite.h>
import "C"

import (
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unsafe"
)

// ScoreKind says what the numbers Score and Recommend return mean.
type ScoreKind int

const (
	// ScoreRaw: a real-valued score; higher ranks first, with no probability meaning.
	ScoreRaw ScoreKind = C.RECLITE_SCORE_RAW
	// ScoreLogit: a logit; the probability is 1/(1+exp(-score)). Rank by the
	// score itself, never by a probability rounded to float32.
	ScoreLogit ScoreKind = C.RECLITE_SCORE_LOGIT
)

// String returns "raw", "logit", or "ScoreKind(N)" for a value this package does not know.
func (k ScoreKind) String() string {
	switch k {
	case ScoreRaw:
		return "raw"
	case ScoreLogit:
		return "logit"
	}
	return "ScoreKind(" + strconv.Itoa(int(k)) + ")"
}

// FeatureKind says who supplies a feature's value.
type FeatureKind int

const (
	// FeatureUser: the request's user id.
	FeatureUser FeatureKind = C.RECLITE_FEATURE_USER
	// FeatureItem: the candidate items (the catalog).
	FeatureItem FeatureKind = C.RECLITE_FEATURE_ITEM
	// FeatureContext: a value the request passes in Request.Context, e.g. hour of day.
	FeatureContext FeatureKind = C.RECLITE_FEATURE_CONTEXT
)

// String returns "user", "item", "context", or "FeatureKind(N)".
func (k FeatureKind) String() string {
	switch k {
	case FeatureUser:
		return "user"
	case FeatureItem:
		return "item"
	case FeatureContext:
		return "context"
	}
	return "FeatureKind(" + strconv.Itoa(int(k)) + ")"
}

// Feature describes one input of a model.
type Feature struct {
	// Name is the feature's name, e.g. "user", "item", "hour".
	Name string
	// Kind says who supplies the value.
	Kind FeatureKind
	// ValueCount is the number of values the model knows; any other value
	// uses the feature's out-of-vocabulary row.
	ValueCount uint64
}

// IsContext reports whether a request passes this feature's value in Request.Context.
func (f Feature) IsContext() bool { return f.Kind == FeatureContext }

// ModelInfo summarizes a model (reclite_model_info).
type ModelInfo struct {
	FormatVersion uint32    // format version of the file
	CatalogSize   uint32    // items the model can recommend
	UserCount     uint32    // users the model knows; others are cold-start users
	FeatureCount  uint32    // user, item and context features (see Model.Features)
	TensorCount   uint32    // tensors of the op graph
	OpCount       uint32    // ops of the op graph
	MaxBatch      uint32    // candidates scored per internal chunk
	WeightBytes   uint64    // bytes of stored weights and tables
	FileBytes     uint64    // size of the model file or buffer
	ArenaBytes    uint64    // working memory of one session (Model.ArenaSize)
	Description   string    // free-form description
	ScoreKind     ScoreKind // what the scores mean
	MetadataCount uint32    // entries of Model.Metadata
}

// Model is an opened, verified model. It is immutable and safe for
// concurrent use; Close releases it.
type Model struct {
	mu       sync.RWMutex
	handle   *C.reclite_model // released once the Model and all its sessions are closed
	closed   bool             // Close was called
	sessions int              // open sessions, which use handle

	// What Open discovered; the model never changes.
	info     ModelInfo
	features []Feature
	metadata map[string]string
}

// emptyBuffer gives OpenBytes a valid pointer for an empty slice, so the
// library (not this package) judges an empty model.
var emptyBuffer [1]byte

// Open opens and verifies the .rlm file at path; the file is mapped, not
// copied, and must not change while the model is open.
// Errors: ErrIO (missing, unreadable), ErrBadModel (failed verification; the
// message names the first problem), ErrUnsupported, ErrNoMemory, ErrInvalidArgument.
func Open(path string) (*Model, error) {
	const op = "Open"
	if err := checkABI(op); err != nil {
		return nil, err
	}
	if strings.IndexByte(path, 0) >= 0 {
		return nil, newError(op, ErrInvalidArgument, "path %q contains a NUL byte", path)
	}
	cpath := C.CString(path)
	defer C.free(unsafe.Pointer(cpath))
	var handle *C.reclite_model
	if err := threadCall(op, func() C.reclite_status { return C.reclite_model_open(cpath, &handle) }); err != nil {
		return nil, err
	}
	return newModel(op, handle)
}

// OpenBytes opens and verifies a model held in memory. The library copies
// the bytes (RECLITE_OPEN_COPY), so data may be reused as soon as it returns.
// Errors as Open; an empty slice is ErrBadModel.
func OpenBytes(data []byte) (*Model, error) {
	const op = "OpenBytes"
	if err := checkABI(op); err != nil {
		return nil, err
	}
	bytes := unsafe.Pointer(&emptyBuffer[0])
	if len(data) > 0 {
		bytes = unsafe.Pointer(&data[0])
	}
	var handle *C.reclite_model
	err := threadCall(op, func() C.reclite_status {
		return C.reclite_model_open_buffer(bytes, C.size_t(len(data)), C.RECLITE_OPEN_COPY, &handle)
	})
	if err != nil {
		return nil, err
	}
	return newModel(op, handle)
}

// newModel reads everything a Model reports about itself from a new handle,
// closing the handle if that fails.
func newModel(op string, handle *C.reclite_model) (*Model, error) {
	m := &Model{handle: handle}
	if err := m.discover(op); err != nil {
		C.reclite_model_close(handle)
		return nil, err
	}
	runtime.SetFinalizer(m, (*Model).Close)
	return m, nil
}

// discover fills info, features and metadata from the handle.
func (m *Model) discover(op string) error {
	var info C.reclite_model_info
	info.struct_size = C.uint32_t(unsafe.Sizeof(info))
	if err := threadCall(op, func() C.reclite_status { return C.reclite_model_get_info(m.handle, &info) }); err != nil {
		return err
	}
	m.info = ModelInfo{
		FormatVersion: uint32(info.format_version),
		CatalogSize:   uint32(info.catalog_size),
		UserCount:     uint32(info.user_count),
		FeatureCount:  uint32(info.feature_count),
		TensorCount:   uint32(info.tensor_count),
		OpCount:       uint32(info.op_count),
		MaxBatch:      uint32(info.max_batch),
		WeightBytes:   uint64(info.weight_bytes),
		FileBytes:     uint64(info.file_bytes),
		ArenaBytes:    uint64(info.arena_bytes),
		Description:   C.GoString(info.description),
		ScoreKind:     ScoreKind(info.score_kind),
		MetadataCount: uint32(info.metadata_count),
	}
	m.features = make([]Feature, m.info.FeatureCount)
	for i := range m.features {
		var feature C.reclite_feature_info
		feature.struct_size = C.uint32_t(unsafe.Sizeof(feature))
		index := C.uint32_t(i)
		if err := threadCall(op, func() C.reclite_status { return C.reclite_model_get_feature(m.handle, index, &feature) }); err != nil {
			return err
		}
		m.features[i] = Feature{Name: C.GoString(feature.name), Kind: FeatureKind(feature.kind), ValueCount: uint64(feature.value_count)}
	}
	m.metadata = make(map[string]string, m.info.MetadataCount)
	for i := uint32(0); i < m.info.MetadataCount; i++ {
		var key, value *C.char
		index := C.uint32_t(i)
		if err := threadCall(op, func() C.reclite_status { return C.reclite_model_get_metadata(m.handle, index, &key, &value) }); err != nil {
			return err
		}
		m.metadata[C.GoString(key)] = C.GoString(value)
	}
	return nil
}

// Close releases the model. Sessions created from it stay usable; the C
// model is released with the last of them. Closing twice is a no-op; nil
// returns nil. It always returns nil (it has the error result of io.Closer).
func (m *Model) Close() error {
	if m == nil {
		return nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil
	}
	m.closed = true
	runtime.SetFinalizer(m, nil)
	m.releaseIfUnused()
	return nil
}

// releaseIfUnused closes the C model once the Model is closed and no session
// uses it. The caller holds m.mu for writing.
func (m *Model) releaseIfUnused() {
	if m.closed && m.sessions == 0 && m.handle != nil {
		C.reclite_model_close(m.handle)
		m.handle = nil
	}
}

// openModel runs body with the read lock held if the model is open; it
// returns false for a nil or closed model.
func (m *Model) openModel(body func()) bool {
	if m == nil {
		return false
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.closed {
		return false
	}
	body()
	return true
}

// Info summarizes the model; the zero ModelInfo for a nil or closed model.
func (m *Model) Info() ModelInfo {
	var info ModelInfo
	m.openModel(func() { info = m.info })
	return info
}

// ArenaSize is the number of bytes of working memory one session needs, the
// smallest Arena WithArena accepts; 0 for a nil or closed model.
func (m *Model) ArenaSize() int {
	return int(m.Info().ArenaBytes)
}

// Features lists the model's features (user, item and context), in the
// order of their indexes; nil for a nil or closed model.
func (m *Model) Features() []Feature {
	var features []Feature
	m.openModel(func() { features = append([]Feature(nil), m.features...) })
	return features
}

// Metadata returns the model's provenance metadata (producer, data set,
// hyperparameters, results...) as a new map; nil for a nil or closed model.
func (m *Model) Metadata() map[string]string {
	var metadata map[string]string
	m.openModel(func() {
		metadata = make(map[string]string, len(m.metadata))
		for key, value := range m.metadata {
			metadata[key] = value
		}
	})
	return metadata
}

// Title returns the display title of a catalog item, and false when the item
// is unknown, the model stores no titles, or the model is nil or closed.
func (m *Model) Title(item int64) (string, bool) {
	var title string
	var found bool
	m.openModel(func() {
		if text := C.reclite_model_item_title(m.handle, C.int64_t(item)); text != nil {
			title, found = C.GoString(text), true
		}
	})
	return title, found
}
