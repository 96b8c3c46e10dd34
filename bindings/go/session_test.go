package reclite

import (
	"math"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// recommend is Recommend that fails the test on an error.
func recommend(t testing.TB, session *Session, req Request, k int, exclude ...int64) ([]int64, []float32) {
	t.Helper()
	ids, scores, err := session.Recommend(req, k, exclude)
	if err != nil {
		t.Fatalf("Recommend(%+v, %d): %v", req, k, err)
	}
	if len(ids) != len(scores) {
		t.Fatalf("%d ids, %d scores", len(ids), len(scores))
	}
	return ids, scores
}

// score is Score that fails the test on an error.
func score(t testing.TB, session *Session, req Request, items []int64) []float32 {
	t.Helper()
	scores, err := session.Score(req, items)
	if err != nil {
		t.Fatalf("Score(%+v): %v", req, err)
	}
	return scores
}

// catalog is every item id of the sample model.
func catalog(model *Model) []int64 {
	items := make([]int64, model.Info().CatalogSize)
	for i := range items {
		items[i] = int64(i + 1)
	}
	return items
}

// Recommend returns the k best of what Score gives the whole catalog, best first.
func TestRecommendIsTheTopOfScore(t *testing.T) {
	model := openModel(t, requireSample(t))
	session := newSession(t, model)
	items := catalog(model)
	for _, req := range []Request{{User: 7}, {User: 50, Context: map[string]int64{"hour": 21}}, {User: 424242, Flags: NoFallback}} {
		all := score(t, session, req, items)
		order := make([]int, len(items))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool { return all[order[a]] > all[order[b]] })
		ids, scores := recommend(t, session, req, 10)
		for rank, id := range ids {
			if want := items[order[rank]]; id != want || scores[rank] != all[order[rank]] {
				t.Errorf("%+v rank %d: %d (%v), Score ranks %d (%v) there", req, rank, id, scores[rank], want, all[order[rank]])
			}
		}
	}
}

func TestRecommendArguments(t *testing.T) {
	model := openModel(t, requireSample(t))
	session := newSession(t, model)
	for _, k := range []int{0, -1, math.MinInt} {
		_, _, err := session.Recommend(Request{User: 7}, k, nil)
		expectError(t, err, ErrInvalidArgument, "Session.Recommend", "must be at least 1")
	}
	// k beyond the catalog (even beyond memory) returns the whole catalog.
	for _, k := range []int{201, math.MaxInt} {
		if ids, _ := recommend(t, session, Request{User: 7}, k); len(ids) != 200 {
			t.Errorf("k %d: %d items, want the catalog's 200", k, len(ids))
		}
	}
	// Excluded items never come back; unknown excluded ids are ignored.
	exclude := []int64{-5, 1 << 40}
	for id := int64(1); id <= 197; id++ {
		exclude = append(exclude, id)
	}
	ids, _ := recommend(t, session, Request{User: 7}, 10, exclude...)
	sort.Slice(ids, func(a, b int) bool { return ids[a] < ids[b] })
	if !reflect.DeepEqual(ids, []int64{198, 199, 200}) {
		t.Errorf("with 197 items excluded: %v, want [198 199 200]", ids)
	}
	// An unknown user gets the popularity fallback unless NoFallback.
	fallback, _ := recommend(t, session, Request{User: 424242}, 10)
	ranked, _ := recommend(t, session, Request{User: 424242, Flags: NoFallback}, 10)
	if reflect.DeepEqual(fallback, ranked) {
		t.Errorf("NoFallback changed nothing for an unknown user: %v", ranked)
	}
}

func TestEmptyInputs(t *testing.T) {
	session := newSession(t, openModel(t, requireSample(t)))
	for _, items := range [][]int64{nil, {}} {
		scores, err := session.Score(Request{User: 7}, items)
		if err != nil || scores == nil || len(scores) != 0 {
			t.Errorf("Score of no items: %v, %v; want an empty slice", scores, err)
		}
	}
	// The request is still checked.
	_, err := session.Score(Request{User: 7, Context: map[string]int64{"nope": 1}}, nil)
	expectError(t, err, ErrInvalidArgument, "Session.Score", `"nope"`)

	if rows, err := session.ScoreBatch(nil, []int64{1, 2}); err != nil || rows == nil || len(rows) != 0 {
		t.Errorf("ScoreBatch of no requests: %v, %v", rows, err)
	}
	rows, err := session.ScoreBatch([]Request{{User: 1}, {User: 2}}, nil)
	if err != nil || len(rows) != 2 || len(rows[0]) != 0 || len(rows[1]) != 0 {
		t.Errorf("ScoreBatch of no items: %v, %v; want two empty rows", rows, err)
	}
}

func TestContext(t *testing.T) {
	session := newSession(t, openModel(t, requireSample(t)))
	items := []int64{1, 2, 3, 50, 199}
	night := score(t, session, Request{User: 7, Context: map[string]int64{"hour": 21}}, items)
	morning := score(t, session, Request{User: 7, Context: map[string]int64{"hour": 6}}, items)
	none := score(t, session, Request{User: 7}, items)
	if reflect.DeepEqual(night, morning) || reflect.DeepEqual(night, none) {
		t.Errorf("the hour changes no score: 21h %v, 6h %v, none %v", night, morning, none)
	}
	if again := score(t, session, Request{User: 7, Context: map[string]int64{"hour": 21}}, items); !reflect.DeepEqual(again, night) {
		t.Errorf("a resolved feature name scores differently the second time: %v, %v", again, night)
	}

	cases := []struct {
		context map[string]int64
		flags   RequestFlags
		words   []string
	}{
		{map[string]int64{"hours": 1}, 0, []string{`no feature named "hours"`, "hour"}},
		{map[string]int64{"hour": 1, "zzz": 2}, 0, []string{`"zzz"`}},
		{map[string]int64{"user": 3}, 0, []string{`"user" is a user feature, not a context feature`, "context features: hour"}},
		{map[string]int64{"hour\x00x": 3}, 0, []string{"NUL"}},
		{nil, 1 << 7, []string{"unknown request flags 128"}},
	}
	for _, c := range cases {
		req := Request{User: 7, Context: c.context, Flags: c.flags}
		_, err := session.Score(req, items)
		expectError(t, err, ErrInvalidArgument, "Session.Score", c.words...)
		_, _, err = session.Recommend(req, 5, nil)
		expectError(t, err, ErrInvalidArgument, "Session.Recommend", c.words...)
		_, err = session.ScoreBatch([]Request{{User: 1}, req}, items)
		expectError(t, err, ErrInvalidArgument, "Session.ScoreBatch", append(c.words, "request 1: ")...)
	}
}

// Row r of ScoreBatch is what Score gives request r.
func TestScoreBatchIsScorePerRequest(t *testing.T) {
	forEachModel(t, func(t *testing.T, path string, model *Model) {
		session := newSession(t, model)
		items := []int64{1, 2, 3, 5, 8, 13, 21, 34, 55, 89, 144, 999999}
		var reqs []Request
		for user := int64(1); user <= 12; user++ {
			req := Request{User: user * 5}
			if user%3 == 0 && len(contextFeatures(model)) > 0 {
				req.Context = map[string]int64{contextFeatures(model)[0]: user}
			}
			if user == 12 {
				req.User, req.Flags = 777777, NoFallback
			}
			reqs = append(reqs, req)
		}
		rows, err := session.ScoreBatch(reqs, items)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != len(reqs) {
			t.Fatalf("%d rows for %d requests", len(rows), len(reqs))
		}
		for r, req := range reqs {
			if want := score(t, session, req, items); !reflect.DeepEqual(rows[r], want) {
				t.Errorf("request %d: batch %v, Score %v", r, rows[r], want)
			}
			if cap(rows[r]) != len(items) {
				t.Errorf("row %d can grow into row %d (cap %d)", r, r+1, cap(rows[r]))
			}
		}
	})
}

func contextFeatures(model *Model) []string {
	var names []string
	for _, feature := range model.Features() {
		if feature.IsContext() {
			names = append(names, feature.Name)
		}
	}
	return names
}

func TestClosedSession(t *testing.T) {
	model := openModel(t, requireSample(t))
	session, err := model.NewSession()
	if err != nil {
		t.Fatal(err)
	}
	if session.Close() != nil || session.Close() != nil {
		t.Fatal("Close failed")
	}
	_, err = session.Score(Request{User: 1}, []int64{1})
	expectError(t, err, ErrClosed, "Session.Score", "session is closed")
	_, _, err = session.Recommend(Request{User: 1}, 3, nil)
	expectError(t, err, ErrClosed, "Session.Recommend", "session is closed")
	_, err = session.ScoreBatch([]Request{{User: 1}}, []int64{1})
	expectError(t, err, ErrClosed, "Session.ScoreBatch", "session is closed")
}

// Closing the model first is safe: its sessions keep working until they close.
func TestSessionOutlivesModel(t *testing.T) {
	model, err := Open(requireSample(t))
	if err != nil {
		t.Fatal(err)
	}
	first, _ := model.NewSession()
	second, _ := model.NewSession()
	want, _ := recommend(t, first, Request{User: 3, Context: map[string]int64{"hour": 8}}, 5)
	model.Close()
	first.Close()
	// The second session resolves a context name through the model after the model's Close.
	if got, _ := recommend(t, second, Request{User: 3, Context: map[string]int64{"hour": 8}}, 5); !reflect.DeepEqual(got, want) {
		t.Errorf("after the model's Close: %v, before: %v", got, want)
	}
	second.Close()
	if model.handle != nil {
		t.Error("the C model was not released with the last session")
	}
}

func TestArena(t *testing.T) {
	model := openModel(t, requireSample(t))
	want, wantScores := recommend(t, newSession(t, model), Request{User: 9}, 10)

	arena, err := NewArena(model.ArenaSize())
	if err != nil {
		t.Fatal(err)
	}
	defer arena.Close()
	if arena.Len() != model.ArenaSize() {
		t.Errorf("Len %d, want %d", arena.Len(), model.ArenaSize())
	}
	session, err := model.NewSession(WithArena(arena))
	if err != nil {
		t.Fatal(err)
	}
	if ids, scores := recommend(t, session, Request{User: 9}, 10); !reflect.DeepEqual(ids, want) || !reflect.DeepEqual(scores, wantScores) {
		t.Errorf("in the caller's arena: %v %v, want %v %v", ids, scores, want, wantScores)
	}
	_, err = model.NewSession(WithArena(arena))
	expectError(t, err, ErrInvalidArgument, "Model.NewSession", "in use")
	expectError(t, arena.Close(), ErrInvalidArgument, "Arena.Close", "close the session first")
	session.Close()
	// Free again: a second session may use it.
	again := newSession(t, model, WithArena(arena))
	if ids, _ := recommend(t, again, Request{User: 9}, 10); !reflect.DeepEqual(ids, want) {
		t.Errorf("second session in the arena: %v, want %v", ids, want)
	}
	again.Close()
	if err := arena.Close(); err != nil || arena.Close() != nil || arena.Len() != 0 {
		t.Fatalf("Close of a free arena: %v (Len %d)", err, arena.Len())
	}
	_, err = model.NewSession(WithArena(arena))
	expectError(t, err, ErrClosed, "Model.NewSession", "arena is closed")

	small, err := NewArena(model.ArenaSize() - 1)
	if err != nil {
		t.Fatal(err)
	}
	defer small.Close()
	_, err = model.NewSession(WithArena(small))
	expectError(t, err, ErrArenaTooSmall, "Model.NewSession", "bytes")
	if err := small.Close(); err != nil {
		t.Errorf("a failed NewSession left the arena in use: %v", err)
	}

	for _, size := range []int{0, -1} {
		_, err := NewArena(size)
		expectError(t, err, ErrInvalidArgument, "NewArena", "at least 1")
	}
	_, err = NewArena(math.MaxInt)
	expectError(t, err, ErrNoMemory, "NewArena", "cannot allocate")
	if _, err := model.NewSession(WithArena(nil)); err != nil {
		t.Errorf("WithArena(nil): %v", err)
	}
}

// A session's message names the failing call's problem, not an earlier one.
func TestMessageIsTheSessions(t *testing.T) {
	session := newSession(t, openModel(t, requireSample(t)))
	_, err := session.ScoreBatch([]Request{{User: 1, Flags: 1 << 9}}, []int64{1})
	expectError(t, err, ErrInvalidArgument, "Session.ScoreBatch", "request 0", "unknown request flags 512")
	if strings.Contains(err.Error(), "128") {
		t.Errorf("stale message: %v", err)
	}
}
