package gqlcost

import (
	"errors"
	"strings"
)

type tokKind int

const (
	tEOF tokKind = iota
	tName
	tNumber
	tString
	tPunct
)

type token struct {
	kind tokKind
	text string
}

type lexer struct {
	src string
	pos int
}

func isNameStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func (l *lexer) next() (token, error) {
	for l.pos < len(l.src) {
		c := l.src[l.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ',' || c == 0xEF || c == 0xBB || c == 0xBF:
			l.pos++
		case c == '#':
			for l.pos < len(l.src) && l.src[l.pos] != '\n' && l.src[l.pos] != '\r' {
				l.pos++
			}
		case strings.HasPrefix(l.src[l.pos:], "..."):
			l.pos += 3
			return token{tPunct, "..."}, nil
		case strings.IndexByte("!$&()-:=@[]{}|", c) >= 0 && c != '-':
			l.pos++
			return token{tPunct, string(c)}, nil
		case isNameStart(c):
			start := l.pos
			for l.pos < len(l.src) && (isNameStart(l.src[l.pos]) || isDigit(l.src[l.pos])) {
				l.pos++
			}
			return token{tName, l.src[start:l.pos]}, nil
		case c == '-' || isDigit(c):
			start := l.pos
			l.pos++
			for l.pos < len(l.src) && (isDigit(l.src[l.pos]) || strings.IndexByte(".eE+-", l.src[l.pos]) >= 0) {
				l.pos++
			}
			return token{tNumber, l.src[start:l.pos]}, nil
		case c == '"':
			return l.str()
		default:
			return token{}, errors.New("unexpected character " + string(rune(c)))
		}
	}
	return token{kind: tEOF}, nil
}

func (l *lexer) str() (token, error) {
	if strings.HasPrefix(l.src[l.pos:], `"""`) {
		end := strings.Index(l.src[l.pos+3:], `"""`)
		for end >= 0 && l.src[l.pos+3+end-1] == '\\' {
			next := strings.Index(l.src[l.pos+3+end+1:], `"""`)
			if next < 0 {
				end = -1
				break
			}
			end += 1 + next
		}
		if end < 0 {
			return token{}, errors.New("unterminated block string")
		}
		s := l.src[l.pos+3 : l.pos+3+end]
		l.pos += 3 + end + 3
		return token{tString, s}, nil
	}
	start := l.pos
	l.pos++
	for l.pos < len(l.src) {
		switch l.src[l.pos] {
		case '\\':
			l.pos += 2
		case '"':
			l.pos++
			return token{tString, l.src[start:l.pos]}, nil
		case '\n', '\r':
			return token{}, errors.New("newline in string")
		default:
			l.pos++
		}
	}
	return token{}, errors.New("unterminated string")
}
