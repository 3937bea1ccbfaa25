/** Guild service: fanout. */
@NullMarked
package dev.concord.guild.fanout;

import org.jspecify.annotations.NullMarked;
