// Package load is the demo's load driver: a weighted mix of realistic GraphQL traffic
// (browsing, logins, orders, subscriptions, API-key clients, errors, slow and complex
// queries), some of it carrying PII so the agent's redaction is exercised.
package load

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
)

// Scenario names.
const (
	Browse        = "browse"         // anonymous product lists from a small set of variants (cache hits)
	Product       = "product"        // one product by id, mostly bestsellers (cache hits)
	Search        = "search"         // product search: popular terms (cache hits) and a long tail (misses)
	Journey       = "user_journey"   // login, my orders, create an order (PII: card, IBAN), maybe cancel, logout
	LoginFailure  = "login_failure"  // wrong password or unknown email
	APIKey        = "api_key"        // an API client: stats (enterprise only) or products; some bad keys
	Subscription  = "subscription"   // login, subscribe to orderEvents over SSE, create orders
	Slow          = "slow"           // slowReport (the database sleeps 0.6 s)
	Complex       = "complex"        // large pages: high complexity, 1 in 10 over the limit
	BadQuery      = "bad_query"      // syntax errors and unknown fields
	Signup        = "signup"         // a new account (business event signup)
	Forbidden     = "forbidden"      // another user's account, or orders without signing in
	BadToken      = "bad_token"      // a forged bearer token
	InlineLiteral = "inline_literal" // an order whose card number is written into the document
)

// Weighted is one scenario and its relative weight.
type Weighted struct {
	Name   string
	Weight int
}

// DefaultMix is the traffic mix of `fraiseql-demo load`.
var DefaultMix = []Weighted{
	{Browse, 30}, {Product, 15}, {Search, 8}, {Journey, 12}, {LoginFailure, 3}, {APIKey, 10},
	{Subscription, 3}, {Slow, 2}, {Complex, 3}, {BadQuery, 3}, {Signup, 2}, {Forbidden, 3},
	{BadToken, 1}, {InlineLiteral, 3},
}

// Mix picks scenarios with probability proportional to their weight.
type Mix struct {
	names []string
	cum   []int
	total int
}

// NewMix validates the weights: names unique and known, weights ≥ 0, total > 0.
func NewMix(ws []Weighted) (*Mix, error) {
	m := &Mix{}
	seen := map[string]bool{}
	for _, w := range ws {
		if !known[w.Name] {
			return nil, fmt.Errorf("mix: unknown scenario %q", w.Name)
		}
		if seen[w.Name] {
			return nil, fmt.Errorf("mix: scenario %q twice", w.Name)
		}
		seen[w.Name] = true
		if w.Weight < 0 {
			return nil, fmt.Errorf("mix: scenario %q: negative weight %d", w.Name, w.Weight)
		}
		if w.Weight == 0 {
			continue
		}
		m.total += w.Weight
		m.names = append(m.names, w.Name)
		m.cum = append(m.cum, m.total)
	}
	if m.total == 0 {
		return nil, errors.New("mix: every weight is 0")
	}
	return m, nil
}

// ParseMix reads "name=weight,name=weight" on top of DefaultMix (a scenario can be switched
// off with weight 0).
func ParseMix(s string) (*Mix, error) {
	ws := append([]Weighted{}, DefaultMix...)
	if strings.TrimSpace(s) != "" {
		for _, part := range strings.Split(s, ",") {
			name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
			var n int
			if _, err := fmt.Sscanf(val, "%d", &n); !ok || err != nil {
				return nil, fmt.Errorf("mix: %q is not name=weight", part)
			}
			found := false
			for i := range ws {
				if ws[i].Name == name {
					ws[i].Weight, found = n, true
				}
			}
			if !found {
				ws = append(ws, Weighted{name, n})
			}
		}
	}
	return NewMix(ws)
}

// Pick returns a scenario.
func (m *Mix) Pick(r *rand.Rand) string {
	x := r.IntN(m.total)
	i := sort.SearchInts(m.cum, x+1)
	return m.names[i]
}

var known = func() map[string]bool {
	k := map[string]bool{}
	for _, w := range DefaultMix {
		k[w.Name] = true
	}
	return k
}()

// ---- PII of the generated traffic ----

// Cards: a valid Visa test number, the declined test card, and a number failing the Luhn
// check; each in the spaced form people type.
const (
	CardValid    = "4111 1111 1111 1111"
	CardDeclined = "4000 0000 0000 0002"
	CardInvalid  = "4111 1111 1111 1112"
)

// IBANs are valid example IBANs (checksums correct) used in order notes.
var IBANs = []string{"DE89 3704 0044 0532 0130 00", "GB82 WEST 1234 5698 7654 32", "FR14 2004 1010 0505 0001 3M02 606"}

// PickCard returns a card number: 80 % valid, 10 % declined, 10 % invalid.
func PickCard(r *rand.Rand) string {
	switch x := r.IntN(10); {
	case x < 8:
		return CardValid
	case x == 8:
		return CardDeclined
	default:
		return CardInvalid
	}
}

// PickNote returns an order note, with an IBAN or an email 30 % of the time.
func PickNote(r *rand.Rand, email string) string {
	switch r.IntN(10) {
	case 0, 1:
		return "refund to IBAN " + IBANs[r.IntN(len(IBANs))]
	case 2:
		return "please contact " + email
	}
	return "gift wrap"
}

// UserEmail is the email of seeded user n (1..100).
func UserEmail(n int) string { return fmt.Sprintf("user%d@example.com", n) }
