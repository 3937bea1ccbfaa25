// The REST API v10 calls the app makes, with Discord's error shape turned into an Error.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Session {
  token: string;
  userId: string;
}

const BASE = '/api/v10';

async function call<T>(method: string, path: string, token: string | null, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {};
  if (token) headers['Authorization'] = `Bearer ${token}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(BASE + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 204) {
    return undefined as T;
  }
  const json = await r.json().catch(() => ({}));
  if (!r.ok) {
    throw new ApiError(r.status, json.code ?? 0, firstMessage(json) ?? `HTTP ${r.status}`);
  }
  return json as T;
}

/** The most useful message of a Discord error: the first field error, else the top one. */
export function firstMessage(json: any): string | null {
  const walk = (node: any): string | null => {
    if (!node || typeof node !== 'object') return null;
    if (Array.isArray(node._errors) && node._errors[0]?.message) return node._errors[0].message;
    for (const k of Object.keys(node)) {
      const m = walk(node[k]);
      if (m) return m;
    }
    return null;
  };
  return walk(json.errors) ?? json.message ?? null;
}

export const api = {
  register: (username: string, password: string) =>
    call<{ token: string; user_id: string }>('POST', '/auth/register', null, { username, password }),
  login: (login: string, password: string) => call<{ token: string; user_id: string }>('POST', '/auth/login', null, { login, password }),
  logout: (token: string) => call<void>('POST', '/auth/logout', token),
  createGuild: (token: string, name: string) => call<any>('POST', '/guilds', token, { name }),
  createChannel: (token: string, guild: string, name: string) => call<any>('POST', `/guilds/${guild}/channels`, token, { name }),
  messages: (token: string, channel: string, before?: string) =>
    call<any[]>('GET', `/channels/${channel}/messages?limit=50${before ? `&before=${before}` : ''}`, token),
  send: (token: string, channel: string, content: string, nonce: string) =>
    call<any>('POST', `/channels/${channel}/messages`, token, { content, nonce, enforce_nonce: true }),
  edit: (token: string, channel: string, message: string, content: string) =>
    call<any>('PATCH', `/channels/${channel}/messages/${message}`, token, { content }),
  remove: (token: string, channel: string, message: string) => call<void>('DELETE', `/channels/${channel}/messages/${message}`, token),
  react: (token: string, channel: string, message: string, emoji: string) =>
    call<void>('PUT', `/channels/${channel}/messages/${message}/reactions/${encodeURIComponent(emoji)}/@me`, token),
  unreact: (token: string, channel: string, message: string, emoji: string) =>
    call<void>('DELETE', `/channels/${channel}/messages/${message}/reactions/${encodeURIComponent(emoji)}/@me`, token),
  typing: (token: string, channel: string) => call<void>('POST', `/channels/${channel}/typing`, token),
  createInvite: (token: string, channel: string) => call<any>('POST', `/channels/${channel}/invites`, token, { max_age: 86400 }),
  acceptInvite: (token: string, code: string) => call<any>('POST', `/invites/${encodeURIComponent(code)}`, token),
};
