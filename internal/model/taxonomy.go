package model

import "strings"

// AttackType is one of the nine attack types of the GTD codebook.
type AttackType string

// The GTD codebook's attack types, in codebook order (code 1–9).
const (
	Assassination    AttackType = "assassination"
	ArmedAssault     AttackType = "armed_assault"
	Bombing          AttackType = "bombing"
	Hijacking        AttackType = "hijacking"
	BarricadeHostage AttackType = "barricade_hostage"
	Kidnapping       AttackType = "kidnapping"
	FacilityAttack   AttackType = "facility_attack"
	UnarmedAssault   AttackType = "unarmed_assault"
	UnknownAttack    AttackType = "unknown"
)

// AttackTypes lists the attack types in GTD code order: AttackTypes[i] has code i+1.
var AttackTypes = []AttackType{Assassination, ArmedAssault, Bombing, Hijacking, BarricadeHostage,
	Kidnapping, FacilityAttack, UnarmedAssault, UnknownAttack}

// Valid reports whether a is one of the nine attack types.
func (a AttackType) Valid() bool {
	for _, t := range AttackTypes {
		if a == t {
			return true
		}
	}
	return false
}

// AttackTypeFromGTD maps a GTD attacktype code (1–9) to an attack type.
func AttackTypeFromGTD(code int) (AttackType, bool) {
	if code < 1 || code > len(AttackTypes) {
		return "", false
	}
	return AttackTypes[code-1], true
}

// acledSubEvents maps ACLED sub-event types of political violence onto the
// GTD attack types. The sub-event type itself stays on the claim's codes.
var acledSubEvents = map[string]AttackType{
	"armed clash":                         ArmedAssault,
	"government regains territory":        ArmedAssault,
	"non-state actor overtakes territory": ArmedAssault,
	"attack":                              ArmedAssault,
	"abduction/forced disappearance":      Kidnapping,
	"sexual violence":                     UnarmedAssault,
	"chemical weapon":                     UnknownAttack,
	"air/drone strike":                    Bombing,
	"suicide bomb":                        Bombing,
	"shelling/artillery/missile attack":   Bombing,
	"remote explosive/landmine/ied":       Bombing,
	"grenade":                             Bombing,
	"mob violence":                        UnarmedAssault,
	"violent demonstration":               UnarmedAssault,
	"excessive force against protesters":  UnarmedAssault,
	"looting/property destruction":        FacilityAttack,
	"arrests":                             UnknownAttack,
	"disrupted weapons use":               UnknownAttack,
}

// AttackTypeFromACLED maps an ACLED sub_event_type. ok is false for
// sub-event types that are not violence against people or property
// (peaceful protest, agreements, …), which vigil does not import as attacks.
func AttackTypeFromACLED(subEvent string) (AttackType, bool) {
	t, ok := acledSubEvents[strings.ToLower(strings.TrimSpace(subEvent))]
	return t, ok
}

// AttackTypeFromUCDP maps a UCDP GED type_of_violence (1 state-based,
// 2 non-state, 3 one-sided). UCDP does not say how violence was done, so
// state-based and non-state conflict read as armed assault and one-sided
// violence as unknown rather than guessing.
func AttackTypeFromUCDP(typeOfViolence int) (AttackType, bool) {
	switch typeOfViolence {
	case 1, 2:
		return ArmedAssault, true
	case 3:
		return UnknownAttack, true
	}
	return "", false
}

// cameoCodes maps CAMEO event codes of roots 18 (assault), 19 (fight) and
// 20 (unconventional mass violence); the longest matching prefix wins.
var cameoCodes = map[string]AttackType{
	"18":   UnknownAttack,
	"180":  UnknownAttack,
	"181":  Kidnapping,     // abduct, hijack, take hostage
	"182":  UnarmedAssault, // physically assault
	"1821": UnarmedAssault, // sexually assault
	"1822": UnarmedAssault, // torture
	"1823": Assassination,  // kill by physical assault
	"183":  Bombing,        // conduct suicide, car or other non-military bombing
	"1831": Bombing,        // suicide bombing
	"1832": Bombing,        // vehicular bombing
	"1833": Bombing,        // roadside bombing
	"1834": Bombing,        // location bombing
	"184":  ArmedAssault,   // use as human shield
	"185":  Assassination,  // attempt to assassinate
	"186":  Assassination,  // assassinate
	"19":   ArmedAssault,
	"190":  ArmedAssault, // use conventional military force
	"191":  ArmedAssault, // impose blockade
	"192":  ArmedAssault, // occupy territory
	"193":  ArmedAssault, // fight with small arms and light weapons
	"194":  Bombing,      // fight with artillery and tanks
	"195":  Bombing,      // employ aerial weapons
	"1951": Bombing,
	"1952": Bombing,
	"196":  ArmedAssault, // violate ceasefire
	"20":   UnknownAttack,
	"200":  UnknownAttack, // unconventional mass violence
	"201":  ArmedAssault,  // mass expulsion
	"202":  ArmedAssault,  // mass killings
	"203":  ArmedAssault,  // ethnic cleansing
	"204":  Bombing,       // weapons of mass destruction
	"2041": Bombing,
	"2042": Bombing,
}

// AttackTypeFromCAMEO maps a CAMEO event code of roots 18–20.
func AttackTypeFromCAMEO(code string) (AttackType, bool) {
	for n := len(code); n >= 2; n-- {
		if t, ok := cameoCodes[code[:n]]; ok {
			return t, true
		}
	}
	return "", false
}

// TargetType is a target or victim type: the GTD codebook's 22.
type TargetType string

// TargetTypes lists the GTD target types in code order: TargetTypes[i] has code i+1.
var TargetTypes = []TargetType{
	"business", "government_general", "police", "military", "abortion_related",
	"airports_aircraft", "government_diplomatic", "educational_institution",
	"food_water_supply", "journalists_media", "maritime", "ngo", "other",
	"private_citizens_property", "religious_figures_institutions", "telecommunication",
	"terrorists_non_state_militia", "tourists", "transportation", "unknown",
	"utilities", "violent_political_party",
}

// TargetTypeFromGTD maps a GTD targtype code (1–22).
func TargetTypeFromGTD(code int) (TargetType, bool) {
	if code < 1 || code > len(TargetTypes) {
		return "", false
	}
	return TargetTypes[code-1], true
}

// Valid reports whether t is a defined target type.
func (t TargetType) Valid() bool {
	for _, v := range TargetTypes {
		if t == v {
			return true
		}
	}
	return false
}

// WeaponType is a weapon type: the GTD codebook's 13.
type WeaponType string

// WeaponTypes lists the GTD weapon types in code order: WeaponTypes[i] has code i+1.
var WeaponTypes = []WeaponType{
	"biological", "chemical", "radiological", "nuclear", "firearms", "explosives",
	"fake_weapons", "incendiary", "melee", "vehicle", "sabotage_equipment", "other", "unknown",
}

// WeaponTypeFromGTD maps a GTD weaptype code (1–13).
func WeaponTypeFromGTD(code int) (WeaponType, bool) {
	if code < 1 || code > len(WeaponTypes) {
		return "", false
	}
	return WeaponTypes[code-1], true
}

// Valid reports whether w is a defined weapon type.
func (w WeaponType) Valid() bool {
	for _, v := range WeaponTypes {
		if w == v {
			return true
		}
	}
	return false
}
