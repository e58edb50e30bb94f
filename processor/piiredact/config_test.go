package piiredact

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/fraiseql/otelcol-fraiseql/internal/factorytest"
)

func loadConfig(t *testing.T, name string) (*Config, error) {
	t.Helper()
	return factorytest.LoadConfig[*Config](t, NewFactory(), name)
}

func TestLoadDefaultConfig(t *testing.T) {
	cfg, err := loadConfig(t, "")
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	assert.Equal(t, createDefaultConfig(), cfg)
	for name, d := range map[string]*DetectorConfig{
		"email": &cfg.Detectors.Email.DetectorConfig, "credit_card": &cfg.Detectors.CreditCard.DetectorConfig,
		"iban": &cfg.Detectors.IBAN, "us_ssn": &cfg.Detectors.USSSN, "phone": &cfg.Detectors.Phone.DetectorConfig,
		"ip": &cfg.Detectors.IP.DetectorConfig, "jwt": &cfg.Detectors.JWT, "secret": &cfg.Detectors.Secret,
		"sensitive_keys": &cfg.Detectors.SensitiveKeys.DetectorConfig, "url": &cfg.Detectors.URL,
		"db_statement": &cfg.Detectors.DBStatement.DetectorConfig,
	} {
		assert.True(t, d.Enabled, name)
		assert.Equal(t, ActionMask, d.Action, name)
	}
	assert.False(t, cfg.Detectors.Phone.National, "phone must default to E.164 only")
	assert.True(t, cfg.Detectors.IP.KeepLoopback, "loopback addresses identify nobody: kept by default")
	assert.False(t, cfg.Detectors.IP.KeepPrivate, "private addresses can identify a host: masked by default")
	assert.Equal(t, "[REDACTED:{type}]", cfg.MaskTemplate)
}

func TestLoadCustomConfig(t *testing.T) {
	cfg, err := loadConfig(t, "custom")
	require.NoError(t, err)
	require.NoError(t, cfg.Validate())
	assert.Equal(t, "***{type}***", cfg.MaskTemplate)
	assert.Equal(t, ActionHash, cfg.Detectors.Email.Action)
	assert.True(t, cfg.Detectors.Email.Enabled, "unset fields keep their defaults")
	assert.True(t, cfg.Detectors.Email.KeepDomain)
	assert.True(t, cfg.Detectors.CreditCard.RevealLast4)
	assert.True(t, cfg.Detectors.Phone.National)
	assert.False(t, cfg.Detectors.IP.Enabled)
	assert.False(t, cfg.Detectors.IP.KeepLoopback)
	assert.True(t, cfg.Detectors.IP.KeepPrivate)
	assert.Equal(t, ActionDrop, cfg.Detectors.SensitiveKeys.Action)
	assert.Equal(t, []string{"pin"}, cfg.Detectors.SensitiveKeys.Keys)
	assert.Equal(t, []string{"db.statement"}, cfg.Detectors.DBStatement.Keys)
	assert.Equal(t, []string{"body.auth.token_type"}, cfg.AllowKeys)
	assert.Equal(t, []string{"trace.id"}, cfg.IgnoreKeys)
	require.Len(t, cfg.Patterns, 2)
	assert.Equal(t, PatternConfig{Name: "customer_ref", Regex: `(?i)cust[-_]?[0-9]{8}`, Keywords: []string{"cust", "CUST"}, Action: ActionDrop}, cfg.Patterns[1])
	assert.True(t, cfg.Summary)
	assert.Equal(t, "0123456789abcdef0123456789abcdef", string(cfg.HMACKey))
}

func TestConfigValidationErrors(t *testing.T) {
	tests := []struct {
		name string
		errs []string
	}{
		{"short_key", []string{"hmac_key: 9 bytes, need at least 32"}},
		{"hash_without_key", []string{"hmac_key: required by action hash"}},
		{"bad_action", []string{`detectors.us_ssn.action: unknown action "scramble"`}},
		{"bad_patterns", []string{
			"allow_values[0]: invalid regex",
			`patterns[0].name: "email" is a built-in detector name`,
			"patterns[1].regex: invalid regex",
			`patterns[2].name: duplicate name "dup"`,
			`patterns[2].regex: "a*" matches the empty string`,
			"patterns[3].name: must not be empty",
			"patterns[3].regex: must not be empty",
			`patterns[3].action: unknown action "nope"`,
		}},
		{"db_hash", []string{
			"detectors.db_statement.action: hash is not supported",
			"mask_template: must not be empty",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := loadConfig(t, tt.name)
			require.NoError(t, err)
			err = cfg.Validate()
			require.Error(t, err)
			for _, want := range tt.errs {
				assert.ErrorContains(t, err, want)
			}
		})
	}
}

func TestUnknownDetectorRejected(t *testing.T) {
	_, err := loadConfig(t, "unknown_detector")
	require.Error(t, err)
	assert.ErrorContains(t, err, "passport")
}
