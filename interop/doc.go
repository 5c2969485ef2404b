// Package interop holds Karton's side of the exchanges with other
// institutions (xroad: the X-Road-style REST client for the nine registries;
// counterpart: the clients of the police's, the Employment Agency's and the
// treasury's endpoints) and simulators of those institutions (sim) that speak the same protocol,
// for development and tests.
package interop
