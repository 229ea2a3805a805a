import { describe, expect, it } from 'vitest';
import { decodeWireFormat, encodeWireFormat } from '../../core/wire-format.js';

describe('wire format', () => {
  it('frames a body with magic byte 0 and a big-endian schema id', () => {
    const framed = encodeWireFormat(258, Buffer.from([7, 8]));
    expect([...framed]).toEqual([0, 0, 0, 1, 2, 7, 8]);
    expect(decodeWireFormat(framed)).toEqual({ ok: true, schemaId: 258, body: Buffer.from([7, 8]) });
  });

  it('says why bytes are not in the wire format', () => {
    expect(decodeWireFormat(null)).toMatchObject({ ok: false, reason: expect.stringContaining('tombstone') });
    expect(decodeWireFormat(Buffer.from([0, 1]))).toMatchObject({ ok: false, reason: expect.stringContaining('shorter than the 5-byte') });
    expect(decodeWireFormat(Buffer.from('{"json":1}'))).toMatchObject({ ok: false, reason: expect.stringContaining('first byte is 123') });
    expect(() => encodeWireFormat(-1, Buffer.alloc(0))).toThrow(RangeError);
  });
});
