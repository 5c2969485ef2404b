package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"testing"
)

// maxTracked is the largest file git may carry: anything bigger is a
// build output, a dump or a data set that belongs elsewhere.
const maxTracked = 1 << 20

// binaryExts are the kinds of non-text file a test may keep as input
// (fonts, images, documents), under a testdata folder only.
var binaryExts = map[string]bool{".pdf": true, ".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".ttf": true, ".otf": true,
	".woff": true, ".woff2": true, ".gz": true, ".zip": true, ".xlsx": true, ".docx": true, ".odt": true}

// TestNoBuildOutputsTracked: no file git tracks is larger than 1 MiB or a
// compiled program (ELF, Mach-O, PE), and a non-text file is only a test's
// input of an allowed kind under testdata/. A 231 MiB binary (`go build
// ./bench/cases` at the root) was once committed; .gitignore now ignores
// build outputs and this keeps them out.
func TestNoBuildOutputsTracked(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed: the tracked files cannot be listed (git ls-files); install git to run this check")
	}
	root := filepath.Join("..", "..")
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v (run the tests from a git clone)", err)
	}
	files := strings.Split(strings.TrimRight(string(out), "\x00"), "\x00")
	if len(files) < 10 {
		t.Fatalf("git ls-files lists %d files; want the repository's", len(files))
	}
	for _, name := range files {
		if problem := trackedProblem(filepath.Join(root, filepath.FromSlash(name)), name); problem != "" {
			t.Errorf("%s %s", name, problem)
		}
	}
}

// trackedProblem says what is wrong with a tracked file, or "".
func trackedProblem(file, name string) string {
	info, err := os.Lstat(file)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && !info.Mode().IsRegular()) {
		return "" // deleted in the work tree (the commit says), a symlink or a submodule
	}
	if err != nil {
		return err.Error()
	}
	if info.Size() > maxTracked {
		return "is larger than 1 MiB: keep build outputs, dumps and data sets out of git"
	}
	f, err := os.Open(file)
	if err != nil {
		return err.Error()
	}
	defer func() { _ = f.Close() }() // only read
	head := make([]byte, 8000)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return err.Error()
	}
	head = head[:n]
	if kind := executable(head); kind != "" {
		return "is a compiled program (" + kind + "): build outputs stay out of git (.gitignore)"
	}
	// Git's own test for binary: a NUL byte in the first 8000 bytes.
	if bytes.IndexByte(head, 0) >= 0 {
		ext := strings.ToLower(path.Ext(name))
		inTestdata := strings.HasPrefix(name, "testdata/") || strings.Contains(name, "/testdata/")
		if !binaryExts[ext] || !inTestdata {
			return "is not text: only a test's input of an allowed kind (.pdf, .png, .ttf, ...) under testdata/ may be"
		}
	}
	return ""
}

// executable names the format of a compiled program by its magic number,
// or "".
func executable(b []byte) string {
	switch {
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return "ELF"
	case len(b) >= 4 && isMachO(binary.BigEndian.Uint32(b)):
		return "Mach-O"
	case len(b) >= 0x40 && bytes.HasPrefix(b, []byte("MZ")):
		off := int(binary.LittleEndian.Uint32(b[0x3c:]))
		if off+4 <= len(b) && bytes.Equal(b[off:off+4], []byte("PE\x00\x00")) {
			return "PE"
		}
	}
	return ""
}

func isMachO(magic uint32) bool {
	switch magic {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe, 0xbebafeca: // 32/64-bit either endian, universal
		return true
	}
	return false
}

// TestTrackedProblemFindsBinaries: the check tells a program, a big file
// and stray binary data from text and a test's image.
func TestTrackedProblemFindsBinaries(t *testing.T) {
	dir := t.TempDir()
	pe := make([]byte, 0x80)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x40)
	copy(pe[0x40:], "PE\x00\x00")
	cases := []struct {
		name    string
		content []byte
		bad     bool
	}{
		{"cases", append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 100)...), true},
		{"karton", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, true},
		{"karton.exe", pe, true},
		{"big.json", bytes.Repeat([]byte("{}\n"), maxTracked/3+1), true},
		{"data.bin", []byte("a\x00b"), true},
		{"docs/logo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00"), true}, // not under testdata
		{"web/testdata/logo.png", []byte("\x89PNG\r\n\x1a\n\x00\x00"), false},
		{"README.md", []byte("# Karton\nMZ is not a program.\n"), false},
		{"store/migrations/00001.sql", []byte("CREATE TABLE persons ();\n"), false},
	}
	for _, c := range cases {
		file := filepath.Join(dir, filepath.FromSlash(c.name))
		if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, c.content, 0o644); err != nil {
			t.Fatal(err)
		}
		if got := trackedProblem(file, c.name); (got != "") != c.bad {
			t.Errorf("trackedProblem(%s) = %q; want a problem: %v", c.name, got, c.bad)
		}
	}
}
