// An unmodified discord.js v14 bot, run by the Java integration tests against a live Concord.
//
// Configuration (environment only):
//   CONCORD_API           REST base without the version, e.g. http://127.0.0.1:8080/api
//                         (discord.js appends /v10 itself; a trailing / or /v10 is tolerated)
//   CONCORD_TOKEN         the bot's token, passed to client.login() as is
//   CONCORD_GUILD_ID      the guild the bot is a member of
//   CONCORD_CHANNEL_ID    a text channel of that guild
//   CONCORD_PEER_CONTENT  the content of the message another user will post in that channel
//   CONCORD_EVENT_WAIT_MS optional: how long to wait, after the last REST step, for the gateway
//                         events of the bot's own reply (default 5000)
//   CONCORD_DEBUG         optional: 1 prints discord.js debug lines (as JSON) on stderr
//
// Protocol: stdout carries one JSON object per line, nothing else:
//   start, ready, peerMessage, replied, edited, reacted, fetched, deleted, done  (the scenario, in order)
//   gw:MESSAGE_CREATE, gw:MESSAGE_UPDATE, gw:MESSAGE_REACTION_ADD, gw:MESSAGE_DELETE  (any time)
//   error (then exit 1), timeout (then exit 2, 60 s after start)
// stderr carries diagnostics only (one JSON line per REST response, debug lines, Node warnings).
// Exit codes: 0 done, 1 error, 2 hard timeout.

import { createRequire } from 'node:module';
import process from 'node:process';
import { Client, Events, GatewayIntentBits, version as discordJsVersion } from 'discord.js';

const HARD_TIMEOUT_MS = 60_000;
// discord.js asks for compress=zlib-stream exactly when it can load zlib-sync (a native addon).
const compression = (() => {
  try {
    createRequire(import.meta.url)('zlib-sync');
    return 'zlib-stream';
  } catch {
    return 'none';
  }
})();
const startedAt = Date.now();
let step = 'start';
let finished = false;

function emit(line) {
  // On Linux, writes to a pipe or a file are synchronous, so a line is out before process.exit.
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

function diag(line) {
  process.stderr.write(`${JSON.stringify({ ms: Date.now() - startedAt, ...line })}\n`);
}

function fail(error) {
  if (finished) return;
  finished = true;
  const line = {
    event: 'error',
    step,
    message: String(error?.message ?? error),
    stack: error?.stack ?? null,
  };
  // DiscordAPIError / HTTPError from @discordjs/rest carry the failed request.
  if (error && typeof error === 'object') {
    for (const key of ['name', 'code', 'status', 'method', 'url']) {
      if (error[key] !== undefined) line[key] = error[key];
    }
    if (error.rawError !== undefined && !(error.rawError instanceof ArrayBuffer)) line.rawError = error.rawError;
    if (error.requestBody?.json !== undefined) line.requestBody = error.requestBody.json;
  }
  emit(line);
  process.exit(1);
}

const hardTimeout = setTimeout(() => {
  if (finished) return;
  finished = true;
  emit({ event: 'timeout', step, afterMs: Date.now() - startedAt });
  process.exit(2);
}, HARD_TIMEOUT_MS);

process.on('unhandledRejection', fail);
process.on('uncaughtException', fail);

function env(name) {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`environment variable ${name} is not set`);
  return value;
}

let api;
let token;
let guildId;
let channelId;
let peerContent;
let eventWaitMs;
try {
  api = env('CONCORD_API').replace(/\/+$/, '').replace(/\/v10$/, '');
  token = env('CONCORD_TOKEN');
  guildId = env('CONCORD_GUILD_ID');
  channelId = env('CONCORD_CHANNEL_ID');
  peerContent = env('CONCORD_PEER_CONTENT');
  eventWaitMs = Number(process.env.CONCORD_EVENT_WAIT_MS ?? 5000);
  if (!Number.isFinite(eventWaitMs) || eventWaitMs < 0) throw new Error('CONCORD_EVENT_WAIT_MS must be a number ≥ 0');
} catch (error) {
  fail(error);
}

const client = new Client({
  intents: [
    GatewayIntentBits.Guilds,
    GatewayIntentBits.GuildMembers,
    GatewayIntentBits.GuildMessages,
    GatewayIntentBits.GuildMessageReactions,
    GatewayIntentBits.MessageContent,
  ],
  rest: { api, version: '10' },
});

client.rest.on('response', (request, response) => {
  diag({ rest: `${request.method} ${request.path}`, status: response.status, retries: request.retries });
});
client.rest.on('rateLimited', info => {
  diag({ rateLimited: info.route, method: info.method, timeToReset: info.timeToReset, global: info.global });
});
if (process.env.CONCORD_DEBUG === '1') {
  client.on(Events.Debug, message => diag({ debug: message }));
}
client.on(Events.Warn, message => diag({ warn: message }));
client.on(Events.Error, fail);
client.on(Events.ShardError, (error, shardId) => fail(new Error(`shard ${shardId} error: ${error?.message ?? error}`)));
client.on(Events.ShardDisconnect, (event, shardId) =>
  fail(new Error(`shard ${shardId} disconnected for good, close code ${event?.code}`)),
);

// The gateway events about our channel, whenever they come.
const seen = { MESSAGE_UPDATE: false, MESSAGE_REACTION_ADD: false, MESSAGE_DELETE: false };
let replyId = null;
let onSeen = () => {};

function mark(kind, messageId) {
  if (replyId !== null && messageId === replyId) {
    seen[kind] = true;
    onSeen();
  }
}

client.on(Events.MessageUpdate, (oldMessage, newMessage) => {
  if (newMessage.channelId !== channelId) return;
  emit({
    event: 'gw:MESSAGE_UPDATE',
    id: newMessage.id,
    content: newMessage.content,
    oldContent: oldMessage.content,
    editedTimestamp: newMessage.editedTimestamp,
  });
  mark('MESSAGE_UPDATE', newMessage.id);
});

client.on(Events.MessageReactionAdd, (reaction, user) => {
  if (reaction.message.channelId !== channelId) return;
  emit({
    event: 'gw:MESSAGE_REACTION_ADD',
    messageId: reaction.message.id,
    emoji: reaction.emoji.name,
    emojiId: reaction.emoji.id,
    user: user.id,
    count: reaction.count,
    me: reaction.me,
  });
  mark('MESSAGE_REACTION_ADD', reaction.message.id);
});

client.on(Events.MessageDelete, message => {
  if (message.channelId !== channelId) return;
  emit({ event: 'gw:MESSAGE_DELETE', id: message.id, content: message.content });
  mark('MESSAGE_DELETE', message.id);
});

let peerSeen = false;
client.on(Events.MessageCreate, message => {
  if (message.channelId !== channelId) return;
  emit({
    event: 'gw:MESSAGE_CREATE',
    id: message.id,
    author: message.author?.id ?? null,
    content: message.content,
  });
  if (peerSeen || message.content !== peerContent || message.author?.id === client.user?.id) return;
  peerSeen = true;
  runScenario(message).catch(fail);
});

client.once(Events.ClientReady, readyClient => {
  step = 'ready';
  const guild = readyClient.guilds.cache.get(guildId);
  emit({
    event: 'ready',
    user: readyClient.user.id,
    guilds: [...readyClient.guilds.cache.keys()],
    available: guild?.available ?? false,
    channels: guild?.channels.cache.size ?? 0,
    members: guild?.members.cache.size ?? 0,
    memberCount: guild?.memberCount ?? null,
  });
  if (!guild?.available) {
    fail(new Error(`guild ${guildId} is not cached as available after ready`));
  } else if (!readyClient.channels.cache.get(channelId)?.isTextBased()) {
    fail(new Error(`channel ${channelId} is not cached as a text channel after ready`));
  } else {
    step = 'waiting for the peer message';
  }
});

async function runScenario(peer) {
  step = 'peerMessage';
  emit({ event: 'peerMessage', id: peer.id, author: peer.author.id, content: peer.content });

  step = 'reply';
  const reply = await peer.reply('pong');
  replyId = reply.id;
  emit({
    event: 'replied',
    id: reply.id,
    referenced: reply.reference?.messageId ?? null,
    author: reply.author?.id ?? null,
    content: reply.content,
  });

  step = 'edit';
  const edited = await reply.edit({ content: 'pong (edited)', embeds: [{ title: 'Scores', description: 'all green', color: 0x57f287 }] });
  emit({
    event: 'edited',
    id: edited.id,
    content: edited.content,
    editedTimestamp: edited.editedTimestamp,
    embedTitle: edited.embeds[0]?.title ?? null,
  });

  step = 'react';
  const reaction = await reply.react('👍');
  emit({ event: 'reacted', messageId: reply.id, emoji: reaction.emoji.name, count: reaction.count, me: reaction.me });

  step = 'fetch';
  const fetched = await peer.channel.messages.fetch({ limit: 10 });
  emit({ event: 'fetched', ids: [...fetched.keys()] });

  step = 'delete';
  await reply.delete();
  emit({ event: 'deleted', id: reply.id });

  step = 'waiting for gateway events';
  await new Promise(resolve => {
    const timer = setTimeout(resolve, eventWaitMs);
    onSeen = () => {
      if (Object.values(seen).every(Boolean)) {
        clearTimeout(timer);
        resolve();
      }
    };
    onSeen();
  });

  step = 'done';
  finished = true;
  emit({ event: 'done', gateway: seen, ms: Date.now() - startedAt });
  clearTimeout(hardTimeout);
  // Close the gateway connection with 1000 (ends the session); do not wait long for the close.
  await Promise.race([client.destroy(), new Promise(resolve => setTimeout(resolve, 2000))]);
  process.exit(0);
}

if (!finished) {
  step = 'login';
  emit({ event: 'start', api, version: 10, discordjs: discordJsVersion, node: process.version, compression });
  client.login(token).catch(fail);
}
