/**
 * The guild service: owns the guilds its ring assigns to this pod, applies every change of a
 * guild on that guild's single ordered event loop, and fans each event out through one relay
 * stream per session pod.
 *
 * <p>Start with {@link dev.concord.guild.core.GuildHost} (the runtime) and {@link dev.concord.guild.core.GuildCommands} (the operations); the fanout is {@link
 * dev.concord.guild.fanout.RelayHub}; gRPC edges live in {@code grpc}.
 */
@NullMarked
package dev.concord.guild;

import org.jspecify.annotations.NullMarked;
