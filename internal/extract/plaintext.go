package extract

import (
	"html"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// PlainText returns the text of an HTML fragment (or of plain text, which
// it leaves as it is apart from entities and spacing): tags removed,
// script, style and other non-text elements dropped with their content,
// entities decoded, block elements and <br> on lines of their own, runs of
// spaces and blank lines collapsed. Nothing of the markup survives, so the
// result is safe to show anywhere as text.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return TidyText(s)
	}
	var b strings.Builder
	z := xhtml.NewTokenizer(strings.NewReader(s))
	skip := 0 // depth inside elements whose content is not text
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return TidyText(b.String())
		case xhtml.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case xhtml.StartTagToken, xhtml.SelfClosingTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hidden[a] {
				if z.Token().Type == xhtml.StartTagToken {
					skip++
				}
				continue
			}
			if a == atom.Br || block[a] {
				b.WriteByte('\n')
			}
		case xhtml.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if hidden[a] {
				if skip > 0 {
					skip--
				}
				continue
			}
			if block[a] {
				b.WriteByte('\n')
			}
		}
	}
}

// hidden are elements whose content is not article text.
var hidden = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Object: true, atom.Svg: true, atom.Math: true, atom.Head: true,
}

// block are elements that start a new line of text.
var block = map[atom.Atom]bool{
	atom.P: true, atom.Div: true, atom.Li: true, atom.Ul: true, atom.Ol: true, atom.Tr: true,
	atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
	atom.Blockquote: true, atom.Pre: true, atom.Table: true, atom.Section: true, atom.Article: true,
	atom.Header: true, atom.Footer: true, atom.Figure: true, atom.Figcaption: true, atom.Hr: true,
	atom.Dd: true, atom.Dt: true, atom.Dl: true, atom.Aside: true, atom.Nav: true, atom.Main: true,
}

// TidyText decodes entities left in text, and collapses spaces within lines
// and runs of blank lines; it keeps one line per paragraph.
func TidyText(s string) string {
	if strings.Contains(s, "&") {
		s = html.UnescapeString(s)
	}
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l != "" {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
