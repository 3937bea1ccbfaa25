/** Session service: presence. */
@NullMarked
package dev.concord.session.presence;

import org.jspecify.annotations.NullMarked;
