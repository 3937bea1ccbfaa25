/** Spring glue shared by the services: start with {@link dev.concord.support.LeaseLifecycle}. */
@NullMarked
package dev.concord.support;

import org.jspecify.annotations.NullMarked;
