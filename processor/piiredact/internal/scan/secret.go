package scan

import "strings"

// Secrets with a known provider prefix (curated from the gitleaks default rules). Gate: the
// byte at a word start selects the few rules starting with it (one table look-up, the
// equivalent of a keyword automaton restricted to word starts); then a prefix compare, a body
// of the rule's alphabet and length, and a word boundary after it.
// PEM private keys: "-----BEGIN ... PRIVATE KEY-----" up to the matching END line (or the end
// of the text when the END line is missing, e.g. a truncated log line).

type bodySet uint8

const (
	bodyAlnum     bodySet = iota // A-Z a-z 0-9
	bodyAlnumU                   // A-Z a-z 0-9 _
	bodyB64URL                   // A-Z a-z 0-9 _ -
	bodyB64URLDot                // A-Z a-z 0-9 _ - .
	bodyUpper2_7                 // A-Z 2-7 (base32)
	bodyUpperNum                 // A-Z 0-9
	bodyHex                      // 0-9 a-f A-F
	bodySlack                    // A-Z a-z 0-9 -
	numBodySets
)

func inBody(set bodySet, c byte) bool {
	switch set {
	case bodyAlnum:
		return isAlnum(c)
	case bodyAlnumU:
		return isWord(c)
	case bodyB64URL:
		return class[c]&cB64URL != 0
	case bodyB64URLDot:
		return class[c]&cB64URL != 0 || c == '.'
	case bodyUpper2_7:
		return isUpper(c) || (c >= '2' && c <= '7')
	case bodyUpperNum:
		return isUpper(c) || isDigit(c)
	case bodyHex:
		return isHex(c)
	case bodySlack:
		return isAlnum(c) || c == '-'
	}
	return false
}

type prefixRule struct {
	name     string // provider, for documentation and tests
	prefix   string
	body     bodySet
	min, max int // body length bounds
}

// prefixRules is ordered so that a longer prefix comes before a shorter one it extends.
var prefixRules = []prefixRule{
	{"aws-access-key", "AKIA", bodyUpper2_7, 16, 16},
	{"aws-access-key", "ASIA", bodyUpper2_7, 16, 16},
	{"aws-access-key", "ABIA", bodyUpper2_7, 16, 16},
	{"aws-access-key", "ACCA", bodyUpper2_7, 16, 16},
	{"aws-access-key", "A3T", bodyUpperNum, 17, 17},
	{"github-pat", "ghp_", bodyAlnum, 36, 36},
	{"github-oauth", "gho_", bodyAlnum, 36, 36},
	{"github-app", "ghu_", bodyAlnum, 36, 36},
	{"github-app", "ghs_", bodyAlnum, 36, 36},
	{"github-refresh", "ghr_", bodyAlnum, 36, 36},
	{"github-fine-grained-pat", "github_pat_", bodyAlnumU, 82, 82},
	{"gitlab-pat", "glpat-", bodyB64URLDot, 20, 120},
	{"gitlab-runner", "glrt-", bodyB64URLDot, 20, 120},
	{"slack-bot", "xoxb-", bodySlack, 10, 250},
	{"slack-user", "xoxp-", bodySlack, 10, 250},
	{"slack-app", "xoxa-", bodySlack, 10, 250},
	{"slack-refresh", "xoxr-", bodySlack, 10, 250},
	{"slack-config", "xoxe-", bodySlack, 10, 250},
	{"slack-legacy", "xoxs-", bodySlack, 10, 250},
	{"stripe", "sk_live_", bodyAlnum, 10, 247},
	{"stripe", "sk_test_", bodyAlnum, 10, 247},
	{"stripe", "sk_prod_", bodyAlnum, 10, 247},
	{"stripe", "rk_live_", bodyAlnum, 10, 247},
	{"stripe", "rk_test_", bodyAlnum, 10, 247},
	{"stripe", "rk_prod_", bodyAlnum, 10, 247},
	{"anthropic", "sk-ant-", bodyB64URL, 32, 200},
	{"openai-project", "sk-proj-", bodyB64URL, 32, 200},
	{"openai-svcacct", "sk-svcacct-", bodyB64URL, 32, 200},
	{"openai-legacy", "sk-", bodyAlnum, 48, 48},
	{"google-api-key", "AIza", bodyB64URL, 35, 35},
	{"npm", "npm_", bodyAlnum, 36, 36},
	{"huggingface", "hf_", bodyAlnum, 34, 34},
	{"sendgrid", "SG.", bodyB64URLDot, 66, 66},
	{"digitalocean", "dop_v1_", bodyHex, 64, 64},
	{"shopify", "shpat_", bodyHex, 32, 32},
	{"shopify", "shpss_", bodyHex, 32, 32},
	{"pypi", "pypi-AgEIcHlwaS5vcmc", bodyB64URL, 50, 400},
}

// rulesByFirst lists, for each first byte, the indexes of the rules starting with it.
var rulesByFirst = func() (t [256][]uint8) {
	for k, r := range prefixRules {
		t[r.prefix[0]] = append(t[r.prefix[0]], uint8(k))
	}
	return t
}()

// hasSecretRule reports whether any prefix rule starts with byte c (the gate).
func hasSecretRule(c byte) bool { return len(rulesByFirst[c]) > 0 }

// matchPrefixSecret tries the provider rules at the word start s[i].
func matchPrefixSecret(s string, i int, runs *runEnds) (end int, ok bool) {
	rest := s[i:]
	for _, k := range rulesByFirst[s[i]] {
		r := &prefixRules[k]
		work(len(r.prefix))
		if !strings.HasPrefix(rest, r.prefix) {
			continue
		}
		b := i + len(r.prefix)
		j := runs.bodyEnd(r.body, s, b)
		n := j - b
		if n < r.min || n > r.max || (j < len(s) && isAlnum(s[j])) {
			continue
		}
		return j, true
	}
	return 0, false
}

// matchPEM tries a PEM private key block at the '-' at s[i].
func matchPEM(s string, i int) (end int, ok bool) {
	const begin = "-----BEGIN "
	if !strings.HasPrefix(s[i:], begin) {
		return 0, false
	}
	h := i + len(begin)
	e := strings.Index(s[h:], "-----")
	if e < 0 {
		work(len(s) - h)
	} else {
		work(e + 5)
	}
	if e < 0 || e > 40 || !strings.HasSuffix(s[h:h+e], "PRIVATE KEY") {
		return 0, false
	}
	rest := h + e + 5
	k := strings.Index(s[rest:], "-----END ")
	if k < 0 {
		work(len(s) - rest)
		return len(s), true
	}
	work(k + 9)
	k += rest + len("-----END ")
	f := strings.Index(s[k:], "-----")
	if f < 0 {
		work(len(s) - k)
	} else {
		work(f + 5)
	}
	if f >= 0 && f <= 40 {
		return k + f + 5, true
	}
	return len(s), true
}
