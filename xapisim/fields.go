package xapisim

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
)

// userFieldNames are the spec's UserFields enum: the values user.fields
// accepts. The simulator serves id, name and username always, and
// connection_status and public_metrics when asked; it knows nothing of
// the others and leaves them out.
var userFieldNames = []string{
	"confirmed_email", "connection_status", "created_at", "description", "entities", "id",
	"is_identity_verified", "location", "name", "parody", "profile_banner_url", "profile_image_url",
	"protected", "public_metrics", "receives_your_dm", "subscribes_to_you", "subscription",
	"subscription_type", "url", "username", "verified", "verified_followers_count", "verified_type",
	"withheld",
}

// userFields are the fields a request asked for beyond id, name, username.
type userFields struct {
	connectionStatus, publicMetrics bool
}

// parseUserFields reads the user.fields parameter; a value outside the
// enum is a 400 invalid-request, as for any enumerated parameter.
func parseUserFields(r *http.Request) (userFields, *response) {
	var f userFields
	raw, given := r.URL.Query()["user.fields"]
	if !given {
		return f, nil
	}
	v := strings.Join(raw, ",")
	if v == "" {
		resp := invalidRequest("user.fields", "The `user.fields` query parameter can not be empty")
		return f, &resp
	}
	for name := range strings.SplitSeq(v, ",") {
		if !slices.Contains(userFieldNames, name) {
			resp := invalidRequest("user.fields",
				fmt.Sprintf("The `user.fields` query parameter value [%s] is not one of [%s]", name, strings.Join(userFieldNames, ",")), name)
			return f, &resp
		}
		switch name {
		case "connection_status":
			f.connectionStatus = true
		case "public_metrics":
			f.publicMetrics = true
		}
	}
	return f, nil
}

// userJSON is a User as the API returns it.
type userJSON struct {
	ID               string         `json:"id"`
	Name             string         `json:"name"`
	Username         string         `json:"username"`
	ConnectionStatus *[]string      `json:"connection_status,omitempty"`
	PublicMetrics    *publicMetrics `json:"public_metrics,omitempty"`
}

type publicMetrics struct {
	Followers int `json:"followers_count"`
	Following int `json:"following_count"`
	Posts     int `json:"post_count"`
	Listed    int `json:"listed_count"`
}

// render turns users into what the API returns for a request by p with
// fields f. connection_status is relative to the signed-in user ([] for
// an account with no relation); an app-only request gets none. s.mu is
// held.
func (s *Server) render(users []User, p principal, f userFields) []userJSON {
	var follows map[string]bool
	if f.connectionStatus && p.userID != "" {
		follows = make(map[string]bool, len(s.following[p.userID]))
		for _, id := range s.following[p.userID] {
			follows[id] = true
		}
	}
	var followers map[string]int
	if f.publicMetrics {
		followers = map[string]int{}
		for _, list := range s.following {
			for _, id := range list {
				followers[id]++
			}
		}
	}
	out := make([]userJSON, len(users))
	for i, u := range users {
		out[i] = userJSON{ID: u.ID, Name: u.Name, Username: u.Username}
		if follows != nil {
			cs := []string{}
			if follows[u.ID] {
				cs = append(cs, "following")
			}
			if slices.Contains(s.following[u.ID], p.userID) {
				cs = append(cs, "followed_by")
			}
			out[i].ConnectionStatus = &cs
		}
		if followers != nil {
			out[i].PublicMetrics = &publicMetrics{Followers: followers[u.ID], Following: len(s.following[u.ID])}
		}
	}
	return out
}
