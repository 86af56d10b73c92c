package importer

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// checkStructure walks one line, already known to be valid JSON, against
// the schema: every key must be a field of its object, spelled exactly
// (encoding/json alone matches names case-insensitively and lets a
// repeated key win silently), no key may repeat, required fields must be
// present, and every value must have the field's JSON type, with null
// allowed only for optional objects and arrays. It adds one error per
// problem to c and reports whether there was none. Messages name schema
// fields, never the input.
func checkStructure(data []byte, c *collector) bool {
	s := structScanner{data: data, c: c}
	before := c.count
	s.value(schema)
	return c.count == before
}

// seg is one step of a path: a field name, or an array index when name
// is empty.
type seg struct {
	name  string
	index int
}

type structScanner struct {
	data []byte
	pos  int
	c    *collector
	path []seg // where the scanner is; formatted only for an error
}

var wantType = [...]string{
	kString: "must be a string",
	kInt:    "must be a whole number",
	kBool:   "must be true or false",
	kObject: "must be an object",
	kArray:  "must be an array",
}

// add reports an error at the current path, plus name if not empty.
func (s *structScanner) add(name, msg string) {
	var b strings.Builder
	for _, p := range s.path {
		if p.name == "" {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(p.index))
			b.WriteByte(']')
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(p.name)
	}
	if name != "" {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(name)
	}
	s.c.add(b.String(), msg)
}

func (s *structScanner) ws() {
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n', '\r':
			s.pos++
		default:
			return
		}
	}
}

// value checks the value at s.pos against n and moves past it.
func (s *structScanner) value(n *node) {
	s.ws()
	if s.pos >= len(s.data) {
		return // cannot happen on valid JSON
	}
	b := s.data[s.pos]
	if b == 'n' {
		if !n.nullable {
			s.add("", "must not be null; omit an optional field instead")
		}
		s.pos += len("null")
		return
	}
	ok := false
	switch n.kind {
	case kString:
		ok = b == '"'
	case kInt:
		ok = b == '-' || '0' <= b && b <= '9'
	case kBool:
		ok = b == 't' || b == 'f'
	case kObject:
		ok = b == '{'
	case kArray:
		ok = b == '['
	}
	if !ok {
		s.add("", wantType[n.kind])
		s.skip()
		return
	}
	switch n.kind {
	case kObject:
		s.object(n)
	case kArray:
		s.array(n)
	case kInt:
		start := s.pos
		s.skip()
		if !isInt(s.data[start:s.pos]) {
			s.add("", "must be a whole number between -999999999 and 999999999")
		}
	default:
		s.skip()
	}
}

func (s *structScanner) object(n *node) {
	s.pos++ // {
	var seen uint64
	for {
		s.ws()
		if s.data[s.pos] == '}' {
			s.pos++
			break
		}
		if s.data[s.pos] == ',' {
			s.pos++
			s.ws()
		}
		i, key := s.key(n)
		s.ws()
		s.pos++ // :
		if i < 0 {
			s.add("", unknownField(n, key()))
			s.skip()
			continue
		}
		if seen&(1<<i) != 0 {
			s.add(n.fields[i].name, "appears twice")
			s.skip()
			continue
		}
		seen |= 1 << i
		s.path = append(s.path, seg{name: n.fields[i].name})
		s.value(n.fields[i].node)
		s.path = s.path[:len(s.path)-1]
	}
	for i, f := range n.fields {
		if f.required && seen&(1<<i) == 0 {
			s.add(f.name, "is required")
		}
	}
}

func (s *structScanner) array(n *node) {
	s.pos++ // [
	s.path = append(s.path, seg{})
	defer func() { s.path = s.path[:len(s.path)-1] }()
	for i := 0; ; i++ {
		s.ws()
		if s.data[s.pos] == ']' {
			s.pos++
			return
		}
		if s.data[s.pos] == ',' {
			s.pos++
		}
		s.path[len(s.path)-1].index = i
		s.value(n.elem)
	}
}

// key reads an object key at s.pos and returns the index of the field of n
// it names, or -1 and a function that returns the key, unescaped.
func (s *structScanner) key(n *node) (int, func() string) {
	start := s.pos
	s.skipString()
	raw := s.data[start:s.pos]
	inner := raw[1 : len(raw)-1]
	escaped := bytes.IndexByte(inner, '\\') >= 0
	if !escaped {
		for i := range n.fields {
			if string(inner) == n.fields[i].name {
				return i, nil
			}
		}
		return -1, func() string { return string(inner) }
	}
	var k string
	if json.Unmarshal(raw, &k) != nil {
		k = "" // cannot happen on valid JSON
	}
	i := n.lookup(k)
	return i, func() string { return k }
}

// skip moves past one value of any type; the JSON is known to be valid.
func (s *structScanner) skip() {
	s.ws()
	depth := 0
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case '"':
			s.skipString()
			if depth == 0 {
				return
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth < 0 {
				return // the end of the enclosing container: not ours
			}
			if depth == 0 {
				s.pos++
				return
			}
		case ',', ':':
			if depth == 0 {
				return
			}
		case ' ', '\t', '\n', '\r':
			if depth == 0 {
				return
			}
		}
		s.pos++
	}
}

func (s *structScanner) skipString() {
	s.pos++ // opening quote
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case '\\':
			s.pos += 2
			continue
		case '"':
			s.pos++
			return
		}
		s.pos++
	}
}

// isInt reports whether a JSON number is an integer of at most nine digits,
// so that it fits every int field of the model.
func isInt(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 9 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// unknownField words the error for a key the object does not have. It
// never quotes the key, which could be anything the file holds; it
// suggests the field that was probably meant.
func unknownField(n *node, key string) string {
	for _, name := range n.names() {
		if strings.EqualFold(name, key) {
			return "unknown field: field names are case-sensitive, write " + strconv.Quote(name)
		}
	}
	if len(key) <= 40 {
		best, bestD := "", 3
		for _, name := range n.names() {
			if d := distance(strings.ToLower(key), name); d < bestD {
				best, bestD = name, d
			}
		}
		if best != "" {
			return "unknown field; did you mean " + strconv.Quote(best) + "?"
		}
	}
	return "unknown field"
}

// distance is the Levenshtein distance between two short strings.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
