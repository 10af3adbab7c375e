// Command slugid turns titles into URL slugs with a stable short ID, e.g.
// "Crème brûlée à la maison" -> "creme-brulee-a-la-maison-80943d58".
// Accents are removed with golang.org/x/text; IDs are name-based UUIDs
// (version 5) from github.com/google/uuid, so the same title always maps to
// the same slug.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"strings"
	"unicode"

	"github.com/google/uuid"
	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

var namespace = uuid.MustParse("6ba7b811-9dad-11d1-80b4-00c04fd430c8") // uuid.NameSpaceURL

func fold(s string) (string, error) {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, s)
	return out, err
}

func slug(title string, maxWords int) (string, error) {
	plain, err := fold(title)
	if err != nil {
		return "", err
	}
	var words []string
	for _, w := range strings.FieldsFunc(strings.ToLower(plain), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		words = append(words, w)
		if maxWords > 0 && len(words) == maxWords {
			break
		}
	}
	id := uuid.NewSHA1(namespace, []byte(strings.TrimSpace(title)))
	if len(words) == 0 {
		return id.String(), nil
	}
	return strings.Join(words, "-") + "-" + strings.ReplaceAll(id.String(), "-", "")[:8], nil
}

func main() {
	maxWords := flag.Int("words", 6, "keep at most `N` words (0 = all)")
	random := flag.Bool("random", false, "print a random (version 4) UUID and exit")
	flag.Parse()
	if *random {
		fmt.Println(uuid.New())
		return
	}
	emit := func(title string) {
		s, err := slug(title, *maxWords)
		if err != nil {
			fmt.Fprintf(os.Stderr, "slugid: %q: %v\n", title, err)
			os.Exit(1)
		}
		fmt.Println(s)
	}
	if flag.NArg() > 0 {
		emit(strings.Join(flag.Args(), " "))
		return
	}
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			emit(line)
		}
	}
}
