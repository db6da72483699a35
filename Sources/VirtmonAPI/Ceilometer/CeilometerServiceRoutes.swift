import Foundation
import Hummingbird
import VirtmonCollector
import VirtmonModel
import VirtmonStorage

/// What Ceilometer v2 says about itself: its capabilities.
struct CeilometerServiceRoutes: AuthenticatedRoutes {
    let environment: APIEnvironment

    var routes: RouteCollection<AuthenticatedContext> {
        let routes = RouteCollection(context: AuthenticatedContext.self)
        let env = environment
        routes.get("/v2/capabilities") { _, _ in
            await RouteHandling.json(.ceilometer, env) {
                var api: [String: JSONValue] = [:]
                for name in [
                    "meters:query:simple", "meters:query:metadata", "resources:query:simple", "resources:query:metadata",
                    "samples:query:simple", "samples:query:metadata", "samples:query:complex",
                    "statistics:query:simple", "statistics:query:metadata", "statistics:groupby",
                ] { api[name] = true }
                for function in Aggregate.Function.allCases { api["statistics:aggregation:selectable:\(function.rawValue)"] = true }
                api["statistics:aggregation:standard"] = true
                for name in ["alarms:query:simple", "alarms:query:complex", "alarms:history:query:simple", "alarms:history:query:complex"] { api[name] = true }
                api["events:query:simple"] = false
                return .object([
                    "api": .object(api),
                    "storage": .object(["storage:production_ready": true]),
                    "event_storage": .object(["storage:production_ready": true]),
                ])
            }
        }
        return routes
    }
}
