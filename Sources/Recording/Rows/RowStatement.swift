import Foundation

/// Every statement the recorder writes rows with, prepared once per connection.
///
/// The recorder does not run SQL itself: it encodes each statement and its values in a
/// `RowBuffer`, which a `RowExecutor` runs, either at once (replay, tests) or on a thread of
/// its own (live collection, see `RowPipeline`). So no statement may need a value the
/// database computes: rows are numbered by the recorder (`RowIDs`).
enum RowStatement: UInt8, CaseIterable {
    // Transaction control, executed by the executor's connection.
    case begin
    case commit

    case journal
    case sessionStarted
    case sessionLoggedIn
    case sessionDescribed
    case sessionLastEvent
    case sessionEnded
    case ipbx

    case statusChange
    case openInterval
    case closeInterval
    case deleteInterval
    case reopenInterval
    case relabelInterval

    case channelEvent
    case channelEventCall
    case call
    case callRing

    case statSample

    case visitStart
    case visitContinued
    case visitLeft
    case visitAnswered
    case visitAbandoned
    case visitUnknown
    case visitLeftUnknown
    case visitCall

    case userConfig
    case phoneConfig
    case agentConfig
    case queueConfig
    case queueMemberConfig
    case userStatus
    case phoneStatus
    case agentStatus
    case userDeleted
    case phoneDeleted
    case agentDeleted
    case queueDeleted
    case queueMemberDeleted

    /// True for the appends `RowExecutor` gathers into multi-row `INSERT`s: rows of tables the
    /// recorder only ever appends to (no other statement here reads or changes them), with ids
    /// that are the recorder's or SQLite's next rowid, the same whether rows go in one by one
    /// or together, in order.
    var isGathered: Bool {
        switch self {
        case .journal, .statusChange, .statSample: return true
        default: return false
        }
    }

    /// A gathered append's SQL split at its `VALUES` row, for `INSERT`s of several rows
    /// (`head` followed by `row` repeated, separated by commas).
    ///
    /// `OR FAIL`: a failing row keeps the statement's earlier rows instead of undoing them,
    /// so SQLite keeps no statement journal for it. With the default `ABORT` every multi-row
    /// `INSERT` copied the pages it changed into a temporary file first (the row thread spent
    /// more in the kernel than the gathering saved). Any failure fails the whole batch anyway:
    /// the recorder rolls its transaction back.
    var multiRowSQL: (head: String, row: String)? {
        guard isGathered, let sql, sql.hasPrefix("INSERT INTO "), let values = sql.range(of: "VALUES", options: .backwards) else {
            return nil
        }
        let head = "INSERT OR FAIL INTO " + sql[sql.index(sql.startIndex, offsetBy: "INSERT INTO ".count)..<values.upperBound] + " "
        return (head, sql[values.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// The statement's SQL; nil for transaction control.
    var sql: String? {
        switch self {
        case .begin, .commit:
            return nil
        case .journal:
            return """
                INSERT INTO journal (seq, session_id, received_at, event_time, class, list, function, object_id, malformed, line)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        case .sessionStarted: return "UPDATE collection_session SET started_at = ? WHERE session_id = ?"
        case .sessionLoggedIn: return "UPDATE collection_session SET logged_in_at = ? WHERE session_id = ?"
        case .sessionDescribed: return "UPDATE collection_session SET protocol = ?, tls = ? WHERE session_id = ?"
        case .sessionLastEvent: return "UPDATE collection_session SET last_event_at = ? WHERE session_id = ?"
        case .sessionEnded:
            return "UPDATE collection_session SET ended_at = ?, end_reason = ?, last_event_at = ? WHERE session_id = ?"
        case .ipbx:
            return """
                INSERT INTO ipbx (ipbx, first_seen, last_seen) VALUES (?, ?, ?)
                ON CONFLICT (ipbx) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)
                """
        case .statusChange:
            return """
                INSERT INTO agent_status_change (ipbx, agent_id, event_time, availability, on_call_acd, on_wrapup, state, partial, session_id, journal_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        case .openInterval:
            return """
                INSERT INTO agent_state_interval (id, ipbx, agent_id, state, start_time, end_time, began, session_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        case .closeInterval: return "UPDATE agent_state_interval SET end_time = ? WHERE id = ?"
        case .deleteInterval: return "DELETE FROM agent_state_interval WHERE id = ?"
        case .reopenInterval: return "UPDATE agent_state_interval SET end_time = NULL WHERE id = ?"
        case .relabelInterval: return "UPDATE agent_state_interval SET state = ?, began = 1 WHERE id = ?"
        case .channelEvent:
            return """
                INSERT INTO channel_event (id, ipbx, channel, event_time, kind, commstatus, state, direction, talkingto_id, call_id, session_id, journal_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        case .channelEventCall: return "UPDATE channel_event SET call_id = ? WHERE id = ?"
        case .call:
            return """
                INSERT INTO call (call_id, ipbx, started_at, first_ring_at, answered_at, ended_at, direction, outcome,
                                  caller_channel, caller_number, caller_name, callee_channel, callee_number, session_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """
        case .callRing: return "INSERT INTO call_ring (call_id, phone_id, user_id, channel, rang_at) VALUES (?, ?, ?, ?, ?)"
        case .statSample:
            return """
                INSERT INTO queue_stat_sample (ipbx, queue_id, key, event_time, value, window_s, session_id, journal_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        case .visitStart:
            return """
                INSERT INTO queue_visit (visit_id, ipbx, queue_id, uniqueid, caller_number, caller_name, join_time, session_id)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        case .visitContinued: return "UPDATE queue_visit SET session_id = ?, leave_time = NULL, outcome = NULL WHERE visit_id = ?"
        case .visitLeft: return "UPDATE queue_visit SET leave_time = ? WHERE visit_id = ?"
        case .visitAnswered: return "UPDATE queue_visit SET outcome = 'answered', agent_id = ?, answered_at = ? WHERE visit_id = ?"
        case .visitAbandoned: return "UPDATE queue_visit SET outcome = 'abandoned' WHERE visit_id = ?"
        case .visitUnknown: return "UPDATE queue_visit SET outcome = 'unknown' WHERE visit_id = ?"
        case .visitLeftUnknown: return "UPDATE queue_visit SET leave_time = ?, outcome = 'unknown' WHERE visit_id = ?"
        case .visitCall: return "UPDATE queue_visit SET call_id = ? WHERE visit_id = ?"
        case .userConfig:
            return """
                INSERT INTO pbx_user (ipbx, user_id, fullname, firstname, lastname, agent_id, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, user_id) DO UPDATE SET fullname = excluded.fullname, firstname = excluded.firstname,
                  lastname = excluded.lastname, agent_id = excluded.agent_id, config = excluded.config,
                  updated_at = excluded.updated_at, deleted_at = NULL
                """
        case .phoneConfig:
            return """
                INSERT INTO phone (ipbx, phone_id, identity, number, user_id, context, protocol, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, phone_id) DO UPDATE SET identity = excluded.identity, number = excluded.number,
                  user_id = excluded.user_id, context = excluded.context, protocol = excluded.protocol,
                  config = excluded.config, updated_at = excluded.updated_at, deleted_at = NULL
                """
        case .agentConfig:
            return """
                INSERT INTO agent (ipbx, agent_id, number, firstname, lastname, context, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, agent_id) DO UPDATE SET number = excluded.number, firstname = excluded.firstname,
                  lastname = excluded.lastname, context = excluded.context, config = excluded.config,
                  updated_at = excluded.updated_at, deleted_at = NULL
                """
        case .queueConfig:
            return """
                INSERT INTO queue (ipbx, queue_id, name, number, display_name, context, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, queue_id) DO UPDATE SET name = excluded.name, number = excluded.number,
                  display_name = excluded.display_name, context = excluded.context, config = excluded.config,
                  updated_at = excluded.updated_at, deleted_at = NULL
                """
        case .queueMemberConfig:
            return """
                INSERT INTO queue_member (ipbx, member_id, interface, queue_name, paused, penalty, membership, status, config, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (ipbx, member_id) DO UPDATE SET interface = excluded.interface, queue_name = excluded.queue_name,
                  paused = excluded.paused, penalty = excluded.penalty, membership = excluded.membership,
                  status = excluded.status, config = excluded.config, updated_at = excluded.updated_at, deleted_at = NULL
                """
        case .userStatus: return "UPDATE pbx_user SET status = ? WHERE ipbx = ? AND user_id = ?"
        case .phoneStatus: return "UPDATE phone SET status = ? WHERE ipbx = ? AND phone_id = ?"
        case .agentStatus: return "UPDATE agent SET status = ? WHERE ipbx = ? AND agent_id = ?"
        case .userDeleted: return "UPDATE pbx_user SET deleted_at = ? WHERE ipbx = ? AND user_id = ?"
        case .phoneDeleted: return "UPDATE phone SET deleted_at = ? WHERE ipbx = ? AND phone_id = ?"
        case .agentDeleted: return "UPDATE agent SET deleted_at = ? WHERE ipbx = ? AND agent_id = ?"
        case .queueDeleted: return "UPDATE queue SET deleted_at = ? WHERE ipbx = ? AND queue_id = ?"
        case .queueMemberDeleted: return "UPDATE queue_member SET deleted_at = ? WHERE ipbx = ? AND member_id = ?"
        }
    }
}
