// Package bench holds Karton's benchmarks. Each is a program that starts
// the real stack, measures a baseline in the same run (machines here are
// noisy) and prints its figures as ratios against that baseline.
package bench
