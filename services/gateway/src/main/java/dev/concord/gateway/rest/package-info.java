/**
 * The Discord REST API v10 subset under {@code /api/v10}: one resource class per Discord resource
 * (users, guilds, channels, messages, gateway), each translating wire JSON to guild API calls;
 * authentication, rate limits, body bounds and Discord's error shape live in one place each
 * ({@link dev.concord.gateway.rest.RestApi} wires them). Start with {@code RestApi}.
 */
@NullMarked
package dev.concord.gateway.rest;

import org.jspecify.annotations.NullMarked;
