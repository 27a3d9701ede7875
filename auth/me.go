package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
)

// User is the account a credential acts for, from GET /2/users/me.
type User struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
}

var idPattern = regexp.MustCompile(`^[0-9]{1,19}$`)

// fetchMe asks who hc's credential belongs to. Ids stay strings: they do
// not survive float64.
func fetchMe(ctx context.Context, hc *http.Client, apiBase string) (User, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, normalizeBase(apiBase)+"/2/users/me", nil)
	if err != nil {
		return User{}, fmt.Errorf("get /2/users/me: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return User{}, fmt.Errorf("get /2/users/me: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return User{}, fmt.Errorf("get /2/users/me: %w", err)
	}
	var doc struct {
		Data   *User  `json:"data"`
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	_ = json.Unmarshal(body, &doc)
	if resp.StatusCode != http.StatusOK || doc.Data == nil {
		msg := fmt.Sprintf("get /2/users/me: %s", resp.Status)
		if doc.Detail != "" {
			msg += ": " + truncate(doc.Detail, 200)
		} else if doc.Title != "" {
			msg += ": " + truncate(doc.Title, 200)
		}
		return User{}, &MeError{Status: resp.StatusCode, msg: msg}
	}
	if !idPattern.MatchString(doc.Data.ID) {
		return User{}, fmt.Errorf("get /2/users/me: the answer has no valid user id")
	}
	return *doc.Data, nil
}

// MeError is a failed GET /2/users/me: the credential was refused or the
// app lacks access.
type MeError struct {
	Status int
	msg    string
}

func (e *MeError) Error() string { return e.msg }
