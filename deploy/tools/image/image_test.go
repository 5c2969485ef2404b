package image

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// leanBinary is the static lean binary the image is built from:
// KARTON_LEAN_BINARY (make deploy-test passes bin/karton-lean, which make
// rebuilds when a source changes), else one built here from the root
// module (a few minutes cold).
func leanBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("KARTON_LEAN_BINARY"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	out := filepath.Join(t.TempDir(), "karton-lean")
	cmd := exec.Command("go", "build", "-tags", "lean", "-trimpath", "-o", out, "./cmd/karton")
	cmd.Dir = "../../.."
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the lean binary: %v\n%s", err, b)
	}
	return out
}

// TestImage builds the image from the lean binary, reads it back from the
// OCI layout and the docker tarball, checks its configuration and its
// files, and runs the binary extracted from its layer.
func TestImage(t *testing.T) {
	bin := leanBinary(t)
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Fatalf("%s is dynamically linked (it names an interpreter): build it with CGO_ENABLED=0", bin)
		}
	}
	_ = f.Close()

	o := Options{Binary: bin, CACerts: DefaultCACerts, ZoneInfo: DefaultZoneInfo, Fonts: DefaultFonts, Version: "v1.2.3-4-gabcdef0-dirty",
		Source: "https://github.com/karton-social/karton", Licenses: "NOASSERTION", Created: time.Unix(0, 0)}
	if _, err := os.Stat(DefaultZoneInfo); err != nil {
		t.Logf("no %s here: the image is built without time zones", DefaultZoneInfo)
		o.ZoneInfo = ""
	}
	if _, err := os.Stat(filepath.Join(DefaultFonts, Fonts[0])); err != nil {
		t.Logf("no %s here (fonts-dejavu-core): the image is built without the decisions' fonts", DefaultFonts)
		o.Fonts = ""
	}
	built, err := Build(o)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tag := Tag(o.Version)
	if err := WriteLayout(filepath.Join(dir, "layout"), built, tag); err != nil {
		t.Fatal(err)
	}
	if err := WriteTarball(filepath.Join(dir, "image.tar"), built, tag); err != nil {
		t.Fatal(err)
	}
	img, err := ReadLayout(filepath.Join(dir, "layout"))
	if err != nil {
		t.Fatal(err)
	}
	want, _ := built.Digest()
	if got, _ := img.Digest(); got != want {
		t.Errorf("layout's image %s, built %s", got, want)
	}
	ref, _ := name.NewTag(Repository + ":" + tag)
	fromTar, err := tarball.ImageFromPath(filepath.Join(dir, "image.tar"), &ref)
	if err != nil {
		t.Fatalf("reading the docker tarball back: %v", err)
	}
	gotCfg, _ := fromTar.ConfigName()
	if wantCfg, _ := built.ConfigName(); gotCfg != wantCfg {
		t.Errorf("docker tarball's config %s, built %s", gotCfg, wantCfg)
	}

	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" || strings.HasPrefix(c.User, "0") || c.User == "root" {
		t.Errorf("user %q, want 65532:65532 (not root)", c.User)
	}
	if strings.Join(c.Entrypoint, " ") != "/karton" || strings.Join(c.Cmd, " ") != "api" {
		t.Errorf("entrypoint %q cmd %q, want [/karton] [api]", c.Entrypoint, c.Cmd)
	}
	if _, ok := c.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("exposed ports %v, want 8080/tcp", c.ExposedPorts)
	}
	for k, v := range map[string]string{"org.opencontainers.image.version": o.Version, "org.opencontainers.image.source": o.Source,
		"org.opencontainers.image.licenses": "NOASSERTION"} {
		if c.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Labels[k], v)
		}
	}
	if cf.OS != "linux" {
		t.Errorf("os %q", cf.OS)
	}

	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(layers) != 1 {
		t.Fatalf("%d layers, want 1", len(layers))
	}
	rc, err := layers[0].Uncompressed()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = rc.Close() }()
	root := filepath.Join(dir, "rootfs")
	files := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(h.Name, "/")
		files[name] = h
		if h.Mode&(04000|02000) != 0 {
			t.Errorf("%s is setuid or setgid (mode %o)", h.Name, h.Mode)
		}
		if h.Mode&01000 != 0 && name != "tmp" {
			t.Errorf("%s has the sticky bit (mode %o)", h.Name, h.Mode)
		}
		if strings.Contains(h.Name, "..") || strings.HasPrefix(h.Name, "/") {
			t.Fatalf("entry %q leaves the root", h.Name)
		}
		dst := filepath.Join(root, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, b, os.FileMode(h.Mode)&0o777); err != nil {
				t.Fatal(err)
			}
		case tar.TypeSymlink:
			if err := os.Symlink(h.Linkname, dst); err != nil {
				t.Fatal(err)
			}
		default:
			t.Errorf("%s: unexpected entry type %q", h.Name, h.Typeflag)
		}
	}

	if h := files["karton"]; h == nil || h.Mode != 0o755 {
		t.Fatalf("/karton missing or not mode 0755: %+v", h)
	}
	certs, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"))
	if err != nil || bytes.Count(certs, []byte("BEGIN CERTIFICATE")) < 10 {
		t.Errorf("CA certificates missing or nearly empty: %v, %d certificates", err, bytes.Count(certs, []byte("BEGIN CERTIFICATE")))
	}
	pw, _ := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if !strings.Contains(string(pw), "karton:x:65532:65532:") {
		t.Errorf("/etc/passwd has no karton user 65532:\n%s", pw)
	}
	if h := files["home/karton"]; h == nil || h.Uid != UID {
		t.Errorf("/home/karton missing or not owned by %d", UID)
	}
	for _, f := range Fonts {
		if o.Fonts == "" {
			break
		}
		if b, err := os.ReadFile(filepath.Join(root, FontDir, f)); err != nil || len(b) < 100_000 {
			t.Errorf("the decisions' font %s: %v", f, err)
		}
	}
	if o.ZoneInfo != "" {
		for _, z := range []string{"Europe/Podgorica", "Europe/Budapest", "UTC"} {
			if _, err := os.Stat(filepath.Join(root, "usr/share/zoneinfo", z)); err != nil {
				t.Errorf("time zone %s: %v", z, err)
			}
		}
	}

	// The image's binary runs.
	cmd := exec.Command(filepath.Join(root, "karton"), "help")
	cmd.Env = []string{"ZONEINFO=" + filepath.Join(root, "usr/share/zoneinfo")}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("karton help from the image: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "usage: karton") || !strings.Contains(string(out), "worker") {
		t.Errorf("karton help printed no usage:\n%s", out)
	}
	size, _ := layers[0].Size()
	t.Logf("image %s: one layer of %.1f MiB compressed, %d entries", want, float64(size)/(1<<20), len(files))
}

// TestLayerRefusesMissingInputs: no certificates or a binary that is not
// one stop the build with a message that says which.
func TestLayerRefusesMissingInputs(t *testing.T) {
	dir := t.TempDir()
	notELF := filepath.Join(dir, "karton")
	if err := os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		o    Options
		want string
	}{
		{Options{Binary: filepath.Join(dir, "absent")}, "the karton binary"},
		{Options{Binary: notELF}, "not a Linux (ELF) binary"},
	} {
		if _, err := LayerTar(c.o); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: error %v, want one saying %q", c.o, err, c.want)
		}
	}
	elfFile := filepath.Join(dir, "elf")
	if err := os.WriteFile(elfFile, []byte("\x7fELF rest"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := LayerTar(Options{Binary: elfFile, CACerts: filepath.Join(dir, "no-certs.crt")}); err == nil || !strings.Contains(err.Error(), "CA certificates") {
		t.Errorf("missing CA bundle: error %v, want one naming the CA certificates", err)
	}
}

// TestLayerIsReproducible: the same inputs give the same layer digest.
func TestLayerIsReproducible(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "karton")
	if err := os.WriteFile(bin, []byte("\x7fELF not really"), 0o4755); err != nil {
		t.Fatal(err)
	}
	o := Options{Binary: bin, CACerts: DefaultCACerts, Created: time.Unix(0, 0)}
	a, err := Layer(o)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Layer(o)
	if err != nil {
		t.Fatal(err)
	}
	da, _ := a.Digest()
	db, _ := b.Digest()
	if da != db {
		t.Errorf("two builds gave %s and %s", da, db)
	}
}
