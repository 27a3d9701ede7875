package main

import (
	"context"
	"errors"
	"testing"

	"github.com/bulkunfollow/bulkunfollow/apiclient"
)

// pagesAPI serves a fixed following list, one page per token.
type pagesAPI struct {
	pages  map[string]apiclient.Page
	tokens []string // every token asked for, in order
}

func (a *pagesAPI) Me(context.Context) (apiclient.User, error) { return apiclient.User{}, nil }

func (a *pagesAPI) UsersByUsernames(context.Context, []string) ([]apiclient.User, []apiclient.NotFound, error) {
	return nil, nil, nil
}

func (a *pagesAPI) Following(_ context.Context, _, token string) (apiclient.Page, error) {
	a.tokens = append(a.tokens, token)
	return a.pages[token], nil
}

// TestWalkFollowing: every page in order until one without a next token;
// a token handed back twice stops the walk with ErrPaginationLoop instead
// of reading forever.
func TestWalkFollowing(t *testing.T) {
	api := &pagesAPI{pages: map[string]apiclient.Page{
		"":   {Users: []apiclient.User{{ID: "11"}, {ID: "12"}}, NextToken: "T1"},
		"T1": {Users: []apiclient.User{{ID: "13"}}, NextToken: "T2"},
		"T2": {Users: []apiclient.User{{ID: "14"}}},
	}}
	var ids []string
	err := walkFollowing(t.Context(), reader{api: api}, "1", func(p apiclient.Page) {
		for _, u := range p.Users {
			ids = append(ids, u.ID)
		}
	})
	if err != nil || len(ids) != 4 || ids[0] != "11" || ids[3] != "14" || len(api.tokens) != 3 {
		t.Errorf("ids %v tokens %q err %v", ids, api.tokens, err)
	}

	loop := &pagesAPI{pages: map[string]apiclient.Page{
		"":  {Users: []apiclient.User{{ID: "11"}}, NextToken: "A"},
		"A": {Users: []apiclient.User{{ID: "12"}}, NextToken: "A"},
	}}
	err = walkFollowing(t.Context(), reader{api: loop}, "1", func(apiclient.Page) {})
	if !errors.Is(err, apiclient.ErrPaginationLoop) || len(loop.tokens) != 2 {
		t.Errorf("loop: err %v after tokens %q", err, loop.tokens)
	}
}
