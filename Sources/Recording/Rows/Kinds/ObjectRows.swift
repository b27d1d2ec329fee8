import Storage

// The last known configuration of each PBX object: a row per object, replaced as a whole
// (the recorder merges partial updates first) and undeleted when configured again.

struct UserConfigRow: RecordedRow {
    var ipbx: String
    var userID: String
    var fullname: String?
    var firstname: String?
    var lastname: String?
    var agentID: String?
    var config: UTF8Text
    var updatedAt: Double

    static let rowKind = RowKind.userConfig
    static let sql = RowSQL.insert(into: "pbx_user", columns) + """
         ON CONFLICT (ipbx, user_id) DO UPDATE SET fullname = excluded.fullname, firstname = excluded.firstname,
          lastname = excluded.lastname, agent_id = excluded.agent_id, config = excluded.config,
          updated_at = excluded.updated_at, deleted_at = NULL
        """
    static let columns: [RowColumn<Self>] = [
        .init("ipbx") { $0.ipbx },
        .init("user_id") { $0.userID },
        .init("fullname") { $0.fullname },
        .init("firstname") { $0.firstname },
        .init("lastname") { $0.lastname },
        .init("agent_id") { $0.agentID },
        .init("config") { $0.config },
        .init("updated_at") { $0.updatedAt },
    ]
}

struct PhoneConfigRow: RecordedRow {
    var ipbx: String
    var phoneID: String
    var identity: String?
    var number: String?
    var userID: String?
    var context: String?
    var `protocol`: String?
    var config: UTF8Text
    var updatedAt: Double

    static let rowKind = RowKind.phoneConfig
    static let sql = RowSQL.insert(into: "phone", columns) + """
         ON CONFLICT (ipbx, phone_id) DO UPDATE SET identity = excluded.identity, number = excluded.number,
          user_id = excluded.user_id, context = excluded.context, protocol = excluded.protocol,
          config = excluded.config, updated_at = excluded.updated_at, deleted_at = NULL
        """
    static let columns: [RowColumn<Self>] = [
        .init("ipbx") { $0.ipbx },
        .init("phone_id") { $0.phoneID },
        .init("identity") { $0.identity },
        .init("number") { $0.number },
        .init("user_id") { $0.userID },
        .init("context") { $0.context },
        .init("protocol") { $0.`protocol` },
        .init("config") { $0.config },
        .init("updated_at") { $0.updatedAt },
    ]
}

struct AgentConfigRow: RecordedRow {
    var ipbx: String
    var agentID: String
    var number: String?
    var firstname: String?
    var lastname: String?
    var context: String?
    var config: UTF8Text
    var updatedAt: Double

    static let rowKind = RowKind.agentConfig
    static let sql = RowSQL.insert(into: "agent", columns) + """
         ON CONFLICT (ipbx, agent_id) DO UPDATE SET number = excluded.number, firstname = excluded.firstname,
          lastname = excluded.lastname, context = excluded.context, config = excluded.config,
          updated_at = excluded.updated_at, deleted_at = NULL
        """
    static let columns: [RowColumn<Self>] = [
        .init("ipbx") { $0.ipbx },
        .init("agent_id") { $0.agentID },
        .init("number") { $0.number },
        .init("firstname") { $0.firstname },
        .init("lastname") { $0.lastname },
        .init("context") { $0.context },
        .init("config") { $0.config },
        .init("updated_at") { $0.updatedAt },
    ]
}

struct QueueConfigRow: RecordedRow {
    var ipbx: String
    var queueID: String
    var name: String?
    var number: String?
    var displayName: String?
    var context: String?
    var config: UTF8Text
    var updatedAt: Double

    static let rowKind = RowKind.queueConfig
    static let sql = RowSQL.insert(into: "queue", columns) + """
         ON CONFLICT (ipbx, queue_id) DO UPDATE SET name = excluded.name, number = excluded.number,
          display_name = excluded.display_name, context = excluded.context, config = excluded.config,
          updated_at = excluded.updated_at, deleted_at = NULL
        """
    static let columns: [RowColumn<Self>] = [
        .init("ipbx") { $0.ipbx },
        .init("queue_id") { $0.queueID },
        .init("name") { $0.name },
        .init("number") { $0.number },
        .init("display_name") { $0.displayName },
        .init("context") { $0.context },
        .init("config") { $0.config },
        .init("updated_at") { $0.updatedAt },
    ]
}

struct QueueMemberConfigRow: RecordedRow {
    var ipbx: String
    var memberID: String
    var interface: String?
    var queueName: String?
    var paused: String?
    var penalty: String?
    var membership: String?
    var status: String?
    var config: UTF8Text
    var updatedAt: Double

    static let rowKind = RowKind.queueMemberConfig
    static let sql = RowSQL.insert(into: "queue_member", columns) + """
         ON CONFLICT (ipbx, member_id) DO UPDATE SET interface = excluded.interface, queue_name = excluded.queue_name,
          paused = excluded.paused, penalty = excluded.penalty, membership = excluded.membership,
          status = excluded.status, config = excluded.config, updated_at = excluded.updated_at, deleted_at = NULL
        """
    static let columns: [RowColumn<Self>] = [
        .init("ipbx") { $0.ipbx },
        .init("member_id") { $0.memberID },
        .init("interface") { $0.interface },
        .init("queue_name") { $0.queueName },
        .init("paused") { $0.paused },
        .init("penalty") { $0.penalty },
        .init("membership") { $0.membership },
        .init("status") { $0.status },
        .init("config") { $0.config },
        .init("updated_at") { $0.updatedAt },
    ]
}

// The last status of users, phones and agents (merged JSON), on their configuration's row.

struct UserStatusRow: RecordedRow {
    var status: UTF8Text
    var ipbx: String
    var userID: String

    static let rowKind = RowKind.userStatus
    static let sql = "UPDATE pbx_user SET status = :status WHERE ipbx = :ipbx AND user_id = :user_id"
    static let columns: [RowColumn<Self>] = [.init("status") { $0.status }, .init("ipbx") { $0.ipbx }, .init("user_id") { $0.userID }]
}

struct PhoneStatusRow: RecordedRow {
    var status: UTF8Text
    var ipbx: String
    var phoneID: String

    static let rowKind = RowKind.phoneStatus
    static let sql = "UPDATE phone SET status = :status WHERE ipbx = :ipbx AND phone_id = :phone_id"
    static let columns: [RowColumn<Self>] = [.init("status") { $0.status }, .init("ipbx") { $0.ipbx }, .init("phone_id") { $0.phoneID }]
}

struct AgentStatusRow: RecordedRow {
    var status: UTF8Text
    var ipbx: String
    var agentID: String

    static let rowKind = RowKind.agentStatus
    static let sql = "UPDATE agent SET status = :status WHERE ipbx = :ipbx AND agent_id = :agent_id"
    static let columns: [RowColumn<Self>] = [.init("status") { $0.status }, .init("ipbx") { $0.ipbx }, .init("agent_id") { $0.agentID }]
}

// Objects the server deleted keep their row, marked.

struct UserDeleted: RecordedRow {
    var deletedAt: Double
    var ipbx: String
    var userID: String

    static let rowKind = RowKind.userDeleted
    static let sql = "UPDATE pbx_user SET deleted_at = :deleted_at WHERE ipbx = :ipbx AND user_id = :user_id"
    static let columns: [RowColumn<Self>] = [.init("deleted_at") { $0.deletedAt }, .init("ipbx") { $0.ipbx }, .init("user_id") { $0.userID }]
}

struct PhoneDeleted: RecordedRow {
    var deletedAt: Double
    var ipbx: String
    var phoneID: String

    static let rowKind = RowKind.phoneDeleted
    static let sql = "UPDATE phone SET deleted_at = :deleted_at WHERE ipbx = :ipbx AND phone_id = :phone_id"
    static let columns: [RowColumn<Self>] = [.init("deleted_at") { $0.deletedAt }, .init("ipbx") { $0.ipbx }, .init("phone_id") { $0.phoneID }]
}

struct AgentDeleted: RecordedRow {
    var deletedAt: Double
    var ipbx: String
    var agentID: String

    static let rowKind = RowKind.agentDeleted
    static let sql = "UPDATE agent SET deleted_at = :deleted_at WHERE ipbx = :ipbx AND agent_id = :agent_id"
    static let columns: [RowColumn<Self>] = [.init("deleted_at") { $0.deletedAt }, .init("ipbx") { $0.ipbx }, .init("agent_id") { $0.agentID }]
}

struct QueueDeleted: RecordedRow {
    var deletedAt: Double
    var ipbx: String
    var queueID: String

    static let rowKind = RowKind.queueDeleted
    static let sql = "UPDATE queue SET deleted_at = :deleted_at WHERE ipbx = :ipbx AND queue_id = :queue_id"
    static let columns: [RowColumn<Self>] = [.init("deleted_at") { $0.deletedAt }, .init("ipbx") { $0.ipbx }, .init("queue_id") { $0.queueID }]
}

struct QueueMemberDeleted: RecordedRow {
    var deletedAt: Double
    var ipbx: String
    var memberID: String

    static let rowKind = RowKind.queueMemberDeleted
    static let sql = "UPDATE queue_member SET deleted_at = :deleted_at WHERE ipbx = :ipbx AND member_id = :member_id"
    static let columns: [RowColumn<Self>] = [.init("deleted_at") { $0.deletedAt }, .init("ipbx") { $0.ipbx }, .init("member_id") { $0.memberID }]
}
