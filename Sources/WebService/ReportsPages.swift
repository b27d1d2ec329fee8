import Hummingbird

enum ReportsPages {
    static func addRoutes(to router: Router<BasicRequestContext>, _ serve: ServeContext) {}
}
