package codicefiscale

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// withCheck appends the correct check letter to a 15-character prefix.
func withCheck(first15 string) string {
	return first15 + string(CheckChar(first15))
}

var validCodes = []string{
	"CCCFBA85D03L219P",
	// Omocodes of the above, substituted from position 15 leftwards.
	"CCCFBA85D03L21VE",
	"CCCFBA85D03L2MVP",
	"CCCFBA85D03LNMVE",
	"CCCFBA85D0PLNMVA",
	"CCCFBA85DLPLNMVL",
	"CCCFBA8RDLPLNMVX",
	"CCCFBAURDLPLNMVU",
	"GDASDV00A01H501J",
	"RSSMRA80A01H501U",
}

func TestValidateValid(t *testing.T) {
	for _, code := range validCodes {
		got, err := Validate(code)
		if err != nil {
			t.Errorf("Validate(%q) error: %v", code, err)
			continue
		}
		if got != code {
			t.Errorf("Validate(%q) = %q, want the same", code, got)
		}
	}
}

func TestCheckChar(t *testing.T) {
	for _, code := range validCodes {
		if got := CheckChar(code[:15]); got != code[15] {
			t.Errorf("CheckChar(%q) = %q, want %q", code[:15], got, code[15])
		}
	}
	// Malformed input must not panic.
	for _, s := range []string{"", "A", "àèìòù", "CCCFBA85D03L219PXXXXXXXX", "\x00\xff"} {
		c := CheckChar(s)
		if c < 'A' || c > 'Z' {
			t.Errorf("CheckChar(%q) = %q, not a letter", s, c)
		}
	}
}

func TestValidateNormalizes(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cccfba85d03l219p", "CCCFBA85D03L219P"},
		{"  CCCFBA85D03L219P  ", "CCCFBA85D03L219P"},
		{"\tcccFBA85d03L219p\n", "CCCFBA85D03L219P"},
		{"\u00a0cccfbaurdlplnmvu ", "CCCFBAURDLPLNMVU"},
	}
	for _, tt := range tests {
		got, err := Validate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Validate(%q) = %q, %v; want %q, nil", tt.in, got, err, tt.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"  ", ""},
		{" abc ", "ABC"},
		{"ABC", "ABC"},
		{"àbc", "àBC"}, // only ASCII is upper-cased
		{"ı", "ı"},     // not turned into "I"
	}
	for _, tt := range tests {
		if got := Normalize(tt.in); got != tt.want {
			t.Errorf("Normalize(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidateErrors(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		kind     ErrorKind
		position int
		want     string
		msgIT    string
		msgEN    string
	}{
		{
			name: "empty", in: "", kind: ErrEmpty,
			msgIT: "Inserisci il codice fiscale.",
			msgEN: "Please enter the fiscal code.",
		},
		{
			name: "only spaces", in: "   ", kind: ErrEmpty,
			msgIT: "Inserisci il codice fiscale.",
			msgEN: "Please enter the fiscal code.",
		},
		{
			name: "too short", in: "CCCFBA85D03L219", kind: ErrLength,
			msgIT: "Il codice fiscale deve avere 16 caratteri: ne hai scritti 15.",
			msgEN: "The fiscal code must be 16 characters long: you entered 15.",
		},
		{
			name: "too long", in: "CCCFBA85D03L219PP", kind: ErrLength,
			msgIT: "Il codice fiscale deve avere 16 caratteri: ne hai scritti 17.",
			msgEN: "The fiscal code must be 16 characters long: you entered 17.",
		},
		{
			name: "one character", in: "c", kind: ErrLength,
			msgIT: "Il codice fiscale deve avere 16 caratteri: ne hai scritto 1.",
			msgEN: "The fiscal code must be 16 characters long: you entered 1.",
		},
		{
			name: "length counts runes", in: "CCCFBÀ85D03L219", kind: ErrLength,
			msgIT: "Il codice fiscale deve avere 16 caratteri: ne hai scritti 15.",
			msgEN: "The fiscal code must be 16 characters long: you entered 15.",
		},
		{
			name: "letter instead of digit", in: "CCCFBAX5D03L219P", kind: ErrCharacter,
			position: 7, want: WantDigit,
			msgIT: "Al 7° carattere ci vuole una cifra (o una lettera di omocodia), non «X».",
			msgEN: "The 7th character must be a digit (or an omocode letter), not “X”.",
		},
		{
			name: "elided preposition", in: "CCCFBA8XD03L219P", kind: ErrCharacter,
			position: 8, want: WantDigit,
			msgIT: "All'8° carattere ci vuole una cifra (o una lettera di omocodia), non «X».",
			msgEN: "The 8th character must be a digit (or an omocode letter), not “X”.",
		},
		{
			name: "O instead of zero", in: "CCCFBA85DO3L219P", kind: ErrCharacter,
			position: 10, want: WantDigit,
			msgIT: "Al 10° carattere ci vuole una cifra (o una lettera di omocodia), non «O». Forse volevi scrivere lo zero (0)?",
			msgEN: "The 10th character must be a digit (or an omocode letter), not “O”. Did you mean zero (0)?",
		},
		{
			name: "digit instead of letter", in: "C5CFBA85D03L219P", kind: ErrCharacter,
			position: 2, want: WantLetter,
			msgIT: "Al 2° carattere ci vuole una lettera, non «5».",
			msgEN: "The 2nd character must be a letter, not “5”.",
		},
		{
			name: "zero instead of O", in: "R0SMRA80A01H501U", kind: ErrCharacter,
			position: 2, want: WantLetter,
			msgIT: "Al 2° carattere ci vuole una lettera, non «0». Forse volevi scrivere la lettera O?",
			msgEN: "The 2nd character must be a letter, not “0”. Did you mean the letter O?",
		},
		{
			name: "belfiore letter", in: "CCCFBA85D031219P", kind: ErrCharacter,
			position: 12, want: WantLetter,
			msgIT: "Al 12° carattere ci vuole una lettera, non «1». Forse volevi scrivere la lettera I?",
			msgEN: "The 12th character must be a letter, not “1”. Did you mean the letter I?",
		},
		{
			name: "inner space", in: "CCC FBA85D03L219", kind: ErrCharacter,
			position: 4, want: WantLetter,
			msgIT: "Al 4° carattere ci vuole una lettera, non uno spazio.",
			msgEN: "The 4th character must be a letter, not a space.",
		},
		{
			name: "accented letter", in: "CCCFBÀ85D03L219P", kind: ErrCharacter,
			position: 6, want: WantLetter,
			msgIT: "Al 6° carattere ci vuole una lettera, non «À».",
			msgEN: "The 6th character must be a letter, not “À”.",
		},
		{
			name: "control character", in: "CCCFBA85D03L219\x00", kind: ErrCharacter,
			position: 16, want: WantLetter,
			msgIT: "Al 16° carattere ci vuole una lettera, non un carattere non visibile.",
			msgEN: "The 16th character must be a letter, not an invisible character.",
		},
		{
			name: "check is a letter", in: "CCCFBA85D03L2199", kind: ErrCharacter,
			position: 16, want: WantLetter,
			msgIT: "Al 16° carattere ci vuole una lettera, non «9».",
			msgEN: "The 16th character must be a letter, not “9”.",
		},
		{
			name: "month", in: "CCCFBA85F03L219P", kind: ErrMonth,
			position: 9, want: Months,
			msgIT: "Il mese (9° carattere) deve essere una di queste lettere: A B C D E H L M P R S T.",
			msgEN: "The month (9th character) must be one of these letters: A B C D E H L M P R S T.",
		},
		{
			name: "month digit", in: "CCCFBA85103L219P", kind: ErrMonth,
			position: 9, want: Months,
			msgIT: "Il mese (9° carattere) deve essere una di queste lettere: A B C D E H L M P R S T.",
			msgEN: "The month (9th character) must be one of these letters: A B C D E H L M P R S T.",
		},
		{
			name: "check letter", in: "CCCFBA85D03L219B", kind: ErrCheck,
			position: 16, want: "P",
			msgIT: "L'ultimo carattere (carattere di controllo) non corrisponde: controlla di aver scritto bene il codice.",
			msgEN: "The last character (check character) does not match: please check that you typed the code correctly.",
		},
		{
			name: "omocode check letter", in: "CCCFBAURDLPLNMVA", kind: ErrCheck,
			position: 16, want: "U",
			msgIT: "L'ultimo carattere (carattere di controllo) non corrisponde: controlla di aver scritto bene il codice.",
			msgEN: "The last character (check character) does not match: please check that you typed the code correctly.",
		},
	}
	dayIT := "Il giorno di nascita (10° e 11° carattere) non è valido."
	dayEN := "The day of birth (10th and 11th characters) is not valid."
	for _, day := range []string{"00", "32", "39", "40", "72", "80", "99", "LL", "UV", "VV", "PN"} {
		tests = append(tests, struct {
			name     string
			in       string
			kind     ErrorKind
			position int
			want     string
			msgIT    string
			msgEN    string
		}{
			name: "day " + day, in: withCheck("CCCFBA85D" + day + "L219"), kind: ErrDay,
			position: 10, msgIT: dayIT, msgEN: dayEN,
		})
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Validate(tt.in)
			if err == nil {
				t.Fatalf("Validate(%q) = %q, nil; want error", tt.in, got)
			}
			if got != "" {
				t.Errorf("Validate(%q) returned %q with an error, want empty", tt.in, got)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Validate(%q) error %T is not *Error", tt.in, err)
			}
			if e.Kind != tt.kind || e.Position != tt.position || e.Want != tt.want {
				t.Errorf("Validate(%q) = {Kind:%v Position:%d Want:%q}, want {Kind:%v Position:%d Want:%q}",
					tt.in, e.Kind, e.Position, e.Want, tt.kind, tt.position, tt.want)
			}
			if m := e.MessageIT(); m != tt.msgIT {
				t.Errorf("MessageIT() = %q\nwant          %q", m, tt.msgIT)
			}
			if m := e.MessageEN(); m != tt.msgEN {
				t.Errorf("MessageEN() = %q\nwant          %q", m, tt.msgEN)
			}
			if !strings.HasPrefix(e.Error(), "codicefiscale: ") {
				t.Errorf("Error() = %q, want codicefiscale: prefix", e.Error())
			}
		})
	}
}

func TestValidDays(t *testing.T) {
	for _, day := range []string{"01", "09", "10", "31", "41", "55", "71", "LM", "QM", "RV", "TM"} {
		code := withCheck("CCCFBA85D" + day + "L219")
		if _, err := Validate(code); err != nil {
			t.Errorf("Validate(%q) (day %s): %v", code, day, err)
		}
	}
}

func TestOmocodeDecoding(t *testing.T) {
	ref := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	want := time.Date(1985, time.April, 3, 0, 0, 0, 0, time.UTC)
	for _, code := range validCodes[:8] {
		got, err := BirthDate(code, ref)
		if err != nil || !got.Equal(want) {
			t.Errorf("BirthDate(%q) = %v, %v; want %v", code, got, err, want)
		}
		f, err := Female(code)
		if err != nil || f {
			t.Errorf("Female(%q) = %v, %v; want false", code, f, err)
		}
		b, err := Belfiore(code)
		if err != nil || b != "L219" {
			t.Errorf("Belfiore(%q) = %q, %v; want L219", code, b, err)
		}
	}
}

func TestBirthDate(t *testing.T) {
	ref := time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		code string
		want time.Time
	}{
		{"GDASDV00A01H501J", time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"RSSMRA80A01H501U", time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)},
		{withCheck("RSSMRA25H15H501"), time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)}, // today
		{withCheck("RSSMRA25H16H501"), time.Date(1925, 6, 16, 0, 0, 0, 0, time.UTC)}, // tomorrow: last century
		{withCheck("RSSMRA16B69H501"), time.Date(2016, 2, 29, 0, 0, 0, 0, time.UTC)}, // leap day
	}
	for _, tt := range tests {
		got, err := BirthDate(tt.code, ref)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("BirthDate(%q) = %v, %v; want %v", tt.code, got, err, tt.want)
		}
	}

	// Non-existent dates are reported as ErrDay.
	for _, code := range []string{withCheck("RSSMRA15B69H501"), withCheck("RSSMRA85B30H501"), withCheck("RSSMRA85D31H501")} {
		_, err := BirthDate(code, ref)
		var e *Error
		if !errors.As(err, &e) || e.Kind != ErrDay {
			t.Errorf("BirthDate(%q) error = %v, want ErrDay", code, err)
		}
	}
	// Invalid codes return the validation error.
	if _, err := BirthDate("CCCFBA85D03L219B", ref); err == nil {
		t.Error("BirthDate of invalid code: want error")
	}
}

func TestFemale(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"RSSMRA80A01H501U", false},
		{withCheck("RSSMRA80A41H501"), true},
		{withCheck("RSSMRA80A71H501"), true},
		{withCheck("RSSMRA80A31H501"), false},
		{withCheck("RSSMRA80AQMH501"), true}, // omocode of 41
	}
	for _, tt := range tests {
		got, err := Female(tt.code)
		if err != nil || got != tt.want {
			t.Errorf("Female(%q) = %v, %v; want %v", tt.code, got, err, tt.want)
		}
	}
	if _, err := Female("x"); err == nil {
		t.Error("Female(invalid): want error")
	}
}

func TestComputeNames(t *testing.T) {
	tests := []struct{ in, surname, name string }{
		{"Rossi", "RSS", "RSS"},
		{"Mario", "MRA", "MRA"},
		{"Fo", "FOX", "FOX"},
		{"Ai", "AIX", "AIX"},
		{"Gianfranco", "GNF", "GFR"}, // 4+ consonants: name takes 1st, 3rd, 4th
		{"Alberto", "LBR", "LRT"},
		{"Maria Luisa", "MRL", "MLS"},
		{"Dell'Acqua", "DLL", "DLC"},
		{"De Rossi", "DRS", "DSS"},
		{"Nicolò", "NCL", "NCL"},
		{"Niccolò", "NCC", "NCL"},
		{"Bernabò", "BRN", "BNB"},
		{"Émile", "MLE", "MLE"},
		{"Zoë", "ZOE", "ZOE"},
		{"Çelik", "CLK", "CLK"},
		{"O'Neil", "NLO", "NLO"},
		{"", "XXX", "XXX"},
		{"123 -", "XXX", "XXX"},
	}
	for _, tt := range tests {
		if got := surnameCode(tt.in); got != tt.surname {
			t.Errorf("surnameCode(%q) = %q, want %q", tt.in, got, tt.surname)
		}
		if got := nameCode(tt.in); got != tt.name {
			t.Errorf("nameCode(%q) = %q, want %q", tt.in, got, tt.name)
		}
	}
}

func TestCompute(t *testing.T) {
	d := func(y int, m time.Month, day int) time.Time { return time.Date(y, m, day, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		surname, name string
		birth         time.Time
		female        bool
		belfiore      string
		want          string
	}{
		{"Rossi", "Mario", d(1980, 1, 1), false, "H501", "RSSMRA80A01H501U"},
		{"Rossi", "Maria", d(1980, 1, 1), true, "H501", withCheck("RSSMRA80A41H501")},
		{"Gdà", "Sdv", d(2000, 1, 1), false, "h501", "GDASDV00A01H501J"},
		{"Bianchi", "Gianfranco", d(2015, 12, 31), false, "Z404", withCheck("BNCGFR15T31Z404")},
		{"Verdi", "Anna", d(2019, 6, 9), true, "F205", withCheck("VRDNNA19H49F205")},
	}
	for _, tt := range tests {
		got := Compute(tt.surname, tt.name, tt.birth, tt.female, tt.belfiore)
		if got != tt.want {
			t.Errorf("Compute(%q, %q, %v, %v, %q) = %q, want %q",
				tt.surname, tt.name, tt.birth.Format(time.DateOnly), tt.female, tt.belfiore, got, tt.want)
		}
		if _, err := Validate(got); err != nil {
			t.Errorf("Validate(Compute(...)) = %v", err)
		}
	}
}

// TestComputeRoundTrip checks that Compute always produces a valid code and
// that the decoders give back the inputs.
func TestComputeRoundTrip(t *testing.T) {
	names := []string{"Rossi", "Fo", "Dell'Acqua", "Nicolò", "Gianfranco", "", "Ébène", "Ng", "Uà"}
	places := []string{"H501", "F205", "Z404", "a662"}
	ref := time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)
	start := time.Date(1926, 1, 1, 0, 0, 0, 0, time.UTC)
	n := 0
	for birth := start; !birth.After(ref); birth = birth.AddDate(0, 0, 37) {
		for _, female := range []bool{false, true} {
			surname := names[n%len(names)]
			name := names[(n/len(names))%len(names)]
			place := places[n%len(places)]
			n++
			code := Compute(surname, name, birth, female, place)
			got, err := Validate(code)
			if err != nil {
				t.Fatalf("Validate(Compute(%q, %q, %v, %v, %q) = %q): %v",
					surname, name, birth, female, place, code, err)
			}
			if got != code {
				t.Fatalf("Validate(%q) = %q", code, got)
			}
			if bd, err := BirthDate(code, ref); err != nil || !bd.Equal(birth) {
				t.Errorf("BirthDate(%q) = %v, %v; want %v", code, bd, err, birth)
			}
			if f, err := Female(code); err != nil || f != female {
				t.Errorf("Female(%q) = %v, %v; want %v", code, f, err, female)
			}
			if b, err := Belfiore(code); err != nil || b != strings.ToUpper(place) {
				t.Errorf("Belfiore(%q) = %q, %v; want %q", code, b, err, place)
			}
		}
	}
}

func TestErrorKindString(t *testing.T) {
	for k, want := range map[ErrorKind]string{
		ErrEmpty: "empty", ErrLength: "length", ErrCharacter: "character",
		ErrMonth: "month", ErrDay: "day", ErrCheck: "check", 0: "ErrorKind(0)",
	} {
		if got := k.String(); got != want {
			t.Errorf("ErrorKind(%d).String() = %q, want %q", int(k), got, want)
		}
	}
}
