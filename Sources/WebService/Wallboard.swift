import Hummingbird

enum Wallboard {
    static func addRoutes(to router: Router<BasicRequestContext>, _ serve: ServeContext) {}
}
