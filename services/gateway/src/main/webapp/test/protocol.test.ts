import { describe, expect, it } from 'vitest';
import { constants, createDeflate } from 'node:zlib';
import { afterClose, backoffMs, Op, SessionState, ZlibStreamDecoder } from '../src/protocol';

/** Compresses messages as the gateway does: one zlib stream, a sync flush after each message. */
async function zlibStream(messages: string[]): Promise<Uint8Array[]> {
  const deflate = createDeflate();
  const out: Uint8Array[] = [];
  for (const m of messages) {
    const chunks: Buffer[] = [];
    const onData = (c: Buffer) => chunks.push(c);
    deflate.on('data', onData);
    deflate.write(m);
    await new Promise<void>((resolve) => deflate.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    deflate.off('data', onData);
    out.push(new Uint8Array(Buffer.concat(chunks)));
  }
  return out;
}

describe('SessionState', () => {
  it('tracks the highest s and READY, and ignores repeats', () => {
    const s = new SessionState();
    expect(s.canResume()).toBe(false);
    expect(s.observe({ op: Op.HELLO, d: { heartbeat_interval: 41250 } })).toBe(false);
    expect(s.observe({ op: 0, s: 1, t: 'READY', d: { session_id: 'abc', resume_gateway_url: 'ws://x' } })).toBe(true);
    expect(s.observe({ op: 0, s: 2, t: 'GUILD_CREATE', d: {} })).toBe(true);
    expect(s.observe({ op: 0, s: 2, t: 'GUILD_CREATE', d: {} })).toBe(false);
    expect(s.observe({ op: 0, s: 1, t: 'MESSAGE_CREATE', d: {} })).toBe(false);
    expect(s.seq).toBe(2);
    expect(s.sessionId).toBe('abc');
    expect(s.resumeUrl).toBe('ws://x');
    expect(s.canResume()).toBe(true);
    s.forget();
    expect(s.canResume()).toBe(false);
  });
});

describe('afterClose', () => {
  it('resumes after network loss, logs out on 4004, stops on fatal codes, identifies without a session', () => {
    const s = new SessionState();
    expect(afterClose(1006, s)).toBe('identify');
    s.observe({ op: 0, s: 1, t: 'READY', d: { session_id: 'abc' } });
    expect(afterClose(1006, s)).toBe('resume');
    expect(afterClose(4000, s)).toBe('resume');
    expect(afterClose(4004, s)).toBe('logout');
    expect(afterClose(4009, s)).toBe('identify');
    expect(afterClose(4013, s)).toBe('stop');
  });

  it('backs off with jitter under a cap', () => {
    expect(backoffMs(0, () => 0.999)).toBeLessThan(500);
    expect(backoffMs(10, () => 0.999)).toBeLessThan(15_000);
    expect(backoffMs(10, () => 0.999)).toBeGreaterThan(14_000);
  });
});

describe('ZlibStreamDecoder', () => {
  const frames = [
    JSON.stringify({ op: 10, d: { heartbeat_interval: 41250 } }),
    JSON.stringify({ op: 0, s: 1, t: 'READY', d: { session_id: 'x'.repeat(300) } }),
    JSON.stringify({ op: 0, s: 2, t: 'MESSAGE_CREATE', d: { content: 'héllo wörld '.repeat(50) } }),
  ];

  it('decodes one message per sync flush', async () => {
    const d = new ZlibStreamDecoder();
    const wire = await zlibStream(frames);
    expect(wire.map((m) => d.push(m))).toEqual(frames);
  });

  it('waits for the flush marker when a message arrives in pieces, however it is cut', async () => {
    const wire = await zlibStream(frames);
    for (const cut of [1, 2, 3, 5, 17]) {
      const d = new ZlibStreamDecoder();
      const got: string[] = [];
      for (const m of wire) {
        for (let i = 0; i < m.length; i += cut) {
          const r = d.push(m.subarray(i, Math.min(m.length, i + cut)));
          if (r !== null) got.push(r);
        }
      }
      expect(got).toEqual(frames);
    }
  });
});
