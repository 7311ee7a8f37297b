// Package codicefiscale validates, decodes and computes Italian fiscal codes
// (codice fiscale of natural persons), including omocodic variants.
//
// Layout of a code (1-based positions):
//
//	1-3   surname letters
//	4-6   name letters
//	7-8   year of birth (two digits)
//	9     month letter, one of ABCDEHLMPRST
//	10-11 day of birth, +40 for women (01-31 or 41-71)
//	12-15 Belfiore place code: a letter and three digits (Z### abroad)
//	16    check letter
//
// Omocodia: the digits at positions 7, 8, 10, 11, 13, 14 and 15 may be
// replaced by the letters LMNPQRSTUV (standing for 0-9); the check letter is
// then recomputed. The tax agency substitutes from position 15 leftwards,
// but Validate does not enforce that order: any combination of substituted
// digits is accepted, as most validators do, so that no genuine code is ever
// rejected.
package codicefiscale

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Length is the number of characters of a fiscal code.
const Length = 16

// Months lists the month letters, January to December.
const Months = "ABCDEHLMPRST"

// omocodeLetters are the letters that replace the digits 0-9 in omocodic codes.
const omocodeLetters = "LMNPQRSTUV"

// omocodePositions are the 0-based indexes of the characters that are digits
// in a plain code and may be replaced by omocode letters.
var omocodePositions = [...]int{6, 7, 9, 10, 12, 13, 14}

// oddValues maps A-Z (and 0-9 via the same index) to its value at an odd
// (1-based) position for the check letter computation.
var oddValues = [26]int{
	1, 0, 5, 7, 9, 13, 15, 17, 19, 21, // A-J (and 0-9)
	2, 4, 18, 20, 11, 3, 6, 8, 12, 14, // K-T
	16, 10, 22, 25, 24, 23, // U-Z
}

// ErrorKind classifies validation errors.
type ErrorKind int

// Error kinds returned by Validate.
const (
	// ErrEmpty: nothing was entered (after trimming spaces).
	ErrEmpty ErrorKind = iota + 1
	// ErrLength: the code does not have 16 characters.
	ErrLength
	// ErrCharacter: a character of the wrong class (letter/digit) or not
	// allowed at all.
	ErrCharacter
	// ErrMonth: the 9th character is not a valid month letter.
	ErrMonth
	// ErrDay: the day of birth (10th and 11th characters) is out of range.
	ErrDay
	// ErrCheck: the check letter (16th character) does not match.
	ErrCheck
)

// String returns the English name of the kind, for logs.
func (k ErrorKind) String() string {
	switch k {
	case ErrEmpty:
		return "empty"
	case ErrLength:
		return "length"
	case ErrCharacter:
		return "character"
	case ErrMonth:
		return "month"
	case ErrDay:
		return "day"
	case ErrCheck:
		return "check"
	}
	return "ErrorKind(" + strconv.Itoa(int(k)) + ")"
}

// Values of Error.Want for ErrCharacter.
const (
	WantLetter = "una lettera"
	WantDigit  = "una cifra"
)

// Error describes why a fiscal code is not valid.
type Error struct {
	Kind ErrorKind
	// Position is the 1-based position of the offending character (for
	// ErrCharacter, ErrMonth, ErrDay and ErrCheck), 0 if not applicable.
	Position int
	// Want describes what was expected: WantLetter or WantDigit for
	// ErrCharacter, the expected check letter for ErrCheck, the month
	// letters for ErrMonth.
	Want string
	// Got is the offending character for ErrCharacter and ErrMonth.
	Got string
	// Length is the number of characters entered, for ErrLength.
	Length int
}

// Error returns an English description, meant for logs. It never contains
// more than one character of the code.
func (e *Error) Error() string {
	switch e.Kind {
	case ErrEmpty:
		return "codicefiscale: empty code"
	case ErrLength:
		return fmt.Sprintf("codicefiscale: length is %d, want %d", e.Length, Length)
	case ErrCharacter:
		want := "a letter"
		if e.Want == WantDigit {
			want = "a digit or omocode letter"
		}
		return fmt.Sprintf("codicefiscale: character %d is %q, want %s", e.Position, e.Got, want)
	case ErrMonth:
		return fmt.Sprintf("codicefiscale: month character %d is %q, want one of %s", e.Position, e.Got, Months)
	case ErrDay:
		return fmt.Sprintf("codicefiscale: invalid day of birth at characters %d-%d", e.Position, e.Position+1)
	case ErrCheck:
		return fmt.Sprintf("codicefiscale: check character mismatch, want %q", e.Want)
	}
	return "codicefiscale: invalid code (" + e.Kind.String() + ")"
}

// MessageIT returns a precise, friendly Italian message for the user.
func (e *Error) MessageIT() string {
	switch e.Kind {
	case ErrEmpty:
		return "Inserisci il codice fiscale."
	case ErrLength:
		if e.Length == 1 {
			return "Il codice fiscale deve avere 16 caratteri: ne hai scritto 1."
		}
		return fmt.Sprintf("Il codice fiscale deve avere 16 caratteri: ne hai scritti %d.", e.Length)
	case ErrCharacter:
		want := WantLetter
		hint := ""
		if e.Want == WantDigit {
			want = "una cifra (o una lettera di omocodia)"
			switch e.Got {
			case "O":
				hint = " Forse volevi scrivere lo zero (0)?"
			case "I":
				hint = " Forse volevi scrivere l'uno (1)?"
			}
		} else {
			switch e.Got {
			case "0":
				hint = " Forse volevi scrivere la lettera O?"
			case "1":
				hint = " Forse volevi scrivere la lettera I?"
			}
		}
		return fmt.Sprintf("%s%d° carattere ci vuole %s, non %s.%s",
			alIT(e.Position), e.Position, want, describeIT(e.Got), hint)
	case ErrMonth:
		return "Il mese (9° carattere) deve essere una di queste lettere: A B C D E H L M P R S T."
	case ErrDay:
		return "Il giorno di nascita (10° e 11° carattere) non è valido."
	case ErrCheck:
		return "L'ultimo carattere (carattere di controllo) non corrisponde: controlla di aver scritto bene il codice."
	}
	return "Il codice fiscale non è valido."
}

// MessageEN returns the same message as MessageIT, in English.
func (e *Error) MessageEN() string {
	switch e.Kind {
	case ErrEmpty:
		return "Please enter the fiscal code."
	case ErrLength:
		if e.Length == 1 {
			return "The fiscal code must be 16 characters long: you entered 1."
		}
		return fmt.Sprintf("The fiscal code must be 16 characters long: you entered %d.", e.Length)
	case ErrCharacter:
		want := "a letter"
		hint := ""
		if e.Want == WantDigit {
			want = "a digit (or an omocode letter)"
			switch e.Got {
			case "O":
				hint = " Did you mean zero (0)?"
			case "I":
				hint = " Did you mean one (1)?"
			}
		} else {
			switch e.Got {
			case "0":
				hint = " Did you mean the letter O?"
			case "1":
				hint = " Did you mean the letter I?"
			}
		}
		return fmt.Sprintf("The %s character must be %s, not %s.%s",
			ordinalEN(e.Position), want, describeEN(e.Got), hint)
	case ErrMonth:
		return "The month (9th character) must be one of these letters: A B C D E H L M P R S T."
	case ErrDay:
		return "The day of birth (10th and 11th characters) is not valid."
	case ErrCheck:
		return "The last character (check character) does not match: please check that you typed the code correctly."
	}
	return "The fiscal code is not valid."
}

// alIT returns the Italian articulated preposition ("Al " or "All'") for an
// ordinal number written in digits: 8° is "ottavo", 11° "undicesimo".
func alIT(n int) string {
	if n == 8 || n == 11 || (n >= 80 && n <= 89) {
		return "All'"
	}
	return "Al "
}

// ordinalEN formats n as an English ordinal (1st, 2nd, 11th, ...).
func ordinalEN(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

// describeIT describes an offending character for an Italian message.
func describeIT(c string) string {
	r, _ := utf8.DecodeRuneInString(c)
	switch {
	case c == "":
		return "un carattere mancante"
	case unicode.IsSpace(r):
		return "uno spazio"
	case r == utf8.RuneError || !unicode.IsPrint(r):
		return "un carattere non visibile"
	}
	return "«" + c + "»"
}

// describeEN describes an offending character for an English message.
func describeEN(c string) string {
	r, _ := utf8.DecodeRuneInString(c)
	switch {
	case c == "":
		return "a missing character"
	case unicode.IsSpace(r):
		return "a space"
	case r == utf8.RuneError || !unicode.IsPrint(r):
		return "an invisible character"
	}
	return "“" + c + "”"
}

// Normalize trims spaces and upper-cases. Only the ASCII letters a-z are
// upper-cased, so that other characters are reported to the user as typed
// (strings.ToUpper would turn, e.g., the Turkish "ı" into "I").
func Normalize(s string) string {
	s = strings.TrimSpace(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			return strings.Map(upperASCII, s)
		}
	}
	return s
}

func upperASCII(r rune) rune {
	if r >= 'a' && r <= 'z' {
		return r - 'a' + 'A'
	}
	return r
}

func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// isOmocodePosition reports whether the 0-based index i may hold a digit or
// an omocode letter.
func isOmocodePosition(i int) bool {
	for _, p := range omocodePositions {
		if p == i {
			return true
		}
	}
	return false
}

// digitValue returns the numeric value of a digit or omocode letter, or -1.
func digitValue(c byte) int {
	if isDigit(c) {
		return int(c - '0')
	}
	if i := strings.IndexByte(omocodeLetters, c); i >= 0 {
		return i
	}
	return -1
}

// Validate normalises s and returns the normalised code, or a *Error.
func Validate(s string) (string, error) {
	code := Normalize(s)
	if code == "" {
		return "", &Error{Kind: ErrEmpty}
	}
	if n := utf8.RuneCountInString(code); n != Length {
		return "", &Error{Kind: ErrLength, Length: n}
	}
	// Character classes, by rune so that positions match what the user sees.
	pos := 0
	for _, r := range code {
		pos++
		i := pos - 1
		switch {
		case i == 8: // month
			if r > unicode.MaxASCII || strings.IndexByte(Months, byte(r)) < 0 {
				return "", &Error{Kind: ErrMonth, Position: pos, Want: Months, Got: string(r)}
			}
		case isOmocodePosition(i):
			if r > unicode.MaxASCII || digitValue(byte(r)) < 0 {
				return "", &Error{Kind: ErrCharacter, Position: pos, Want: WantDigit, Got: string(r)}
			}
		default:
			if r > unicode.MaxASCII || !isLetter(byte(r)) {
				return "", &Error{Kind: ErrCharacter, Position: pos, Want: WantLetter, Got: string(r)}
			}
		}
	}
	// From here on the code is 16 ASCII bytes.
	day := digitValue(code[9])*10 + digitValue(code[10])
	if !(day >= 1 && day <= 31) && !(day >= 41 && day <= 71) {
		return "", &Error{Kind: ErrDay, Position: 10}
	}
	if want := CheckChar(code[:15]); code[15] != want {
		return "", &Error{Kind: ErrCheck, Position: 16, Want: string(want)}
	}
	return code, nil
}

// CheckChar computes the check letter of the first 15 characters (already
// upper case). Only the first 15 bytes are used; characters other than A-Z
// and 0-9 count as zero, so it never panics on malformed input.
func CheckChar(first15 string) byte {
	sum := 0
	for i := 0; i < len(first15) && i < 15; i++ {
		c := first15[i]
		var idx int
		switch {
		case isDigit(c):
			idx = int(c - '0')
		case isLetter(c):
			idx = int(c - 'A')
		default:
			continue
		}
		if i%2 == 0 { // odd 1-based position
			sum += oddValues[idx]
		} else {
			sum += idx
		}
	}
	return byte('A' + sum%26)
}

// Compute builds a valid code from the person's data, for synthetic seed
// data. Surname and name are encoded by the standard rules (consonants, then
// vowels, then X padding; for the name, with four or more consonants the
// 1st, 3rd and 4th are taken). Accented letters are folded (À→A, ...) and
// other non-letters ignored. The date is taken in birth's location.
// belfiore must be a letter followed by three digits (e.g. "H501"),
// otherwise the result does not validate.
func Compute(surname, name string, birth time.Time, female bool, belfiore string) string {
	var b strings.Builder
	b.Grow(Length)
	b.WriteString(surnameCode(surname))
	b.WriteString(nameCode(name))
	y, m, d := birth.Date()
	fmt.Fprintf(&b, "%02d", (y%100+100)%100)
	b.WriteByte(Months[m-1])
	if female {
		d += 40
	}
	fmt.Fprintf(&b, "%02d", d)
	b.WriteString(Normalize(belfiore))
	s := b.String()
	return s + string(CheckChar(s))
}

// splitLetters folds s to the letters A-Z and splits them into consonants
// and vowels.
func splitLetters(s string) (consonants, vowels []byte) {
	for _, r := range s {
		f := foldLetter(r)
		for i := 0; i < len(f); i++ {
			c := f[i]
			if strings.IndexByte("AEIOU", c) >= 0 {
				vowels = append(vowels, c)
			} else {
				consonants = append(consonants, c)
			}
		}
	}
	return consonants, vowels
}

// threeLetters takes consonants, then vowels, then X padding.
func threeLetters(consonants, vowels []byte) string {
	out := make([]byte, 0, 3+len(consonants)+len(vowels))
	out = append(out, consonants...)
	out = append(out, vowels...)
	out = append(out, "XXX"...)
	return string(out[:3])
}

func surnameCode(s string) string {
	return threeLetters(splitLetters(s))
}

func nameCode(s string) string {
	consonants, vowels := splitLetters(s)
	if len(consonants) >= 4 {
		return string([]byte{consonants[0], consonants[2], consonants[3]})
	}
	return threeLetters(consonants, vowels)
}

// foldLetter maps a rune to the upper-case ASCII letters it stands for, or
// "" for non-letters.
func foldLetter(r rune) string {
	r = unicode.ToUpper(r)
	if r >= 'A' && r <= 'Z' {
		return string(r)
	}
	if r == 'ß' || r == 'ẞ' {
		return "SS"
	}
	if f, ok := accentFold[r]; ok {
		return f
	}
	return ""
}

var accentFold = func() map[rune]string {
	m := make(map[rune]string)
	for base, accented := range map[string]string{
		"A":  "ÀÁÂÃÄÅĀĂĄ",
		"AE": "Æ",
		"C":  "ÇĆĈĊČ",
		"D":  "ĎĐ",
		"E":  "ÈÉÊËĒĔĖĘĚ",
		"G":  "ĜĞĠĢ",
		"H":  "ĤĦ",
		"I":  "ÌÍÎÏĨĪĬĮİ",
		"J":  "Ĵ",
		"K":  "Ķ",
		"L":  "ĹĻĽĿŁ",
		"N":  "ÑŃŅŇ",
		"O":  "ÒÓÔÕÖØŌŎŐ",
		"OE": "Œ",
		"R":  "ŔŖŘ",
		"S":  "ŚŜŞŠȘ",
		"T":  "ŢŤŦȚ",
		"U":  "ÙÚÛÜŨŪŬŮŰŲ",
		"W":  "Ŵ",
		"Y":  "ÝŶŸ",
		"Z":  "ŹŻŽ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
}()

// BirthDate decodes the date of birth from a code (omocodic codes included).
// The two-digit year is placed in the latest century that does not put the
// birth after ref (typically time.Now()). The result is at midnight UTC.
// It returns a *Error if the code is not valid or the date does not exist
// (e.g. 31 February, reported as ErrDay).
func BirthDate(code string, ref time.Time) (time.Time, error) {
	c, err := Validate(code)
	if err != nil {
		return time.Time{}, err
	}
	yy := digitValue(c[6])*10 + digitValue(c[7])
	month := time.Month(strings.IndexByte(Months, c[8]) + 1)
	day := (digitValue(c[9])*10 + digitValue(c[10])) % 40
	refYear := ref.Year()
	year := refYear - refYear%100 + yy
	t := time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	ry, rm, rd := ref.Date()
	if t.After(time.Date(ry, rm, rd, 0, 0, 0, 0, time.UTC)) {
		year -= 100
		t = time.Date(year, month, day, 0, 0, 0, 0, time.UTC)
	}
	if t.Day() != day {
		return time.Time{}, &Error{Kind: ErrDay, Position: 10}
	}
	return t, nil
}

// Female reports whether the code belongs to a woman (day of birth + 40).
func Female(code string) (bool, error) {
	c, err := Validate(code)
	if err != nil {
		return false, err
	}
	return digitValue(c[9]) >= 4, nil
}

// Belfiore returns the place-of-birth code (e.g. "H501", "Z404") with
// omocode letters turned back into digits.
func Belfiore(code string) (string, error) {
	c, err := Validate(code)
	if err != nil {
		return "", err
	}
	b := []byte(c[11:15])
	for i := 1; i < 4; i++ {
		b[i] = byte('0' + digitValue(b[i]))
	}
	return string(b), nil
}
