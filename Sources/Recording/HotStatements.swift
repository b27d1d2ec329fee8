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
    /// PBX objects, written for each one a batch changed (about a thousand per commit on a
    /// busy day): by list, the configuration upsert and the status update.
    let userConfig: Statement
    let phoneConfig: Statement
    let agentConfig: Statement
    let queueConfig: Statement
    let queueMemberConfig: Statement
    let userStatus: Statement
    let phoneStatus: Statement
    let agentStatus: Statement

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
        userConfig = try database.makeStatement("""
            INSERT INTO pbx_user (ipbx, user_id, fullname, firstname, lastname, agent_id, config, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (ipbx, user_id) DO UPDATE SET fullname = excluded.fullname, firstname = excluded.firstname,
              lastname = excluded.lastname, agent_id = excluded.agent_id, config = excluded.config,
              updated_at = excluded.updated_at, deleted_at = NULL
            """)
        phoneConfig = try database.makeStatement("""
            INSERT INTO phone (ipbx, phone_id, identity, number, user_id, context, protocol, config, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (ipbx, phone_id) DO UPDATE SET identity = excluded.identity, number = excluded.number,
              user_id = excluded.user_id, context = excluded.context, protocol = excluded.protocol,
              config = excluded.config, updated_at = excluded.updated_at, deleted_at = NULL
            """)
        agentConfig = try database.makeStatement("""
            INSERT INTO agent (ipbx, agent_id, number, firstname, lastname, context, config, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (ipbx, agent_id) DO UPDATE SET number = excluded.number, firstname = excluded.firstname,
              lastname = excluded.lastname, context = excluded.context, config = excluded.config,
              updated_at = excluded.updated_at, deleted_at = NULL
            """)
        queueConfig = try database.makeStatement("""
            INSERT INTO queue (ipbx, queue_id, name, number, display_name, context, config, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (ipbx, queue_id) DO UPDATE SET name = excluded.name, number = excluded.number,
              display_name = excluded.display_name, context = excluded.context, config = excluded.config,
              updated_at = excluded.updated_at, deleted_at = NULL
            """)
        queueMemberConfig = try database.makeStatement("""
            INSERT INTO queue_member (ipbx, member_id, interface, queue_name, paused, penalty, membership, status, config, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (ipbx, member_id) DO UPDATE SET interface = excluded.interface, queue_name = excluded.queue_name,
              paused = excluded.paused, penalty = excluded.penalty, membership = excluded.membership,
              status = excluded.status, config = excluded.config, updated_at = excluded.updated_at, deleted_at = NULL
            """)
        userStatus = try database.makeStatement("UPDATE pbx_user SET status = ? WHERE ipbx = ? AND user_id = ?")
        phoneStatus = try database.makeStatement("UPDATE phone SET status = ? WHERE ipbx = ? AND phone_id = ?")
        agentStatus = try database.makeStatement("UPDATE agent SET status = ? WHERE ipbx = ? AND agent_id = ?")
    }
}
