// Generated from one pattern (arities 0 to 14); keep them alike.

extension RowWriter {
    // One generic overload per arity, not one `run<each Value>`: a parameter pack's values were
    // encoded through their protocol witnesses (over 1 % of the collector's samples in a profile), while a
    // fixed arity is specialized for the caller's concrete types. The buffer is read from the
    // property once: each read of a class's `var` retained it, twelve times for a journal row.
    @inline(__always)
    func run(_ statement: RowStatement) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        buffer.setValueCount(0, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue>(_ statement: RowStatement, _ v1: V1) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        buffer.setValueCount(1, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        buffer.setValueCount(2, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        buffer.setValueCount(3, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        buffer.setValueCount(4, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        buffer.setValueCount(5, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue, V6: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5, _ v6: V6) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        v6.encode(into: buffer)
        buffer.setValueCount(6, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue, V6: RowValue, V7: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5, _ v6: V6, _ v7: V7) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        v6.encode(into: buffer)
        v7.encode(into: buffer)
        buffer.setValueCount(7, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue, V6: RowValue, V7: RowValue, V8: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5, _ v6: V6, _ v7: V7, _ v8: V8) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        v6.encode(into: buffer)
        v7.encode(into: buffer)
        v8.encode(into: buffer)
        buffer.setValueCount(8, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue, V6: RowValue, V7: RowValue, V8: RowValue, V9: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5, _ v6: V6, _ v7: V7, _ v8: V8, _ v9: V9) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        v6.encode(into: buffer)
        v7.encode(into: buffer)
        v8.encode(into: buffer)
        v9.encode(into: buffer)
        buffer.setValueCount(9, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue, V6: RowValue, V7: RowValue, V8: RowValue, V9: RowValue, V10: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5, _ v6: V6, _ v7: V7, _ v8: V8, _ v9: V9, _ v10: V10) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        v6.encode(into: buffer)
        v7.encode(into: buffer)
        v8.encode(into: buffer)
        v9.encode(into: buffer)
        v10.encode(into: buffer)
        buffer.setValueCount(10, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue, V6: RowValue, V7: RowValue, V8: RowValue, V9: RowValue, V10: RowValue, V11: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5, _ v6: V6, _ v7: V7, _ v8: V8, _ v9: V9, _ v10: V10, _ v11: V11) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        v6.encode(into: buffer)
        v7.encode(into: buffer)
        v8.encode(into: buffer)
        v9.encode(into: buffer)
        v10.encode(into: buffer)
        v11.encode(into: buffer)
        buffer.setValueCount(11, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue, V6: RowValue, V7: RowValue, V8: RowValue, V9: RowValue, V10: RowValue, V11: RowValue, V12: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5, _ v6: V6, _ v7: V7, _ v8: V8, _ v9: V9, _ v10: V10, _ v11: V11, _ v12: V12) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        v6.encode(into: buffer)
        v7.encode(into: buffer)
        v8.encode(into: buffer)
        v9.encode(into: buffer)
        v10.encode(into: buffer)
        v11.encode(into: buffer)
        v12.encode(into: buffer)
        buffer.setValueCount(12, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue, V6: RowValue, V7: RowValue, V8: RowValue, V9: RowValue, V10: RowValue, V11: RowValue, V12: RowValue, V13: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5, _ v6: V6, _ v7: V7, _ v8: V8, _ v9: V9, _ v10: V10, _ v11: V11, _ v12: V12, _ v13: V13) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        v6.encode(into: buffer)
        v7.encode(into: buffer)
        v8.encode(into: buffer)
        v9.encode(into: buffer)
        v10.encode(into: buffer)
        v11.encode(into: buffer)
        v12.encode(into: buffer)
        v13.encode(into: buffer)
        buffer.setValueCount(13, at: countOffset)
        try commandAdded()
    }

    @inline(__always)
    func run<V1: RowValue, V2: RowValue, V3: RowValue, V4: RowValue, V5: RowValue, V6: RowValue, V7: RowValue, V8: RowValue, V9: RowValue, V10: RowValue, V11: RowValue, V12: RowValue, V13: RowValue, V14: RowValue>(_ statement: RowStatement, _ v1: V1, _ v2: V2, _ v3: V3, _ v4: V4, _ v5: V5, _ v6: V6, _ v7: V7, _ v8: V8, _ v9: V9, _ v10: V10, _ v11: V11, _ v12: V12, _ v13: V13, _ v14: V14) throws {
        let buffer = self.buffer
        let countOffset = buffer.appendCommand(statement)
        v1.encode(into: buffer)
        v2.encode(into: buffer)
        v3.encode(into: buffer)
        v4.encode(into: buffer)
        v5.encode(into: buffer)
        v6.encode(into: buffer)
        v7.encode(into: buffer)
        v8.encode(into: buffer)
        v9.encode(into: buffer)
        v10.encode(into: buffer)
        v11.encode(into: buffer)
        v12.encode(into: buffer)
        v13.encode(into: buffer)
        v14.encode(into: buffer)
        buffer.setValueCount(14, at: countOffset)
        try commandAdded()
    }

}
