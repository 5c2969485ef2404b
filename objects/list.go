package objects

import (
	"context"
	"fmt"

	"github.com/minio/minio-go/v7"
)

// List returns the keys of the bucket's objects under prefix ("" every
// object), in key order: for backups and their checks.
func (s *Store) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	for o := range s.c.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, fmt.Errorf("list %s/%s: %w", s.bucket, prefix, o.Err)
		}
		keys = append(keys, o.Key)
	}
	return keys, nil
}

// ContentType returns the type an object was stored with.
func (s *Store) ContentType(ctx context.Context, key string) (string, error) {
	info, err := s.c.StatObject(ctx, s.bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return "", fmt.Errorf("stat %s/%s: %w", s.bucket, key, err)
	}
	return info.ContentType, nil
}

// Remove deletes an object (a backup check's test; Karton itself never
// deletes a document).
func (s *Store) Remove(ctx context.Context, key string) error {
	if err := s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{}); err != nil {
		return fmt.Errorf("remove %s/%s: %w", s.bucket, key, err)
	}
	return nil
}
