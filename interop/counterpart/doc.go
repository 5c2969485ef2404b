// Package counterpart holds Karton's clients of the institutions that take
// what the centres send: the police's endpoint for domestic-violence
// reports (Police), the Employment Agency's endpoint for activation
// referrals and messages (Agency) and the treasury's payment gateway
// (Treasury). The simulators in interop/sim speak the same protocol.
//
// All three are one exchange: POST a body, with an Idempotency-Key where
// the endpoint takes one, read the answer, and turn a status the endpoint
// does not promise into an *Error. These errors carry no domain code, so
// an activity that returns one is retried: the workflows keep sending
// until the institution acknowledges.
package counterpart
