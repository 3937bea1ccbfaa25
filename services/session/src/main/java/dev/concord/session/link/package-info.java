/** Session service: link. */
@NullMarked
package dev.concord.session.link;

import org.jspecify.annotations.NullMarked;
