/// A JSON object that keeps its members in the order they were received or inserted.
///
/// Order matters here for two reasons: re-serialising a recorded message should give back the
/// same bytes, and people reading logs expect `class` first as the server wrote it. Lookups are
/// a linear scan for the small objects the CTI server sends (a handful of keys, where a scan
/// beats hashing); a hash index is built once an object grows past `indexThreshold`, so big
/// objects (a `getqueuesstats` for hundreds of queues) stay O(1).
///
/// Duplicate keys follow Python's `dict`: the last value wins, at the first key's position.
/// Equality and hashing ignore member order, as JSON object semantics do.
public struct JSONObject: Sendable {
    @usableFromInline
    struct Entry: Sendable {
        @usableFromInline var key: String
        @usableFromInline var value: JSONValue
        @inlinable init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    @usableFromInline static var indexThreshold: Int { 24 }

    @usableFromInline var entries: ContiguousArray<Entry>
    @usableFromInline var index: [String: Int]?

    public init() {
        entries = []
        index = nil
    }

    /// Used by the parser, which has already resolved duplicate keys.
    init(entries: ContiguousArray<Entry>, index: [String: Int]?) {
        self.entries = entries
        self.index = index
    }

    /// Reserves room for `minimumCapacity` members, for callers that build big objects.
    public init(minimumCapacity: Int) {
        entries = []
        entries.reserveCapacity(minimumCapacity)
        index = nil
    }

    @inlinable
    func position(of key: String) -> Int? {
        if let index { return index[key] }
        var i = 0
        let n = entries.count
        while i < n {
            if entries[i].key == key { return i }
            i += 1
        }
        return nil
    }

    /// The value for `key`; `nil` when the key is absent (a JSON `null` is `.null`, not `nil`).
    /// Assigning `nil` removes the key; assign `.null` to store a JSON null.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = position(of: key) else { return nil }
            return entries[i].value
        }
        set {
            if let newValue {
                updateValue(newValue, forKey: key)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    /// Sets `value` for `key`, keeping the key's position if present, appending otherwise.
    /// Returns the previous value.
    @discardableResult
    public mutating func updateValue(_ value: JSONValue, forKey key: String) -> JSONValue? {
        if let i = position(of: key) {
            let old = entries[i].value
            entries[i].value = value
            return old
        }
        appendNew(key: key, value: value)
        return nil
    }

    /// Appends a member known not to be present.
    @inlinable
    mutating func appendNew(key: String, value: JSONValue) {
        entries.append(Entry(key: key, value: value))
        if index != nil {
            index?[key] = entries.count - 1
        } else if entries.count > Self.indexThreshold {
            buildIndex()
        }
    }

    @usableFromInline
    mutating func buildIndex() {
        var built = [String: Int](minimumCapacity: entries.count * 2)
        for (i, e) in entries.enumerated() { built[e.key] = i }
        index = built
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = position(of: key) else { return nil }
        let old = entries.remove(at: i).value
        if index != nil {
            if entries.count > Self.indexThreshold { buildIndex() } else { index = nil }
        }
        return old
    }

    /// Merges `other` into this object: its keys overwrite ours in place, new keys are appended.
    /// This is exactly how partial status pushes apply to a known full status.
    public mutating func merge(_ other: JSONObject) {
        // A status is usually re-sent whole, with its keys in the same order: then each key is
        // where the same key already is, and one comparison per key finds it instead of a scan.
        var i = 0
        let n = Swift.min(entries.count, other.entries.count)
        while i < n, entries[i].key == other.entries[i].key {
            entries[i].value = other.entries[i].value
            i += 1
        }
        while i < other.entries.count {
            updateValue(other.entries[i].value, forKey: other.entries[i].key)
            i += 1
        }
    }

    /// Keys in stored order.
    public var keys: [String] { entries.map(\.key) }

    /// Values in stored order.
    public var values: [JSONValue] { entries.map(\.value) }

    public var count: Int { entries.count }

    public var isEmpty: Bool { entries.isEmpty }

    public func contains(key: String) -> Bool { position(of: key) != nil }
}

extension JSONObject: Sequence {
    public typealias Element = (key: String, value: JSONValue)

    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: ContiguousArray<Entry>.Iterator
        @inlinable init(base: ContiguousArray<Entry>.Iterator) { self.base = base }
        @inlinable
        public mutating func next() -> (key: String, value: JSONValue)? {
            guard let e = base.next() else { return nil }
            return (e.key, e.value)
        }
    }

    @inlinable
    public func makeIterator() -> Iterator { Iterator(base: entries.makeIterator()) }

    public var underestimatedCount: Int { entries.count }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// The keys of a literal must be distinct, as with `Dictionary` (checked in debug builds):
    /// the simulator builds every message it sends from literals, and checking each key
    /// against the ones before it was a tenth of its work.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var entries = ContiguousArray<Entry>()
        entries.reserveCapacity(elements.count)
        for (key, value) in elements {
            assert(!entries.contains { $0.key == key }, "duplicate key \(key) in a JSONObject literal")
            entries.append(Entry(key: key, value: value))
        }
        self.init(entries: entries, index: nil)
        if entries.count > Self.indexThreshold { buildIndex() }
    }
}

extension JSONObject: Hashable {
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for e in lhs.entries {
            guard let other = rhs[e.key], other == e.value else { return false }
        }
        return true
    }

    /// Order-independent, to agree with `==`: the members' hashes are combined commutatively.
    public func hash(into hasher: inout Hasher) {
        var combined = 0
        for e in entries {
            var h = Hasher()
            h.combine(e.key)
            h.combine(e.value)
            combined = combined &+ h.finalize()
        }
        hasher.combine(entries.count)
        hasher.combine(combined)
    }
}

extension JSONObject: CustomStringConvertible {
    public var description: String { JSONValue.object(self).description }
}
