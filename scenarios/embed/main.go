// Command docsite serves a small link page whose HTML template, stylesheet and
// data are embedded into the binary with go:embed, so it ships as one file.
package main

import (
	"embed"
	"encoding/json"
	"flag"
	"fmt"
	"html/template"
	"io/fs"
	"log"
	"net/http"
	"os"
	"sort"
)

//go:embed static
var static embed.FS

//go:embed static/robots.txt
var robots []byte

type link struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type page struct {
	Title string
	Links []link
}

func loadPage(title string) (page, *template.Template, error) {
	raw, err := static.ReadFile("static/links.json")
	if err != nil {
		return page{}, nil, err
	}
	var links []link
	if err := json.Unmarshal(raw, &links); err != nil {
		return page{}, nil, fmt.Errorf("static/links.json: %w", err)
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Name < links[j].Name })
	tmpl, err := template.ParseFS(static, "static/index.html")
	if err != nil {
		return page{}, nil, err
	}
	return page{Title: title, Links: links}, tmpl, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8081", "listen address")
	title := flag.String("title", "Reading list", "page title")
	list := flag.Bool("list", false, "list the embedded files and exit")
	flag.Parse()

	if *list {
		err := fs.WalkDir(static, ".", func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() {
				info, _ := d.Info()
				fmt.Printf("%6d %s\n", info.Size(), path)
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}

	pg, tmpl, err := loadPage(*title)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", http.FileServerFS(static))
	mux.HandleFunc("GET /robots.txt", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write(robots)
	})
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		if err := tmpl.Execute(w, pg); err != nil {
			log.Printf("render: %v", err)
		}
	})
	log.Printf("serving on %s", *addr)
	log.Fatal(http.ListenAndServe(*addr, mux))
}
