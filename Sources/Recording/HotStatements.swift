import Storage

/// The statements run for nearly every message, prepared once: looking them up in the
/// connection's cache would hash their SQL text for every line.
final class HotStatements {
    let journal: Statement
    let statusChange: Statement
    let openInterval: Statement
    let closeInterval: Statement
    let channelEvent: Statement
    let statSample: Statement
    let sessionLastEvent: Statement
    let call: Statement
    let callRing: Statement
    /// Moves an event to another call (when two calls merge).
    let channelEventCall: Statement

    init(_ database: Database) throws {
        journal = try database.makeStatement("""
            INSERT INTO journal (session_id, received_at, event_time, class, list, function, object_id, malformed, line)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        statusChange = try database.makeStatement("""
            INSERT INTO agent_status_change (ipbx, agent_id, event_time, availability, on_call_acd, on_wrapup, state, partial, session_id, journal_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        openInterval = try database.makeStatement("""
            INSERT INTO agent_state_interval (ipbx, agent_id, state, start_time, end_time, began, session_id)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        closeInterval = try database.makeStatement("UPDATE agent_state_interval SET end_time = ? WHERE id = ?")
        channelEvent = try database.makeStatement("""
            INSERT INTO channel_event (id, ipbx, channel, event_time, kind, commstatus, state, direction, talkingto_id, call_id, session_id, journal_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        statSample = try database.makeStatement("""
            INSERT INTO queue_stat_sample (ipbx, queue_id, key, event_time, value, window_s, session_id, journal_seq)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """)
        sessionLastEvent = try database.makeStatement("UPDATE collection_session SET last_event_at = ? WHERE session_id = ?")
        call = try database.makeStatement("""
            INSERT INTO call (call_id, ipbx, started_at, first_ring_at, answered_at, ended_at, direction, outcome,
                              caller_channel, caller_number, caller_name, callee_channel, callee_number, session_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        callRing = try database.makeStatement("INSERT INTO call_ring (call_id, phone_id, user_id, channel, rang_at) VALUES (?, ?, ?, ?, ?)")
        channelEventCall = try database.makeStatement("UPDATE channel_event SET call_id = ? WHERE id = ?")
    }
}
