package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// The audit log's chain. Each entry's Hash is the SHA-256, in lower-case
// hex, of its canonical encoding:
//
//	"vigil-audit-v1" then, for each of Prev, At, Actor, Action, Target
//	and Details in that order, the field's length in bytes as an
//	8-byte big-endian integer followed by its bytes,
//
// where At is written in UTC to the microsecond as RFC 3339
// ("2006-01-02T15:04:05.000000Z") and Details is the compact JSON the
// store keeps ("" when there are none). Lengths rather than separators
// keep two different entries from encoding alike whatever their text
// holds. Prev is the previous entry's Hash, "" for the first entry, so
// that changing, removing or inserting an entry anywhere breaks every
// link after it.

// auditVersion tags the encoding, so that a later one can be told apart.
const auditVersion = "vigil-audit-v1"

// AuditTimeLayout is how At enters the hash.
const AuditTimeLayout = "2006-01-02T15:04:05.000000Z"

// AuditHash returns the hash an entry must carry given its Prev.
func AuditHash(e AuditEntry) string {
	h := sha256.New()
	h.Write([]byte(auditVersion))
	var n [8]byte
	for _, f := range []string{e.Prev, e.At.UTC().Truncate(time.Microsecond).Format(AuditTimeLayout), e.Actor, e.Action, e.Target, string(e.Details)} {
		binary.BigEndian.PutUint64(n[:], uint64(len(f)))
		h.Write(n[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Limits on an audit entry's text, so that a caller's mistake cannot
// swell the log.
const (
	maxAuditField   = 512
	maxAuditDetails = 64 << 10
)

// PrepareAudit checks an entry before a backend appends it and returns it
// as stored: At in UTC to the microsecond, Details compacted. Prev, Hash
// and ID are left for the backend to fill.
func PrepareAudit(e AuditEntry) (AuditEntry, error) {
	if e.At.IsZero() {
		return e, errors.New("audit entry: no time")
	}
	if e.Actor == "" || e.Action == "" {
		return e, fmt.Errorf("audit entry %q by %q: empty actor or action", e.Action, e.Actor)
	}
	for name, v := range map[string]string{"actor": e.Actor, "action": e.Action, "target": e.Target} {
		if len(v) > maxAuditField || !utf8.ValidString(v) || strings.ContainsAny(v, "\x00\n\r") {
			return e, fmt.Errorf("audit entry %q: invalid %s (over %d bytes, not UTF-8 or with a control character)", e.Action, name, maxAuditField)
		}
	}
	e.At = e.At.UTC().Truncate(time.Microsecond)
	if len(e.Details) > 0 {
		if len(e.Details) > maxAuditDetails {
			return e, fmt.Errorf("audit entry %q: details over %d bytes", e.Action, maxAuditDetails)
		}
		var b bytes.Buffer
		if err := json.Compact(&b, e.Details); err != nil {
			return e, fmt.Errorf("audit entry %q: details: %w", e.Action, err)
		}
		if bytes.ContainsRune(b.Bytes(), 0) || !utf8.Valid(b.Bytes()) {
			return e, fmt.Errorf("audit entry %q: details are not clean UTF-8", e.Action)
		}
		e.Details = b.Bytes()
		if string(e.Details) == "null" {
			e.Details = nil
		}
	}
	e.ID, e.Prev, e.Hash = 0, "", ""
	return e, nil
}

// AuditBreak is where an audit chain is broken.
type AuditBreak struct {
	Index  int    // position in the entries given
	ID     int64  // the entry's ID
	Reason string // what does not hold
}

func (b *AuditBreak) Error() string {
	return fmt.Sprintf("audit log broken at entry %d (position %d): %s", b.ID, b.Index, b.Reason)
}

// VerifyAudit checks a run of consecutive entries, oldest first: each
// Hash must match its entry, each Prev the Hash before it, and IDs must
// rise. The first entry's Prev is taken on trust (it may be the tail of an
// earlier run; from the start of the log it must be ""), so verify from
// the first entry to check the whole log. It returns nil or the first
// break as an *AuditBreak.
func VerifyAudit(entries []AuditEntry) error {
	var v AuditVerifier
	for _, e := range entries {
		if err := v.Add(e); err != nil {
			return err
		}
	}
	return nil
}

// AuditVerifier checks a log entry by entry, as VerifyAudit does, so
// that a log of any length can be verified as it is read.
type AuditVerifier struct {
	n    int
	last AuditEntry
}

// Add checks the next entry and returns an *AuditBreak if the chain
// breaks there.
func (v *AuditVerifier) Add(e AuditEntry) error {
	i := v.n
	if i > 0 {
		p := v.last
		if e.Prev != p.Hash {
			return &AuditBreak{Index: i, ID: e.ID, Reason: fmt.Sprintf("prev %.12s… is not the hash %.12s… of entry %d before it (an entry was removed, inserted or changed)", e.Prev, p.Hash, p.ID)}
		}
		if e.ID <= p.ID {
			return &AuditBreak{Index: i, ID: e.ID, Reason: fmt.Sprintf("id does not follow %d", p.ID)}
		}
	}
	if want := AuditHash(e); e.Hash != want {
		return &AuditBreak{Index: i, ID: e.ID, Reason: "hash does not match the entry (it was changed)"}
	}
	v.n++
	v.last = e
	return nil
}

// Count returns how many entries were checked and found good.
func (v *AuditVerifier) Count() int { return v.n }

// Last returns the last good entry (zero before the first).
func (v *AuditVerifier) Last() AuditEntry { return v.last }
