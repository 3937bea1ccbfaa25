package dev.concord.guild.grpc;

import com.google.protobuf.ByteString;
import dev.concord.guild.core.GuildHost;
import dev.concord.guild.core.JoinResult;
import dev.concord.guild.core.GuildCommands;
import dev.concord.proto.guild.v1.GuildRegistryGrpc;
import dev.concord.proto.guild.v1.JoinRequest;
import dev.concord.proto.guild.v1.JoinResponse;
import dev.concord.proto.guild.v1.LeaveRequest;
import dev.concord.proto.guild.v1.LeaveResponse;
import dev.concord.proto.guild.v1.PublishPresenceRequest;
import dev.concord.proto.guild.v1.PublishPresenceResponse;
import dev.concord.proto.guild.v1.PublishPresencesRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import dev.concord.cluster.WrongOwnerStatus;
import dev.concord.proto.guild.v1.JoinBatchRequest;
import dev.concord.proto.guild.v1.JoinBatchResponse;
import dev.concord.proto.guild.v1.JoinOutcome;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.springframework.stereotype.Service;

/** Session-facing guild calls: join, leave, and presence publication. */
@Service
public final class GuildRegistryGrpcService extends GuildRegistryGrpc.GuildRegistryImplBase {
  private static final Logger log = LoggerFactory.getLogger(GuildRegistryGrpcService.class);
  private final GuildHost host;
  private final GuildCommands commands;

  private final dev.concord.tracing.Tracing tracing;

  public GuildRegistryGrpcService(GuildCommands commands, dev.concord.tracing.Tracing tracing) {
    this.commands = commands;
    this.host = commands.host();
    this.tracing = tracing;
  }

  /** Joins per JoinBatch call at most. */
  public static final int MAX_BATCH = 256;

  @Override
  public void join(JoinRequest req, StreamObserver<JoinResponse> out) {
    Statuses.reply(out, () -> start(req, Context.current().getDeadline()), GuildRegistryGrpcService::toWire);
  }

  @Override
  public void joinBatch(JoinBatchRequest req, StreamObserver<JoinBatchResponse> out) {
    if (req.getJoinsCount() > MAX_BATCH) {
      out.onError(
          Status.INVALID_ARGUMENT
              .withDescription("too many joins in one batch: " + req.getJoinsCount() + " (expected: <= " + MAX_BATCH + ")")
              .asRuntimeException());
      return;
    }
    Deadline deadline = Context.current().getDeadline();
    List<CompletableFuture<JoinOutcome>> outcomes = new ArrayList<>(req.getJoinsCount());
    // a session pod's sampled join: the batch's joins are its children (no trace of our own)
    io.opentelemetry.context.Context parent = dev.concord.tracing.GrpcTracing.parent();
    io.opentelemetry.api.trace.Span span = tracing.continues(parent) ? tracing.entry("GuildRegistry/JoinBatch", parent) : null;
    for (JoinRequest join : req.getJoinsList()) {
      CompletableFuture<JoinResult> f;
      try (io.opentelemetry.context.Scope ignored = span == null ? null : span.makeCurrent()) {
        f = start(join, deadline);
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      outcomes.add(
          f.handle(
              (r, e) -> {
                if (e == null) {
                  return JoinOutcome.newBuilder().setResponse(toWire(r)).build();
                }
                StatusRuntimeException s = Statuses.toStatus(e);
                JoinOutcome.Builder b =
                    JoinOutcome.newBuilder()
                        .setCode(s.getStatus().getCode().value())
                        .setMessage(String.valueOf(s.getStatus().getDescription()));
                WrongOwnerStatus.from(s).ifPresent(b::setWrongOwner);
                return b.build();
              }));
    }
    CompletableFuture.allOf(outcomes.toArray(CompletableFuture[]::new))
        .whenComplete(
            (x, e) -> {
              if (span != null) {
                span.setAttribute("concord.joins", req.getJoinsCount());
                span.end();
              }
              JoinBatchResponse.Builder b = JoinBatchResponse.newBuilder();
              outcomes.forEach(o -> b.addOutcomes(o.join()));
              out.onNext(b.build());
              out.onCompleted();
            });
  }

  private CompletableFuture<JoinResult> start(JoinRequest req, @Nullable Deadline deadline) {
    if (req.getSessionId().isEmpty() || req.getSessionPodId().isEmpty() || req.getSessionKey() == 0) {
      throw Status.INVALID_ARGUMENT.withDescription("session_id, session_key and session_pod_id are required").asRuntimeException();
    }
    int threshold = req.getLargeThreshold() == 0 ? 50 : Math.clamp(req.getLargeThreshold(), 50, 250);
    return host.join(
        req.getGuildId(),
        req.getSessionId(),
        req.getSessionKey(),
        req.getUserId(),
        req.getSessionPodId(),
        req.getIntents(),
        threshold,
        req.getSinceMessageId(),
        deadline);
  }

  private static JoinResponse toWire(JoinResult r) {
    JoinResponse.Builder b =
        JoinResponse.newBuilder()
            .setSnapshotSeq(r.snapshotSeq())
            .setGuildCreateJson(ByteString.copyFrom(r.guildCreateJson()))
            .setSnapshotMessageId(r.snapshotMessageId());
    for (long c : r.hiddenChannelIds()) {
      b.addHiddenChannelIds(c);
    }
    for (byte[] m : r.catchUp()) {
      b.addCatchUpMessages(ByteString.copyFrom(m));
    }
    for (byte[] m : r.catchUpUpdates()) {
      b.addCatchUpUpdates(ByteString.copyFrom(m));
    }
    for (byte[] m : r.catchUpDeletes()) {
      b.addCatchUpDeletes(ByteString.copyFrom(m));
    }
    for (JoinResult.CatchUpEvent e : r.catchUpReactions()) {
      b.addCatchUpReactions(dev.concord.proto.guild.v1.CatchUpEvent.newBuilder().setType(e.type()).setPayload(ByteString.copyFrom(e.payload())));
    }
    return b.build();
  }

  @Override
  public void leave(LeaveRequest req, StreamObserver<LeaveResponse> out) {
    Statuses.reply(
        out, () -> host.leave(req.getGuildId(), req.getSessionId()), x -> LeaveResponse.getDefaultInstance());
  }

  @Override
  public void publishPresence(PublishPresenceRequest req, StreamObserver<PublishPresenceResponse> out) {
    Statuses.reply(
        out,
        () -> commands.publishPresence(req.getGuildId(), req.getUserId(), req.getPresenceJson().toByteArray()),
        x -> PublishPresenceResponse.getDefaultInstance());
  }

  /** At most this many items per PublishPresences. */
  static final int MAX_PRESENCES_PER_CALL = 1000;

  @Override
  public void publishPresences(PublishPresencesRequest req, StreamObserver<PublishPresenceResponse> out) {
    if (req.getItemsCount() > MAX_PRESENCES_PER_CALL) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("at most " + MAX_PRESENCES_PER_CALL + " items").asRuntimeException());
      return;
    }
    // each item is its own guild loop submission; one that fails (guild moved, loop full) is
    // dropped like a failed PublishPresence: presence is best effort and rebuilt by the next change
    for (PublishPresenceRequest item : req.getItemsList()) {
      try {
        commands.publishPresence(item.getGuildId(), item.getUserId(), item.getPresenceJson().toByteArray());
      } catch (RuntimeException e) {
        log.debug("presence of {} into guild {} refused: {}", item.getUserId(), item.getGuildId(), e.toString());
      }
    }
    out.onNext(PublishPresenceResponse.getDefaultInstance());
    out.onCompleted();
  }

  @Override
  public void subscribeMemberList(
      dev.concord.proto.guild.v1.SubscribeMemberListRequest req,
      StreamObserver<dev.concord.proto.guild.v1.SubscribeMemberListResponse> out) {
    int n = req.getRangesCount();
    if (n > GuildCommands.MAX_MEMBER_LIST_RANGES) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("at most " + GuildCommands.MAX_MEMBER_LIST_RANGES + " ranges").asRuntimeException());
      return;
    }
    int[] ranges = new int[2 * n];
    for (int i = 0; i < n; i++) {
      var r = req.getRanges(i);
      if (r.getStart() > r.getEnd() || r.getEnd() - r.getStart() >= GuildCommands.MAX_MEMBER_LIST_RANGE_WIDTH || r.getEnd() > 10_000_000) {
        out.onError(
            Status.INVALID_ARGUMENT
                .withDescription("range [" + r.getStart() + ", " + r.getEnd() + "]: start <= end, at most " + GuildCommands.MAX_MEMBER_LIST_RANGE_WIDTH + " items")
                .asRuntimeException());
        return;
      }
      ranges[2 * i] = r.getStart();
      ranges[2 * i + 1] = r.getEnd();
    }
    Statuses.reply(
        out,
        () -> commands.subscribeMemberList(req.getGuildId(), req.getSessionId(), ranges),
        x -> dev.concord.proto.guild.v1.SubscribeMemberListResponse.getDefaultInstance());
  }

  @Override
  public void requestMembers(
      dev.concord.proto.guild.v1.RequestMembersRequest req, StreamObserver<dev.concord.proto.guild.v1.RequestMembersResponse> out) {
    Statuses.reply(
        out,
        () -> commands.memberChunks(req.getGuildId(), req.getQuery(), req.getUserIdsList(), req.getLimit(), req.getPresences(), req.getNonce()),
        chunks -> {
          var b = dev.concord.proto.guild.v1.RequestMembersResponse.newBuilder();
          for (byte[] c : chunks) {
            b.addChunks(ByteString.copyFrom(c));
          }
          return b.build();
        });
  }
}
