@testable import Reports

/// The occupancy and queue-statistic queries as they were written in SQL, one statement per
/// period, before `OccupancyScan` and `QueueStatisticScan` computed the same figures in Swift
/// (the SQL read every interval once per period it overlapped: too slow for a month): the
/// definition the scans are compared with, figure for figure, in ScanEquivalenceTests.
enum ReferenceQueries {
    /// Per agent in `json_each(?3)`: the intervals starting in `[?1, ?2)` and the latest one
    /// starting in the hour before (when it runs past `?1`), clipped to the period and session.
    static let occupancySQL = """
        WITH a(agent_id) AS (SELECT value FROM json_each(?3)),
        rows AS (
            SELECT i.agent_id, i.state, i.began, i.start_time, i.end_time, i.session_id
            FROM a CROSS JOIN agent_state_interval i INDEXED BY agent_state_interval_agent
            WHERE i.agent_id = a.agent_id AND i.start_time >= ?1 AND i.start_time < ?2
            UNION ALL
            SELECT i.agent_id, i.state, i.began, i.start_time, i.end_time, i.session_id
            FROM a CROSS JOIN agent_state_interval i
            WHERE i.id = (SELECT x.id FROM agent_state_interval x INDEXED BY agent_state_interval_agent
                          WHERE x.agent_id = a.agent_id AND x.start_time < ?1 AND x.start_time >= ?1 - 3600
                          ORDER BY x.start_time DESC, x.id DESC LIMIT 1)
              AND (i.end_time IS NULL OR i.end_time > ?1)
        )
        SELECT agent_id,
               total(CASE WHEN state <> 'logged_out' THEN d END),
               total(CASE WHEN state = 'available' THEN d END),
               total(CASE WHEN state = 'acd_call' THEN d END),
               total(CASE WHEN state = 'wrapup' THEN d END),
               total(CASE WHEN state = 'nonacd_call' THEN d END),
               total(CASE WHEN state = 'paused' THEN d END),
               count(CASE WHEN state = 'acd_call' AND began = 1 AND start_time >= ?1
                          AND start_time >= s_start AND start_time < s_end THEN 1 END)
        FROM (
            SELECT r.agent_id, r.state, r.began, r.start_time, s.started_at AS s_start,
                   \(Coverage.sessionEndSQL("s")) AS s_end,
                   max(0, min(coalesce(r.end_time, \(Coverage.sessionEndSQL("s"))), \(Coverage.sessionEndSQL("s")), ?2)
                          - max(r.start_time, s.started_at, ?1)) AS d
            FROM rows r JOIN collection_session s ON s.session_id = r.session_id
            WHERE s.started_at IS NOT NULL
        )
        WHERE d > 0 OR (state = 'acd_call' AND began = 1)
        GROUP BY agent_id
        """

    /// Per queue in `json_each(?3)` and key: the value in effect at `?1` and the samples in
    /// `(?1, ?2)`, each up to the next, its session's end or `?2`.
    static let ewtSQL = """
        WITH
        q(queue_id) AS (SELECT value FROM json_each(?3)),
        k(key) AS (VALUES ('Xivo-EWT'), ('Xivo-WaitingCalls'), ('Xivo-LongestWaitTime'),
                          ('Xivo-LoggedAgents'), ('Xivo-AvailableAgents'), ('Xivo-TalkingAgents')),
        pts AS (
            SELECT s.id, s.queue_id, s.key, s.event_time, s.value, s.session_id
            FROM q CROSS JOIN k CROSS JOIN queue_stat_sample s
            WHERE s.id = (SELECT x.id FROM queue_stat_sample x
                          WHERE x.queue_id = q.queue_id AND x.key = k.key AND x.event_time <= ?1
                          ORDER BY x.event_time DESC, x.id DESC LIMIT 1)
            UNION ALL
            SELECT s.id, s.queue_id, s.key, s.event_time, s.value, s.session_id
            FROM q CROSS JOIN k CROSS JOIN queue_stat_sample s
            WHERE s.queue_id = q.queue_id AND s.key = k.key AND s.event_time > ?1 AND s.event_time < ?2
        ),
        seg0 AS (
            SELECT p.id, p.queue_id, p.key, p.event_time, p.value,
                   max(p.event_time, ?1, ss.started_at) AS a,
                   min(?2, \(Coverage.sessionEndSQL("ss")),
                       coalesce(lead(p.event_time) OVER (PARTITION BY p.queue_id, p.key ORDER BY p.event_time, p.id), ?2)) AS b
            FROM pts p JOIN collection_session ss ON ss.session_id = p.session_id
            WHERE ss.started_at IS NOT NULL
        ),
        seg AS MATERIALIZED (
            SELECT queue_id, key, value, a,
                   CASE WHEN key = 'Xivo-LongestWaitTime' THEN
                       coalesce((SELECT min(x.event_time) FROM queue_stat_sample x
                                 WHERE x.queue_id = seg0.queue_id AND x.key = 'Xivo-WaitingCalls'
                                   AND x.event_time >= seg0.event_time AND x.event_time < seg0.b
                                   AND (x.event_time > seg0.event_time OR x.id > seg0.id)
                                   AND x.value = 0), seg0.b)
                   ELSE b END AS b
            FROM seg0
        )
        SELECT queue_id,
               total(CASE WHEN key = 'Xivo-EWT' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-EWT' AND value IS NOT NULL THEN b - a END),
               max(CASE WHEN key = 'Xivo-EWT' THEN value END),
               total(CASE WHEN key = 'Xivo-WaitingCalls' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-WaitingCalls' AND value IS NOT NULL THEN b - a END),
               max(CASE WHEN key = 'Xivo-WaitingCalls' THEN value END),
               max(CASE WHEN key = 'Xivo-LongestWaitTime' THEN value
                        WHEN key = 'Xivo-WaitingCalls' AND value = 0 THEN 0 END),
               total(CASE WHEN key = 'Xivo-LoggedAgents' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-LoggedAgents' AND value IS NOT NULL THEN b - a END),
               total(CASE WHEN key = 'Xivo-AvailableAgents' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-AvailableAgents' AND value IS NOT NULL THEN b - a END),
               total(CASE WHEN key = 'Xivo-TalkingAgents' AND value IS NOT NULL THEN value * (b - a) END),
               total(CASE WHEN key = 'Xivo-TalkingAgents' AND value IS NOT NULL THEN b - a END)
        FROM seg
        WHERE b > a
        GROUP BY queue_id
        HAVING count(value) > 0
        """
}
