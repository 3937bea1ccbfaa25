/** Session service: core. */
@NullMarked
package dev.concord.session.core;

import org.jspecify.annotations.NullMarked;
