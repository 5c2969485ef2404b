//go:build lean

package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
)

// devPGPort is the dev cluster's port, for `karton migrate` and `karton demo`.
const devPGPort = 55432

func runDev(ctx context.Context, cfg Config, log *slog.Logger, out io.Writer) error {
	return errors.New("this karton was built with the lean tag, without the embedded Temporal server: build without it for `karton dev`, or run `karton api` and `karton worker`")
}
