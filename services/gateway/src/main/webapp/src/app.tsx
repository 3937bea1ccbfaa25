import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { api, ApiError, Session } from './api';
import { GatewayConnection, Status } from './gateway';
import { ChatStore, Message, newNonce } from './store';

const SESSION_KEY = 'concord.session';

function loadSession(): Session | null {
  try {
    const s = JSON.parse(localStorage.getItem(SESSION_KEY) ?? 'null');
    return s && s.token ? s : null;
  } catch {
    return null;
  }
}

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const signIn = (s: Session | null) => {
    if (s) localStorage.setItem(SESSION_KEY, JSON.stringify(s));
    else localStorage.removeItem(SESSION_KEY);
    setSession(s);
  };
  return session ? <Chat session={session} onSignOut={() => signIn(null)} /> : <Auth onSignIn={signIn} />;
}

function Auth({ onSignIn }: { onSignIn: (s: Session) => void }) {
  const [mode, setMode] = useState<'login' | 'register'>('login');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = mode === 'login' ? await api.login(name, password) : await api.register(name, password);
      onSignIn({ token: r.token, userId: r.user_id });
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Cannot reach the server');
    } finally {
      setBusy(false);
    }
  };
  return (
    <main class="auth">
      <form onSubmit={submit} aria-labelledby="auth-title">
        <h1 id="auth-title">{mode === 'login' ? 'Welcome back' : 'Create an account'}</h1>
        <label>
          Username
          <input name="username" autoComplete="username" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
            value={password}
            onInput={(e) => setPassword(e.currentTarget.value)}
            required
          />
        </label>
        {error && (
          <p role="alert" class="error">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {mode === 'login' ? 'Log in' : 'Register'}
        </button>
        <button type="button" class="link" onClick={() => setMode(mode === 'login' ? 'register' : 'login')}>
          {mode === 'login' ? 'Need an account? Register' : 'Have an account? Log in'}
        </button>
      </form>
    </main>
  );
}

function useStore(store: ChatStore): number {
  const [, setVersion] = useState(0);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  return store.version;
}

function Chat({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const store = useMemo(() => new ChatStore(), [session.token]);
  const [status, setStatus] = useState<Status>('connecting');
  const [guildId, setGuildId] = useState<string | null>(null);
  const [channelId, setChannelId] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const gateway = useRef<GatewayConnection | null>(null);
  useStore(store);

  useEffect(() => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
    const g = new GatewayConnection({
      url,
      token: session.token,
      onDispatch: (t, d) => store.apply(t, d),
      onStatus: (s) => {
        setStatus(s);
        if (s === 'logged-out') onSignOut();
      },
    });
    gateway.current = g;
    (window as any).concordGateway = g; // for the browser tests: cut the socket as a network would
    g.start();
    const tick = setInterval(() => store.changed(), 2_000); // typing indicators expire
    return () => {
      clearInterval(tick);
      g.stop();
    };
  }, [session.token]);

  const guilds = [...store.guilds.values()];
  const guild = guildId ? store.guilds.get(guildId) : guilds[0];
  const channel = guild?.channels.find((c) => c.id === channelId) ?? guild?.channels[0];
  useEffect(() => store.view(channel?.id ?? null), [channel?.id]);

  const run = async (what: () => Promise<unknown>) => {
    try {
      setNotice(null);
      await what();
    } catch (err) {
      setNotice(err instanceof ApiError ? err.message : String(err));
    }
  };
  /** A button handler: asks with prompt() and runs `f` with a non-empty answer. */
  const ask = (question: string, f: (answer: string) => Promise<unknown>) => () =>
    run(async () => {
      const answer = prompt(question)?.trim();
      if (answer) await f(answer);
    });
  const logout = () => run(async () => {
    await api.logout(session.token).catch(() => undefined);
    gateway.current?.stop();
    onSignOut();
  });

  return (
    <div class="chat">
      {status !== 'ready' && (
        <div class="banner" role="status">
          {status === 'connecting' ? 'Connecting…' : status === 'stopped' ? 'Disconnected' : 'Reconnecting…'}
        </div>
      )}
      {notice && (
        <div class="notice" role="alert">
          {notice}
        </div>
      )}
      <nav class="guilds" aria-label="Servers">
        <ul>
          {guilds.map((g) => (
            <li key={g.id}>
              <button aria-current={g.id === guild?.id} onClick={() => (setGuildId(g.id), setChannelId(null))}>
                {g.name}
              </button>
            </li>
          ))}
        </ul>
        <button onClick={ask('Server name', async (name) => setGuildId((await api.createGuild(session.token, name)).id))}>+ Server</button>
        <button onClick={ask('Invite code', async (code) => setGuildId((await api.acceptInvite(session.token, code.split('/').pop()!)).guild.id))}>
          Join
        </button>
        <div class="me">
          <span>{store.me?.global_name || store.me?.username}</span>
          <label>
            Status
            <select onChange={(e) => gateway.current?.setStatus(e.currentTarget.value)}>
              <option value="online">Online</option>
              <option value="idle">Idle</option>
              <option value="dnd">Do not disturb</option>
              <option value="invisible">Invisible</option>
            </select>
          </label>
          <button onClick={logout}>Log out</button>
        </div>
      </nav>
      {guild && (
        <nav class="channels" aria-label="Channels">
          <h2>{guild.name}</h2>
          <ul>
            {guild.channels.map((c) => (
              <li key={c.id}>
                <button aria-current={c.id === channel?.id} class={store.unread.has(c.id) ? 'unread' : ''} onClick={() => setChannelId(c.id)}>
                  # {c.name}
                </button>
              </li>
            ))}
          </ul>
          <button onClick={ask('Channel name', async (name) => setChannelId((await api.createChannel(session.token, guild.id, name)).id))}>
            + Channel
          </button>
          {channel && (
            <button
              onClick={() =>
                run(async () => {
                  const inv = await api.createInvite(session.token, channel.id);
                  setNotice(`Invite code: ${inv.code}`);
                })
              }
            >
              Invite
            </button>
          )}
        </nav>
      )}
      {guild && channel ? (
        <Messages key={channel.id} store={store} token={session.token} guildId={guild.id} channelId={channel.id} name={channel.name} run={run} />
      ) : (
        <section class="messages empty">{guilds.length ? 'Create a channel to start.' : 'Create a server or join one with an invite.'}</section>
      )}
      {guild && (
        <aside class="members" aria-label="Members">
          <h2>Members</h2>
          <ul>
            {[...guild.members.values()].map((u) => (
              <li key={u.id}>
                <span class={`dot ${store.presences.get(u.id) ?? 'offline'}`} aria-label={store.presences.get(u.id) ?? 'offline'} />
                {u.global_name || u.username}
              </li>
            ))}
          </ul>
        </aside>
      )}
    </div>
  );
}

function Messages(props: { store: ChatStore; token: string; guildId: string; channelId: string; name: string; run: (f: () => Promise<unknown>) => void }) {
  const { store, token, channelId, run } = props;
  const [draft, setDraft] = useState('');
  const [editing, setEditing] = useState<string | null>(null);
  const list = useRef<HTMLOListElement>(null);
  const lastTyping = useRef(0);
  const messages = store.messages.get(channelId) ?? [];

  const loadOlder = async () => {
    if (store.complete.has(channelId)) return;
    const oldest = messages.find((m) => !m.pending);
    store.history(channelId, await api.messages(token, channelId, oldest?.id), 50);
  };
  useEffect(() => void run(loadOlder), [channelId]);
  useEffect(() => {
    const el = list.current;
    if (el && el.scrollHeight - el.scrollTop - el.clientHeight < 120) el.scrollTop = el.scrollHeight;
  }, [messages.length]);

  const send = () => {
    const content = draft.trim();
    if (!content) return;
    setDraft('');
    const nonce = newNonce();
    store.pending(channelId, content, nonce);
    api.send(token, channelId, content, nonce).then(
      (m) => store.confirm(nonce, m),
      () => store.failed(channelId, nonce),
    );
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      send();
    } else if (Date.now() - lastTyping.current > 8_000) {
      lastTyping.current = Date.now();
      api.typing(token, channelId).catch(() => undefined);
    }
  };
  const typers = store.typers(channelId).map((u) => store.userName(props.guildId, u));

  let lastDay = '';
  return (
    <section class="messages" aria-label={`#${props.name}`}>
      <h2># {props.name}</h2>
      <ol ref={list} onScroll={(e) => e.currentTarget.scrollTop === 0 && run(loadOlder)} aria-live="polite">
        {messages.map((m) => {
          const day = new Date(m.timestamp).toDateString();
          const separator = day !== lastDay ? <li class="day" key={`d${day}`}>{day}</li> : null;
          lastDay = day;
          return [separator, <Row key={m.id} m={m} mine={m.author.id === store.me?.id} editing={editing === m.id} {...props} setEditing={setEditing} />];
        })}
      </ol>
      <p class="typing" aria-live="polite">
        {typers.length ? `${typers.join(', ')} ${typers.length > 1 ? 'are' : 'is'} typing…` : ''}
      </p>
      <label class="composer">
        <span class="sr">Message #{props.name}</span>
        <textarea rows={1} value={draft} placeholder={`Message #${props.name}`} onInput={(e) => setDraft(e.currentTarget.value)} onKeyDown={onKey} />
      </label>
    </section>
  );
}

function Row(props: {
  m: Message;
  mine: boolean;
  editing: boolean;
  store: ChatStore;
  token: string;
  guildId: string;
  channelId: string;
  run: (f: () => Promise<unknown>) => void;
  setEditing: (id: string | null) => void;
}) {
  const { m, mine, token, channelId, run } = props;
  const [text, setText] = useState(m.content);
  const author = props.store.userName(props.guildId, m.author.id) || m.author.username;
  const toggle = (emoji: string, me: boolean) =>
    run(() => (me ? api.unreact(token, channelId, m.id, emoji) : api.react(token, channelId, m.id, emoji)));
  return (
    <li class={`message${m.pending ? ' pending' : ''}${m.failed ? ' failed' : ''}`} data-id={m.id}>
      {m.referenced_message && (
        <blockquote class="reply">
          ↪ {m.referenced_message.author.username}: {m.referenced_message.content}
        </blockquote>
      )}
      <span class="author">{author}</span> <time>{new Date(m.timestamp).toLocaleTimeString()}</time>
      {props.editing ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            props.setEditing(null);
            run(() => api.edit(token, channelId, m.id, text));
          }}
        >
          <label>
            <span class="sr">Edit message</span>
            <input value={text} onInput={(e) => setText(e.currentTarget.value)} />
          </label>
          <button type="submit">Save</button>
        </form>
      ) : (
        <p class="content">
          {m.content}
          {m.edited_timestamp && <span class="edited"> (edited)</span>}
          {m.failed && <span class="edited"> (not sent)</span>}
        </p>
      )}
      <div class="reactions">
        {m.reactions.map((r) => (
          <button key={r.emoji} aria-pressed={r.me} class="reaction" onClick={() => toggle(r.emoji, r.me)}>
            {r.emoji} <span class="count">{r.count}</span>
          </button>
        ))}
        {!m.pending && !m.reactions.some((r) => r.emoji === '👍') && (
          <button class="reaction add" aria-label="React with thumbs up" onClick={() => toggle('👍', false)}>
            +👍
          </button>
        )}
        {mine && !m.pending && (
          <>
            <button class="tool" onClick={() => (setText(m.content), props.setEditing(m.id))}>
              Edit
            </button>
            <button class="tool" onClick={() => run(() => api.remove(token, channelId, m.id))}>
              Delete
            </button>
          </>
        )}
      </div>
    </li>
  );
}
