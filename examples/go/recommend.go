// recommend — the smallest useful RecLite program in Go.
//
// Opens a .rlm model, recommends the top K items for a user and prints their
// ids, titles and scores: exactly what examples/c/recommend.c prints.
//
//	eval "$(make -s go-env)"          # from the repository root: use this build tree
//	cd examples/go && go build -o recommend .
//	./recommend movies.rlm 42 10
package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	reclite "github.com/reclite/reclite/bindings/go"
)

func main() {
	os.Exit(run(os.Args))
}

func run(args []string) int {
	if len(args) < 3 || len(args) > 4 {
		fmt.Fprintf(os.Stderr, "usage: %s MODEL USER_ID [K]\n", args[0])
		return 2
	}
	path := args[1]
	user, err := strconv.ParseInt(args[2], 10, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "USER_ID must be an integer, got %q\n", args[2])
		return 2
	}
	k := 10
	if len(args) == 4 {
		if k, err = strconv.Atoi(args[3]); err != nil || k < 1 || k > 1000 {
			fmt.Fprintln(os.Stderr, "K must be between 1 and 1000")
			return 2
		}
	}

	model, err := reclite.Open(path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot open %s: %s\n", path, message(err))
		return 1
	}
	defer model.Close()

	// The session allocates its arena once, here; recommending allocates no C memory.
	session, err := model.NewSession()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cannot create a session: %s\n", message(err))
		return 1
	}
	defer session.Close()

	ids, scores, err := session.Recommend(reclite.Request{User: user}, k, nil)
	if err != nil {
		fmt.Fprintf(os.Stderr, "recommend failed: %v\n", err)
		return 1
	}
	fmt.Printf("top %d for user %d (arena %d bytes):\n", len(ids), user, model.ArenaSize())
	for i, id := range ids {
		title, _ := model.Title(id)
		fmt.Printf("%3d. %8d  %.4f  %s\n", i+1, id, scores[i], title)
	}
	return 0
}

// message is the library's message of a RecLite error (what the C example prints).
func message(err error) string {
	var failure *reclite.Error
	if errors.As(err, &failure) {
		return failure.Message
	}
	return err.Error()
}
