package alert_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/mail"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vigil-project/vigil/internal/alert"
	"github.com/vigil-project/vigil/internal/store"
)

// FuzzSpec feeds rule documents as the database might hold them (written
// by an older vigil, or by hand): NewRule never panics, and a spec it
// accepts is stored in a form that reads back the same.
func FuzzSpec(f *testing.F) {
	f.Add("surge", `{"window":"month","baseline":"year","floor":5}`)
	f.Add("followon", `{"country":"IR","multiple":3,"fit_years":2,"lookback":3}`)
	f.Add("incident", `{"webhooks":["https://x/y"],"emails":["a@b.org"],"min_killed":-1}`)
	f.Add("forecast", `{"threshold":1e309}`)
	f.Fuzz(func(t *testing.T, kind, doc string) {
		var s alert.Spec
		if json.Unmarshal([]byte(doc), &s) != nil {
			return
		}
		r, err := alert.NewRule("fuzz", alert.Kind(kind), s)
		if err != nil {
			return
		}
		var back alert.Spec
		if err := json.Unmarshal(r.Spec, &back); err != nil {
			t.Fatalf("stored spec %s does not read back: %v", r.Spec, err)
		}
		if _, err := alert.NewRule("fuzz", alert.Kind(kind), back); err != nil {
			t.Errorf("stored spec %s is refused when read back: %v", r.Spec, err)
		}
	})
}

// FuzzAtom renders alerts with any text: the feed is always well-formed
// XML.
func FuzzAtom(f *testing.F) {
	f.Add("Kerman <bombing> & \"more\"", "انفجار ۹۵", "claim/i1/x")
	f.Add("\x00\x1b]]>", "\xff\xfe", "")
	f.Fuzz(func(t *testing.T, title, summary, key string) {
		a := store.Alert{RuleID: 1, RuleName: title, Kind: "incident", Key: key, At: time.Unix(1704283200, 0),
			Title: title, Summary: summary, Incidents: []string{key}, Reports: []string{summary}}
		var b bytes.Buffer
		if err := alert.RenderAtom(&b, []store.Alert{a}, alert.FeedOptions{Self: title}); err != nil {
			return
		}
		d := xml.NewDecoder(&b)
		for {
			_, err := d.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("feed is not well-formed XML: %v\n%s", err, b.String())
			}
		}
	})
}

// FuzzMessage builds e-mails of alerts with any title: a message that is
// built parses, and its subject holds one line.
func FuzzMessage(f *testing.F) {
	f.Add("انفجار در کرمان: ۹۵ کشته", "r")
	f.Add("line\r\nBcc: x@y", "a\nb")
	f.Fuzz(func(t *testing.T, title, rule string) {
		items := []store.OutboxItem{{Delivery: store.Delivery{IdemKey: "k"}, Alert: store.Alert{Title: title, RuleName: rule}}}
		msg, err := alert.Message("vigil@example.org", "a@example.org", items, time.Unix(0, 0))
		if err != nil {
			return
		}
		m, err := mail.ReadMessage(bytes.NewReader(msg))
		if err != nil {
			t.Fatalf("message does not parse: %v\n%q", err, msg)
		}
		if got := m.Header.Get("To"); got != "a@example.org" {
			t.Errorf("To got %q: a title changed the headers", got)
		}
		if utf8.ValidString(title) && len(m.Header["Bcc"]) > 0 {
			t.Errorf("a title injected a Bcc header")
		}
	})
}
