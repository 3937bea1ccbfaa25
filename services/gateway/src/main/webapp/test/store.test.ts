import { describe, expect, it } from 'vitest';
import { ChatStore } from '../src/store';

const alice = { id: '100', username: 'alice' };
const bob = { id: '200', username: 'bob' };

function msg(id: string, author = bob, extra: any = {}) {
  return { id, channel_id: '10', author, content: `m${id}`, timestamp: '2026-11-30T10:00:00Z', edited_timestamp: null, ...extra };
}

function ready(): ChatStore {
  const s = new ChatStore();
  s.apply('READY', { user: alice, session_id: 's' });
  s.apply('GUILD_CREATE', {
    id: '1',
    name: 'G',
    channels: [
      { id: '11', name: 'b', type: 0, position: 1 },
      { id: '10', name: 'a', type: 0, position: 0 },
    ],
    members: [{ user: alice }, { user: bob }],
  });
  return s;
}

describe('ChatStore', () => {
  it('orders channels and messages, and marks unread channels not being viewed', () => {
    const s = ready();
    expect(s.guilds.get('1')!.channels.map((c) => c.name)).toEqual(['a', 'b']);
    s.view('11');
    s.apply('MESSAGE_CREATE', msg('1000000000000000002'));
    s.apply('MESSAGE_CREATE', msg('999999999999999999'));
    expect(s.messages.get('10')!.map((m) => m.id)).toEqual(['999999999999999999', '1000000000000000002']);
    expect(s.unread.has('10')).toBe(true);
    s.view('10');
    expect(s.unread.has('10')).toBe(false);
  });

  it('replaces an optimistic send when the server confirms it, by nonce, exactly once', () => {
    const s = ready();
    s.pending('10', 'hello', 'nabc');
    expect(s.messages.get('10')!.map((m) => [m.id, m.pending])).toEqual([['nabc', true]]);
    s.apply('MESSAGE_CREATE', msg('1000', alice, { content: 'hello', nonce: 'nabc' }));
    s.confirm('nabc', msg('1000', alice, { content: 'hello', nonce: 'nabc' }));
    expect(s.messages.get('10')!.map((m) => m.id)).toEqual(['1000']);
  });

  it('applies edits, deletes and reaction counts, knowing which are mine', () => {
    const s = ready();
    s.history('10', [msg('3'), msg('2'), msg('1')], 50);
    expect(s.complete.has('10')).toBe(true);
    s.apply('MESSAGE_UPDATE', { id: '2', channel_id: '10', content: 'edited', edited_timestamp: '2026-11-30T10:01:00Z' });
    s.apply('MESSAGE_DELETE', { id: '1', channel_id: '10' });
    s.apply('MESSAGE_REACTION_ADD', { channel_id: '10', message_id: '3', user_id: '200', emoji: { name: '👍' } });
    s.apply('MESSAGE_REACTION_ADD', { channel_id: '10', message_id: '3', user_id: '100', emoji: { name: '👍' } });
    const list = s.messages.get('10')!;
    expect(list.map((m) => m.id)).toEqual(['2', '3']);
    expect(list[0].content).toBe('edited');
    expect(list[0].edited_timestamp).not.toBeNull();
    expect(list[1].reactions).toEqual([{ emoji: '👍', count: 2, me: true }]);
    s.apply('MESSAGE_REACTION_REMOVE', { channel_id: '10', message_id: '3', user_id: '100', emoji: { name: '👍' } });
    expect(s.messages.get('10')![1].reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);
  });

  it('shows who is typing for 10 s, until they send', () => {
    const s = ready();
    s.apply('TYPING_START', { channel_id: '10', user_id: '200' }, 1_000);
    expect(s.typers('10', 5_000)).toEqual(['200']);
    expect(s.typers('10', 12_000)).toEqual([]);
    s.apply('TYPING_START', { channel_id: '10', user_id: '200' }, 20_000);
    s.apply('MESSAGE_CREATE', msg('5'));
    expect(s.typers('10', 21_000)).toEqual([]);
  });
});
