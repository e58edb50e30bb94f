package tracker

import (
	"strconv"
	"testing"
)

func setHash(h Hasher, kv ...string) uint64 {
	var s Set
	for i := 0; i+1 < len(kv); i += 2 {
		s.Add(h.AttrStr(kv[i], kv[i+1]))
	}
	return s.Sum()
}

func TestHashOrderIndependent(t *testing.T) {
	h := NewHasher()
	a := setHash(h, "a", "1", "b", "2", "c", "3")
	b := setHash(h, "c", "3", "a", "1", "b", "2")
	if a != b {
		t.Fatalf("order changed the hash: %x != %x", a, b)
	}
}

func TestHashDistinguishes(t *testing.T) {
	h := NewHasher()
	base := setHash(h, "a", "1", "b", "2")
	cases := map[string]uint64{
		"value":        setHash(h, "a", "1", "b", "3"),
		"key":          setHash(h, "a", "1", "c", "2"),
		"swapped":      setHash(h, "a", "2", "b", "1"),
		"subset":       setHash(h, "a", "1"),
		"superset":     setHash(h, "a", "1", "b", "2", "c", ""),
		"key<->value":  setHash(h, "1", "a", "2", "b"),
		"empty":        setHash(h),
		"concatenated": setHash(h, "a1", "", "b", "2"),
	}
	for name, v := range cases {
		if v == base {
			t.Errorf("%s: collides with the base set", name)
		}
	}
	var s1, s2 Set
	s1.Add(h.AttrStr("k", "1"))
	s2.Add(h.AttrNum("k", KindInt, 1))
	if s1.Sum() == s2.Sum() {
		t.Error(`"1" and 1 hash alike`)
	}
	if h.AttrDouble("k", 0) != h.AttrDouble("k", negZero()) {
		t.Error("-0 and +0 differ")
	}
	if Combine(1, 2) == Combine(2, 1) {
		t.Error("Combine is commutative")
	}
}

func negZero() float64 { z := 0.0; return -z }

func TestHashSpread(t *testing.T) {
	h := NewHasher()
	seen := map[uint64]bool{}
	for i := 0; i < 200000; i++ {
		var s Set
		s.Add(h.AttrNum("user", KindInt, uint64(i)))
		s.Add(h.AttrStr("route", "/x"))
		v := s.Sum()
		if seen[v] {
			t.Fatalf("collision at %d", i)
		}
		seen[v] = true
	}
}

func TestSeedsDiffer(t *testing.T) {
	h1, h2 := NewHasher(), NewHasher()
	if setHash(h1, "a", "1") == setHash(h2, "a", "1") {
		t.Fatal("two hashers share a seed")
	}
}

// TestWyhashLengths: every length path (0, 1-3, 4-16, 17-47, ≥48) is sensitive to every
// byte and to the length.
func TestWyhashLengths(t *testing.T) {
	buf := make([]byte, 130)
	for i := range buf {
		buf[i] = byte(i * 7)
	}
	seen := map[uint64]string{}
	for n := 0; n <= len(buf); n++ {
		s := string(buf[:n])
		h := wyhash(s, 42)
		if prev, dup := seen[h]; dup {
			t.Fatalf("len %d collides with len %d", n, len(prev))
		}
		seen[h] = s
		for i := 0; i < n; i++ {
			b := []byte(s)
			b[i] ^= 1
			if wyhash(string(b), 42) == h {
				t.Fatalf("len %d: flipping byte %d does not change the hash", n, i)
			}
		}
		if n > 0 && wyhash(s, 43) == h {
			t.Fatalf("len %d: seed ignored", n)
		}
	}
}

// TestAttrStrSpread: string values (hashed with the key's hash as an already mixed seed) do
// not collide over 200k near-identical values and fill the low and high bits evenly.
func TestAttrStrSpread(t *testing.T) {
	h := NewHasher()
	const n = 200000
	seen := make(map[uint64]bool, n)
	var lo, hi [256]int
	for i := 0; i < n; i++ {
		v := h.AttrStr("user.id", "user-"+strconv.Itoa(i))
		if seen[v] {
			t.Fatalf("collision at %d", i)
		}
		seen[v] = true
		lo[v&255]++
		hi[v>>56]++
	}
	for b := 0; b < 256; b++ {
		for _, c := range []int{lo[b], hi[b]} {
			if c < n/256*8/10 || c > n/256*12/10 { // expected 781 ± 28 (1σ)
				t.Fatalf("bucket %d has %d values, expected about %d", b, c, n/256)
			}
		}
	}
}
