/** Session service: guilds. */
@NullMarked
package dev.concord.session.guilds;

import org.jspecify.annotations.NullMarked;
