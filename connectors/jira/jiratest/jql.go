package jiratest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/cairn-dev/cairn"
)

// query is parsed JQL.
type query struct {
	pred     func(*cairn.Issue) bool // nil: everything
	projects []string                // top-level project restriction (nil: none)
	bounded  bool                    // has any restriction (Cloud refuses unbounded queries)
	trivial  bool                    // only project and updated/created bounds: no need to build issues
	after    map[string]time.Time    // top-level "updated >= t" / "created >= t" lower bounds
	order    []orderBy
}

type orderBy struct {
	field string // updated | created | key | id
	desc  bool
}

type jqlError struct{ msg string }

func (e *jqlError) Error() string { return e.msg }

type token struct {
	kind byte // 'w' word, 's' string, 'p' punctuation, 0 end
	text string
}

func lex(src string) ([]token, error) {
	var out []token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"' || c == '\'':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, &jqlError{"Error in the JQL Query: The quoted string has not been completed."}
			}
			out = append(out, token{'s', b.String()})
			i = j + 1
		case c == '(' || c == ')' || c == ',' || c == '~':
			out = append(out, token{'p', string(c)})
			i++
		case c == '=' || c == '!' || c == '<' || c == '>':
			if i+1 < len(src) && src[i+1] == '=' {
				out = append(out, token{'p', src[i : i+2]})
				i += 2
			} else if c == '!' {
				return nil, &jqlError{"Error in the JQL Query: The character '!' is a reserved JQL character."}
			} else {
				out = append(out, token{'p', string(c)})
				i++
			}
		default:
			j := i
			for j < len(src) && (unicode.IsLetter(rune(src[j])) || unicode.IsDigit(rune(src[j])) || strings.IndexByte("_-./:[]", src[j]) >= 0 || src[j] >= 0x80) {
				j++
			}
			if j == i {
				return nil, &jqlError{fmt.Sprintf("Error in the JQL Query: The character '%c' is a reserved JQL character.", c)}
			}
			out = append(out, token{'w', src[i:j]})
			i = j
		}
	}
	return out, nil
}

type parser struct {
	toks []token
	pos  int
	loc  *time.Location
	q    *query
}

func (p *parser) peek() token {
	if p.pos < len(p.toks) {
		return p.toks[p.pos]
	}
	return token{}
}

func (p *parser) kw(w string) bool {
	t := p.peek()
	if t.kind == 'w' && strings.EqualFold(t.text, w) {
		p.pos++
		return true
	}
	return false
}

func (p *parser) punct(s string) bool {
	if t := p.peek(); t.kind == 'p' && t.text == s {
		p.pos++
		return true
	}
	return false
}

// parseJQL parses the subset of JQL the fake understands; dates are read in loc.
func parseJQL(src string, loc *time.Location) (*query, error) {
	toks, err := lex(src)
	if err != nil {
		return nil, err
	}
	q := &query{after: map[string]time.Time{}, trivial: true}
	p := &parser{toks: toks, loc: loc, q: q}
	if t := p.peek(); t.kind != 0 && !(t.kind == 'w' && strings.EqualFold(t.text, "order")) {
		q.bounded = true
		pred, err := p.or(true)
		if err != nil {
			return nil, err
		}
		q.pred = pred
	}
	if p.kw("order") {
		if !p.kw("by") {
			return nil, &jqlError{"Error in the JQL Query: Expecting 'by' but got '" + p.peek().text + "'."}
		}
		for {
			t := p.peek()
			if t.kind != 'w' {
				return nil, &jqlError{"Error in the JQL Query: Expecting a field name after ORDER BY."}
			}
			p.pos++
			f := strings.ToLower(t.text)
			switch f {
			case "issuekey":
				f = "key"
			case "updateddate":
				f = "updated"
			case "createddate":
				f = "created"
			case "updated", "created", "key", "id":
			default:
				return nil, &jqlError{"Not able to sort using field '" + t.text + "'."}
			}
			o := orderBy{field: f}
			if p.kw("desc") {
				o.desc = true
			} else {
				p.kw("asc")
			}
			q.order = append(q.order, o)
			if !p.punct(",") {
				break
			}
		}
	}
	if p.pos < len(p.toks) {
		return nil, &jqlError{"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '" + p.peek().text + "'."}
	}
	if len(q.order) == 0 {
		q.order = []orderBy{{field: "key", desc: true}} // Jira's default order
	}
	return q, nil
}

func (p *parser) or(top bool) (func(*cairn.Issue) bool, error) {
	left, err := p.and(top)
	if err != nil {
		return nil, err
	}
	for p.kw("or") {
		p.q.trivial = false
		if top {
			p.q.projects = nil
			clear(p.q.after)
			top = false
		}
		right, err := p.and(false)
		if err != nil {
			return nil, err
		}
		l := left
		left = func(is *cairn.Issue) bool { return l(is) || right(is) }
	}
	return left, nil
}

func (p *parser) and(top bool) (func(*cairn.Issue) bool, error) {
	left, err := p.unary(top)
	if err != nil {
		return nil, err
	}
	for p.kw("and") {
		right, err := p.unary(top)
		if err != nil {
			return nil, err
		}
		l := left
		left = func(is *cairn.Issue) bool { return l(is) && right(is) }
	}
	return left, nil
}

func (p *parser) unary(top bool) (func(*cairn.Issue) bool, error) {
	if p.kw("not") {
		p.q.trivial = false
		inner, err := p.unary(false)
		if err != nil {
			return nil, err
		}
		return func(is *cairn.Issue) bool { return !inner(is) }, nil
	}
	if p.punct("(") {
		f, err := p.or(top)
		if err != nil {
			return nil, err
		}
		if !p.punct(")") {
			return nil, &jqlError{"Error in the JQL Query: Expecting ')' before the end of the query."}
		}
		return f, nil
	}
	return p.clause(top)
}

func (p *parser) value() (string, bool) {
	t := p.peek()
	if t.kind == 's' || t.kind == 'w' {
		p.pos++
		return t.text, true
	}
	return "", false
}

func (p *parser) clause(top bool) (func(*cairn.Issue) bool, error) {
	ft := p.peek()
	if ft.kind != 'w' && ft.kind != 's' {
		return nil, &jqlError{"Error in the JQL Query: Expecting a field name but got '" + ft.text + "'."}
	}
	p.pos++
	field := strings.ToLower(ft.text)
	var op string
	switch {
	case p.kw("in"):
		op = "in"
	case p.kw("not"):
		if !p.kw("in") {
			return nil, &jqlError{"Error in the JQL Query: Expecting 'IN' after 'NOT'."}
		}
		op = "not in"
	case p.kw("is"):
		op = "is"
		if p.kw("not") {
			op = "is not"
		}
	default:
		t := p.peek()
		if t.kind != 'p' || t.text == "(" || t.text == ")" || t.text == "," {
			return nil, &jqlError{"Error in the JQL Query: Expecting operator but got '" + t.text + "'."}
		}
		p.pos++
		op = t.text
	}
	var vals []string
	if op == "in" || op == "not in" {
		if !p.punct("(") {
			return nil, &jqlError{"Error in the JQL Query: Expecting '(' after IN."}
		}
		for {
			v, ok := p.value()
			if !ok {
				return nil, &jqlError{"Error in the JQL Query: Expecting a value in the list."}
			}
			vals = append(vals, v)
			if p.punct(")") {
				break
			}
			if !p.punct(",") {
				return nil, &jqlError{"Error in the JQL Query: Expecting ',' or ')'."}
			}
		}
	} else {
		v, ok := p.value()
		if !ok {
			return nil, &jqlError{"Error in the JQL Query: Expecting either a value, list or function but got '" + p.peek().text + "'."}
		}
		vals = []string{v}
	}
	return p.build(field, ft.text, op, vals, top)
}

func (p *parser) build(field, raw, op string, vals []string, top bool) (func(*cairn.Issue) bool, error) {
	empty := (op == "is" || op == "is not") && (strings.EqualFold(vals[0], "empty") || strings.EqualFold(vals[0], "null"))
	switch field {
	case "updated", "updateddate", "created", "createddate":
		name := strings.TrimSuffix(field, "date")
		t, err := parseJQLTime(vals[0], p.loc)
		if err != nil || len(vals) != 1 {
			return nil, &jqlError{fmt.Sprintf("Date value '%s' for field '%s' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.", vals[0], raw)}
		}
		if top && (op == ">=" || op == ">") {
			if old, ok := p.q.after[name]; !ok || t.After(old) {
				p.q.after[name] = t
			}
		}
		get := func(is *cairn.Issue) time.Time { return is.Updated }
		if name == "created" {
			get = func(is *cairn.Issue) time.Time { return is.Created }
		}
		// Jira compares at minute precision in the user's zone: ">= 10:15" includes 10:15:59.
		cmp := func(is *cairn.Issue) int { return get(is).Truncate(time.Minute).Compare(t) }
		switch op {
		case ">=":
			return func(is *cairn.Issue) bool { return cmp(is) >= 0 }, nil
		case ">":
			return func(is *cairn.Issue) bool { return cmp(is) > 0 }, nil
		case "<=":
			return func(is *cairn.Issue) bool { return cmp(is) <= 0 }, nil
		case "<":
			return func(is *cairn.Issue) bool { return cmp(is) < 0 }, nil
		case "=":
			return func(is *cairn.Issue) bool { return cmp(is) == 0 }, nil
		}
		return nil, &jqlError{"The operator '" + op + "' is not supported by the '" + raw + "' field."}
	case "project":
		if top && (op == "=" || op == "in") {
			var ps []string
			for _, v := range vals {
				ps = append(ps, strings.ToUpper(v))
			}
			if p.q.projects == nil {
				p.q.projects = ps
			} else {
				p.q.projects = slices.DeleteFunc(p.q.projects, func(x string) bool { return !slices.Contains(ps, x) })
			}
		} else {
			p.q.trivial = false
		}
		return p.set(op, vals, raw, func(is *cairn.Issue) []string { return []string{is.ProjectKey} })
	}
	p.q.trivial = false
	var get func(is *cairn.Issue) []string
	switch field {
	case "key", "issuekey":
		get = func(is *cairn.Issue) []string { return []string{is.Key} }
	case "id":
		get = func(is *cairn.Issue) []string { return []string{strconv.FormatInt(is.ID, 10)} }
	case "labels":
		get = func(is *cairn.Issue) []string { return is.Labels }
	case "status":
		get = func(is *cairn.Issue) []string { return []string{is.Status} }
	case "statuscategory":
		get = func(is *cairn.Issue) []string {
			return []string{string(is.StatusCategory), catInfo[is.StatusCategory].name}
		}
	case "issuetype", "type":
		get = func(is *cairn.Issue) []string { return []string{is.IssueType} }
	case "priority":
		get = func(is *cairn.Issue) []string { return []string{is.Priority} }
	case "assignee":
		get = func(is *cairn.Issue) []string {
			if is.Assignee == "" {
				return nil
			}
			return []string{is.Assignee, userName(is.Assignee), accountID(is.Assignee)}
		}
	default:
		return nil, &jqlError{"Field '" + raw + "' does not exist or you do not have permission to view it."}
	}
	if empty {
		want := op == "is"
		return func(is *cairn.Issue) bool { return (len(get(is)) == 0) == want }, nil
	}
	return p.set(op, vals, raw, get)
}

func (p *parser) set(op string, vals []string, raw string, get func(*cairn.Issue) []string) (func(*cairn.Issue) bool, error) {
	has := func(is *cairn.Issue) bool {
		for _, x := range get(is) {
			for _, v := range vals {
				if strings.EqualFold(x, v) {
					return true
				}
			}
		}
		return false
	}
	switch op {
	case "=", "in":
		return has, nil
	case "!=", "not in":
		return func(is *cairn.Issue) bool { return !has(is) }, nil
	}
	return nil, &jqlError{"The operator '" + op + "' is not supported by the '" + raw + "' field."}
}

// parseJQLTime reads an absolute JQL date in the user's zone.
func parseJQLTime(v string, loc *time.Location) (time.Time, error) {
	for _, layout := range []string{"2006/01/02 15:04", "2006-01-02 15:04", "2006/01/02", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q", v)
}
