import ArgumentParser
import Foundation
import Recording
import Storage

struct PruneCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete old journal lines, keeping every derived row; runs beside a collector.",
        discussion: """
            Deletes the journal lines received before the cut-off (the oldest part of the \
            journal), in short transactions that keep a running collector waiting about 25 ms \
            at a time. Agent states, queue statistics and visits, calls and PBX \
            objects are kept as they are. Once lines are pruned, `callstats replay` refuses to \
            run on the database: it could only rebuild the derived tables from what is left. \
            The file does not shrink; SQLite reuses the freed pages for new lines.
            """
    )

    @OptionGroup var database: DatabaseOptions

    @Option(name: .customLong("journal-older-than"), help: ArgumentHelp(
        "Delete journal lines received longer ago than this: a whole number of days or hours, e.g. 30d or 12h.",
        valueName: "age"))
    var journalOlderThan: String

    @Flag(help: "Print what would be deleted, and delete nothing.")
    var dryRun = false

    func validate() throws {
        guard RetentionAge.seconds(journalOlderThan) != nil else {
            throw ValidationError(
                "--journal-older-than must be a whole number of days or hours greater than 0, like 30d or 12h (got '\(journalOlderThan)')")
        }
    }

    func run() throws {
        guard let age = RetentionAge.seconds(journalOlderThan) else { throw ValidationError("--journal-older-than \(journalOlderThan): not an age") }
        try database.requireExistingFile()
        let cutoff = Date().timeIntervalSince1970 - age
        // Not the WriterLock: pruning is meant to run while the collector writes.
        let connection = dryRun ? try database.openReader() : try database.openWriter().0
        let pruner = try database.explainingFailures { try JournalPruner(database: connection) }
        let plan = try database.explainingFailures { try pruner.plan(olderThan: cutoff) }
        print("cut-off: lines received before \(Self.time(cutoff)) (older than \(journalOlderThan))")
        guard plan.lines > 0, let firstKept = plan.firstKeptSeq, let first = plan.firstSeq else {
            print("nothing to prune: \(plan.firstSeq == nil ? "the journal is empty" : "no journal line can go")")
            explainHold(plan)
            return
        }
        let range = "seq \(first) to \(firstKept - 1), received up to \(plan.newestDeletedReceivedAt.map(Self.time) ?? "?")"
        if dryRun {
            print("would prune \(plan.lines) journal lines (\(range))")
            explainHold(plan)
            return
        }
        let outcome = try database.explainingFailures { try pruner.prune(plan) }
        print("pruned \(outcome.deleted) journal lines (\(range)) in \(outcome.transactions) transactions "
            + "of at most \(outcome.largestBatch) lines, \(String(format: "%.1f", outcome.elapsedSeconds)) s")
        let slowest = outcome.batches.max { $0.seconds < $1.seconds }
        print(String(format: "longest transaction: %.1f ms (%d lines); median %.1f ms, 99th percentile %.1f ms",
                     outcome.longestTransactionSeconds * 1000, slowest?.lines ?? 0,
                     outcome.percentile(0.5) * 1000, outcome.percentile(0.99) * 1000))
        print("kept the journal from seq \(firstKept) (received \(plan.oldestKeptReceivedAt.map(Self.time) ?? "?")); "
            + "derived rows unchanged; replay now refuses to run on this database")
        explainHold(plan)
    }

    private func explainHold(_ plan: JournalPruner.Plan) {
        guard let firstKept = plan.firstKeptSeq else { return }
        if let session = plan.heldBySession {
            print("kept older lines from seq \(firstKept): collection session \(session) is still open (its collector stopped "
                + "without ending it) and the next collector closes it at that line's event")
        } else if plan.heldByNewestLine {
            print("kept the newest block of lines (from seq \(firstKept)) although it is older: sequence numbers are never reused")
        }
    }

    static func time(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}

/// `30d`, `12h`: a whole, positive number of days or hours, in seconds.
enum RetentionAge {
    static func seconds(_ text: String) -> Double? {
        guard let unit = text.last, text.count >= 2 else { return nil }
        let digits = text.dropLast()
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits), count > 0 else { return nil }
        switch unit {
        case "d": return Double(count) * 86_400
        case "h": return Double(count) * 3_600
        default: return nil
        }
    }
}
