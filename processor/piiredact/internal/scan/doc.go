// Package scan is the pure detection core of the piiredact processor. It knows nothing of
// pdata: it finds personal data and secrets in strings (Scanner.Scan), replaces what it found
// (Redactor.Apply), replaces SQL literals (RedactSQL) and classifies attribute keys
// (KeyMatcher).
//
// Design: one pass over the text. The main loop looks only at word starts and at a few
// punctuation bytes ('@', '+', ':', '?', '&', '-', and the first byte of redaction markers);
// every detector behind it is a cheap gate (a prefix or character-class test on a few bytes)
// followed by a hand-written scanner and a validator (Luhn, mod-97, netip.ParseAddr, base64url
// + JSON header, Shannon entropy). Findings are appended to a caller-owned slice, so a text
// without findings costs no allocation. Every detector is linear in its input with a stated
// constant (work.go: MaxWorkPerByte); the tests and fuzz targets count the work instead of
// timing it.
package scan
