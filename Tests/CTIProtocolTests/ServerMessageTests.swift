import Testing
@testable import CTIProtocol

@Suite("Server messages: shapes and errors")
struct ServerMessageTests {
    private func decode(_ text: String) throws -> ServerMessage { try ServerMessage.decode(text) }
    private func decodeError(_ bytes: [UInt8]) -> DecodeError? {
        do {
            _ = try ServerMessage.decode(bytes)
            return nil
        } catch {
            return error
        }
    }

    @Test func decodeErrors() {
        #expect(decodeError([]) == .notJSON(.unexpectedEnd(offset: 0)))
        #expect(decodeError(Array("[1]".utf8)) == .notAnObject)
        #expect(decodeError(Array("\"class\"".utf8)) == .notAnObject)
        #expect(decodeError(Array(#"{"klass":"x"}"#.utf8)) == .noClass)
        #expect(decodeError(Array(#"{"class":3}"#.utf8)) == .noClass)
        #expect(decodeError(Array(#"{"class":"x"} {"#.utf8)) == .notJSON(.trailingCharacters(offset: 14)))
        #expect(decodeError([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D]) == .notJSON(.invalidUTF8(offset: 2)))
        #expect(DecodeError.notJSON(.invalidUTF8(offset: 2)).description == "not JSON: invalid UTF-8 at byte 2")
        #expect(DecodeError.notAnObject.description == "not a JSON object")
        #expect(DecodeError.noClass.description == "no class")
    }

    @Test func unknownClassesAndKeysAreKept() throws {
        let m = try decode(#"{"class":"brand_new","timenow":5,"x":{"y":[1]}}"#)
        #expect(m.kind == .unknown)
        #expect(m.classname == "brand_new")
        #expect(m.timenow == 5.0)  // an integer timenow is still a time
        #expect(m.raw["x"]?["y"] == [1])
        let extra = try decode(#"{"class":"keepalive","replyid":1,"new_key":true}"#)
        #expect(extra.kind == .keepalive(replyID: 1))
        #expect(extra.raw["new_key"] == true)
        // Known class, unrecognised shape: unknown, not an error.
        #expect(try decode(#"{"class":"getlist","function":"updatestatus","listname":"agents","tid":7}"#).kind == .unknown)
        #expect(try decode(#"{"class":"getlist","function":"frobnicate","listname":"agents"}"#).kind == .unknown)
        #expect(try decode(#"{"class":"getqueuesstats","stats":[1]}"#).kind == .unknown)
        #expect(try decode(#"{"class":"login_id"}"#).kind == .unknown)
    }

    @Test func idsArriveAsStringsOrIntegers() throws {
        let asInt = try decode(#"{"class":"getlist","function":"updateconfig","listname":"queuemembers","tipbxid":"xivo","tid":12,"config":{}}"#)
        let asString = try decode(#"{"class":"getlist","function":"updateconfig","listname":"queuemembers","tipbxid":"xivo","tid":"12","config":{}}"#)
        #expect(asInt.kind == asString.kind)
        #expect(asInt.kind == .config(list: "queuemembers", ipbx: "xivo", id: "12", config: [:]))
        let added = try decode(#"{"class":"getlist","listname":"queuemembers","function":"addconfig","tipbxid":"xivo","list":[1,2,"3"]}"#)
        #expect(added.kind == .addConfig(list: "queuemembers", ipbx: "xivo", ids: ["1", "2", "3"]))
        let mixed = try decode(#"{"class":"getlist","function":"listid","listname":"agents","tipbxid":"xivo","list":[7,"8"]}"#)
        #expect(mixed.kind == .listIDs(list: "agents", ipbx: "xivo", ids: ["7", "8"]))
        let queueIDString = try decode(#"{"class":"queueentryupdate","state":{"queue_name":"blue","queue_id":"3","entries":[]}}"#)
        #expect(queueIDString.kind == .queueEntries(queueID: "3", queueName: "blue", entries: []))
        let statsIntKey = try decode(#"{"class":"getqueuesstats","stats":{"12":{"Xivo-EWT":6}}}"#)
        guard case .queueStats(_, let stats) = statsIntKey.kind else {
            Issue.record("not stats")
            return
        }
        #expect(stats.map(\.queueID) == ["12"])
        let capaString = try decode(#"{"class":"login_pass","capalist":["4",5],"replyid":"2"}"#)
        #expect(capaString.kind == .loginPass(capaIDs: [4, 5], replyID: 2))
    }

    @Test func partialAndFullAgentStatuses() throws {
        let full = try decode(#"{"class":"getlist","listname":"agents","function":"updatestatus","tipbxid":"xivo","tid":7,"status":{"availability":"unavailable","availability_since":1550000100.5,"phonenumber":"1001","channel":"Local/id-7@agentcallback-0000001;1","on_call_acd":true,"on_wrapup":false,"queues":["3"]}}"#)
        let partialPhone = try decode(#"{"class":"getlist","listname":"agents","function":"updatestatus","tipbxid":"xivo","tid":"7","status":{"phonenumber":"1002"}}"#)
        let partialQueues = try decode(#"{"class":"getlist","listname":"agents","function":"updatestatus","tipbxid":"xivo","tid":"7","status":{"queues":[3,"5"]}}"#)

        guard case .status(_, _, "7", let fullStatus, true) = full.kind,
              case .status(_, _, "7", let phoneStatus, false) = partialPhone.kind,
              case .status(_, _, "7", let queueStatus, false) = partialQueues.kind
        else {
            Issue.record("unexpected kinds")
            return
        }
        #expect(AgentStatus(from: fullStatus).isComplete)
        #expect(AgentStatus(from: fullStatus).channel == .present("Local/id-7@agentcallback-0000001;1"))
        // A partial status stays partial: nothing is filled in.
        let phoneView = AgentStatus(from: phoneStatus)
        #expect(!phoneView.isComplete)
        #expect(phoneView.phoneNumber == .present("1002"))
        #expect(phoneView.availability == nil)
        #expect(phoneView.onCallACD == nil)
        #expect(phoneView.channel == .absent)
        #expect(phoneStatus.count == 1)
        #expect(AgentStatus(from: queueStatus).queues == ["3", "5"])

        // Merging partials into the full status is how state is tracked.
        var merged = fullStatus
        merged.merge(phoneStatus)
        merged.merge(["channel": nil])
        let view = AgentStatus(from: merged)
        #expect(view.phoneNumber == .present("1002"))
        #expect(view.channel == .null)
        #expect(view.onCallACD == true)
    }

    @Test func availabilitySpellings() {
        #expect(Availability("on_call_nonacd_incoming_internal") == .onCallNonACD("on_call_nonacd_incoming_internal"))
        #expect(Availability("on_call_non_acd_outgoing_external") == .onCallNonACD("on_call_non_acd_outgoing_external"))
        #expect(Availability("on_call_nonacd") == .onCallNonACD("on_call_nonacd"))
        #expect(Availability("unavailable") == .unavailable)
        #expect(Availability("on_holiday") == .other("on_holiday"))
    }

    @Test func queueStatValues() throws {
        let m = try decode(#"{"class":"getqueuesstats","replyid":9,"stats":{"3":{"Xivo-Rate":"","Xivo-Qos":"66.5","Xivo-EWT":6,"Xivo-X":"n/a","Xivo-Y":null,"Xivo-Z":" 6","Xivo-N":"nan","Xivo-H":"0x10","Xivo-M":"-1","Xivo-D":2.5}}}"#)
        guard case .queueStats(9, let stats) = m.kind, let q = stats.first else {
            Issue.record("not stats")
            return
        }
        #expect(q["Xivo-Rate"] == .empty)
        #expect(q["Xivo-Qos"] == .number(66.5))
        #expect(q["Xivo-EWT"] == .number(6))
        #expect(q["Xivo-X"] == .text("n/a"))
        #expect(q["Xivo-Y"] == .other(.null))
        #expect(q["Xivo-Z"] == .text(" 6"))
        #expect(q["Xivo-N"] == .text("nan"))
        #expect(q["Xivo-H"] == .text("0x10"))
        #expect(q["Xivo-M"] == .number(-1))
        #expect(q["Xivo-D"]?.number == 2.5)
        #expect(q["Xivo-Rate"]?.number == nil)
        #expect(q["absent"] == nil)
    }

    @Test func severalQueuesInOneStatsMessageKeepTheirOrder() throws {
        let m = try decode(#"{"class":"getqueuesstats","stats":{"5":{"Xivo-EWT":"1"},"3":{"Xivo-EWT":"2"},"10":{}}}"#)
        guard case .queueStats(_, let stats) = m.kind else {
            Issue.record("not stats")
            return
        }
        try #require(stats.map(\.queueID) == ["5", "3", "10"])
        #expect(stats[2].values.isEmpty)
    }

    @Test func decodingFromRawBufferAndSlice() throws {
        let bytes = Array(#"xx{"class":"keepalive","replyid":3}yy"#.utf8)
        let slice = bytes[2..<(bytes.count - 2)]
        #expect(try ServerMessage.decode(slice).kind == .keepalive(replyID: 3))
        let kind = try bytes.withUnsafeBytes { raw in
            try ServerMessage.decode(UnsafeRawBufferPointer(rebasing: raw[2..<(raw.count - 2)])).kind
        }
        #expect(kind == .keepalive(replyID: 3))
    }

    @Test func sheetFlagVariants() throws {
        let plain = try decode(#"{"class":"sheet","payload":"PHByb2ZpbGUvPg==","channel":"SIP/a-1"}"#)
        guard case .sheet("SIP/a-1", let payload) = plain.kind else {
            Issue.record("not a sheet")
            return
        }
        #expect(!payload.compressed)
        #expect(try payload.text() == "<profile/>")
        #expect(try decode(#"{"class":"sheet","channel":"SIP/a-1"}"#).kind == .unknown)
    }
}
