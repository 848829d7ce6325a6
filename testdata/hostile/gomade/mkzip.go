//go:build ignore

// Regenerates major-v2.zip, a module zip written by go's own archive/zip exactly as
// golang.org/x/mod/zip.Create writes one (zw.Create per file: deflate, data descriptors):
//
//	cd testdata/hostile/gomade && go run mkzip.go major-v2.zip src example.com/major/v2@v2.1.0-RC.1/
//
// tests/dirhash.rs publishes it to a GOPROXY tree and checks hashing and extraction against go.
package main

import (
	"archive/zip"
	"os"
	"path/filepath"
)

// Writes a module zip the way golang.org/x/mod/zip.Create does: zw.Create(prefix+name).
func main() {
	out, src, prefix := os.Args[1], os.Args[2], os.Args[3]
	f, err := os.Create(out)
	if err != nil {
		panic(err)
	}
	zw := zip.NewWriter(f)
	err = filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		w, err := zw.Create(prefix + filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	})
	if err != nil {
		panic(err)
	}
	if err := zw.Close(); err != nil {
		panic(err)
	}
	if err := f.Close(); err != nil {
		panic(err)
	}
}
