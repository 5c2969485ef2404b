package image

import (
	"fmt"
	"os"
	"regexp"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Repository is the image's name in the docker-loadable tarball and the
// OCI layout's ref.name annotation.
const Repository = "karton"

var tagChars = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// Tag is the version as an image tag, or "latest" when the version cannot
// be one (an image tag allows letters, digits, _ . and -).
func Tag(version string) string {
	if tagChars.MatchString(version) {
		return version
	}
	return "latest"
}

// WriteLayout writes the image as an OCI image layout in dir (emptied
// first), with ref.name tag so that skopeo and crane can name it
// (oci:dir:tag).
func WriteLayout(dir string, img v1.Image, tag string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		return fmt.Errorf("OCI layout %s: %w", dir, err)
	}
	return p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": tag}))
}

// WriteTarball writes the image as a tarball `docker load` reads, named
// karton:tag.
func WriteTarball(file string, img v1.Image, tag string) error {
	ref, err := name.NewTag(Repository + ":" + tag)
	if err != nil {
		return fmt.Errorf("tag %q: %w", tag, err)
	}
	return tarball.WriteToFile(file, ref, img)
}

// ReadLayout reads back the one image of an OCI layout written by
// WriteLayout.
func ReadLayout(dir string) (v1.Image, error) {
	p, err := layout.FromPath(dir)
	if err != nil {
		return nil, err
	}
	idx, err := p.ImageIndex()
	if err != nil {
		return nil, err
	}
	m, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	if len(m.Manifests) != 1 {
		return nil, fmt.Errorf("%s holds %d images, want 1", dir, len(m.Manifests))
	}
	return idx.Image(m.Manifests[0].Digest)
}
