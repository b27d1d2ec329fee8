import CTIProtocol

/// The `login_capas` answer: the CTI profile's xlets and capabilities as the server's
/// configuration describes them (the French long names of a default XiVO install, which also
/// exercise the `\u00f4` escapes of a real server).
enum LoginCapas {
    static func reply(userId: Int, profile: Int) -> [(String, JSONValue)] {
        let statuses: [(String, String, String, [String])] = [
            ("available", "#08FD20", "Disponible", ["available", "away", "outtolunch", "donotdisturb", "berightback"]),
            ("away", "#FDE50A", "Sorti", ["available", "away", "outtolunch", "donotdisturb", "berightback"]),
            ("berightback", "#FFB545", "Bient\u{00F4}t de retour", ["available", "away", "outtolunch", "donotdisturb", "berightback"]),
            ("donotdisturb", "#FF032D", "Ne pas d\u{00E9}ranger", ["available", "away", "outtolunch", "donotdisturb", "berightback"]),
            ("outtolunch", "#001AFF", "Parti Manger", ["available", "away", "outtolunch", "donotdisturb", "berightback"]),
        ]
        var userstatus = JSONObject()
        for (name, color, longname, allowed) in statuses {
            userstatus[name] = [
                "color": .string(color), "allowed": .array(allowed.map { .string($0) }),
                "actions": ["enablednd": .string(name == "donotdisturb" ? "true" : "false")],
                "longname": .string(longname),
            ]
        }
        userstatus["disconnected"] = [
            "color": "#202020", "actions": ["agentlogoff": ""], "longname": .string("D\u{00E9}connect\u{00E9}"),
        ]
        let phonestatus: JSONValue = [
            "16": ["color": "#F7FF05", "longname": "En Attente"],
            "1": ["color": "#FF032D", "longname": "En ligne OU appelle"],
            "0": ["color": "#0DFF25", "longname": "Disponible"],
            "2": ["color": "#FF0008", "longname": .string("Occup\u{00E9}")],
            "-1": ["color": "#000000", "longname": .string("D\u{00E9}sactiv\u{00E9}")],
            "4": ["color": "#FFFFFF", "longname": "Indisponible"],
            "-2": ["color": "#030303", "longname": "Inexistant"],
            "9": ["color": "#FF0526", "longname": "(En Ligne OU Appelle) ET Sonne"],
            "8": ["color": "#1B0AFF", "longname": "Sonne"],
        ]
        let xlets: [[String]] = [
            ["identity", "grid"], ["agents", "dock", "fms"], ["agentdetails", "dock", "fms"],
            ["queues", "dock", "fms"], ["queuemembers", "dock", "fms"], ["queueentrydetails", "dock", "fms"],
            ["search", "tab"], ["history", "tab", "1"], ["features", "tab", "2"],
        ]
        return [
            ("ipbxid", "xivo"),
            ("userid", .string(String(userId))),
            ("appliname", .string(Directory.profiles[profile] ?? "Client")),
            ("capaxlets", .array(xlets.map { .array($0.map { .string($0) }) })),
            ("capas", [
                "regcommands": [:], "ipbxcommands": [:],
                "services": ["fwdrna", "fwdbusy", "fwdunc", "enablednd"],
                "preferences": false, "userstatus": .object(userstatus), "phonestatus": phonestatus,
            ]),
        ]
    }
}
