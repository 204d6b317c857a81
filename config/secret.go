package config

import (
	"encoding/json"
	"fmt"
	"io"
)

// Secret is a string that never prints: String, GoString, and the text, JSON and YAML
// marshalers all give "<secret>" (or "" for an empty Secret, so that "not set" stays visible).
// Reveal returns the real value, for the one place that needs it: the HTTP client.
// It follows prometheus/alertmanager's config.Secret.
type Secret string

// Reveal returns the secret value.
func (s Secret) Reveal() string { return string(s) }

// String returns "<secret>", or "" when the secret is empty.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return secretMark
}

// GoString keeps the value out of %#v.
func (s Secret) GoString() string {
	if s == "" {
		return `""`
	}
	return `"` + secretMark + `"`
}

// Format keeps the value out of every fmt verb, including the ones that are wrong for a
// string (%d would otherwise print it as "%!d(config.Secret=...)").
func (s Secret) Format(f fmt.State, verb rune) {
	if verb == 'v' && f.Flag('#') {
		io.WriteString(f, s.GoString())
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), s.String())
}

// MarshalText implements encoding.TextMarshaler.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// MarshalJSON implements json.Marshaler.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(s.String()) }

// MarshalYAML implements yaml.Marshaler.
func (s Secret) MarshalYAML() (any, error) { return s.String(), nil }
