/// A status field where "not sent" and "sent as null" mean different things.
///
/// Status pushes are partial: an absent key means "unchanged", while `"channel": null` means
/// "the agent has no channel any more". Collapsing both into `nil` would lose the hang-up.
public enum Field<Wrapped: Sendable & Hashable>: Sendable, Hashable {
    case absent
    case null
    case present(Wrapped)

    /// The value when present; `nil` for absent and for null alike.
    public var value: Wrapped? {
        if case .present(let v) = self { return v }
        return nil
    }

    public var isAbsent: Bool {
        if case .absent = self { return true }
        return false
    }
}

extension JSONObject {
    /// A text field: absent, null, or present (strings, and numbers as text). Other JSON
    /// types cannot be meaningful here and read as null.
    func textField(_ key: String) -> Field<String> {
        guard let value = self[key] else { return .absent }
        if let text = value.textLike { return .present(text) }
        return .null
    }
}
