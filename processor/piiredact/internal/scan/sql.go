package scan

import "strings"

// RedactSQL replaces the literals of a SQL statement with '?': single-quoted strings (with ”
// and, after E/e, backslash escapes), dollar-quoted strings ($$...$$, $tag$...$tag$), and
// numbers (integers, decimals, exponents, hex 0x...) that do not belong to an identifier or a
// placeholder ($1, :name, ?). Double-quoted identifiers, comments and keywords are kept.
// A string literal left open runs to the end. It returns s itself and false when there is no
// literal (no allocation), and is idempotent.
func RedactSQL(s string) (string, bool) {
	i, ok := nextSQLLiteral(s, 0)
	if !ok {
		return s, false
	}
	var b strings.Builder
	b.Grow(len(s))
	prev := 0
	for ok {
		start, end := i, sqlLiteralEnd(s, i)
		b.WriteString(s[prev:start])
		b.WriteByte('?')
		prev = end
		i, ok = nextSQLLiteral(s, end)
	}
	b.WriteString(s[prev:])
	return b.String(), true
}

// nextSQLLiteral returns the start of the next literal at or after i.
func nextSQLLiteral(s string, i int) (int, bool) {
	for i < len(s) {
		c := s[i]
		switch {
		case c == '\'':
			return i, true
		case (c == 'E' || c == 'e' || c == 'N' || c == 'n' || c == 'X' || c == 'x' || c == 'B' || c == 'b') &&
			i+1 < len(s) && s[i+1] == '\'' && (i == 0 || !isIdentSQL(s[i-1])):
			return i, true
		case c == '"':
			i = quotedEnd(s, i, '"')
			continue
		case c == '-' && i+1 < len(s) && s[i+1] == '-':
			k := strings.IndexByte(s[i:], '\n')
			if k < 0 {
				return 0, false
			}
			i += k + 1
			continue
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			k := strings.Index(s[i+2:], "*/")
			if k < 0 {
				return 0, false
			}
			i += k + 4
			continue
		case c == '$':
			if i+1 < len(s) && isDigit(s[i+1]) {
				i += 1 + countDigits(s, i+1) // positional placeholder $1
				continue
			}
			if _, ok := dollarTag(s, i); ok {
				return i, true
			}
		case isDigit(c) || (c == '.' && i+1 < len(s) && isDigit(s[i+1])):
			if i == 0 || (!isIdentSQL(s[i-1]) && s[i-1] != ':' && s[i-1] != '$' && s[i-1] != '?') {
				return i, true
			}
			i++
			for i < len(s) && isIdentSQL(s[i]) {
				i++
			}
			continue
		case isIdentSQL(c):
			for i < len(s) && isIdentSQL(s[i]) {
				i++
			}
			continue
		}
		i++
	}
	return 0, false
}

func isIdentSQL(c byte) bool { return isWord(c) || c >= 0x80 || c == '$' }

func quotedEnd(s string, i int, q byte) int {
	for j := i + 1; j < len(s); j++ {
		if s[j] == q {
			if j+1 < len(s) && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return len(s)
}

// dollarTag returns the "$tag$" opener at s[i].
func dollarTag(s string, i int) (string, bool) {
	j := i + 1
	for j < len(s) && (isWord(s[j]) && !(j == i+1 && isDigit(s[j]))) {
		j++
	}
	if j < len(s) && s[j] == '$' {
		return s[i : j+1], true
	}
	return "", false
}

// sqlLiteralEnd returns the end of the literal starting at s[i].
func sqlLiteralEnd(s string, i int) int {
	c := s[i]
	switch {
	case c == '\'':
		return quotedEnd(s, i, '\'')
	case c == '$':
		tag, _ := dollarTag(s, i)
		k := strings.Index(s[i+len(tag):], tag)
		if k < 0 {
			return len(s)
		}
		return i + len(tag) + k + len(tag)
	case !isDigit(c) && c != '.':
		// Prefixed string: E'..' (backslash escapes), N'..', X'..', B'..'.
		if c == 'E' || c == 'e' {
			for j := i + 2; j < len(s); j++ {
				switch s[j] {
				case '\\':
					j++
				case '\'':
					if j+1 < len(s) && s[j+1] == '\'' {
						j++
						continue
					}
					return j + 1
				}
			}
			return len(s)
		}
		return quotedEnd(s, i+1, '\'')
	}
	j := i
	if c == '0' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') {
		j = i + 2
		for j < len(s) && isHex(s[j]) {
			j++
		}
		return j
	}
	for j < len(s) && isDigit(s[j]) {
		j++
	}
	if j < len(s) && s[j] == '.' {
		j++
		for j < len(s) && isDigit(s[j]) {
			j++
		}
	}
	if j < len(s) && (s[j] == 'e' || s[j] == 'E') {
		k := j + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && isDigit(s[k]) {
			j = k + countDigits(s, k)
		}
	}
	return j
}
