// Package codec keeps personal data out of Temporal in clear: a payload
// codec encrypts every payload the SDK writes (workflow and activity inputs
// and results, signals, updates, queries, memos, failure messages) with
// AES-256-GCM under a key ring, and stamps each encrypted payload with the
// id of the workflow it belongs to (its scope), so that Karton's codec
// endpoint can decide, payload by payload, who may read it.
//
// The scope comes from the SDK's serialization context
// (converter.PayloadCodecWithSerializationContext), which the SDK supplies
// to every client call (start, signal, signal-with-start, update, query,
// update-with-start, schedules) and to every encoding inside a worker
// (workflow results, activity inputs and results, child workflows,
// external signals, query and update results, heartbeats). The scope is
// authenticated: it is part of the GCM additional data, so moving an
// encrypted payload under another workflow's scope makes it undecryptable.
//
// Payloads written before the codec (not binary/encrypted) are decoded as
// they are, so old histories still replay.
package codec
