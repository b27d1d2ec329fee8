import Storage

/// What the tables held when a session began that the session's rows depend on, read then
/// (while nothing else writes) so that recording never reads the database: its rows may not
/// be written yet (`RowPipeline`).
///
/// Replay reads it at each session's start too, from the rows it has rebuilt so far: the
/// same rows live collection found.
struct PreexistingRows {
    /// Users, phones and agents with a row: a status can only update an existing row.
    var objects: Set<ObjectKey> = []
    /// Visits of earlier sessions that ended with the caller still waiting (outcome unknown),
    /// the latest per wait: a caller still waiting in this session continues that row.
    var unknownVisits: [VisitIdentity: Int64] = [:]

    init() {}

    /// `queue_visit_unknown` (a partial index) holds only these rows.
    static let unknownVisitsSQL = """
        SELECT visit_id, queue_id, ipbx, uniqueid, join_time FROM queue_visit
        WHERE outcome = 'unknown' AND uniqueid IS NOT NULL AND session_id < ?
        ORDER BY visit_id
        """

    init(reading database: Database, sessionID: Int64) throws {
        for (list, table, column) in [("users", "pbx_user", "user_id"), ("phones", "phone", "phone_id"), ("agents", "agent", "agent_id")] {
            try database.makeStatement("SELECT ipbx, \(column) FROM \(table)").forEachRow { row in
                objects.insert(ObjectKey(list: list, ipbx: row.string(0) ?? "", id: row.string(1) ?? ""))
            }
        }
        try database.makeStatement(Self.unknownVisitsSQL).forEachRow([sessionID]) { row in
            let wait = VisitIdentity(queueID: row.string(1) ?? "", ipbx: row.string(2) ?? "", uniqueID: row.string(3) ?? "",
                                     joinTime: row.double(4))
            unknownVisits[wait] = row.int64(0)
        }
    }
}

/// A caller's wait in a queue, as the server identifies it.
struct VisitIdentity: Hashable {
    let queueID: String
    let ipbx: String
    let uniqueID: String
    let joinTime: Double
}
