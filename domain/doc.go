// Package domain is the law as code: persons and their JMBG, households,
// addresses and the centres that cover them, and the evidence the state
// holds about a person. It does no I/O and knows nothing of SQL, HTTP or
// Temporal; the other packages speak to each other in its terms.
package domain
