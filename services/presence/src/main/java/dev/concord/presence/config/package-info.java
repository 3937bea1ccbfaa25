/** Presence service: config. */
@NullMarked
package dev.concord.presence.config;

import org.jspecify.annotations.NullMarked;
