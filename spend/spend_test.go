package spend

import "testing"

func TestAmountString(t *testing.T) {
	for _, tc := range []struct {
		a    Amount
		want string
	}{
		{0, "$0.00"}, {10_000, "$0.01"}, {4_510_000, "$4.51"}, {1_000, "$0.001"},
		{5_000, "$0.005"}, {15_500, "$0.0155"}, {5_001_000, "$5.00"}, {-20_000, "-$0.02"},
	} {
		if got := tc.a.String(); got != tc.want {
			t.Errorf("Amount(%d).String() = %q, want %q", tc.a, got, tc.want)
		}
	}
}

func TestParseUSD(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Amount
		ok   bool
	}{
		{"5", 5_000_000, true}, {"$2.50", 2_500_000, true}, {" 0.010 ", 10_000, true}, {"0", 0, true},
		{"21.37", 21_370_000, true}, {"-1", 0, false}, {"", 0, false}, {"1e3", 0, false},
		{"NaN", 0, false}, {"Inf", 0, false}, {"five", 0, false}, {"1_000", 0, false}, {"2e9", 0, false},
	} {
		got, err := ParseUSD(tc.in)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("ParseUSD(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParsePrices(t *testing.T) {
	p, err := ParsePrices("unfollow=0.015, OWNED_READ=$0.0005")
	if err != nil {
		t.Fatal(err)
	}
	if p.Of(Unfollow) != 15_000 || p.Of(OwnedRead) != 500 || p.Of(UserRead) != 10_000 || !p[OwnedRead].OncePerDay || p[Unfollow].OncePerDay {
		t.Fatalf("ParsePrices = %v", p)
	}
	back, err := ParsePrices(p.String())
	if err != nil || back.String() != p.String() {
		t.Fatalf("round trip %q: %v %v", p.String(), back, err)
	}
	if d, _ := ParsePrices(""); d.String() != Default().String() {
		t.Fatalf("empty overrides: %v", d)
	}
	for _, bad := range []string{"unfollow", "likes=0.01", "unfollow=-1", "unfollow=cheap"} {
		if _, err := ParsePrices(bad); err == nil {
			t.Errorf("ParsePrices(%q) accepted", bad)
		}
	}
}

func TestListKind(t *testing.T) {
	if ListKind(true, true) != OwnedRead || ListKind(true, false) != FollowingRead || ListKind(false, true) != FollowingRead {
		t.Fatal("ListKind: only one's own list through one's own app is an Owned Read")
	}
}

func TestWithKeepsTheOriginal(t *testing.T) {
	d := Default()
	w := d.With(Prices{Unfollow: {Amount: 1}})
	if d.Of(Unfollow) != 10_000 || w.Of(Unfollow) != 1 || w.Of(UserRead) != 10_000 {
		t.Fatalf("With: %v %v", d, w)
	}
}
