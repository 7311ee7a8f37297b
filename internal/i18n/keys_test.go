package i18n

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// keyLike is what a catalogue key looks like: dotted lower-case words. A
// trailing dot is a prefix that code completes ("sq." + name), %s and %d
// are completed by printf in templates.
var keyLike = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.([a-z0-9_]+|%[sd]))*\.?$`)

// notKeys are suffixes of dotted literals that are file or host names.
var notKeys = []string{".html", ".go", ".sql", ".css", ".js", ".json", ".xml", ".pem", ".p12", ".txt", ".csv", ".it", ".com", ".org", ".eu", ".example", ".local", ".gov"}

// translatedInCode are key-like markers that the code translates itself.
var translatedInCode = map[string]bool{
	"register.error.cf": true, // codicefiscale.Error.MessageIT/MessageEN (handlers/register_show.go)
}

// TestKeysUsedExist: every string in the Go code and in the templates that
// looks like a catalogue key (dotted, starting with the first word of some
// key) is a key with a text in both languages, so no page shows a raw key
// or falls back to Italian in English.
func TestKeysUsedExist(t *testing.T) {
	root := filepath.Join("..", "..")
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Skip("source tree not found:", err)
	}
	it, en := map[string]bool{}, map[string]bool{}
	for _, k := range Keys("it") {
		it[k] = true
	}
	for _, k := range Keys("en") {
		en[k] = true
	}
	for k := range it {
		if !en[k] {
			t.Errorf("key %q has no English text", k)
		}
	}
	for k := range en {
		if !it[k] {
			t.Errorf("key %q has no Italian text", k)
		}
	}
	first := map[string]bool{}
	for k := range it {
		first[strings.SplitN(k, ".", 2)[0]] = true
	}

	type use struct {
		lit, where string
		prefix     bool // the code appends the rest
	}
	var uses []use
	add := func(lit, where string, prefix bool) {
		if !strings.Contains(lit, ".") || !keyLike.MatchString(lit) || !first[strings.SplitN(lit, ".", 2)[0]] {
			return
		}
		for _, s := range notKeys {
			if strings.HasSuffix(lit, s) {
				return
			}
		}
		if !translatedInCode[lit] {
			uses = append(uses, use{lit, where, prefix || strings.HasSuffix(lit, ".")})
		}
	}

	fset := token.NewFileSet()
	tmplString := regexp.MustCompile(`"((?:[^"\\]|\\.)*)"`)
	action := regexp.MustCompile(`(?s)\{\{.*?\}\}`)
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch rel {
			case "internal/i18n", "e2e", "var", "bin", "static", "migrations", "spid-idps":
				return filepath.SkipDir
			}
			if d.Name() == "testdata" || d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			prefixes := map[*ast.BasicLit]bool{}
			ast.Inspect(f, func(n ast.Node) bool {
				// "saml.nr" + n: the literal is the start of a key
				if bin, ok := n.(*ast.BinaryExpr); ok && bin.Op == token.ADD {
					if lit, ok := bin.X.(*ast.BasicLit); ok && lit.Kind == token.STRING {
						if s, err := strconv.Unquote(lit.Value); err == nil {
							add(s, posOf(root, fset, lit), true)
						}
						prefixes[lit] = true
					}
				}
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING && !prefixes[lit] {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						add(s, posOf(root, fset, lit), false)
					}
				}
				return true
			})
		case strings.HasSuffix(path, ".html") && strings.HasPrefix(rel, "fragments"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, loc := range action.FindAllIndex(b, -1) {
				line := 1 + strings.Count(string(b[:loc[0]]), "\n")
				for _, m := range tmplString.FindAllStringSubmatch(string(b[loc[0]:loc[1]]), -1) {
					add(m[1], rel+":"+strconv.Itoa(line), false)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(uses) < 100 {
		t.Fatalf("found only %d keys in the code and templates: the scan is broken", len(uses))
	}
	t.Logf("%d key uses checked", len(uses))
	for _, u := range uses {
		switch {
		case strings.Contains(u.lit, "%"):
			re := regexp.MustCompile("^" + strings.NewReplacer(".", `\.`, "%s", "[a-z0-9_]+", "%d", "[0-9]+").Replace(u.lit) + "$")
			if !anyKey(it, re.MatchString) {
				t.Errorf("%s: no key matches %q", u.where, u.lit)
			}
		case u.prefix:
			if !anyKey(it, func(k string) bool { return strings.HasPrefix(k, u.lit) }) {
				t.Errorf("%s: no key starts with %q", u.where, u.lit)
			}
		case !it[u.lit]:
			t.Errorf("%s: key %q is not in the catalogue", u.where, u.lit)
		}
	}
}

func anyKey(keys map[string]bool, ok func(string) bool) bool {
	for k := range keys {
		if ok(k) {
			return true
		}
	}
	return false
}

func posOf(root string, fset *token.FileSet, n ast.Node) string {
	p := fset.Position(n.Pos())
	rel, _ := filepath.Rel(root, p.Filename)
	return rel + ":" + strconv.Itoa(p.Line)
}
