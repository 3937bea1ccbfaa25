package dev.concord.guild.core;

import dev.concord.protocol.SnowflakeGenerator;
import java.time.Clock;

/** What operations share: object rendering, the user directory, id generation and the clock. */
public record OpContext(Payloads payloads, Users users, SnowflakeGenerator ids, Clock clock) {}
