package reclite_test

import (
	"errors"
	"fmt"
	"os"

	reclite "github.com/reclite/reclite/bindings/go"
)

// Recommend the five best items for user 7 with their titles.
func Example() {
	// A model made by `reclite sample-model OUT --users 50 --items 200`.
	model, err := reclite.Open(os.Getenv("RECLITE_TEST_MODEL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer model.Close()

	session, err := model.NewSession() // one per goroutine
	if err != nil {
		fmt.Println(err)
		return
	}
	defer session.Close()

	ids, scores, err := session.Recommend(reclite.Request{User: 7}, 5, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	for i, id := range ids {
		title, _ := model.Title(id)
		fmt.Printf("%d. %3d  %.4f  %s\n", i+1, id, scores[i], title)
	}
	// Output:
	// 1.  42  1.0126  Sample item 42 (Romance)
	// 2. 120  0.9721  Sample item 120 (Romance)
	// 3.  96  0.9182  Sample item 96 (Romance)
	// 4.  48  0.7587  Sample item 48 (Romance)
	// 5. 108  0.7388  Sample item 108 (Romance)
}

// What a model needs and what its scores mean.
func ExampleModel_Features() {
	model, err := reclite.Open(os.Getenv("RECLITE_TEST_MODEL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer model.Close()

	fmt.Println("scores are", model.Info().ScoreKind)
	for _, feature := range model.Features() {
		fmt.Printf("%-5s %-7s %3d values, context: %v\n", feature.Name, feature.Kind, feature.ValueCount, feature.IsContext())
	}
	// Output:
	// scores are logit
	// user  user     50 values, context: false
	// item  item    200 values, context: false
	// hour  context  24 values, context: true
}

// Context features are passed by name; errors tell their kind with errors.Is.
func ExampleSession_Score() {
	model, err := reclite.Open(os.Getenv("RECLITE_TEST_MODEL"))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer model.Close()
	session, err := model.NewSession()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer session.Close()

	scores, err := session.Score(reclite.Request{User: 7, Context: map[string]int64{"hour": 21}}, []int64{42, 96})
	fmt.Printf("%.4f %v\n", scores, err)

	_, err = session.Score(reclite.Request{User: 7, Context: map[string]int64{"weekday": 3}}, []int64{42})
	fmt.Println(errors.Is(err, reclite.ErrInvalidArgument), err)
	// Output:
	// [0.6735 0.8514] <nil>
	// true reclite: Session.Score: invalid argument: no feature named "weekday"; the model has: user item hour
}
