package reclite

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

// cliRecommendation is what `reclite recommend --json` prints.
type cliRecommendation struct {
	User      int64 `json:"user"`
	KnownUser bool  `json:"known_user"`
	Items     []struct {
		Rank  int     `json:"rank"`
		Item  int64   `json:"item"`
		Score float64 `json:"score"`
		Title *string `json:"title"`
	} `json:"items"`
}

// The binding recommends exactly what the reclite tool recommends: the same
// items, bit-identical scores (the tool prints each float32 as a double) and titles.
func TestScoresEqualTheTools(t *testing.T) {
	if cliPath == "" {
		t.Skip("RECLITE_CLI is not set (make go-test sets it to build/bin/reclite)")
	}
	forEachModel(t, func(t *testing.T, path string, model *Model) {
		session := newSession(t, model)
		context := contextFeatures(model)
		cases := []struct {
			req     Request
			exclude []int64
		}{
			{Request{User: 1}, nil},
			{Request{User: 7}, []int64{1, 2, 3}},
			{Request{User: 50}, nil},
			{Request{User: 987654321}, nil},
			{Request{User: 987654321, Flags: NoFallback}, nil},
		}
		if len(context) > 0 {
			cases = append(cases, struct {
				req     Request
				exclude []int64
			}{Request{User: 7, Context: map[string]int64{context[0]: 21}}, nil})
		}
		for _, c := range cases {
			ids, scores := recommend(t, session, c.req, 10, c.exclude...)
			want := runCLI(t, path, c.req, c.exclude)
			if len(want.Items) != len(ids) {
				t.Fatalf("%+v: %d items, the tool %d", c.req, len(ids), len(want.Items))
			}
			for i, item := range want.Items {
				title, hasTitle := model.Title(ids[i])
				if ids[i] != item.Item || scores[i] != float32(item.Score) || hasTitle != (item.Title != nil) ||
					(hasTitle && title != *item.Title) {
					t.Errorf("%+v rank %d: %d %v %q, the tool: %d %v %v", c.req, i+1, ids[i], scores[i], title, item.Item, item.Score, item.Title)
				}
			}
		}
	})
}

func runCLI(t *testing.T, model string, req Request, exclude []int64) cliRecommendation {
	t.Helper()
	args := []string{"recommend", model, "--user", fmt.Sprint(req.User), "-k", "10", "--json"}
	if len(exclude) > 0 {
		args = append(args, "--exclude", strings.Trim(strings.Join(strings.Fields(fmt.Sprint(exclude)), ","), "[]"))
	}
	for name, value := range req.Context {
		args = append(args, "--context", fmt.Sprintf("%s=%d", name, value))
	}
	if req.Flags&NoFallback != 0 {
		args = append(args, "--no-fallback")
	}
	output, err := exec.Command(cliPath, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", cliPath, args, err)
	}
	var out cliRecommendation
	if err := json.Unmarshal(output, &out); err != nil {
		t.Fatalf("%s %v printed %q: %v", cliPath, args, output, err)
	}
	return out
}
