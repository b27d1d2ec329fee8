/// The version `callstats --version` prints.
public enum CallStatsVersion {
    public static let current = "0.1.0"
}
