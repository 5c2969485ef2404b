// Package workflows holds Karton's procedures as Temporal workflows. They
// orchestrate and branch on recorded results only: no clock, randomness,
// goroutines or I/O of their own; everything that touches the world runs
// in package activities.
package workflows
