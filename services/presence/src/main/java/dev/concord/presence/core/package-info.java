/** Presence service: core. */
@NullMarked
package dev.concord.presence.core;

import org.jspecify.annotations.NullMarked;
