/**
 * The Confluent wire format every value on an entity topic uses, so any Confluent-compatible
 * deserializer reads it:
 *
 *   byte 0      magic byte, always 0
 *   bytes 1..4  schema id in the registry, big-endian signed int32
 *   bytes 5..   the Avro binary encoding of the value, written with that schema
 */
export const wireMagicByte = 0;
export const wireHeaderLength = 5;

export function encodeWireFormat(schemaId: number, body: Buffer): Buffer {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0x7fffffff) {
    throw new RangeError(`schema id must be an int32 >= 0, got ${schemaId}`);
  }
  const framed = Buffer.allocUnsafe(wireHeaderLength + body.length);
  framed.writeUInt8(wireMagicByte, 0);
  framed.writeInt32BE(schemaId, 1);
  body.copy(framed, wireHeaderLength);
  return framed;
}

export type WireDecodeResult = { ok: true; schemaId: number; body: Buffer } | { ok: false; reason: string };

/** Splits a framed value; says why when the bytes are not in the wire format. */
export function decodeWireFormat(value: Buffer | null | undefined): WireDecodeResult {
  if (value === null || value === undefined) return { ok: false, reason: 'the value is empty (a tombstone); events are never tombstones' };
  if (value.length < wireHeaderLength)
    return { ok: false, reason: `the value is ${value.length} bytes, shorter than the 5-byte wire header` };
  const magic = value.readUInt8(0);
  if (magic !== wireMagicByte) return { ok: false, reason: `the first byte is ${magic}, not the wire format's magic byte 0` };
  return { ok: true, schemaId: value.readInt32BE(1), body: value.subarray(wireHeaderLength) };
}
