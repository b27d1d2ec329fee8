import CallStatsCLI

@main
struct CallStats {
    static func main() async {
        await CallStatsCommand.main()
    }
}
