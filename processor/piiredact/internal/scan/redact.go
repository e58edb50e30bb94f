package scan

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Action is what happens to a finding.
type Action uint8

const (
	// ActionMask replaces the finding with the kind's mask.
	ActionMask Action = iota
	// ActionHash replaces the finding with a keyed pseudonym "[HMAC:<type>:<16 hex>]".
	ActionHash
	// ActionDrop removes the whole value (the attribute, the map entry, or the text).
	ActionDrop
)

// HashPrefix starts every hash output; Scan skips such markers.
const HashPrefix = "[HMAC:"

// Policy is the treatment of one kind.
type Policy struct {
	Action Action
	Name   string // type name shown in outputs
	Mask   string // rendered mask (template with {type} replaced)
}

// Redactor applies policies to findings. It is safe for concurrent use.
type Redactor struct {
	policies        []Policy
	key             []byte
	emailKeepDomain bool
	cardLast4       bool
}

// RedactorOptions configures a Redactor.
type RedactorOptions struct {
	// Policies, indexed by Kind (built-ins then user patterns).
	Policies []Policy
	// HMACKey keys ActionHash (HMAC-SHA256).
	HMACKey []byte
	// EmailKeepDomain keeps "@domain" after the replaced local part.
	EmailKeepDomain bool
	// CardLast4 keeps the last four digits after the replaced card number.
	CardLast4 bool
}

// NewRedactor builds a Redactor.
func NewRedactor(o RedactorOptions) *Redactor {
	return &Redactor{policies: o.Policies, key: o.HMACKey, emailKeepDomain: o.EmailKeepDomain, cardLast4: o.CardLast4}
}

// Policy returns the policy of kind k.
func (r *Redactor) Policy(k Kind) Policy {
	if int(k) < len(r.policies) {
		return r.policies[k]
	}
	return Policy{Action: ActionMask, Name: k.String(), Mask: "[REDACTED]"}
}

// Markers returns the exact outputs and output prefixes the scanner must skip.
func (r *Redactor) Markers() (exact, prefixes []string) {
	for _, p := range r.policies {
		exact = append(exact, p.Mask)
	}
	return exact, []string{HashPrefix}
}

// Replacement returns the text that replaces value, a whole finding of kind k.
func (r *Redactor) Replacement(k Kind, value string) string {
	var b strings.Builder
	r.writeReplacement(&b, k, value)
	return b.String()
}

func (r *Redactor) writeReplacement(b *strings.Builder, k Kind, v string) {
	p := r.Policy(k)
	if p.Action == ActionHash {
		m := hmac.New(sha256.New, r.key)
		m.Write([]byte(v))
		var sum [sha256.Size]byte
		var hx [16]byte
		hex.Encode(hx[:], m.Sum(sum[:0])[:8])
		b.WriteString(HashPrefix)
		b.WriteString(p.Name)
		b.WriteByte(':')
		b.Write(hx[:])
		b.WriteByte(']')
	} else {
		b.WriteString(p.Mask)
	}
	switch {
	case k == Email && r.emailKeepDomain:
		if at := strings.LastIndexByte(v, '@'); at >= 0 {
			b.WriteString(v[at:])
		}
	case k == CreditCard && r.cardLast4:
		var last [4]byte
		n := 0
		for i := len(v) - 1; i >= 0 && n < 4; i-- {
			if isDigit(v[i]) {
				n++
				last[4-n] = v[i]
			}
		}
		b.Write(last[4-n:])
	}
}

// Apply replaces the findings fs (sorted, not overlapping, as returned by Scan) in s. drop is
// true when a finding's action is ActionDrop: the caller removes the whole value.
func (r *Redactor) Apply(s string, fs []Finding) (out string, drop bool) {
	if len(fs) == 0 {
		return s, false
	}
	for _, f := range fs {
		if r.Policy(f.Kind).Action == ActionDrop {
			return "", true
		}
	}
	var b strings.Builder
	b.Grow(len(s) + 16*len(fs))
	prev := 0
	for _, f := range fs {
		b.WriteString(s[prev:f.Start])
		r.writeReplacement(&b, f.Kind, s[f.Start:f.End])
		prev = f.End
	}
	b.WriteString(s[prev:])
	return b.String(), false
}

// RenderMask renders a mask template for a type name ({type} is replaced).
func RenderMask(template, name string) string {
	return strings.ReplaceAll(template, "{type}", name)
}
