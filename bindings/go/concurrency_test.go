package reclite

import (
	"fmt"
	"reflect"
	"sync"
	"testing"
)

// result is everything one pass of the workload computes.
type result struct {
	ids    map[int64][]int64
	scores map[int64][]float32
	batch  [][]float32
}

// workload recommends for many users (known and unknown, with and without
// context) and scores a batch, in an order set by shift, on its own session.
func workload(model *Model, shift int) (result, error) {
	session, err := model.NewSession()
	if err != nil {
		return result{}, err
	}
	defer session.Close()
	users := make([]int64, 0, 64)
	for user := int64(1); user <= 60; user++ {
		users = append(users, user)
	}
	users = append(users, 0, -1, 1<<40, 123456)
	out := result{ids: map[int64][]int64{}, scores: map[int64][]float32{}}
	context := contextFeatures(model)
	var reqs []Request
	for i := range users {
		user := users[(i+shift)%len(users)]
		req := Request{User: user}
		if user%2 == 0 && len(context) > 0 {
			req.Context = map[string]int64{context[0]: user % 24}
		}
		ids, scores, err := session.Recommend(req, 10, []int64{user, user + 1})
		if err != nil {
			return result{}, fmt.Errorf("user %d: %w", user, err)
		}
		out.ids[user], out.scores[user] = ids, scores
		reqs = append(reqs, Request{User: users[i]})
	}
	out.batch, err = session.ScoreBatch(reqs, []int64{1, 2, 3, 4, 5, 100, 150, 200})
	return out, err
}

// Several goroutines, each with its own session of one shared model, compute
// exactly what one goroutine computes alone (run with -race).
func TestSessionsInParallelAgreeWithOne(t *testing.T) {
	forEachModel(t, func(t *testing.T, path string, model *Model) {
		want, err := workload(model, 0)
		if err != nil {
			t.Fatal(err)
		}
		const goroutines = 8
		results := make([]result, goroutines)
		errs := make([]error, goroutines)
		var wg sync.WaitGroup
		for g := 0; g < goroutines; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for repeat := 0; repeat < 3 && errs[g] == nil; repeat++ {
					results[g], errs[g] = workload(model, g*7+repeat)
				}
				// The shared model answers other questions meanwhile.
				if model.Info().CatalogSize == 0 || len(model.Features()) == 0 {
					errs[g] = fmt.Errorf("the shared model lost its description")
				}
				model.Title(int64(g + 1))
			}(g)
		}
		wg.Wait()
		for g := range results {
			if errs[g] != nil {
				t.Fatalf("goroutine %d: %v", g, errs[g])
			}
			if !reflect.DeepEqual(results[g], want) {
				t.Errorf("goroutine %d computed something else than one goroutine alone", g)
			}
		}
	})
}

// A Session shared by goroutines serializes their calls: misuse is slow, not memory corruption.
func TestSharedSessionIsSerialized(t *testing.T) {
	model := openModel(t, requireSample(t))
	session := newSession(t, model)
	want, wantScores := recommend(t, session, Request{User: 11}, 10)
	var wg sync.WaitGroup
	failures := make(chan string, 64)
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				ids, scores, err := session.Recommend(Request{User: 11}, 10, nil)
				if err != nil || !reflect.DeepEqual(ids, want) || !reflect.DeepEqual(scores, wantScores) {
					failures <- fmt.Sprintf("%v %v %v", ids, scores, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(failures)
	for failure := range failures {
		t.Error(failure)
	}
}

// Close racing with calls on the same session: each call either runs on the
// open session or reports ErrClosed.
func TestCloseRacesWithCalls(t *testing.T) {
	model := openModel(t, requireSample(t))
	for round := 0; round < 20; round++ {
		session, err := model.NewSession()
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 20; i++ {
					if _, _, err := session.Recommend(Request{User: 5}, 5, nil); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		session.Close()
		wg.Wait()
		close(errs)
		for err := range errs {
			if !isKind(err, ErrClosed) {
				t.Fatalf("a call racing with Close: %v", err)
			}
		}
	}
}

func isKind(err, kind error) bool {
	failure, ok := err.(*Error)
	return ok && failure.Kind == kind
}
