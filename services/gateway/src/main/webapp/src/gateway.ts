// One Gateway v10 session over WebSocket (zlib-stream): heartbeats, IDENTIFY, RESUME after a
// dropped socket, op 7 and INVALID_SESSION handled. Dispatches go to `onDispatch`; the app learns
// the connection's state through `onStatus`.
import { afterClose, backoffMs, Frame, Op, SessionState, ZlibStreamDecoder } from './protocol';

export type Status = 'connecting' | 'ready' | 'reconnecting' | 'logged-out' | 'stopped';

/** GUILDS | GUILD_MEMBERS | GUILD_PRESENCES | GUILD_MESSAGES | GUILD_MESSAGE_REACTIONS | GUILD_MESSAGE_TYPING | MESSAGE_CONTENT */
export const APP_INTENTS = 1 | 2 | 256 | 512 | 1024 | 2048 | 32768;

export interface GatewayOptions {
  url: string;
  token: string;
  onDispatch: (type: string, data: any) => void;
  onStatus: (status: Status) => void;
  /** For tests: the WebSocket constructor. */
  socket?: (url: string) => WebSocket;
}

export class GatewayConnection {
  readonly state = new SessionState();
  private ws: WebSocket | null = null;
  private decoder = new ZlibStreamDecoder();
  private heartbeat: ReturnType<typeof setTimeout> | null = null;
  private acked = true;
  private attempt = 0;
  private closed = false;

  constructor(private readonly opts: GatewayOptions) {}

  start(): void {
    this.open(this.opts.url);
  }

  /** Ends the session for good (logout): closes with 1000, which ends it on the server too. */
  stop(): void {
    this.closed = true;
    this.clearHeartbeat();
    this.ws?.close(1000, 'bye');
    this.ws = null;
  }

  /** op 3: the person's status (online, idle, dnd, invisible). */
  setStatus(status: string): void {
    this.send({ op: Op.PRESENCE_UPDATE, d: { since: null, activities: [], status, afk: false } });
  }

  /** For tests and the "cut the socket" case: drop the socket as a network loss would. */
  dropSocket(): void {
    this.ws?.close(4900, 'dropped');
  }

  private open(base: string): void {
    this.opts.onStatus(this.attempt === 0 && !this.state.canResume() ? 'connecting' : 'reconnecting');
    this.decoder = new ZlibStreamDecoder();
    const url = `${base.replace(/\/$/, '')}/?v=10&encoding=json&compress=zlib-stream`;
    const ws = this.opts.socket ? this.opts.socket(url) : new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onmessage = (ev) => {
      const text = typeof ev.data === 'string' ? ev.data : this.decoder.push(new Uint8Array(ev.data as ArrayBuffer));
      if (text !== null) {
        this.receive(JSON.parse(text) as Frame);
      }
    };
    ws.onclose = (ev) => this.onClose(ws, ev.code);
  }

  private receive(f: Frame): void {
    switch (f.op) {
      case Op.HELLO:
        this.startHeartbeat(f.d.heartbeat_interval);
        if (this.state.canResume()) {
          this.send({ op: Op.RESUME, d: { token: this.opts.token, session_id: this.state.sessionId, seq: this.state.seq } });
        } else {
          this.send({
            op: Op.IDENTIFY,
            d: { token: this.opts.token, intents: APP_INTENTS, properties: { os: 'web', browser: 'Concord web', device: 'Concord web' } },
          });
        }
        break;
      case Op.HEARTBEAT_ACK:
        this.acked = true;
        break;
      case Op.HEARTBEAT:
        this.send({ op: Op.HEARTBEAT, d: this.state.seq });
        break;
      case Op.RECONNECT:
        this.ws?.close(4901, 'reconnect asked');
        break;
      case Op.INVALID_SESSION:
        if (!f.d) {
          this.state.forget();
        }
        this.ws?.close(4902, 'invalid session');
        break;
      case Op.DISPATCH:
        if (this.state.observe(f)) {
          if (f.t === 'READY' || f.t === 'RESUMED') {
            this.attempt = 0;
            this.opts.onStatus('ready');
          }
          this.opts.onDispatch(f.t ?? '', f.d);
        }
        break;
    }
  }

  private onClose(ws: WebSocket, code: number): void {
    if (ws !== this.ws) {
      return;
    }
    this.clearHeartbeat();
    this.ws = null;
    if (this.closed) {
      return;
    }
    const next = afterClose(code, this.state);
    if (next === 'logout') {
      this.closed = true;
      this.opts.onStatus('logged-out');
      return;
    }
    if (next === 'stop') {
      this.closed = true;
      this.opts.onStatus('stopped');
      return;
    }
    if (next === 'identify') {
      this.state.forget();
    }
    this.opts.onStatus('reconnecting');
    const delay = backoffMs(this.attempt++);
    setTimeout(() => {
      if (!this.closed) {
        this.open(this.state.resumeUrl ?? this.opts.url);
      }
    }, delay);
  }

  private startHeartbeat(interval: number): void {
    this.clearHeartbeat();
    this.acked = true;
    const beat = () => {
      if (!this.acked) {
        // no ACK since the last heartbeat: the connection is a zombie; resume on a new one
        this.ws?.close(4903, 'heartbeat not acknowledged');
        return;
      }
      this.acked = false;
      this.send({ op: Op.HEARTBEAT, d: this.state.seq });
      this.heartbeat = setTimeout(beat, interval);
    };
    this.heartbeat = setTimeout(beat, Math.floor(interval * Math.random()));
  }

  private clearHeartbeat(): void {
    if (this.heartbeat !== null) {
      clearTimeout(this.heartbeat);
      this.heartbeat = null;
    }
  }

  private send(payload: unknown): void {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) {
      this.ws.send(JSON.stringify(payload));
    }
  }
}
