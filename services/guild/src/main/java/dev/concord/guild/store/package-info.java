/**
 * The guild pod's durable state in PostgreSQL (H2 in PostgreSQL mode for a local run), schema
 * managed by Flyway ({@code db/migration}). Start with {@link dev.concord.guild.store.GuildStore}.
 */
@NullMarked
package dev.concord.guild.store;

import org.jspecify.annotations.NullMarked;
