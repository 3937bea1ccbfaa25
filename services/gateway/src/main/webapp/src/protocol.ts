// The pure parts of Gateway v10 the app needs, apart from sockets and timers so that they can be
// tested on their own: sequence tracking, what to do when a socket closes, zlib-stream framing.
import { Unzlib } from 'fflate';

export const Op = {
  DISPATCH: 0,
  HEARTBEAT: 1,
  IDENTIFY: 2,
  PRESENCE_UPDATE: 3,
  RESUME: 6,
  RECONNECT: 7,
  INVALID_SESSION: 9,
  HELLO: 10,
  HEARTBEAT_ACK: 11,
} as const;

export interface Frame {
  op: number;
  d: any;
  s?: number | null;
  t?: string | null;
}

/**
 * What a session needs to resume: the last sequence number received, the session id and where to
 * resume. A dispatch's `s` only ever rises; a stale or repeated one (a replay overlapping what was
 * seen) does not move it back.
 */
export class SessionState {
  seq: number | null = null;
  sessionId: string | null = null;
  resumeUrl: string | null = null;

  /** Takes what a received frame says about the session; answers whether it is a new dispatch. */
  observe(f: Frame): boolean {
    if (f.op !== Op.DISPATCH) {
      return false;
    }
    if (typeof f.s === 'number') {
      if (this.seq !== null && f.s <= this.seq) {
        return false;
      }
      this.seq = f.s;
    }
    if (f.t === 'READY') {
      this.sessionId = f.d.session_id;
      this.resumeUrl = f.d.resume_gateway_url ?? null;
    }
    return true;
  }

  canResume(): boolean {
    return this.sessionId !== null && this.seq !== null;
  }

  /** INVALID_SESSION(false), or a fresh login: the next connect identifies. */
  forget(): void {
    this.seq = null;
    this.sessionId = null;
    this.resumeUrl = null;
  }
}

/** What to do after the socket closed with `code`. */
export type AfterClose = 'resume' | 'identify' | 'logout' | 'stop';

/**
 * Discord's close codes: 4004 (authentication failed, a revoked token) sends the person back to
 * login; 4010-4014 (shard, version, intents) are fatal; 4007/4009 (bad seq, session timed out)
 * need a new session; everything else (network loss, 1006, 4000, a server going away) resumes.
 */
export function afterClose(code: number, state: SessionState): AfterClose {
  if (code === 4004) {
    return 'logout';
  }
  if (code >= 4010 && code <= 4014) {
    return 'stop';
  }
  if (code === 4007 || code === 4009 || !state.canResume()) {
    return 'identify';
  }
  return 'resume';
}

/** Reconnect delay: 0.5 s doubling to 15 s, with full jitter. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(15_000, 500 * 2 ** Math.min(attempt, 5));
  return Math.floor(random() * cap);
}

const SUFFIX = [0x00, 0x00, 0xff, 0xff];

/**
 * `compress=zlib-stream`: the whole connection is one zlib stream; each gateway message ends with
 * a sync flush (00 00 FF FF). A message may arrive in several chunks: bytes are fed in until one
 * ends with the flush marker, then everything inflated since the last marker is one JSON payload.
 */
export class ZlibStreamDecoder {
  private readonly inflater: Unzlib;
  private pending: Uint8Array[] = [];
  private out: Uint8Array[] = [];
  private readonly text = new TextDecoder();

  constructor() {
    this.inflater = new Unzlib((chunk) => this.out.push(chunk));
  }

  /** Feeds one chunk; answers the payload text if the chunk completed a message, else null. */
  push(chunk: Uint8Array): string | null {
    this.pending.push(chunk);
    if (!endsWithFlush(this.pending)) {
      return null;
    }
    const input = concat(this.pending);
    this.pending = [];
    this.inflater.push(input, false);
    const payload = this.text.decode(concat(this.out));
    this.out = [];
    return payload;
  }
}

function endsWithFlush(chunks: Uint8Array[]): boolean {
  let need = SUFFIX.length;
  for (let c = chunks.length - 1; c >= 0 && need > 0; c--) {
    const chunk = chunks[c];
    for (let i = chunk.length - 1; i >= 0 && need > 0; i--) {
      if (chunk[i] !== SUFFIX[need - 1]) {
        return false;
      }
      need--;
    }
  }
  return need === 0;
}

function concat(chunks: Uint8Array[]): Uint8Array {
  if (chunks.length === 1) {
    return chunks[0];
  }
  let n = 0;
  for (const c of chunks) n += c.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
