/**
 * Accounts at the edge: account tokens and their versions ({@link dev.concord.gateway.auth.AccountTokens}),
 * revocation across gateway pods ({@link dev.concord.gateway.auth.TokenRevocations}), password
 * hashing off the event loops ({@link dev.concord.gateway.auth.PasswordHasher}) and login limits.
 */
@NullMarked
package dev.concord.gateway.auth;

import org.jspecify.annotations.NullMarked;
