// Package image builds Karton's OCI image from scratch: no Docker daemon
// and no base image, only the static lean binary and a few files taken
// from this machine (CA certificates, time-zone data, the fonts of the
// decisions' PDFs) in one layer.
//
// The image runs /karton as the non-root user karton (uid and gid 65532),
// with `api` as its default command; the Helm chart (deploy/helm/karton)
// runs `worker` and `migrate` from the same image.
package image

import (
	"archive/tar"
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// UID and GID are the non-root user and group the image runs as: 65532,
// as in the distroless images, so that volume permissions set for those
// carry over.
const (
	UID = 65532
	GID = 65532
)

// Options say what goes into the image.
type Options struct {
	Binary   string // the static lean binary, copied to /karton
	CACerts  string // the CA bundle, copied to /etc/ssl/certs/ca-certificates.crt
	ZoneInfo string // the time-zone database folder, copied to /usr/share/zoneinfo; "" leaves it out
	Fonts    string // the folder of DejaVuSans.ttf and DejaVuSans-Bold.ttf, copied to FontDir; "" leaves them out
	Version  string // org.opencontainers.image.version, e.g. from `git describe --always --dirty`
	Source   string // org.opencontainers.image.source
	Revision string // org.opencontainers.image.revision (the commit), optional
	Licenses string // org.opencontainers.image.licenses (an SPDX expression)
	Created  time.Time
}

// DefaultCACerts, DefaultZoneInfo and DefaultFonts are where Debian keeps
// them (packages ca-certificates, tzdata, fonts-dejavu-core).
const (
	DefaultCACerts  = "/etc/ssl/certs/ca-certificates.crt"
	DefaultZoneInfo = "/usr/share/zoneinfo"
	DefaultFonts    = "/usr/share/fonts/truetype/dejavu"
)

// FontDir is where the decisions' and the annual reports' PDFs look for
// their fonts (activities/decisions.go, annual/pdf.go), and Fonts the
// files they read: DejaVu has the letters of Montenegrin (č ć š ž đ);
// without it the documents fall back to a core font and transliterate.
const FontDir = "usr/share/fonts/truetype/dejavu"

var Fonts = []string{"DejaVuSans.ttf", "DejaVuSans-Bold.ttf"}

// Build makes the image: one layer and its configuration.
func Build(o Options) (v1.Image, error) {
	layer, err := Layer(o)
	if err != nil {
		return nil, err
	}
	img, err := mutate.AppendLayers(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON), layer)
	if err != nil {
		return nil, fmt.Errorf("adding the layer: %w", err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.Architecture = runtime.GOARCH
	cf.OS = "linux"
	cf.Created = v1.Time{Time: o.Created.UTC()}
	cf.Author = "Karton"
	cf.Config = v1.Config{
		User:         fmt.Sprintf("%d:%d", UID, GID),
		Entrypoint:   []string{"/karton"},
		Cmd:          []string{"api"},
		WorkingDir:   "/home/karton",
		ExposedPorts: map[string]struct{}{"8080/tcp": {}},
		Env: []string{
			"PATH=/",
			"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt",
			// karton's data folder (payload key file, dev files) is
			// relative; the chart mounts secrets and an emptyDir instead.
			"KARTON_DATA_DIR=/home/karton/var",
		},
		Labels: Labels(o),
	}
	if o.ZoneInfo != "" {
		cf.Config.Env = append(cf.Config.Env, "ZONEINFO=/usr/share/zoneinfo")
	}
	cf.History = []v1.History{{Created: cf.Created, CreatedBy: "deploy/tools/cmd/mkimage: /karton, CA certificates, time zones, fonts, passwd", Comment: "built from scratch"}}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		return nil, fmt.Errorf("setting the configuration: %w", err)
	}
	return img, nil
}

// Labels are the org.opencontainers.image.* labels (also the manifest's
// annotations in the OCI layout).
func Labels(o Options) map[string]string {
	l := map[string]string{
		"org.opencontainers.image.title":       "karton",
		"org.opencontainers.image.description": "Karton, the information system for social protection: karton api, worker and migrate",
		"org.opencontainers.image.source":      o.Source,
		"org.opencontainers.image.version":     o.Version,
		"org.opencontainers.image.licenses":    o.Licenses,
		"org.opencontainers.image.created":     o.Created.UTC().Format(time.RFC3339),
	}
	if o.Revision != "" {
		l["org.opencontainers.image.revision"] = o.Revision
	}
	for k, v := range l {
		if v == "" {
			delete(l, k)
		}
	}
	return l
}

// Layer is the image's one layer, an uncompressed tar gzipped by
// go-containerregistry when written.
func Layer(o Options) (v1.Layer, error) {
	b, err := LayerTar(o)
	if err != nil {
		return nil, err
	}
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil },
		tarball.WithMediaType(types.OCILayer))
}

// passwd and group name root (for files owned by uid 0) and karton, the
// user the image runs as; neither can log in.
const (
	passwd   = "root:x:0:0:root:/root:/sbin/nologin\nkarton:x:65532:65532:karton:/home/karton:/sbin/nologin\n"
	group    = "root:x:0:\nkarton:x:65532:\n"
	nsswitch = "hosts: files dns\n"
)

// LayerTar is the layer's tar: the binary, the certificates, the time
// zones, the PDFs' fonts, passwd, group and nsswitch.conf, a home folder for karton and
// /tmp. Every entry has a fixed time and owner and a mode with no setuid,
// setgid or sticky bit except /tmp's sticky one, so the same inputs give
// the same digest.
func LayerTar(o Options) ([]byte, error) {
	if o.Binary == "" {
		return nil, errors.New("no binary given")
	}
	bin, err := os.ReadFile(o.Binary)
	if err != nil {
		return nil, fmt.Errorf("the karton binary: %w (build it with `make image` or CGO_ENABLED=0 go build -tags lean -trimpath -o bin/karton-lean ./cmd/karton)", err)
	}
	if !bytes.HasPrefix(bin, []byte("\x7fELF")) {
		return nil, fmt.Errorf("%s is not a Linux (ELF) binary", o.Binary)
	}
	if err := static(bin); err != nil {
		return nil, fmt.Errorf("%s: %w", o.Binary, err)
	}
	if o.CACerts == "" {
		o.CACerts = DefaultCACerts
	}
	certs, err := os.ReadFile(o.CACerts)
	if err != nil {
		return nil, fmt.Errorf("CA certificates: %w (install Debian's ca-certificates package, or pass -ca-certs FILE): without them the image cannot verify TLS to PostgreSQL, S3, Temporal Cloud or the registries", err)
	}
	if !bytes.Contains(certs, []byte("-----BEGIN CERTIFICATE-----")) {
		return nil, fmt.Errorf("%s holds no PEM certificate", o.CACerts)
	}
	w := &tarWriter{mtime: o.Created.UTC()}
	w.tw = tar.NewWriter(&w.buf)
	for _, d := range []string{"etc", "etc/ssl", "etc/ssl/certs", "home"} {
		w.dir(d, 0o755, 0)
	}
	w.dir("home/karton", 0o755, UID)
	w.dir("tmp", 0o1777, 0)
	w.file("karton", bin, 0o755)
	w.file("etc/passwd", []byte(passwd), 0o644)
	w.file("etc/group", []byte(group), 0o644)
	w.file("etc/nsswitch.conf", []byte(nsswitch), 0o644)
	w.file("etc/ssl/certs/ca-certificates.crt", certs, 0o644)
	if o.ZoneInfo != "" {
		w.dir("usr", 0o755, 0)
		w.dir("usr/share", 0o755, 0)
		if err := w.tree(o.ZoneInfo, "usr/share/zoneinfo"); err != nil {
			return nil, fmt.Errorf("time zones from %s: %w", o.ZoneInfo, err)
		}
	}
	if o.Fonts != "" {
		if o.ZoneInfo == "" {
			w.dir("usr", 0o755, 0)
			w.dir("usr/share", 0o755, 0)
		}
		w.dir("usr/share/fonts", 0o755, 0)
		w.dir("usr/share/fonts/truetype", 0o755, 0)
		w.dir(FontDir, 0o755, 0)
		for _, f := range Fonts {
			b, err := os.ReadFile(filepath.Join(o.Fonts, f))
			if err != nil {
				return nil, fmt.Errorf("the decisions' font: %w (install Debian's fonts-dejavu-core, or pass -fonts \"\": decisions are then written without č ć š ž đ)", err)
			}
			w.file(path.Join(FontDir, f), b, 0o644)
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	if err := w.tw.Close(); err != nil {
		return nil, err
	}
	return w.buf.Bytes(), nil
}

// static refuses a dynamically linked binary: the image has no C library
// nor loader. A binary too short to parse (the tests' stand-ins) passes.
func static(bin []byte) error {
	f, err := elf.NewFile(bytes.NewReader(bin))
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return errors.New("dynamically linked (it names a loader), but the image has no C library: build it with CGO_ENABLED=0")
		}
	}
	return nil
}

// zoneSkip are the zoneinfo entries left out: right/ repeats every zone
// with leap seconds (Go does not read it), localtime points at the
// builder's /etc/localtime.
var zoneSkip = map[string]bool{"right": true, "localtime": true}

type tarWriter struct {
	buf   bytes.Buffer
	tw    *tar.Writer
	mtime time.Time
	err   error
}

func (w *tarWriter) header(h *tar.Header) {
	if w.err != nil {
		return
	}
	h.ModTime, h.Format = w.mtime, tar.FormatPAX
	if h.Uid == 0 {
		h.Uname, h.Gname = "root", "root"
	} else {
		h.Uname, h.Gname = "karton", "karton"
	}
	w.err = w.tw.WriteHeader(h)
}

func (w *tarWriter) dir(name string, mode int64, owner int) {
	w.header(&tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: mode, Uid: owner, Gid: owner})
}

func (w *tarWriter) file(name string, b []byte, mode int64) {
	w.header(&tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Size: int64(len(b))})
	if w.err == nil {
		_, w.err = w.tw.Write(b)
	}
}

// tree copies a folder in name order: files 0644, folders 0755, symbolic
// links as links when they stay inside the folder, else as the file they
// point to.
func (w *tarWriter) tree(src, dst string) error {
	var paths []string
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if zoneSkip[rel] {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		paths = append(paths, rel)
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(paths)
	for _, rel := range paths {
		p := filepath.Join(src, rel)
		name := dst
		if rel != "." {
			name = path.Join(dst, filepath.ToSlash(rel))
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			w.dir(name, 0o755, 0)
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			resolved := filepath.Join(filepath.Dir(p), target)
			if inside, _ := filepath.Rel(src, resolved); !filepath.IsAbs(target) && !strings.HasPrefix(inside, "..") {
				w.header(&tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: target, Mode: 0o777})
				continue
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return fmt.Errorf("%s points outside %s and cannot be read: %w", p, src, err)
			}
			w.file(name, b, 0o644)
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			w.file(name, b, 0o644)
		}
	}
	return w.err
}
