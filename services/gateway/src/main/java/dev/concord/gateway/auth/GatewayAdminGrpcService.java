package dev.concord.gateway.auth;

import dev.concord.proto.gateway.v1.GatewayAdminGrpc;
import dev.concord.proto.gateway.v1.RevokeTokensRequest;
import dev.concord.proto.gateway.v1.RevokeTokensResponse;
import io.grpc.stub.StreamObserver;
import java.util.function.ToIntBiFunction;

/** Calls between gateway pods: a revocation of a user's tokens. */
public final class GatewayAdminGrpcService extends GatewayAdminGrpc.GatewayAdminImplBase {
  private final AccountTokens tokens;
  /** Closes this pod's sockets of (user, tokens below version); answers how many. */
  private final ToIntBiFunction<Long, Integer> closeSockets;

  public GatewayAdminGrpcService(AccountTokens tokens, ToIntBiFunction<Long, Integer> closeSockets) {
    this.tokens = tokens;
    this.closeSockets = closeSockets;
  }

  @Override
  public void revokeTokens(RevokeTokensRequest req, StreamObserver<RevokeTokensResponse> out) {
    tokens.revoked(req.getUserId(), req.getTokenVersion());
    int closed = closeSockets.applyAsInt(req.getUserId(), req.getTokenVersion());
    out.onNext(RevokeTokensResponse.newBuilder().setClosed(closed).build());
    out.onCompleted();
  }
}
