package fuse

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/vigil-project/vigil/internal/model"
)

// SourceClass ranks kinds of source by how far their casualty figures are
// trusted. Higher is more reliable.
type SourceClass int

// Source classes, least reliable first.
const (
	// ClassMachine is machine-coded event data (GDELT).
	ClassMachine SourceClass = iota
	// ClassMedia is other media: newspapers, broadcasters, blogs, wikis.
	ClassMedia
	// ClassRecord is a curated dataset of record (GTD, UCDP, ACLED).
	ClassRecord
	// ClassWire is a wire or national news agency (Reuters, AP, AFP, IRNA).
	ClassWire
	// ClassAuthority is a health or forensic authority or an official statement.
	ClassAuthority
)

var classNames = [...]string{"machine_coded", "media", "dataset_of_record", "wire", "authority"}

// String returns the class name used in codes and rules.
func (c SourceClass) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return "class(" + strconv.Itoa(int(c)) + ")"
	}
	return classNames[c]
}

// ParseSourceClass reads a class name as String writes it.
func ParseSourceClass(s string) (SourceClass, bool) {
	for i, n := range classNames {
		if strings.EqualFold(strings.TrimSpace(s), n) {
			return SourceClass(i), true
		}
	}
	return 0, false
}

// sourceClasses is the per-source table: the class of each source vigil
// reads, by source name. Sources not listed are classed by kind and
// reliability (see ClassOf).
var sourceClasses = map[string]SourceClass{
	"gtd":   ClassRecord,
	"ucdp":  ClassRecord,
	"acled": ClassRecord,
	"gdelt": ClassMachine,
}

// Codes a claim may carry that fusion reads. They let a reader or an
// analyst say what the claim's fields cannot.
const (
	// CodeSourceClass overrides the class of the claim's source (a class
	// name: "authority", "wire", …): a claim table row citing a forensic
	// authority is an authority's figure.
	CodeSourceClass = "source_class"
	// CodeVoice names who is speaking, when it is not the source itself
	// (a claim table cites many agencies): later figures of one voice
	// supersede its earlier ones. Default: the claim's source.
	CodeVoice = "voice"
	// CodeClaimant marks a claim made by the perpetrator ("1"): it never
	// raises the best figure and is a responsibility claim, not a fact.
	CodeClaimant = "claimant"
	// CodeRetracted marks a claim its source has retracted ("1").
	CodeRetracted = "retracted"
	// CodeUnconfirmed marks a figure its source calls unconfirmed ("1"):
	// kept on the timeline, not used for the range.
	CodeUnconfirmed = "unconfirmed"
	// CodeDenied marks a claim that the event did not happen ("1").
	CodeDenied = "denied"
	// CodeKilledInclAttackers marks a killed figure that counts the
	// attackers ("1"); GTD's nkill always does.
	CodeKilledInclAttackers = "killed_includes_attackers"
	// CodeAttackersKilled is the number of attackers killed, kept apart
	// (GTD: nkillter).
	CodeAttackersKilled = "attackers_killed"
)

// Conventions of the claim-table reader (internal/source/claims), read
// as well so that its claims need no translation.
const (
	// codeURL is the page a claim-table row quotes.
	codeURL = "url"
	// codeCitedSource and codeFigureSource name who the page credits.
	codeCitedSource  = "cited_source"
	codeFigureSource = "figure_source"
	// codeAttackersIncluded is how many attackers a killed figure counts.
	codeAttackersIncluded = "attackers_included"
	// codeKilledNote and codeInjuredNote are the claim-table reader's
	// remarks on a figure ("2 (at shrine)" → "at shrine").
	codeKilledNote  = "killed_note"
	codeInjuredNote = "injured_note"
	// flagIncludesAttackers and flagEarlierFigure are the reader's flags.
	flagIncludesAttackers = "killed_includes_attackers"
	flagEarlierFigure     = "earlier_figure"
)

// citedClasses classes a cited source by words in its name: a claim
// table row crediting a forensic authority or a governor carries an
// authority's figure; one crediting IRNA or Reuters, a wire's. Matched
// as whole words, case-insensitively, in this order.
var citedClasses = []struct {
	class SourceClass
	re    *regexp.Regexp
}{
	{ClassAuthority, regexp.MustCompile(`(?i)\b(legal medicine|forensic|coroner|health ministry|ministry|governor|deputy|official|officials|parliament|police|prosecutor|red crescent|hospital)\b`)},
	{ClassWire, regexp.MustCompile(`(?i)\b(irna|fars|tasnim|isna|ilna|mehr|reuters|ap|afp|dpa|efe|anadolu|trend|sputnik|tass|xinhua|state media|state tv|bbc|cnn|sky news|press tv|al jazeera)\b`)},
}

// citedClass returns the class a cited source's name implies.
func citedClass(s string) (SourceClass, bool) {
	for _, c := range citedClasses {
		if c.re.MatchString(s) {
			return c.class, true
		}
	}
	return 0, false
}

// cited returns the source a claim credits: the figure's own, else the row's.
func cited(c *model.Claim) string {
	if s := c.Codes[codeFigureSource]; s != "" {
		return s
	}
	return c.Codes[codeCitedSource]
}

// voiceOf returns who is speaking in a claim: its voice code; else, for a
// claim-table row, the page's host and the source it credits; else its
// source. A voice's later figures supersede its earlier ones.
func voiceOf(c *model.Claim) string {
	if v := c.Codes[CodeVoice]; v != "" {
		return c.Source + "/" + v
	}
	if u := c.Codes[codeURL]; u != "" {
		host := u
		if p, err := url.Parse(u); err == nil && p.Host != "" {
			host = strings.TrimPrefix(strings.ToLower(p.Host), "www.")
		}
		return c.Source + "/" + host + "/" + strings.ToLower(strings.TrimSpace(cited(c)))
	}
	return c.Source
}

// killedInclAttackers lists sources whose killed figure counts the
// attackers by definition, with the code holding the attackers' count.
var killedInclAttackers = map[string]string{"gtd": "nkillter"}

// ClassOf returns the class of a claim's source: the claim's source_class
// code if valid, else the per-source table, else the class its cited
// source implies (figure_source or cited_source, see citedClasses), else
// by the source's kind and
// reliability (a dataset of reliability ≥ 0.7 is of record, ≤ 0.35
// machine-coded; feeds and forms are media).
func ClassOf(c *model.Claim, src model.Source) SourceClass {
	if v, ok := c.Codes[CodeSourceClass]; ok {
		if k, ok := ParseSourceClass(v); ok {
			return k
		}
	}
	if k, ok := sourceClasses[c.Source]; ok {
		return k
	}
	if k, ok := citedClass(cited(c)); ok {
		return k
	}
	if src.Kind == model.KindDataset {
		switch {
		case src.Reliability >= 0.7:
			return ClassRecord
		case src.Reliability > 0 && src.Reliability <= 0.35:
			return ClassMachine
		}
	}
	return ClassMedia
}

// classWeight is the vote of a claim whose source gives no reliability.
var classWeight = [...]float64{ClassMachine: 0.3, ClassMedia: 0.5, ClassRecord: 0.85, ClassWire: 0.8, ClassAuthority: 0.9}

// truthy reads a flag code.
func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "y":
		return true
	}
	return false
}
