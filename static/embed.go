// Package static holds the stylesheets, scripts and images compiled into the
// binary, and the content-hashed URLs pages use to load them.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"strings"
)

//go:embed css js img
var files embed.FS

// Prefix is where the files are served.
const Prefix = "/static/"

// hashes maps a file name ("css/app.css") to the first hex digits of its
// content hash. The hash is part of the URL, so a new release never serves a
// stale copy from a browser cache, and old URLs can be cached forever.
var hashes = hashFiles()

func hashFiles() map[string]string {
	out := map[string]string{}
	fs.WalkDir(files, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		out[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out
}

// URL is the cache-busting address of a file, such as
// "/static/3f2a9c0d1e4b/css/app.css". It panics on an unknown name so a typo
// in a template fails every test that renders it.
func URL(name string) string {
	h, ok := hashes[name]
	if !ok {
		panic("static: no file " + name)
	}
	return Prefix + h + "/" + name
}

// Open finds the file behind a path below Prefix ("<hash>/css/app.css") and
// tells whether the hash is current, that is, whether it may be cached for
// good.
func Open(path string) (body []byte, name string, current bool, err error) {
	hash, name, _ := strings.Cut(path, "/")
	body, err = files.ReadFile(name)
	return body, name, err == nil && hashes[name] == hash, err
}
