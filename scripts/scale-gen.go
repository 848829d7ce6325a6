//go:build ignore

// scale-gen.go writes a synthetic module graph for scripts/scale-gen.sh (which runs it with
// `go run`; it is not part of any module): N modules example.com/gen/mNNNN@v1.0.0 in a tree
// (module i requires and imports modules F*i+1 … F*i+F), published into a GOPROXY file tree
// (<module>/@v/list, v1.0.0.info, .mod, .zip), and a main module that requires and imports the
// root. Module zips follow the go command's rules (every name under `<module>@v1.0.0/`, files
// only). With -file-mb, the first -big modules also hold blob.bin, that many MiB of pseudo-random
// bytes (stored, not deflated), so that a bundle reaches gigabytes with few modules. No hash is
// written here: scale-gen.sh has the go command write go.sum.
package main

import (
	"archive/zip"
	"bufio"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	n := flag.Int("n", 100, "number of modules")
	fanout := flag.Int("fanout", 2, "requires per module")
	fileMB := flag.Int("file-mb", 0, "MiB of blob.bin in each of the first -big modules")
	big := flag.Int("big", -1, "how many modules get blob.bin (-1: all)")
	proxy := flag.String("proxy", "", "GOPROXY tree to write")
	mainDir := flag.String("main", "", "main module directory to write")
	flag.Parse()
	if *proxy == "" || *mainDir == "" || *n < 1 || *fanout < 1 {
		log.Fatal("need -proxy, -main, -n ≥ 1, -fanout ≥ 1")
	}
	if *fileMB > 490 {
		log.Fatal("-file-mb must stay under go's 500 MiB module zip limit")
	}
	if *big < 0 {
		*big = *n
	}
	width := len(fmt.Sprint(*n - 1))
	if width < 4 {
		width = 4
	}
	name := func(i int) string { return fmt.Sprintf("m%0*d", width, i) }
	for i := 0; i < *n; i++ {
		var kids []string
		for k := *fanout*i + 1; k <= *fanout*i+*fanout && k < *n; k++ {
			kids = append(kids, name(k))
		}
		blob := 0
		if i < *big {
			blob = *fileMB
		}
		publish(*proxy, name(i), kids, i, blob)
	}
	must(os.MkdirAll(*mainDir, 0o755))
	write(filepath.Join(*mainDir, "go.mod"), gomod("example.com/gen/main", []string{name(0)}))
	write(filepath.Join(*mainDir, "main.go"),
		fmt.Sprintf("package main\n\nimport _ %q\n\nfunc main() {}\n", "example.com/gen/"+name(0)))
}

func gomod(path string, kids []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo 1.21\n", path)
	for _, k := range kids {
		fmt.Fprintf(&b, "\nrequire example.com/gen/%s v1.0.0\n", k)
	}
	return b.String()
}

func source(pkg string, kids []string, i int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n\n", pkg)
	for _, k := range kids {
		fmt.Fprintf(&b, "import _ %q\n", "example.com/gen/"+k)
	}
	fmt.Fprintf(&b, "\n// N is this module's number.\nconst N = %d\n", i)
	return b.String()
}

func publish(proxy, pkg string, kids []string, i, blobMB int) {
	path := "example.com/gen/" + pkg
	dir := filepath.Join(proxy, filepath.FromSlash(path), "@v")
	must(os.MkdirAll(dir, 0o755))
	mod := gomod(path, kids)
	write(filepath.Join(dir, "list"), "v1.0.0\n")
	write(filepath.Join(dir, "v1.0.0.info"), `{"Version":"v1.0.0","Time":"2024-01-01T00:00:00Z"}`)
	write(filepath.Join(dir, "v1.0.0.mod"), mod)

	f, err := os.Create(filepath.Join(dir, "v1.0.0.zip"))
	must(err)
	buf := bufio.NewWriterSize(f, 1<<20)
	z := zip.NewWriter(buf)
	prefix := path + "@v1.0.0/"
	add := func(name string, method uint16, body func(io.Writer)) {
		w, err := z.CreateHeader(&zip.FileHeader{Name: prefix + name, Method: method})
		must(err)
		body(w)
	}
	text := func(s string) func(io.Writer) {
		return func(w io.Writer) { _, err := io.WriteString(w, s); must(err) }
	}
	add("go.mod", zip.Deflate, text(mod))
	add(pkg+".go", zip.Deflate, text(source(pkg, kids, i)))
	if blobMB > 0 {
		add("blob.bin", zip.Store, func(w io.Writer) {
			r := rand.New(rand.NewPCG(uint64(i), 1))
			chunk := make([]byte, 1<<20)
			for m := 0; m < blobMB; m++ {
				for j := 0; j < len(chunk); j += 8 {
					v := r.Uint64()
					for k := 0; k < 8; k++ {
						chunk[j+k] = byte(v >> (8 * k))
					}
				}
				_, err := w.Write(chunk)
				must(err)
			}
		})
	}
	must(z.Close())
	must(buf.Flush())
	must(f.Close())
}

func write(path, text string) {
	must(os.WriteFile(path, []byte(text), 0o644))
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
