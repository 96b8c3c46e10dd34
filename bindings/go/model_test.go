package reclite

import (
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// The sample model's shape is set by `reclite sample-model --users 50 --items 200`.
func TestModelDescribesItself(t *testing.T) {
	model := openModel(t, requireSample(t))
	info := model.Info()
	if info.CatalogSize != 200 || info.UserCount != 50 || info.FeatureCount != 3 || info.FormatVersion != 1 {
		t.Errorf("info %+v: want catalog 200, users 50, 3 features, format 1", info)
	}
	if info.ScoreKind != ScoreLogit || info.ScoreKind.String() != "logit" {
		t.Errorf("score kind %v, want logit (the sample ends in a sigmoid)", info.ScoreKind)
	}
	if info.ArenaBytes == 0 || model.ArenaSize() != int(info.ArenaBytes) || info.Description == "" {
		t.Errorf("arena %d / ArenaSize %d, description %q", info.ArenaBytes, model.ArenaSize(), info.Description)
	}
	stat, err := os.Stat(requireSample(t))
	if err != nil || info.FileBytes != uint64(stat.Size()) {
		t.Errorf("FileBytes %d, file has %v bytes (%v)", info.FileBytes, stat.Size(), err)
	}

	want := []Feature{{"user", FeatureUser, 50}, {"item", FeatureItem, 200}, {"hour", FeatureContext, 24}}
	if got := model.Features(); !reflect.DeepEqual(got, want) {
		t.Errorf("Features() = %+v, want %+v", got, want)
	}
	for _, feature := range model.Features() {
		if feature.IsContext() != (feature.Name == "hour") {
			t.Errorf("%s: IsContext() = %v", feature.Name, feature.IsContext())
		}
	}
	model.Features()[0].Name = "changed"
	if model.Features()[0].Name != "user" {
		t.Error("Features() returned the model's own slice")
	}

	metadata := model.Metadata()
	if len(metadata) != int(info.MetadataCount) || len(metadata) == 0 {
		t.Errorf("%d metadata entries, info says %d", len(metadata), info.MetadataCount)
	}
	for key := range metadata {
		metadata[key] = "changed"
	}
	for key, value := range model.Metadata() {
		if value == "changed" {
			t.Errorf("Metadata() returned the model's own map (%s)", key)
		}
	}

	if title, ok := model.Title(7); !ok || !strings.HasPrefix(title, "Sample item 7 ") {
		t.Errorf("Title(7) = %q, %v", title, ok)
	}
	if title, ok := model.Title(100000); ok || title != "" {
		t.Errorf("Title of an unknown item = %q, %v", title, ok)
	}
}

func TestKindNames(t *testing.T) {
	names := map[string]string{ScoreRaw.String(): "raw", ScoreKind(7).String(): "ScoreKind(7)",
		FeatureItem.String(): "item", FeatureContext.String(): "context", FeatureKind(-1).String(): "FeatureKind(-1)"}
	for got, want := range names {
		if got != want {
			t.Errorf("%q, want %q", got, want)
		}
	}
}

// OpenBytes copies: the caller's bytes can be destroyed at once.
func TestOpenBytesCopies(t *testing.T) {
	forEachModel(t, func(t *testing.T, path string, model *Model) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		fromBytes, err := OpenBytes(data)
		if err != nil {
			t.Fatal(err)
		}
		defer fromBytes.Close()
		for i := range data {
			data[i] = 0xAA
		}
		if fromBytes.Info() != model.Info() {
			t.Errorf("OpenBytes info %+v, Open info %+v", fromBytes.Info(), model.Info())
		}
		wantIDs, wantScores := recommend(t, newSession(t, model), Request{User: 7}, 20)
		ids, scores := recommend(t, newSession(t, fromBytes), Request{User: 7}, 20)
		if !reflect.DeepEqual(ids, wantIDs) || !reflect.DeepEqual(scores, wantScores) {
			t.Errorf("model from bytes recommends %v %v, from the file %v %v", ids, scores, wantIDs, wantScores)
		}
	})
}

func TestOpenFailures(t *testing.T) {
	good, err := os.ReadFile(requireSample(t))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.rlm")
	expectOpenError(t, missing, ErrIO, missing)
	expectOpenError(t, dir, ErrIO, dir)
	expectOpenError(t, "bad\x00name.rlm", ErrInvalidArgument, "NUL")

	flipped := append([]byte(nil), good...)
	flipped[len(flipped)/2] ^= 0x40
	cases := []struct {
		name  string
		data  []byte
		kind  error
		words string
	}{
		{"empty", nil, ErrBadModel, "too short"},
		{"text", []byte(strings.Repeat("not a model ", 20)), ErrBadModel, "RLM1"},
		{"truncated", good[:len(good)/3], ErrBadModel, ""},
		{"flipped bit", flipped, ErrBadModel, "checksum mismatch"},
		{"newer format", withFormatVersion(t, good, 99), ErrUnsupported, "format version 99 is newer"},
	}
	for _, c := range cases {
		model, err := OpenBytes(c.data)
		if model != nil {
			t.Errorf("%s: OpenBytes returned a model", c.name)
		}
		expectError(t, err, c.kind, "OpenBytes", c.words)
		path := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".rlm")
		if err := os.WriteFile(path, c.data, 0o644); err != nil {
			t.Fatal(err)
		}
		if c.name != "empty" { // an empty file cannot be mapped: that is ErrIO or ErrBadModel
			expectOpenError(t, path, c.kind, c.words)
		} else if _, err := Open(path); err == nil {
			t.Error("Open of an empty file succeeded")
		}
	}
}

func expectOpenError(t *testing.T, path string, kind error, words string) {
	t.Helper()
	model, err := Open(path)
	if model != nil {
		t.Errorf("Open(%q) returned a model", path)
	}
	expectError(t, err, kind, "Open", words)
}

// withFormatVersion is data with the root table's format_version (field 0)
// set to version and the checksum (field 1: CRC-32 of the file with its own
// four bytes read as zero) recomputed, so only the version is wrong.
func withFormatVersion(t *testing.T, data []byte, version uint32) []byte {
	t.Helper()
	out := append([]byte(nil), data...)
	field := func(index int) int {
		table := int(binary.LittleEndian.Uint32(out))
		vtable := table - int(int32(binary.LittleEndian.Uint32(out[table:])))
		offset := int(binary.LittleEndian.Uint16(out[vtable+4+2*index:]))
		if offset == 0 {
			t.Fatalf("root table has no field %d", index)
		}
		return table + offset
	}
	versionAt, checksumAt := field(0), field(1)
	if binary.LittleEndian.Uint32(out[versionAt:]) != 1 {
		t.Fatalf("field 0 is %d, not format version 1", binary.LittleEndian.Uint32(out[versionAt:]))
	}
	binary.LittleEndian.PutUint32(out[versionAt:], version)
	binary.LittleEndian.PutUint32(out[checksumAt:], 0)
	binary.LittleEndian.PutUint32(out[checksumAt:], crc32.ChecksumIEEE(out))
	return out
}

func TestClosedModel(t *testing.T) {
	model, err := Open(requireSample(t))
	if err != nil {
		t.Fatal(err)
	}
	if model.Close() != nil || model.Close() != nil {
		t.Fatal("Close failed")
	}
	if model.Info() != (ModelInfo{}) || model.Features() != nil || model.Metadata() != nil || model.ArenaSize() != 0 {
		t.Error("a closed model still describes itself")
	}
	if _, ok := model.Title(7); ok {
		t.Error("a closed model has titles")
	}
	session, err := model.NewSession()
	if session != nil {
		t.Error("NewSession on a closed model returned a session")
	}
	expectError(t, err, ErrClosed, "Model.NewSession", "model is closed")
}

func TestNilReceivers(t *testing.T) {
	var model *Model
	if model.Close() != nil || model.Info() != (ModelInfo{}) || model.Features() != nil || model.Metadata() != nil {
		t.Error("nil *Model")
	}
	if _, ok := model.Title(1); ok || model.ArenaSize() != 0 {
		t.Error("nil *Model has a title or an arena size")
	}
	_, err := model.NewSession()
	expectError(t, err, ErrInvalidArgument, "Model.NewSession", "nil *Model")

	var session *Session
	_, err = session.Score(Request{User: 1}, []int64{1})
	expectError(t, err, ErrInvalidArgument, "Session.Score", "nil *Session")
	_, _, err = session.Recommend(Request{User: 1}, 10, nil)
	expectError(t, err, ErrInvalidArgument, "Session.Recommend", "nil *Session")
	_, err = session.ScoreBatch([]Request{{User: 1}}, []int64{1})
	expectError(t, err, ErrInvalidArgument, "Session.ScoreBatch", "nil *Session")
	if session.Close() != nil {
		t.Error("nil *Session Close")
	}

	var arena *Arena
	if arena.Len() != 0 || arena.Close() != nil {
		t.Error("nil *Arena")
	}
}
