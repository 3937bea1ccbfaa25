package dev.concord.gateway.auth;

import dev.concord.cluster.Channels;
import dev.concord.cluster.RingWatcher;
import dev.concord.proto.gateway.v1.GatewayAdminGrpc;
import dev.concord.proto.gateway.v1.RevokeTokensRequest;
import dev.concord.proto.gateway.v1.RevokeTokensResponse;
import dev.concord.ring.RingMember;
import dev.concord.streams.Unary;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells every gateway pod of the ring (this one included) that a user's tokens below a version
 * were revoked: each refuses them from then on and closes its sockets that identified with one
 * (4004). A pod that cannot be reached within {@code timeout} is logged and skipped; its cached
 * version expires by itself (see {@link AccountTokens}), and its sockets' sessions cannot resume
 * with the revoked token anywhere.
 */
public final class TokenRevocations {
  private static final Logger log = LoggerFactory.getLogger(TokenRevocations.class);

  private final RingWatcher gateways;
  private final Channels channels;
  private final Duration timeout;

  public TokenRevocations(RingWatcher gateways, Channels channels, Duration timeout) {
    this.gateways = gateways;
    this.channels = channels;
    this.timeout = timeout;
  }

  /** Completes with the number of sockets closed, once every pod answered or timed out. */
  public CompletableFuture<Integer> revoke(long userId, int version) {
    RevokeTokensRequest req = RevokeTokensRequest.newBuilder().setUserId(userId).setTokenVersion(version).build();
    List<CompletableFuture<Integer>> calls = new ArrayList<>();
    for (RingMember m : gateways.ring().current().members()) {
      calls.add(
          Unary.<RevokeTokensResponse>call(
                  o ->
                      GatewayAdminGrpc.newStub(channels.forAddress(m.address()))
                          .withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS)
                          .revokeTokens(req, o))
              .thenApply(RevokeTokensResponse::getClosed)
              .exceptionally(
                  e -> {
                    log.warn("gateway {} did not take the revocation of user {}'s tokens: {}", m.id(), Long.toUnsignedString(userId), e.toString());
                    return 0;
                  }));
    }
    return CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).thenApply(x -> calls.stream().mapToInt(CompletableFuture::join).sum());
  }
}
