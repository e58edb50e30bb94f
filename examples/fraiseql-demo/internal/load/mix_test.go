package load

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestMixDistribution(t *testing.T) {
	m, err := NewMix([]Weighted{{Browse, 3}, {Slow, 1}, {Signup, 0}})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	counts := map[string]int{}
	const n = 40000
	for i := 0; i < n; i++ {
		counts[m.Pick(r)]++
	}
	if counts[Signup] != 0 {
		t.Fatalf("weight 0 picked %d times", counts[Signup])
	}
	share := float64(counts[Browse]) / n
	if share < 0.73 || share > 0.77 {
		t.Fatalf("browse share %.3f, want 0.75 ± 0.02", share)
	}
}

func TestDefaultMixReachesEveryScenario(t *testing.T) {
	m, err := NewMix(DefaultMix)
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(3, 4))
	seen := map[string]bool{}
	for i := 0; i < 20000; i++ {
		seen[m.Pick(r)] = true
	}
	for _, w := range DefaultMix {
		if !seen[w.Name] {
			t.Errorf("scenario %s never picked", w.Name)
		}
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("browse=0,slow=50")
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 5000; i++ {
		if m.Pick(r) == Browse {
			t.Fatal("browse=0 still picked")
		}
	}
	for _, bad := range []string{"nope=1", "browse", "browse=x", "browse=-1"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	all := []string{}
	for _, w := range DefaultMix {
		all = append(all, w.Name+"=0")
	}
	if _, err := ParseMix(strings.Join(all, ",")); err == nil {
		t.Error("all-zero mix accepted")
	}
}

// luhn mirrors the server's check: the generated cards must be what the scenarios claim.
func luhn(s string) bool {
	d := strings.ReplaceAll(s, " ", "")
	sum := 0
	for i := 0; i < len(d); i++ {
		n := int(d[len(d)-1-i] - '0')
		if i%2 == 1 {
			if n *= 2; n > 9 {
				n -= 9
			}
		}
		sum += n
	}
	return sum%10 == 0
}

func TestCards(t *testing.T) {
	if !luhn(CardValid) || !luhn(CardDeclined) || luhn(CardInvalid) {
		t.Fatal("test cards do not have the Luhn property the scenarios rely on")
	}
	r := rand.New(rand.NewPCG(7, 8))
	got := map[string]int{}
	for i := 0; i < 10000; i++ {
		got[PickCard(r)]++
	}
	if got[CardValid] < 7500 || got[CardDeclined] < 800 || got[CardInvalid] < 800 {
		t.Fatalf("card mix %v, want ~80/10/10 %%", got)
	}
}
