// Package devstack starts the parts of Karton's world that a developer's
// machine lacks: a private PostgreSQL cluster from the installed server
// binaries and a local MinIO object store. `karton dev`, the tests and the
// benchmarks use it; production points Karton at real services instead.
package devstack
