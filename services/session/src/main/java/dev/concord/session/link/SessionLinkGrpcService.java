package dev.concord.session.link;

import dev.concord.proto.session.v1.GatewayBatch;
import dev.concord.proto.session.v1.SessionBatch;
import dev.concord.proto.session.v1.SessionLinkGrpc;
import dev.concord.session.config.SessionProperties;
import dev.concord.session.core.SessionManager;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.ExecutorService;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Service;

/** Accepts gateway links (one bidi stream per gateway pod). */
@Service
final class SessionLinkGrpcService extends SessionLinkGrpc.SessionLinkImplBase {
  private final SessionManager manager;
  private final ExecutorService sendExecutor;
  private final SessionProperties props;
  private final dev.concord.tracing.Tracing tracing;

  SessionLinkGrpcService(
      SessionManager manager,
      @Qualifier("linkSendPool") ExecutorService sendExecutor,
      SessionProperties props,
      dev.concord.tracing.Tracing tracing) {
    this.manager = manager;
    this.sendExecutor = sendExecutor;
    this.props = props;
    this.tracing = tracing;
  }

  @Override
  public StreamObserver<GatewayBatch> connect(StreamObserver<SessionBatch> out) {
    return new GatewayLink(
        manager,
        (ServerCallStreamObserver<SessionBatch>) out,
        sendExecutor,
        props.linkQueueCapacity(),
        props.linkMaxBatch(),
        tracing);
  }
}
