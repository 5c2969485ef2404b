package codec

import (
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
)

// NewDataConverter is the SDK's default data converter with c encrypting
// what it produces. The SDK scopes it to each workflow through
// converter.CodecDataConverter's WithSerializationContext, which passes the
// context on to c.
func NewDataConverter(c *Codec) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// NewFailureConverter is the SDK's default failure converter, with the
// failure's message and stack trace moved into an encoded attribute
// (error messages may name people) and every payload encoded by dc. It
// passes the SDK's serialization context on to dc, so that failures are
// scoped like the other payloads.
func NewFailureConverter(dc converter.DataConverter) converter.FailureConverter {
	return &failureConverter{
		DefaultFailureConverter: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{DataConverter: dc, EncodeCommonAttributes: true}),
		dc:                      dc,
	}
}

type failureConverter struct {
	*temporal.DefaultFailureConverter
	dc converter.DataConverter
}

// WithSerializationContext implements converter.FailureConverterWithSerializationContext.
func (f *failureConverter) WithSerializationContext(sc converter.SerializationContext) converter.FailureConverter {
	return NewFailureConverter(converter.WithDataConverterSerializationContext(f.dc, sc))
}
