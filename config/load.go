package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads and parses the configuration file at path, expanding ${VAR} from the process
// environment. Relative database, pages.out_dir and github.app.private_key_file paths are made
// relative to the directory of the file. A file with problems gives an *Error listing all of them.
func Load(path string) (*Config, error) {
	return LoadEnv(path, os.LookupEnv)
}

// LoadEnv is Load with its own environment lookup, for callers (and tests) that do not want
// the process environment.
func LoadEnv(path string, env func(string) (string, bool)) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load config: %w", err)
	}
	cfg, err := Parse(path, data, env)
	if err != nil {
		return nil, err
	}
	cfg.resolvePaths(filepath.Dir(path))
	return cfg, nil
}

// Parse parses a configuration file's contents. name is the file name used in messages; env
// looks up environment variables for ${VAR} expansion (os.LookupEnv; nil means an empty
// environment). The steps are: YAML syntax, defaults, a strict decode in which each scalar
// value is first expanded, then Validate. It reads no files, except the time zone database
// for timezone, and has no other side effects.
//
// The error, when not nil, is an *Error with every problem found, each wrapping a sentinel
// such as ErrUnknownKey or ErrInvalidURL.
func Parse(name string, data []byte, env func(string) (string, bool)) (*Config, error) {
	if env == nil {
		env = func(string) (string, bool) { return "", false }
	}
	src := &source{file: name, lines: map[string]int{}, vars: map[string][]string{}, secretVars: map[string]bool{}}
	ps := &problems{src: src}
	cfg := Default()

	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		line, msg := syntaxError(err)
		ps.addAt(line, "", ErrSyntax, msg, "")
		return nil, ps.err(nil)
	}
	if len(root.Content) > 0 {
		d := &decoder{src: src, ps: ps, env: env}
		d.decode(root.Content[0], reflect.ValueOf(cfg).Elem(), "")
	}
	cfg.src = src

	// Validate what decoded; a value that failed to decode already has its problem, so
	// problems at or under its path would only repeat it.
	failed := make([]string, 0, len(ps.list))
	for _, p := range ps.list {
		failed = append(failed, p.Path)
	}
	vs := &problems{src: src}
	cfg.validate(vs)
	for _, p := range vs.list {
		if !under(p.Path, failed) {
			ps.list = append(ps.list, p)
		}
	}
	if err := ps.err(cfg.secrets()); err != nil {
		return nil, err
	}
	cfg.loc = cfg.Location()
	return cfg, nil
}

// under reports whether path is one of paths or inside one of them.
func under(path string, paths []string) bool {
	for _, p := range paths {
		if p == "" {
			continue
		}
		if path == p || strings.HasPrefix(path, p+".") || strings.HasPrefix(path, p+"[") {
			return true
		}
	}
	return false
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError splits a yaml.v3 error into its line and message.
func syntaxError(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return line, m[2]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

// source records where each key of a file was found and which environment variables its
// value came from. It never holds a value.
type source struct {
	file       string
	lines      map[string]int      // path -> line of its key (or list item)
	vars       map[string][]string // path -> variables expanded into its value
	secretVars map[string]bool     // variables expanded into a Secret
}

// lineOf returns the line of path, or of its nearest parent that has one, or 0.
func (s *source) lineOf(path string) int {
	if s == nil {
		return 0
	}
	for path != "" {
		if line, ok := s.lines[path]; ok {
			return line
		}
		path = parent(path)
	}
	return 0
}

// fromSecretVar reports whether the value at path came from a variable also used in a Secret.
func (s *source) fromSecretVar(path string) bool {
	if s == nil {
		return false
	}
	for _, v := range s.vars[path] {
		if s.secretVars[v] {
			return true
		}
	}
	return false
}

// parent strips the last ".key" or "[i]" of path.
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// expand replaces ${VAR} and ${VAR:-default} in s with values from env, and $$ with $. A "$"
// followed by anything else is kept. used lists every variable referenced, missing those unset
// without a default. err is a malformed reference; its message never contains the value.
func expand(s string, env func(string) (string, bool)) (out string, used, missing []string, err error) {
	if !strings.Contains(s, "$") {
		return s, nil, nil, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 == len(s) {
			b.WriteByte(c)
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '{':
			end := strings.IndexByte(s[i+2:], '}')
			if end < 0 {
				return "", used, missing, errors.New("unterminated ${ (write $$ for a literal $)")
			}
			name, def, hasDef := strings.Cut(s[i+2:i+2+end], ":-")
			if !envNameRE.MatchString(name) {
				return "", used, missing, errors.New("malformed ${...}: a variable name is letters, digits and _ (write $$ for a literal $)")
			}
			used = append(used, name)
			val, ok := env(name)
			switch {
			case hasDef && val == "":
				b.WriteString(def)
			case ok:
				b.WriteString(val)
			default:
				missing = append(missing, name)
			}
			i += 2 + end
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), used, missing, nil
}

var envNameRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
