package dev.concord.session.config;

import dev.concord.fanout.RelayWorkers;
import dev.concord.session.core.SessionManager;
import dev.concord.session.guilds.JoinClient;
import java.util.List;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code GET /actuator/sessions}: what this session pod holds and where its work waits: sessions
 * (and how many are detached, resumable), the tasks queued on each worker, the bytes held by replay
 * buffers, and each guild pod's join lane (joins waiting, bulkhead permits free). Reads counters
 * without entering any worker; values are a moment's approximation.
 */
@Endpoint(id = "sessions")
public class SessionsEndpoint {
  /** The pod's view. */
  public record View(int sessions, int detached, int[] workerQueues, long replayBytes, List<JoinClient.LaneView> joinLanes) {}

  private final SessionManager sessions;
  private final RelayWorkers workers;
  private final JoinClient joins;

  public SessionsEndpoint(SessionManager sessions, RelayWorkers workers, JoinClient joins) {
    this.sessions = sessions;
    this.workers = workers;
    this.joins = joins;
  }

  @ReadOperation
  public View view() {
    return new View(sessions.sessionCount(), sessions.detachedNow(), workers.depths(), sessions.replayBytes(), joins.lanes());
  }
}
