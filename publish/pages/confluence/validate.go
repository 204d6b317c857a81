package confluence

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Namespaces of the Confluence storage format. Bodies sent to the API do not declare them;
// ValidateStorage wraps the body in a root element that does.
const (
	NamespaceAC = "http://atlassian.com/content"
	NamespaceRI = "http://atlassian.com/resource/identifier"
)

// ValidateStorage reports whether body is a well-formed storage-format document: it must
// parse as XML with the ac: and ri: prefixes bound, strictly (HTML entities such as &nbsp;
// are errors). It does not check macro names or parameters.
func ValidateStorage(body string) error {
	if strings.TrimSpace(body) == "" {
		return errors.New("invalid storage format: empty body")
	}
	d := xml.NewDecoder(strings.NewReader(Wrap(body)))
	d.Strict = true
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("invalid storage format: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if err := checkNames(se); err != nil {
				return err
			}
		}
	}
}

// Wrap returns body inside a root element that declares the ac: and ri: namespaces, the form
// in which a storage-format fragment is a complete XML document.
func Wrap(body string) string {
	return `<root xmlns:ac="` + NamespaceAC + `" xmlns:ri="` + NamespaceRI + `">` + body + `</root>`
}

// checkNames rejects prefixes other than ac: and ri:, which encoding/xml leaves unresolved
// instead of failing.
func checkNames(se xml.StartElement) error {
	bad := func(space string) bool {
		return space != "" && space != NamespaceAC && space != NamespaceRI && space != "xmlns"
	}
	if bad(se.Name.Space) {
		return fmt.Errorf("invalid storage format: unbound prefix %q on <%s>", se.Name.Space, se.Name.Local)
	}
	for _, a := range se.Attr {
		if bad(a.Name.Space) {
			return fmt.Errorf("invalid storage format: unbound prefix %q on attribute %s", a.Name.Space, a.Name.Local)
		}
	}
	return nil
}
