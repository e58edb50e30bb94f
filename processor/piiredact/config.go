package piiredact // import "github.com/fraiseql/otelcol-fraiseql/processor/piiredact"

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"go.opentelemetry.io/collector/config/configopaque"

	"github.com/fraiseql/otelcol-fraiseql/processor/piiredact/internal/scan"
)

// MinHMACKeyLength is the minimum length of hmac_key in bytes (the SHA-256 block output size).
const MinHMACKeyLength = 32

// Action is what a detector does with what it finds.
type Action string

const (
	// ActionMask replaces the finding with the mask template ({type} = detector name).
	ActionMask Action = "mask"
	// ActionHash replaces the finding with "[HMAC:<type>:<16 hex digits>]", a keyed
	// pseudonym (HMAC-SHA256 with hmac_key): the same value gives the same pseudonym.
	ActionHash Action = "hash"
	// ActionDrop removes the attribute or map entry holding the finding (an empty string for
	// a log string body or a status message; the mask for a span name).
	ActionDrop Action = "drop"
)

func (a Action) validate() error {
	switch a {
	case ActionMask, ActionHash, ActionDrop:
		return nil
	}
	return fmt.Errorf("unknown action %q (want mask, hash or drop)", string(a))
}

func (a Action) scan() scan.Action {
	switch a {
	case ActionHash:
		return scan.ActionHash
	case ActionDrop:
		return scan.ActionDrop
	}
	return scan.ActionMask
}

// DetectorConfig is common to every detector.
type DetectorConfig struct {
	// Enabled turns the detector on (default true).
	Enabled bool `mapstructure:"enabled"`
	// Action is mask (default), hash or drop.
	Action Action `mapstructure:"action"`
}

// EmailConfig configures the email detector.
type EmailConfig struct {
	DetectorConfig `mapstructure:",squash"`
	// KeepDomain keeps "@domain" after the replaced local part.
	KeepDomain bool `mapstructure:"keep_domain"`
}

// CreditCardConfig configures the credit_card detector.
type CreditCardConfig struct {
	DetectorConfig `mapstructure:",squash"`
	// RevealLast4 keeps the last four digits after the replacement.
	RevealLast4 bool `mapstructure:"reveal_last4"`
}

// PhoneConfig configures the phone detector.
type PhoneConfig struct {
	DetectorConfig `mapstructure:",squash"`
	// National also matches North American national forms, only next to a context word
	// (phone, tel, mobile, cell, fax) or under a phone-like key. Default false: E.164 only.
	National bool `mapstructure:"national"`
}

// IPConfig configures the ip detector.
type IPConfig struct {
	DetectorConfig `mapstructure:",squash"`
	// KeepLoopback keeps loopback addresses (127.0.0.0/8, ::1, ::ffff:127.x.x.x); default
	// true: they name "this host" on every machine and identify nobody. The unspecified
	// addresses (0.0.0.0, ::) are always kept, for the same reason.
	KeepLoopback bool `mapstructure:"keep_loopback"`
	// KeepPrivate keeps private (RFC 1918, ULA) and link-local addresses; default false: in a
	// small network such an address can identify a host, and so a person's machine.
	KeepPrivate bool `mapstructure:"keep_private"`
}

// SensitiveKeysConfig configures the sensitive_keys detector.
type SensitiveKeysConfig struct {
	DetectorConfig `mapstructure:",squash"`
	// Keys are extra key words (case-insensitive) whose values are redacted as a whole, on top
	// of the built-in list (password, token, authorization, cookie, ...).
	Keys []string `mapstructure:"keys"`
}

// DBStatementConfig configures the db_statement detector.
type DBStatementConfig struct {
	DetectorConfig `mapstructure:",squash"`
	// Keys are the attribute keys holding SQL (default db.statement, db.query.text).
	Keys []string `mapstructure:"keys"`
}

// DetectorsConfig lists the built-in detectors.
type DetectorsConfig struct {
	Email         EmailConfig         `mapstructure:"email"`
	CreditCard    CreditCardConfig    `mapstructure:"credit_card"`
	IBAN          DetectorConfig      `mapstructure:"iban"`
	USSSN         DetectorConfig      `mapstructure:"us_ssn"`
	Phone         PhoneConfig         `mapstructure:"phone"`
	IP            IPConfig            `mapstructure:"ip"`
	JWT           DetectorConfig      `mapstructure:"jwt"`
	Secret        DetectorConfig      `mapstructure:"secret"`
	SensitiveKeys SensitiveKeysConfig `mapstructure:"sensitive_keys"`
	URL           DetectorConfig      `mapstructure:"url"`
	DBStatement   DBStatementConfig   `mapstructure:"db_statement"`
}

// byKind returns the common config of each built-in detector, indexed by scan.Kind.
func (d *DetectorsConfig) byKind() [scan.NumBuiltin]*DetectorConfig {
	return [scan.NumBuiltin]*DetectorConfig{
		scan.Email:        &d.Email.DetectorConfig,
		scan.CreditCard:   &d.CreditCard.DetectorConfig,
		scan.IBAN:         &d.IBAN,
		scan.USSSN:        &d.USSSN,
		scan.Phone:        &d.Phone.DetectorConfig,
		scan.IP:           &d.IP.DetectorConfig,
		scan.JWT:          &d.JWT,
		scan.Secret:       &d.Secret,
		scan.URL:          &d.URL,
		scan.SensitiveKey: &d.SensitiveKeys.DetectorConfig,
		scan.DBStatement:  &d.DBStatement.DetectorConfig,
	}
}

// PatternConfig is a user pattern.
type PatternConfig struct {
	// Name is the type shown in masks and telemetry; unique, not a built-in detector name.
	Name string `mapstructure:"name"`
	// Regex is an RE2 pattern (Go regexp syntax); it must not match the empty string.
	Regex string `mapstructure:"regex"`
	// Keywords gate a regex without a literal prefix: it runs only on texts holding one of
	// them (case-sensitive). A regex with a literal prefix is gated by that prefix.
	Keywords []string `mapstructure:"keywords"`
	// Action is mask (default), hash or drop.
	Action Action `mapstructure:"action"`
}

// Config is the configuration of the piiredact processor.
type Config struct {
	// Detectors configures the built-in detectors (all enabled with mask by default).
	Detectors DetectorsConfig `mapstructure:"detectors"`
	// MaskTemplate is the replacement of action mask; {type} is the detector or pattern name.
	MaskTemplate string `mapstructure:"mask_template"`
	// HMACKey keys action hash (HMAC-SHA256); at least 32 bytes. Required by any hash action.
	HMACKey configopaque.String `mapstructure:"hmac_key"`
	// AllowKeys are keys or paths (e.g. body.user.token) exempt from the sensitive_keys
	// detector; their values are still scanned by the content detectors.
	AllowKeys []string `mapstructure:"allow_keys"`
	// IgnoreKeys are keys or paths (e.g. trace.id, body.request.id) never scanned.
	IgnoreKeys []string `mapstructure:"ignore_keys"`
	// AllowValues are RE2 patterns: a finding inside one of their matches is kept (only the
	// match is exempt, not the whole value).
	AllowValues []string `mapstructure:"allow_values"`
	// Patterns are user RE2 patterns for anything else.
	Patterns []PatternConfig `mapstructure:"patterns"`
	// Summary adds the int attribute piiredact.redactions (number of redactions) to spans and
	// log records that had any.
	Summary bool `mapstructure:"summary"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var detectorNames = func() (n [scan.NumBuiltin]string) {
	for k := scan.Kind(0); k < scan.NumBuiltin; k++ {
		n[k] = k.String()
	}
	return n
}()

// Validate checks the configuration and names the faulty field.
func (cfg *Config) Validate() error {
	var errs []error
	hashUsed := false
	for k, d := range cfg.Detectors.byKind() {
		field := "detectors." + detectorNames[k] + ".action"
		if err := d.Action.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
		if d.Enabled && d.Action == ActionHash {
			hashUsed = true
			if scan.Kind(k) == scan.DBStatement {
				errs = append(errs, fmt.Errorf("%s: hash is not supported for SQL literals (use mask or drop)", field))
			}
		}
	}
	if cfg.MaskTemplate == "" {
		errs = append(errs, errors.New("mask_template: must not be empty (use action drop to remove values)"))
	} else if !utf8.ValidString(cfg.MaskTemplate) {
		errs = append(errs, errors.New("mask_template: not valid UTF-8"))
	}
	for i, k := range cfg.Detectors.SensitiveKeys.Keys {
		if strings.TrimSpace(k) == "" {
			errs = append(errs, fmt.Errorf("detectors.sensitive_keys.keys[%d]: empty key", i))
		}
	}
	for i, k := range cfg.Detectors.DBStatement.Keys {
		if k == "" {
			errs = append(errs, fmt.Errorf("detectors.db_statement.keys[%d]: empty key", i))
		}
	}
	for _, list := range []struct {
		name string
		keys []string
	}{{"allow_keys", cfg.AllowKeys}, {"ignore_keys", cfg.IgnoreKeys}} {
		for i, k := range list.keys {
			if k == "" {
				errs = append(errs, fmt.Errorf("%s[%d]: empty key", list.name, i))
			}
		}
	}
	for i, v := range cfg.AllowValues {
		if _, err := regexp.Compile(v); err != nil {
			errs = append(errs, fmt.Errorf("allow_values[%d]: invalid regex: %w", i, err))
		}
	}
	seen := map[string]bool{}
	for i, p := range cfg.Patterns {
		field := fmt.Sprintf("patterns[%d]", i)
		switch {
		case p.Name == "":
			errs = append(errs, fmt.Errorf("%s.name: must not be empty", field))
		case seen[p.Name]:
			errs = append(errs, fmt.Errorf("%s.name: duplicate name %q", field, p.Name))
		default:
			if _, builtin := scan.KindByName(p.Name); builtin {
				errs = append(errs, fmt.Errorf("%s.name: %q is a built-in detector name", field, p.Name))
			}
		}
		seen[p.Name] = true
		re, err := regexp.Compile(p.Regex)
		switch {
		case p.Regex == "":
			errs = append(errs, fmt.Errorf("%s.regex: must not be empty", field))
		case err != nil:
			errs = append(errs, fmt.Errorf("%s.regex: invalid regex: %w", field, err))
		case re.MatchString(""):
			errs = append(errs, fmt.Errorf("%s.regex: %q matches the empty string", field, p.Regex))
		}
		a := p.Action
		if a == "" {
			a = ActionMask
		}
		if err := a.validate(); err != nil {
			errs = append(errs, fmt.Errorf("%s.action: %w", field, err))
		}
		if a == ActionHash {
			hashUsed = true
		}
	}
	if n := len(cfg.HMACKey); n > 0 && n < MinHMACKeyLength {
		errs = append(errs, fmt.Errorf("hmac_key: %d bytes, need at least %d", n, MinHMACKeyLength))
	} else if n == 0 && hashUsed {
		errs = append(errs, fmt.Errorf("hmac_key: required by action hash (at least %d bytes)", MinHMACKeyLength))
	}
	return errors.Join(errs...)
}
