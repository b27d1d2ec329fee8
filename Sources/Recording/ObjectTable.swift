import CTIProtocol

/// The PBX objects of a session (users, phones, agents, queues, queue members): their merged
/// configuration and status, and which of them the open batch changed.
///
/// Each object gets a slot the first time it is named, so a message costs one hash of its key
/// (three strings) instead of one per dictionary it touches. Slots are handed out in order of
/// first appearance, which is also the order the rows are written in: the same live and in
/// replay, whatever the batches.
struct ObjectTable {
    private var slots: [ObjectKey: Int] = [:]
    private(set) var keys: [ObjectKey] = []
    var configs: [JSONObject?] = []
    var configTimes: [Double] = []
    var statuses: [JSONObject?] = []
    /// The status JSON last written for each object, to skip rewriting a row with what it holds
    /// (a phone's `hintstatus` often goes and comes back within a batch).
    var writtenStatuses: [[UInt8]?] = []
    /// The object has a row (its configuration was written, in this session or before), so a
    /// status update changes it.
    var hasRow: [Bool] = []
    private var configDirty: [Bool] = []
    private var statusDirty: [Bool] = []
    private(set) var dirtyConfigSlots: [Int] = []
    private(set) var dirtyStatusSlots: [Int] = []

    /// The object's slot, made on first use.
    mutating func slot(for key: ObjectKey) -> Int {
        if let slot = slots[key] { return slot }
        let slot = keys.count
        slots[key] = slot
        keys.append(key)
        configs.append(nil)
        configTimes.append(0)
        statuses.append(nil)
        writtenStatuses.append(nil)
        hasRow.append(false)
        configDirty.append(false)
        statusDirty.append(false)
        return slot
    }

    /// Merges a configuration into the object's (updates can be partial), to be written at
    /// the commit; returns the merged configuration.
    @discardableResult
    mutating func mergeConfig(_ config: JSONObject, into slot: Int, at time: Double) -> JSONObject {
        Self.merge(config, into: &configs[slot])
        configTimes[slot] = time
        if !configDirty[slot] {
            configDirty[slot] = true
            dirtyConfigSlots.append(slot)
        }
        return configs[slot] ?? config
    }

    /// Merges a status into the object's (partial statuses update only their keys), to be
    /// written at the commit.
    mutating func mergeStatus(_ status: JSONObject, into slot: Int) {
        Self.merge(status, into: &statuses[slot])
        if !statusDirty[slot] {
            statusDirty[slot] = true
            dirtyStatusSlots.append(slot)
        }
    }

    private static func merge(_ update: JSONObject, into current: inout JSONObject?) {
        if current == nil {
            current = update
        } else {
            current?.merge(update)
        }
    }

    /// The slots whose configuration changed since the last call, in slot order.
    mutating func takeDirtyConfigs() -> [Int] {
        let taken = dirtyConfigSlots.sorted()
        for slot in taken { configDirty[slot] = false }
        dirtyConfigSlots.removeAll(keepingCapacity: true)
        return taken
    }

    /// The slots whose status changed since the last call, in slot order.
    mutating func takeDirtyStatuses() -> [Int] {
        let taken = dirtyStatusSlots.sorted()
        for slot in taken { statusDirty[slot] = false }
        dirtyStatusSlots.removeAll(keepingCapacity: true)
        return taken
    }
}
