// The chat as the app shows it, built from dispatches and REST answers. Plain data and one
// `apply` per dispatch, so it can be tested without a browser; the UI re-renders on `version`.

export interface User {
  id: string;
  username: string;
  global_name?: string | null;
}

export interface Reaction {
  emoji: string;
  count: number;
  me: boolean;
}

export interface Message {
  id: string;
  channel_id: string;
  author: User;
  content: string;
  timestamp: string;
  edited_timestamp: string | null;
  nonce?: string;
  /** Sent by this app, not yet confirmed by the server (its id is the nonce until then). */
  pending?: boolean;
  failed?: boolean;
  referenced_message?: Message | null;
  reactions: Reaction[];
}

export interface Channel {
  id: string;
  name: string;
  position: number;
}

export interface Guild {
  id: string;
  name: string;
  channels: Channel[];
  members: Map<string, User>;
}

const MAX_MESSAGES_PER_CHANNEL = 500;
const TYPING_MS = 10_000;

export class ChatStore {
  me: User | null = null;
  guilds = new Map<string, Guild>();
  messages = new Map<string, Message[]>();
  /** Channels with messages the person has not looked at. */
  unread = new Set<string>();
  /** channel → user → until (ms). */
  typing = new Map<string, Map<string, number>>();
  presences = new Map<string, string>();
  /** Channels whose oldest message is loaded. */
  complete = new Set<string>();
  viewing: string | null = null;
  version = 0;
  private listeners = new Set<() => void>();

  subscribe(f: () => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  changed(): void {
    this.version++;
    for (const f of this.listeners) f();
  }

  /** One dispatch from the gateway. */
  apply(type: string, d: any, now: number = Date.now()): void {
    switch (type) {
      case 'READY':
        this.me = { id: d.user.id, username: d.user.username, global_name: d.user.global_name };
        break;
      case 'GUILD_CREATE': {
        const members = new Map<string, User>();
        for (const m of d.members ?? []) members.set(m.user.id, m.user);
        this.guilds.set(d.id, { id: d.id, name: d.name, channels: sortChannels(d.channels ?? []), members });
        for (const p of d.presences ?? []) this.presences.set(p.user.id, p.status);
        break;
      }
      case 'GUILD_UPDATE': {
        const g = this.guilds.get(d.id);
        if (g) g.name = d.name;
        break;
      }
      case 'GUILD_DELETE':
        this.guilds.delete(d.id);
        break;
      case 'CHANNEL_CREATE':
      case 'CHANNEL_UPDATE': {
        const g = this.guilds.get(d.guild_id);
        if (g) g.channels = sortChannels([...g.channels.filter((c) => c.id !== d.id), d]);
        break;
      }
      case 'CHANNEL_DELETE': {
        const g = this.guilds.get(d.guild_id);
        if (g) g.channels = g.channels.filter((c) => c.id !== d.id);
        this.messages.delete(d.id);
        break;
      }
      case 'GUILD_MEMBER_ADD':
      case 'GUILD_MEMBER_UPDATE':
        this.guilds.get(d.guild_id)?.members.set(d.user.id, d.user);
        break;
      case 'GUILD_MEMBER_REMOVE':
        this.guilds.get(d.guild_id)?.members.delete(d.user.id);
        break;
      case 'PRESENCE_UPDATE':
        this.presences.set(d.user.id, d.status);
        break;
      case 'MESSAGE_CREATE':
        this.received(toMessage(d));
        this.typing.get(d.channel_id)?.delete(d.author.id);
        if (d.channel_id !== this.viewing && d.author.id !== this.me?.id) this.unread.add(d.channel_id);
        break;
      case 'MESSAGE_UPDATE':
        this.update(d.channel_id, d.id, (m) => ({
          ...m,
          content: d.content ?? m.content,
          edited_timestamp: d.edited_timestamp ?? m.edited_timestamp,
        }));
        break;
      case 'MESSAGE_DELETE':
        this.messages.set(d.channel_id, (this.messages.get(d.channel_id) ?? []).filter((m) => m.id !== d.id));
        break;
      case 'MESSAGE_DELETE_BULK': {
        const gone = new Set<string>(d.ids);
        this.messages.set(d.channel_id, (this.messages.get(d.channel_id) ?? []).filter((m) => !gone.has(m.id)));
        break;
      }
      case 'MESSAGE_REACTION_ADD':
      case 'MESSAGE_REACTION_REMOVE': {
        const add = type === 'MESSAGE_REACTION_ADD';
        const emoji = d.emoji.name as string;
        const mine = d.user_id === this.me?.id;
        this.update(d.channel_id, d.message_id, (m) => ({ ...m, reactions: react(m.reactions, emoji, add, mine) }));
        break;
      }
      case 'TYPING_START': {
        if (d.user_id === this.me?.id) break;
        const t = this.typing.get(d.channel_id) ?? new Map<string, number>();
        t.set(d.user_id, now + TYPING_MS);
        this.typing.set(d.channel_id, t);
        break;
      }
      default:
        return;
    }
    this.changed();
  }

  /** Optimistic send: shown at once as pending; the server's MESSAGE_CREATE with the nonce replaces it. */
  pending(channelId: string, content: string, nonce: string, now: number = Date.now()): void {
    const me = this.me ?? { id: '0', username: '?' };
    this.insert({
      id: nonce,
      channel_id: channelId,
      author: me,
      content,
      timestamp: new Date(now).toISOString(),
      edited_timestamp: null,
      nonce,
      pending: true,
      reactions: [],
    });
    this.changed();
  }

  /** The REST answer of a send: the pending message becomes the stored one (once, whichever comes first). */
  confirm(nonce: string, raw: any): void {
    const m = toMessage(raw);
    const list = (this.messages.get(m.channel_id) ?? []).filter((x) => !(x.pending !== undefined && x.nonce === nonce));
    this.messages.set(m.channel_id, list);
    this.insert(m);
    this.changed();
  }

  failed(channelId: string, nonce: string): void {
    this.update(channelId, nonce, (m) => ({ ...m, pending: false, failed: true }));
    this.changed();
  }

  /** Older messages from REST (newest first, as the API answers). */
  history(channelId: string, newestFirst: any[], limit: number): void {
    for (const raw of newestFirst) this.insert(toMessage(raw));
    if (newestFirst.length < limit) this.complete.add(channelId);
    this.changed();
  }

  view(channelId: string | null): void {
    this.viewing = channelId;
    if (channelId) this.unread.delete(channelId);
    this.changed();
  }

  /** Who is typing in a channel now (not the person). */
  typers(channelId: string, now: number = Date.now()): string[] {
    const t = this.typing.get(channelId);
    if (!t) return [];
    const out: string[] = [];
    for (const [user, until] of t) {
      if (until > now) out.push(user);
      else t.delete(user); // expired: the map holds only who is typing now
    }
    return out;
  }

  userName(guildId: string | null, userId: string): string {
    const u = (guildId && this.guilds.get(guildId)?.members.get(userId)) || null;
    return u ? u.global_name || u.username : userId;
  }

  private received(m: Message): void {
    const list = this.messages.get(m.channel_id) ?? [];
    const i = m.nonce ? list.findIndex((x) => x.pending !== undefined && x.nonce === m.nonce) : -1;
    if (i >= 0) list.splice(i, 1);
    this.messages.set(m.channel_id, list);
    this.insert(m);
  }

  private insert(m: Message): void {
    const list = this.messages.get(m.channel_id) ?? [];
    if (list.some((x) => x.id === m.id)) return;
    list.push(m);
    list.sort(byId);
    if (list.length > MAX_MESSAGES_PER_CHANNEL) list.splice(0, list.length - MAX_MESSAGES_PER_CHANNEL);
    this.messages.set(m.channel_id, list);
  }

  private update(channelId: string, id: string, f: (m: Message) => Message): void {
    const list = this.messages.get(channelId);
    if (!list) return;
    this.messages.set(
      channelId,
      list.map((m) => (m.id === id ? f(m) : m)),
    );
  }
}

function toMessage(d: any): Message {
  return {
    id: d.id,
    channel_id: d.channel_id,
    author: d.author,
    content: d.content ?? '',
    timestamp: d.timestamp,
    edited_timestamp: d.edited_timestamp ?? null,
    nonce: typeof d.nonce === 'string' ? d.nonce : d.nonce != null ? String(d.nonce) : undefined,
    referenced_message: d.referenced_message ? toMessage(d.referenced_message) : null,
    reactions: (d.reactions ?? []).map((r: any) => ({ emoji: r.emoji.name, count: r.count, me: r.me })),
  };
}

function react(list: Reaction[], emoji: string, add: boolean, mine: boolean): Reaction[] {
  const out = list.map((r) => ({ ...r }));
  const r = out.find((x) => x.emoji === emoji);
  if (add) {
    if (r) {
      if (!(mine && r.me)) r.count++;
      r.me = r.me || mine;
    } else {
      out.push({ emoji, count: 1, me: mine });
    }
  } else if (r) {
    r.count--;
    if (mine) r.me = false;
  }
  return out.filter((x) => x.count > 0);
}

function sortChannels(cs: any[]): Channel[] {
  return cs
    .filter((c) => c.type === 0 || c.type === undefined)
    .map((c) => ({ id: c.id, name: c.name, position: c.position ?? 0 }))
    .sort((a, b) => a.position - b.position || byId(a, b));
}

function byId(a: { id: string }, b: { id: string }): number {
  // snowflakes as strings: longer is larger, then lexical; pending nonces ("n…") sort last
  const pa = a.id.startsWith('n');
  const pb = b.id.startsWith('n');
  if (pa !== pb) return pa ? 1 : -1;
  return a.id.length - b.id.length || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A nonce for an optimistic send: unique per tab, and never a valid snowflake ("n" prefix). */
let nonceCounter = 0;
export function newNonce(): string {
  nonceCounter++;
  return `n${Date.now().toString(36)}${nonceCounter.toString(36)}`;
}
