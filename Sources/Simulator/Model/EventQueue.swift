/// A binary min-heap of timed events. Ties on time are broken by insertion order, so two
/// events scheduled for the same instant always run in the order the model scheduled them:
/// without that, a heap's arbitrary tie order would make runs differ.
struct EventQueue<Event> {
    private struct Entry {
        let time: Micros
        let seq: UInt64
        let event: Event

        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            time < other.time || (time == other.time && seq < other.seq)
        }
    }

    private var heap: [Entry] = []
    private var nextSeq: UInt64 = 0

    var isEmpty: Bool { heap.isEmpty }
    var count: Int { heap.count }
    var nextTime: Micros? { heap.first?.time }

    mutating func push(_ event: Event, at time: Micros) {
        heap.append(Entry(time: time, seq: nextSeq, event: event))
        nextSeq += 1
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].precedes(heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> (time: Micros, event: Event)? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            let n = heap.count
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < n, heap[l].precedes(heap[m]) { m = l }
                if r < n, heap[r].precedes(heap[m]) { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return (top.time, top.event)
    }
}
