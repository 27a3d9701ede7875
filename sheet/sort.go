package sheet

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// DefaultSort is the order a sheet is written in: by last post, oldest
// first, accounts that never posted before all others.
const DefaultSort = "last_post_at"

// Sort orders rows by a column (any of Columns; a leading '-' sorts
// descending; "" is DefaultSort; "none" keeps X's order, most recently
// followed first).
// Ties keep X's order. Empty values (unknown, never) come first
// ascending and last descending, so by last_post_at the accounts that
// never posted come first; by days_since_last_post, never posted counts
// as the most days.
func Sort(rows []Row, by string) error {
	compare, err := comparer(by)
	if err != nil || compare == nil {
		return err
	}
	slices.SortStableFunc(rows, compare)
	return nil
}

// Order is the order Sort would put rows in, as their indices: rows
// itself is left as it is ("none" is rows' own order).
func Order(rows []Row, by string) ([]int, error) {
	compare, err := comparer(by)
	if err != nil {
		return nil, err
	}
	order := make([]int, len(rows))
	for i := range order {
		order[i] = i
	}
	if compare != nil {
		slices.SortStableFunc(order, func(a, b int) int { return compare(rows[a], rows[b]) })
	}
	return order, nil
}

// comparer is the comparison Sort uses for by (nil: "none").
func comparer(by string) (func(a, b Row) int, error) {
	key := strings.ToLower(strings.TrimSpace(by))
	switch key {
	case "":
		key = DefaultSort
	case "none":
		return nil, nil
	}
	desc := strings.HasPrefix(key, "-")
	key = strings.TrimPrefix(key, "-")
	compare, ok := comparers[key]
	if !ok {
		return nil, fmt.Errorf("sort %q: want one of the columns (%s), - before it to reverse, or none", by, strings.Join(sortable(), ", "))
	}
	if desc {
		return func(a, b Row) int { return compare(b, a) }, nil
	}
	return compare, nil
}

// comparers order rows by each column.
var comparers = map[string]func(a, b Row) int{
	"id":              func(a, b Row) int { return cmp.Or(cmp.Compare(len(a.ID), len(b.ID)), strings.Compare(a.ID, b.ID)) },
	"username":        func(a, b Row) int { return strings.Compare(strings.ToLower(a.Username), strings.ToLower(b.Username)) },
	"name":            func(a, b Row) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) },
	"followers_count": func(a, b Row) int { return cmp.Compare(a.Followers, b.Followers) },
	"following_count": func(a, b Row) int { return cmp.Compare(a.Following, b.Following) },
	"post_count":      func(a, b Row) int { return cmp.Compare(a.Posts, b.Posts) },
	"listed_count":    func(a, b Row) int { return cmp.Compare(a.Listed, b.Listed) },
	"created_at":      func(a, b Row) int { return a.CreatedAt.Compare(b.CreatedAt) },
	"last_post_at":    func(a, b Row) int { return a.LastPostAt.Compare(b.LastPostAt) },
	// Days since the last post run opposite to its time; never posted is
	// the most days.
	"days_since_last_post": func(a, b Row) int {
		if a.LastPostAt.IsZero() || b.LastPostAt.IsZero() {
			return cmp.Compare(boolInt(a.LastPostAt.IsZero()), boolInt(b.LastPostAt.IsZero()))
		}
		return b.LastPostAt.Compare(a.LastPostAt)
	},
	"protected":     func(a, b Row) int { return cmp.Compare(boolInt(a.Protected), boolInt(b.Protected)) },
	"verified_type": func(a, b Row) int { return strings.Compare(a.VerifiedType, b.VerifiedType) },
	"follows_you":   func(a, b Row) int { return cmp.Compare(a.FollowsYou.rank(), b.FollowsYou.rank()) },
	"description":   func(a, b Row) int { return strings.Compare(a.Description, b.Description) },
	"decision":      func(a, b Row) int { return strings.Compare(a.Decision, b.Decision) },
}

// rank orders unknown, no, yes.
func (t Tristate) rank() int {
	switch t {
	case No:
		return 1
	case Yes:
		return 2
	}
	return 0
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sortable lists the columns Sort takes, in sheet order.
func sortable() []string {
	var out []string
	for _, c := range Columns {
		if _, ok := comparers[c]; ok {
			out = append(out, c)
		}
	}
	return out
}
