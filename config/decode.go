package config

import (
	"encoding"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// decoder walks the YAML nodes into a Config, expanding each scalar and recording the line of
// every key, so that unknown keys, wrong types and missing variables are all reported with
// their lines, not only the first.
type decoder struct {
	src *source
	ps  *problems
	env func(string) (string, bool)
}

// defaulter is a section that has defaults, set when its key appears in the file.
type defaulter interface{ setDefaults() }

var (
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	secretType          = reflect.TypeFor[Secret]()
)

func (d *decoder) decode(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if v.Kind() == reflect.Pointer {
		// An optional section: present as soon as its key is, even when empty.
		if v.IsNil() {
			p := reflect.New(v.Type().Elem())
			if df, ok := p.Interface().(defaulter); ok {
				df.setDefaults()
			}
			v.Set(p)
		}
		v = v.Elem()
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return // "key:" or "key: ~" keeps the default
	}
	switch {
	case reflect.PointerTo(v.Type()).Implements(textUnmarshalerType):
		d.scalar(n, v, path)
	case v.Kind() == reflect.Struct:
		d.mapping(n, v, path)
	case v.Kind() == reflect.Slice:
		d.sequence(n, v, path)
	default:
		d.scalar(n, v, path)
	}
}

func (d *decoder) mapping(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.MappingNode {
		d.ps.addAt(n.Line, path, ErrInvalidValue, "must be a mapping of keys to values", describe(n))
		return
	}
	fields := fieldsOf(v.Type())
	// Merge keys (<<: *anchor) first, so that the mapping's own keys override them.
	for i := 0; i+1 < len(n.Content); i += 2 {
		if k := n.Content[i]; k.Tag == "!!merge" {
			d.merge(n.Content[i+1], v, path)
		}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Tag == "!!merge" {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			d.ps.addAt(k.Line, path, ErrInvalidValue, "keys must be plain names", describe(k))
			continue
		}
		p := join(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.ps.addAt(k.Line, p, ErrDuplicate, fmt.Sprintf("key already set at line %d", first), "")
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := fields[k.Value]
		if !ok {
			d.ps.addAt(k.Line, p, ErrUnknownKey, "unknown key", "")
			continue
		}
		d.src.lines[p] = k.Line
		d.decode(val, v.Field(idx), p)
	}
}

// merge decodes the mapping (or list of mappings) of a merge key into v.
func (d *decoder) merge(n *yaml.Node, v reflect.Value, path string) {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind == yaml.SequenceNode {
		for _, m := range n.Content {
			d.merge(m, v, path)
		}
		return
	}
	d.mapping(n, v, path)
}

func (d *decoder) sequence(n *yaml.Node, v reflect.Value, path string) {
	if n.Kind != yaml.SequenceNode {
		d.ps.addAt(n.Line, path, ErrInvalidValue, "must be a list", describe(n))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		p := fmt.Sprintf("%s[%d]", path, i)
		d.src.lines[p] = item.Line
		d.decode(item, s.Index(i), p)
	}
	v.Set(s)
}

func (d *decoder) scalar(n *yaml.Node, v reflect.Value, path string) {
	secret := v.Type() == secretType
	if n.Kind != yaml.ScalarNode {
		d.ps.addAt(n.Line, path, ErrInvalidValue, "must be a single value", describe(n))
		return
	}
	s, used, missing, err := expand(n.Value, d.env)
	if len(used) > 0 {
		d.src.vars[path] = used
		if secret {
			for _, name := range used {
				d.src.secretVars[name] = true
			}
		}
	}
	got := quote(s)
	if secret {
		got = secretMark
	}
	if err != nil {
		raw := quote(n.Value)
		if secret {
			raw = secretMark
		}
		d.ps.addAt(n.Line, path, ErrInvalidValue, err.Error(), raw)
		return
	}
	for _, name := range missing {
		d.ps.addAt(n.Line, path, ErrMissingEnv, "environment variable "+name+" is not set", "")
	}
	if len(missing) > 0 {
		return
	}

	if tu, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		if err := tu.UnmarshalText([]byte(s)); err != nil {
			var iv *invalid
			if errors.As(err, &iv) {
				d.ps.addAt(n.Line, path, iv.sentinel, iv.msg, got)
			} else {
				d.ps.addAt(n.Line, path, ErrInvalidValue, err.Error(), got)
			}
		}
		return
	}
	t := strings.TrimSpace(s)
	switch v.Kind() {
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		switch t {
		case "true", "True", "TRUE":
			v.SetBool(true)
		case "false", "False", "FALSE":
			v.SetBool(false)
		default:
			d.ps.addAt(n.Line, path, ErrInvalidValue, "must be true or false", got)
		}
	case reflect.Int, reflect.Int64:
		i, err := strconv.ParseInt(t, 10, 64)
		if err != nil || v.OverflowInt(i) {
			d.ps.addAt(n.Line, path, ErrInvalidValue, "must be a whole number", got)
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			d.ps.addAt(n.Line, path, ErrInvalidValue, "must be a number", got)
			return
		}
		v.SetFloat(f)
	default:
		// Only reachable if a field of an unsupported kind is added to Config.
		d.ps.addAt(n.Line, path, ErrInvalidValue, "cannot decode into "+v.Type().String(), "")
	}
}

// describe prints a node for the "(got ...)" part of a wrong-type message. Scalars print as
// written, before expansion, so no variable's value shows.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return quote(n.Value)
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return "nothing"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// fieldsOf maps the yaml names of t's fields to their indexes.
func fieldsOf(t reflect.Type) map[string]int {
	m := map[string]int{}
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if !f.IsExported() || name == "" || name == "-" {
			continue
		}
		m[name] = i
	}
	return m
}
