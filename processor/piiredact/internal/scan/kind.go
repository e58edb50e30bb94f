package scan

// Kind identifies what a Finding is. Kinds below NumBuiltin are the built-in detectors; a
// user pattern i has Kind NumBuiltin+i.
type Kind uint16

// Built-in kinds. The names (Kind.String) are the detector names used in the config, in the
// mask template's {type} and in telemetry.
const (
	Email Kind = iota
	CreditCard
	IBAN
	USSSN
	Phone
	IP
	JWT
	Secret
	URL
	SensitiveKey
	DBStatement
	// NumBuiltin is the number of built-in kinds; user patterns follow.
	NumBuiltin
)

var kindNames = [NumBuiltin]string{
	Email:        "email",
	CreditCard:   "credit_card",
	IBAN:         "iban",
	USSSN:        "us_ssn",
	Phone:        "phone",
	IP:           "ip",
	JWT:          "jwt",
	Secret:       "secret",
	URL:          "url",
	SensitiveKey: "sensitive_keys",
	DBStatement:  "db_statement",
}

// String returns the detector name of a built-in kind, or "pattern" for user patterns (whose
// names live in the Scanner).
func (k Kind) String() string {
	if k < NumBuiltin {
		return kindNames[k]
	}
	return "pattern"
}

// KindByName returns the built-in kind with the given detector name.
func KindByName(name string) (Kind, bool) {
	for i, n := range kindNames {
		if n == name {
			return Kind(i), true
		}
	}
	return 0, false
}

// Finding is a half-open byte range [Start, End) of the scanned text holding data of Kind.
type Finding struct {
	Start, End int
	Kind       Kind
}
