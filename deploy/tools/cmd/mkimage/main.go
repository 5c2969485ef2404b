// Command mkimage builds Karton's OCI image from scratch, without a Docker
// daemon or a base image: the static lean binary, this machine's CA
// certificates, time zones and the decisions' fonts, and a non-root user. `make image` runs it:
//
//	mkimage -binary bin/karton-lean -version $(git describe --always --dirty) \
//	        -layout bin/image -tar bin/karton-image.tar
//
// The layout can be pushed with skopeo or crane (deploy/README.md); the
// tarball is for `docker load`.
package main

import (
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/karton-social/karton/deploy/tools/image"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("mkimage", flag.ContinueOnError)
	var o image.Options
	fs.StringVar(&o.Binary, "binary", "bin/karton-lean", "the static karton binary (CGO_ENABLED=0, -tags lean)")
	fs.StringVar(&o.CACerts, "ca-certs", image.DefaultCACerts, "the CA certificate bundle to copy")
	fs.StringVar(&o.ZoneInfo, "zoneinfo", image.DefaultZoneInfo, "the time-zone database to copy (\"\" leaves it out)")
	fs.StringVar(&o.Fonts, "fonts", image.DefaultFonts, "the folder of the decisions' DejaVu fonts (\"\" leaves them out: decisions then transliterate č ć š ž đ)")
	fs.StringVar(&o.Version, "version", "dev", "the image's version (git describe --always --dirty) and tag")
	fs.StringVar(&o.Revision, "revision", "", "the commit the binary was built from")
	fs.StringVar(&o.Source, "source", "https://github.com/karton-social/karton", "the source repository")
	fs.StringVar(&o.Licenses, "licenses", "NOASSERTION", "the licence, an SPDX expression (the repository names none yet)")
	dir := fs.String("layout", "bin/image", "write the OCI image layout here")
	tarFile := fs.String("tar", "bin/karton-image.tar", "write a tarball for `docker load` here (\"\" for none)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the files' and the
	// image's time; without it they are 1970, so that the same inputs give
	// the same digest.
	o.Created = time.Unix(0, 0)
	if v := os.Getenv("SOURCE_DATE_EPOCH"); v != "" {
		s, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fmt.Errorf("SOURCE_DATE_EPOCH=%q: want seconds since 1970", v)
		}
		o.Created = time.Unix(s, 0)
	}
	if o.ZoneInfo != "" {
		if _, err := os.Stat(o.ZoneInfo); err != nil {
			return fmt.Errorf("time zones: %w (install Debian's tzdata, or pass -zoneinfo \"\": the binary then has only UTC unless it embeds time/tzdata)", err)
		}
	}
	img, err := image.Build(o)
	if err != nil {
		return err
	}
	tag := image.Tag(o.Version)
	if err := image.WriteLayout(*dir, img, tag); err != nil {
		return err
	}
	if *tarFile != "" {
		if err := image.WriteTarball(*tarFile, img, tag); err != nil {
			return err
		}
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	var size int64
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		n, err := l.Size()
		if err != nil {
			return err
		}
		size += n
	}
	fmt.Printf("image %s:%s %s, %.1f MiB compressed\n  OCI layout: %s (skopeo copy oci:%s:%s docker://REGISTRY/karton:%s)\n",
		image.Repository, tag, d, float64(size)/(1<<20), *dir, *dir, tag, tag)
	if *tarFile != "" {
		fmt.Printf("  docker load -i %s\n", *tarFile)
	}
	return nil
}
