/** The gateway's client of the guild pods: calls routed by the guild ring, channel → guild lookups. */
@NullMarked
package dev.concord.gateway.guild;

import org.jspecify.annotations.NullMarked;
