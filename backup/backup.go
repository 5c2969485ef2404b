// Package backup takes and restores a copy of what Karton keeps (issue
// 20): the PostgreSQL database, as a custom-format pg_dump, and the object
// store's documents, each written under its SHA-256 with a manifest of keys;
// and it checks a restored copy against the original: every table's rows,
// the audit log's hash chain, and every document the database names
// present with the hash the database recorded for it.
//
// This is the logical copy the restore drill runs (TestRestoreDrill) and
// an operator can take of a small installation. A national installation
// takes PostgreSQL's physical backups with WAL archiving for
// point-in-time recovery, and replicates the bucket with versioning
// (docs/deployment.md); the check is the same.
package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/karton-social/karton/devstack"
	"github.com/karton-social/karton/objects"
)

// DumpDatabase writes the database at url to file with pg_dump (custom
// format: compressed, restorable table by table).
func DumpDatabase(ctx context.Context, url, file string) error {
	return pgTool(ctx, "pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file="+file, "--dbname="+url)
}

// RestoreDatabase restores file into the empty database at url, in one
// transaction: a restore that fails leaves the database as it was.
func RestoreDatabase(ctx context.Context, file, url string) error {
	return pgTool(ctx, "pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction", "--dbname="+url, file)
}

func pgTool(ctx context.Context, tool string, args ...string) error {
	bin, err := devstack.FindPostgresBin()
	if err != nil {
		return err
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(bin, tool), args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		// The URL (with its password) is in the arguments: never in the error.
		return fmt.Errorf("%s: %w: %s", tool, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Object is one document in a manifest.
type Object struct {
	Key         string `json:"key"`
	SHA256      string `json:"sha256"`
	Size        int    `json:"size"`
	ContentType string `json:"content_type"`
}

// manifestFile names the manifest in a backup's object folder.
const manifestFile = "manifest.json"

// DumpObjects copies every object of s into dir (as dir/<sha256>: a
// document kept twice is stored once) and writes the manifest of keys.
func DumpObjects(ctx context.Context, s *objects.Store, dir string) ([]Object, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	keys, err := s.List(ctx, "")
	if err != nil {
		return nil, err
	}
	manifest := make([]Object, 0, len(keys))
	for _, k := range keys {
		data, err := s.Get(ctx, k)
		if err != nil {
			return nil, err
		}
		ct, err := s.ContentType(ctx, k)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		o := Object{Key: k, SHA256: hex.EncodeToString(sum[:]), Size: len(data), ContentType: ct}
		if err := os.WriteFile(filepath.Join(dir, o.SHA256), data, 0o600); err != nil {
			return nil, err
		}
		manifest = append(manifest, o)
	}
	b, err := json.MarshalIndent(manifest, "", " ")
	if err != nil {
		return nil, err
	}
	return manifest, os.WriteFile(filepath.Join(dir, manifestFile), b, 0o600)
}

// RestoreObjects puts every object of the backup in dir into s, each
// checked against its manifest's hash first.
func RestoreObjects(ctx context.Context, dir string, s *objects.Store) (int, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if err != nil {
		return 0, fmt.Errorf("backup manifest: %w", err)
	}
	var manifest []Object
	if err := json.Unmarshal(b, &manifest); err != nil {
		return 0, fmt.Errorf("backup manifest: %w", err)
	}
	if err := s.EnsureBucket(ctx); err != nil {
		return 0, err
	}
	for i, o := range manifest {
		data, err := os.ReadFile(filepath.Join(dir, o.SHA256))
		if err != nil {
			return i, fmt.Errorf("object %s: %w", o.Key, err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != o.SHA256 {
			return i, fmt.Errorf("object %s: the backup's copy does not match its hash", o.Key)
		}
		if _, err := s.Put(ctx, o.Key, o.ContentType, data); err != nil {
			return i, err
		}
	}
	return len(manifest), nil
}
