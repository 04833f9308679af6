package api

import (
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"alice@example.org", "alice@example.org", true},
		{"  Alice@Example.ORG\n", "alice@example.org", true},
		{"a@b", "a@b", true},
		{"ÄLICE@exämple.org", "älice@exämple.org", true},
		{"", "", false},
		{"alice", "", false},
		{"@example.org", "", false},
		{"alice@", "", false},
		{"al ice@example.org", "", false},
		{"alice@exa\x00mple.org", "", false},
		{"alice@example.org\xff", "", false},
		{strings.Repeat("a", 250) + "@b.cd", "", false},
	} {
		got, ok := NormalizeEmail(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

func TestValidObjectID(t *testing.T) {
	for id, want := range map[string]bool{
		"abc": true, "A-b_9": true, strings.Repeat("a", 128): true,
		"": false, strings.Repeat("a", 129): false, "a.b": false, "a/b": false, "..": false, "a b": false,
	} {
		if ValidObjectID(id) != want {
			t.Errorf("ValidObjectID(%q) = %v", id, !want)
		}
	}
}

func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"alice@example.org", " A@B ", "@", "a@", "\xff@x", "ß@straße.de"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, ok := NormalizeEmail(s)
		if !ok {
			return
		}
		again, ok2 := NormalizeEmail(e)
		if !ok2 || again != e {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, e, again, ok2)
		}
		if len(e) > MaxEmailLength || !strings.Contains(e, "@") {
			t.Fatalf("accepted %q", e)
		}
	})
}
