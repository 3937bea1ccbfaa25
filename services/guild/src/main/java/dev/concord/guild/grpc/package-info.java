/** Guild service: grpc. */
@NullMarked
package dev.concord.guild.grpc;

import org.jspecify.annotations.NullMarked;
