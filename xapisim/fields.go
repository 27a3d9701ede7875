package xapisim

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// userFieldNames are the spec's UserFields enum: the values user.fields
// accepts. The simulator serves id, name and username always, and
// connection_status, created_at, description, protected, public_metrics,
// verified and verified_type when asked; it knows nothing of the others and
// leaves them out.
var userFieldNames = []string{
	"confirmed_email", "connection_status", "created_at", "description", "entities", "id",
	"is_identity_verified", "location", "name", "parody", "profile_banner_url", "profile_image_url",
	"protected", "public_metrics", "receives_your_dm", "subscribes_to_you", "subscription",
	"subscription_type", "url", "username", "verified", "verified_followers_count", "verified_type",
	"withheld",
}

// expansionNames are the spec's enum of the user operations' expansions.
// The simulator serves most_recent_post_id; it has no affiliations or
// pinned posts, so the others add nothing.
var expansionNames = []string{"affiliation", "most_recent_post_id", "pinned_post_id"}

// postFieldNames are the spec's PostFields enum: the values post.fields
// accepts. A post always has id, text and edit_history_tweet_ids (as real
// posts name it); created_at is served when asked, the others are left out.
var postFieldNames = []string{
	"article", "article_title", "attachments", "card_uri", "community_id", "context_annotations",
	"conversation_id", "created_at", "display_text_range", "edit_controls", "entities", "geo", "id",
	"lang", "matched_media_notes", "media_metadata", "non_public_metrics", "note_post",
	"note_request_suggestions", "organic_metrics", "paid_partnership", "possibly_sensitive",
	"promoted_metrics", "public_metrics", "reply_settings", "scopes", "source",
	"suggested_source_links", "suggested_source_links_with_counts", "text", "withheld",
}

// The parameters each user operation allows, in the spec's order (path
// parameters too, as X's message lists them).
var (
	fieldParams     = []string{"user.fields", "expansions", "post.fields"}
	meParams        = fieldParams
	usersByParams   = append([]string{"usernames"}, fieldParams...)
	usersParams     = append([]string{"ids"}, fieldParams...)
	followingParams = append([]string{"id", "max_results", "pagination_token"}, fieldParams...)
)

// checkParams refuses a query parameter the operation does not allow, as
// X does: 400 invalid-request naming it and the allowed ones.
func checkParams(q url.Values, allowed []string) *response {
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(allowed, name) {
			resp := invalidRequest(name,
				fmt.Sprintf("The query parameter [%s] is not one of [%s]", name, strings.Join(allowed, ",")), q[name]...)
			return &resp
		}
	}
	return nil
}

// fields are what a request asked for beyond a user's id, name and
// username.
type fields struct {
	// user.fields
	connectionStatus, createdAt, description, protected bool
	publicMetrics, verified, verifiedType               bool

	mostRecentPost bool // expansions=most_recent_post_id
	postCreatedAt  bool // post.fields=created_at
}

// parseFields reads user.fields, expansions and post.fields; a value
// outside its enum, or an empty list, is a 400 invalid-request.
func parseFields(r *http.Request) (fields, *response) {
	var f fields
	q := r.URL.Query()
	for _, p := range []struct {
		param string
		enum  []string
		set   map[string]*bool
	}{
		{"user.fields", userFieldNames, map[string]*bool{
			"connection_status": &f.connectionStatus, "created_at": &f.createdAt, "description": &f.description,
			"protected": &f.protected, "public_metrics": &f.publicMetrics, "verified": &f.verified,
			"verified_type": &f.verifiedType,
		}},
		{"expansions", expansionNames, map[string]*bool{"most_recent_post_id": &f.mostRecentPost}},
		{"post.fields", postFieldNames, map[string]*bool{"created_at": &f.postCreatedAt}},
	} {
		raw, given := q[p.param]
		if !given {
			continue
		}
		v := strings.Join(raw, ",")
		if v == "" {
			resp := invalidRequest(p.param, fmt.Sprintf("The `%s` query parameter can not be empty", p.param))
			return f, &resp
		}
		for name := range strings.SplitSeq(v, ",") {
			if !slices.Contains(p.enum, name) {
				resp := invalidRequest(p.param,
					fmt.Sprintf("The `%s` query parameter value [%s] is not one of [%s]", p.param, name, strings.Join(p.enum, ",")), name)
				return f, &resp
			}
			if b := p.set[name]; b != nil {
				*b = true
			}
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
	CreatedAt        string         `json:"created_at,omitempty"`
	Description      *string        `json:"description,omitempty"`
	MostRecentPostID string         `json:"most_recent_post_id,omitempty"`
	Protected        *bool          `json:"protected,omitempty"`
	PublicMetrics    *publicMetrics `json:"public_metrics,omitempty"`
	Verified         *bool          `json:"verified,omitempty"`
	VerifiedType     string         `json:"verified_type,omitempty"`
}

type publicMetrics struct {
	Followers int `json:"followers_count"`
	Following int `json:"following_count"`
	Posts     int `json:"post_count"`
	Listed    int `json:"listed_count"`
}

// postJSON is a Post as the API returns it in includes.
type postJSON struct {
	ID          string   `json:"id"`
	Text        string   `json:"text"`
	EditHistory []string `json:"edit_history_tweet_ids"`
	CreatedAt   string   `json:"created_at,omitempty"`
}

// rendered is what a response returns of some users: the users, and the
// posts their expansions add (for includes.posts).
type rendered struct {
	users []userJSON
	posts []postJSON
}

func (r rendered) postIDs() []string {
	ids := make([]string, len(r.posts))
	for i, p := range r.posts {
		ids[i] = p.ID
	}
	return ids
}

// withIncludes adds r's posts to body as includes.posts, if any.
func (r rendered) withIncludes(body map[string]any) map[string]any {
	if len(r.posts) > 0 {
		body["includes"] = map[string]any{"posts": r.posts}
	}
	return body
}

// render turns users into what the API returns for a request by p with
// fields f. connection_status is relative to the signed-in user ([] for
// an account with no relation); an app-only request gets none. s.mu is
// held.
func (s *Server) render(users []User, p principal, f fields) rendered {
	var follows map[string]bool
	if f.connectionStatus && p.userID != "" {
		follows = s.followingSet(p.userID)
	}
	out := rendered{users: make([]userJSON, len(users))}
	seen := map[string]bool{}
	for i, u := range users {
		a := s.accounts[u.ID]
		j := userJSON{ID: u.ID, Name: u.Name, Username: u.Username}
		if follows != nil {
			cs := []string{}
			if follows[u.ID] {
				cs = append(cs, "following")
			}
			if s.follows(u.ID, p.userID) {
				cs = append(cs, "followed_by")
			}
			j.ConnectionStatus = &cs
		}
		if f.createdAt {
			j.CreatedAt = a.createdAt.UTC().Format(timeFormat)
		}
		if f.description {
			j.Description = ptr(a.description)
		}
		if f.protected {
			j.Protected = ptr(a.protected)
		}
		if f.publicMetrics {
			m := s.metrics(u.ID, a)
			j.PublicMetrics = &m
		}
		if f.verified {
			j.Verified = ptr(a.verifiedType != VerifiedNone)
		}
		if f.verifiedType {
			j.VerifiedType = a.verifiedType
		}
		if f.mostRecentPost && a.postID != "" {
			j.MostRecentPostID = a.postID
			if !seen[a.postID] {
				seen[a.postID] = true
				post := postJSON{ID: a.postID, Text: a.postText, EditHistory: []string{a.postID}}
				if f.postCreatedAt {
					post.CreatedAt = a.lastPost.UTC().Format(timeFormat)
				}
				out.posts = append(out.posts, post)
			}
		}
		out.users[i] = j
	}
	return out
}

// ptr returns a pointer to a copy of v (responses are encoded after s.mu
// is released, so they hold no pointers into the simulator's state).
func ptr[T any](v T) *T { return &v }

// metrics is the public_metrics of account id: its facts, except that
// followers_count and following_count not given by a following file are
// counted in the simulator's graph for an account whose own following list
// was set (SetFollowing, SeedFollowing), and are never fewer than the graph
// holds for the others. s.mu is held.
func (s *Server) metrics(id string, a *account) publicMetrics {
	m := publicMetrics{Followers: a.followers, Following: a.following, Posts: a.posts, Listed: a.listed}
	inGraph := func(derived, graph int) int {
		if s.listed[id] {
			return graph
		}
		return max(derived, graph)
	}
	if !a.exactFollowers {
		m.Followers = inGraph(m.Followers, s.followers[id])
	}
	if !a.exactFollowing {
		m.Following = inGraph(m.Following, len(s.following[id]))
	}
	return m
}

// followingSet is userID's following list as a set. s.mu is held.
func (s *Server) followingSet(userID string) map[string]bool {
	set := make(map[string]bool, len(s.following[userID]))
	for _, id := range s.following[userID] {
		set[id] = true
	}
	return set
}

// follow makes from follow to, last in its list, unless it does. s.mu
// is held.
func (s *Server) follow(from, to string) {
	if !s.follows(from, to) {
		s.following[from] = append(s.following[from], to)
		s.followers[to]++
	}
}

// unfollow ends from's follow of to, if any. s.mu is held.
func (s *Server) unfollow(from, to string) {
	if i := slices.Index(s.following[from], to); i >= 0 {
		s.following[from] = slices.Delete(s.following[from], i, i+1)
		s.followers[to]--
	}
}

// follows reports whether from follows to. s.mu is held.
func (s *Server) follows(from, to string) bool {
	return to != "" && slices.Contains(s.following[from], to)
}
