/**
 * The Discord Gateway v10 vocabulary shared by the gateway and the session service: {@link
 * dev.concord.protocol.Opcode opcodes}, {@link dev.concord.protocol.CloseCode close codes}, {@link
 * dev.concord.protocol.Intents intents}, {@link dev.concord.protocol.SnowflakeGenerator snowflake
 * ids}, {@link dev.concord.protocol.TokenVerifier HS256 tokens} and {@link
 * dev.concord.protocol.DispatchFrame dispatch frames that share their payload bytes}.
 *
 * <p>Start with {@link dev.concord.protocol.DispatchFrame}: it is how every event reaches a client.
 */
@NullMarked
package dev.concord.protocol;

import org.jspecify.annotations.NullMarked;
