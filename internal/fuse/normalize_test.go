package fuse

import (
	"testing"

	"github.com/vigil-project/vigil/internal/actors"
)

func TestAliasTableParses(t *testing.T) {
	if _, err := parseAliases(actors.AliasLines() + aliasesTSV); err != nil {
		t.Fatalf("embedded alias table: %v", err)
	}
	for _, bad := range []string{
		"perpetrator\tx\t-",                          // 3 fields
		"person\tx\t-\tX",                            // unknown kind
		"perpetrator\tx\tnope\tX",                    // parent missing
		"perpetrator\tx\t-\tA\nperpetrator\ty\t-\tA", // alias twice
		"perpetrator\tx\t-\tA\nperpetrator\tx\t-\tB", // key twice
		"perpetrator\tx\ty\tA\nperpetrator\ty\tx\tB", // a cycle
	} {
		if _, err := parseAliases(bad); err == nil {
			t.Errorf("parseAliases(%q): got no error, want one", bad)
		}
	}
}

func TestPlaceKey(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		same bool
	}{
		{"Shah Cheragh", "Shahcheragh", true},
		{"Shah Cheragh", "Shah-e Cheragh", true},
		{"Shah Cheragh", "شاهچراغ", true},
		{"Shahcheragh", "شاه\u200cچراغ", true}, // with ZWNJ
		{"Ahvaz", "Ahwaz", true},
		{"Ahvaz", "اهواز", true},
		{"Ahvāz", "AHVAZ", true},
		{"Tehran", "Teheran", true},
		{"Tehran", "تهران", true},
		{"Kerman", "کرمان", true},
		{"Kerman", "Kirman", true},
		{"Zahedan", "زاهدان", true},
		{"Imam Khomeini Mausoleum", "حرم امام خمینی", true},
		{"Mashhad", "مشهد", true},
		{"Saravan", "سراوان", true},
		{"Chabahar", "چابهار", true},
		{"Iranshahr", "ایرانشهر", true},
		{"Tehran", "Kerman", false},
		{"Ahvaz", "Shiraz", false},
		{"Zahedan", "Zanjan", false},
		{"Shah Cheragh", "Tehran", false},
	} {
		ka, kb := PlaceKey(tc.a), PlaceKey(tc.b)
		if (ka == kb) != tc.same {
			t.Errorf("PlaceKey(%q) = %q, PlaceKey(%q) = %q: same = %v, want %v", tc.a, ka, tc.b, kb, ka == kb, tc.same)
		}
	}
	for _, s := range []string{"", "Unknown", "  "} {
		if k := PlaceKey(s); k != "" {
			t.Errorf("PlaceKey(%q) = %q, want empty", s, k)
		}
	}
}

func TestPerpetrators(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want PerpetratorAgreement
	}{
		{"Islamic State", "ISIS", PerpSame},
		{"ISIL", "Daesh", PerpSame},
		{"Islamic State of Iraq and the Levant (ISIL)", "داعش", PerpSame},
		{"IS", "Da'esh", PerpSame},
		{"ISIS (Amaq)", "Islamic State", PerpSame},
		{"ISKP", "Islamic State", PerpBranch},
		{"Islamic State", "ISIS-K", PerpBranch},
		{"ISKP", "Khorasan Chapter of the Islamic State", PerpSame},
		{"ISWAP", "Boko Haram", PerpDifferent},
		{"ISWAP", "Daesh", PerpBranch},
		{"Jaish ul-Adl", "Jaish al-Adl", PerpSame},
		{"Jaish al-Adl", "جیش العدل", PerpSame},
		{"جيش العدل", "جیش العدل", PerpSame}, // Arabic and Persian yeh
		{"Ahvaz National Resistance", "ASMLA", PerpSame},
		{"Arab Struggle Movement for the Liberation of Ahwaz", "ASMLA", PerpSame},
		{"Taliban", "Tehrik-i-Taliban Pakistan (TTP)", PerpDifferent},
		{"al-Shabab", "Al-Shabaab", PerpSame},
		{"Kurdistan Workers' Party (PKK)", "PKK", PerpSame},
		{"AQAP", "al-Qaeda", PerpBranch},
		{"Ansar al-Furqan", "Ansar al Furqan", PerpSame},
		{"Unknown", "ISIS", PerpMissing},
		{"", "ISIS", PerpMissing},
		{"Some Local Group", "some local group", PerpSame},
		{"Some Local Group", "Another Group", PerpDifferent},
		{"Taliban", "ISIS", PerpDifferent},
	} {
		got := ComparePerpetrators(ResolvePerpetrator(tc.a), ResolvePerpetrator(tc.b))
		if got != tc.want {
			t.Errorf("ComparePerpetrators(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if p := ResolvePerpetrator("isis-k"); p.Display != "Islamic State Khorasan Province" || p.Root != "islamic_state" {
		t.Errorf("ResolvePerpetrator(isis-k) = %+v, want display Islamic State Khorasan Province, root islamic_state", p)
	}
}

func BenchmarkPlaceKey(b *testing.B) {
	for b.Loop() {
		PlaceKey("Shah-e Cheragh")
		PlaceKey("شاه\u200cچراغ")
	}
}

func FuzzPlaceKey(f *testing.F) {
	for _, s := range []string{"Shah-e Cheragh", "شاه\u200cچراغ", "Ahvāz", "", "(", "al-", "-e-"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k := PlaceKey(s)
		if PlaceKey(s) != k {
			t.Errorf("PlaceKey(%q) not deterministic", s)
		}
		ResolvePerpetrator(s)
	})
}
