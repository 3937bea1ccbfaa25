/** Session service: config. */
@NullMarked
package dev.concord.session.config;

import org.jspecify.annotations.NullMarked;
