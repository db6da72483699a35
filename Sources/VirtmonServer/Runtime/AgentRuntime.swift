import Foundation
import Logging
import ServiceLifecycle
import VirtmonAPI
import VirtmonAgent
import VirtmonLibvirt
import VirtmonModel
import VirtmonPipeline
import VirtmonPollsters
import VirtmonPublishers
import VirtmonThreads

/// A built agent: its scheduler and publishers, ready to run as one ServiceGroup.
public struct AgentRuntime: Sendable {
    public let scheduler: PollScheduler
    public let publishers: [any Publisher]
    /// The hypervisor and host checks, when `monitors.enabled`.
    public let monitors: MonitorSupervisor?
    /// Cycles per source it will run before stopping by itself (nil: until a signal).
    public let cycles: Int?
    let logger: Logger
    /// What the start-up line tells the operator.
    let summary: (host: String, dataDir: String, sources: [String])
    /// This process's claim on the agent's data dir (identity, sequence numbers, spool).
    let dataDirLock: DataDirLock
    /// Where /healthz and /metrics are served, if anywhere.
    public let listen: CollectorConfig.Endpoint?
    /// The latest cycle's samples, which /metrics exposes (nil without an endpoint).
    let readings: LatestReadings?
    /// Whether /metrics stamps series with their cycle's time.
    let metricsTimestamps: Bool
    /// Told the port the endpoint listens on once it does (tests ask for port 0).
    var onListening: @Sendable (Int) async -> Void = { _ in }

    /// Builds the agent the configuration describes, with the command line's changes. Fails, saying what is
    /// wrong, before anything starts.
    public static func build(config: AgentConfig, options: AgentOptions, logger: Logger) async throws -> AgentRuntime {
        var config = config
        if let dataDir = options.dataDir {
            config.dataDir = dataDir
            config.publishing.dataDir = dataDir
        }
        if let interval = options.interval {
            config.interval = interval
            for index in config.sources.indices { config.sources[index].interval = interval }
        }
        if !options.publishers.isEmpty {
            for url in options.publishers { try PublisherFactory.validate(url) }
            for index in config.sinks.indices { config.sinks[index].publishers = options.publishers }
        }

        let lock = try DataDirLock.acquire(config.dataDir, role: .agent, purpose: "virtmon agent")
        let identity = try AgentIdentity.load(dataDir: config.dataDir, host: config.host)
        let sequence = try SequenceAllocator(dataDir: config.dataDir)
        let factory = PublisherFactory(
            settings: config.publishing, identity: identity, sequence: sequence, logger: logger)

        // One publisher per distinct URL, shared by the sinks that name it, so a destination has one spool.
        var publishersByURL: [String: any Publisher] = [:]
        var orderedPublishers: [any Publisher] = []
        var sinkRoutes: [String: SinkRouter.Route] = [:]
        var needsPreviousSample = false
        for sink in config.sinks {
            var publishers: [any Publisher] = []
            for url in sink.publishers {
                if let existing = publishersByURL[url] {
                    publishers.append(existing)
                    continue
                }
                let publisher = try factory.make(url)
                publishersByURL[url] = publisher
                orderedPublishers.append(publisher)
                publishers.append(publisher)
            }
            let stages = sink.transformers.map { spec -> TransformStage in
                TransformStage(
                    selector: spec.meters, transformer: spec.kind.make(target: spec.target, growthOnly: spec.growthOnly),
                    keepInput: spec.keepInput)
            }
            needsPreviousSample = needsPreviousSample || Pipeline.needsPreviousSample(stages)
            var sinkLogger = logger
            sinkLogger[metadataKey: "sink"] = "\(sink.name)"
            sinkRoutes[sink.name] = SinkRouter.Route(
                name: sink.name, pipeline: Pipeline(stages: stages, logger: sinkLogger), publishers: publishers)
        }

        let domains = try await libvirtSource(config: config, options: options, logger: logger)
        var routes: [String: [SinkRouter.Route]] = [MonitorSupervisor.sourceName: Array(sinkRoutes.values)]
        var sources: [PollSource] = []
        for source in config.sources {
            let names = source.sinks.isEmpty ? config.sinks.map(\.name) : source.sinks
            routes[source.name] = names.compactMap { sinkRoutes[$0] }
            sources.append(
                PollSource(
                    name: source.name, interval: config.interval(of: source), selector: source.meters,
                    pollsters: AllPollsters.all(domains: domains), timeout: source.timeout))
        }
        for source in sources where source.pollsters.isEmpty {
            logger.warning("source selects no meter any pollster emits", metadata: ["source": "\(source.name)"])
        }

        var cycles = options.cycles
        if options.once {
            cycles = needsPreviousSample || sources.contains(where: \.needsPreviousRead) ? 2 : 1
        }
        var listen = config.listen
        if let text = options.listen { listen = text == "off" ? nil : CollectorConfig.Endpoint(parsing: text) }
        var router = SinkRouter(routes: routes, publishers: orderedPublishers, logger: logger)
        let readings = listen == nil ? nil : LatestReadings(perMeterSources: [MonitorSupervisor.sourceName])
        router.latest = readings
        let scheduler = PollScheduler(
            sources: sources, sink: router, host: config.host, procRoot: config.procRoot, sysRoot: config.sysRoot,
            cycles: cycles, logger: logger)
        let monitors = config.monitors.enabled
            ? makeMonitors(config: config, router: router, logger: logger) : nil
        let summary = (host: config.host, dataDir: config.dataDir,
                       sources: sources.map { "\($0.name) every \($0.interval)" })
        return AgentRuntime(scheduler: scheduler, publishers: orderedPublishers, monitors: monitors, cycles: cycles,
                            logger: logger, summary: summary, dataDirLock: lock, listen: listen, readings: readings,
                            metricsTimestamps: config.metricsTimestamps)
    }

    /// The supervisor with every enabled check, and each event type's handlers.
    static func makeMonitors(config: AgentConfig, router: SinkRouter, logger: Logger) -> MonitorSupervisor {
        let settings = config.monitors
        let watch = VMMWatchList(pids: settings.pids, scanByName: settings.scanByName)
        var monitors: [any Monitor] = []
        if settings.memoryUsage.enabled {
            monitors.append(VMMMemoryMonitor(
                cycle: settings.memoryUsage.cycle, level: settings.memoryUsage.level, watch: watch,
                guestMemoryLimitKiB: settings.guestMemoryLimitKiB, maxOverheadKiB: settings.maxOverheadKiB))
        }
        if settings.cpuUsage.enabled {
            monitors.append(VMMCPUMonitor(cycle: settings.cpuUsage.cycle, level: settings.cpuUsage.level,
                                          watch: watch, maxPercent: settings.maxCPUPercent))
        }
        if settings.liveness.enabled {
            monitors.append(VMMLivenessMonitor(cycle: settings.liveness.cycle, level: settings.liveness.level,
                                               watch: watch))
        }
        if settings.hostMemory.enabled {
            monitors.append(HostMemoryMonitor(cycle: settings.hostMemory.cycle, level: settings.hostMemory.level,
                                              minimumAvailableShare: settings.minimumAvailableShare))
        }
        let available = EventHandlers.available(EventHandlers.Targets(
            logger: logger, sink: router,
            webhook: settings.webhookURL.map { url in
                (HTTPTransport(url: url), BatchSignature(secret: config.publishing.secret), settings.webhookAttempts,
                 config.publishing.retry, config.publishing.httpTimeout)
            }))
        var handlers: [String: [any EventHandler]] = [:]
        for monitor in monitors {
            handlers[monitor.type] = settings.handlerNames(for: monitor.type).compactMap { available[$0] }
        }
        let host = config.host
        let procRoot = config.procRoot
        return MonitorSupervisor(
            monitors: monitors, handlers: handlers, queue: EventQueue(capacity: settings.queueSize), sampleSink: router,
            context: { MonitorContext(host: host, procRoot: procRoot) }, logger: logger, reraiseEvery: settings.reraiseInterval)
    }

    /// The libvirt connection VM meters read through, or nil (said once, with the reason) when there is none.
    /// An explicit URI that cannot be used at all (libvirt not installed) is an error; a daemon that is not
    /// reachable yet is not: the connection retries with backoff every cycle.
    static func libvirtSource(config: AgentConfig, options: AgentOptions, logger: Logger) async throws -> (any DomainStatsSource)? {
        let requested = options.libvirtURI ?? config.libvirtURI
        if requested == "off" {
            logger.notice("VM metering is off: libvirt URI set to off")
            return nil
        }
        let uri = requested ?? "qemu:///system"
        // The default on a host with no libvirt daemon: libvirt and its ~10 MiB of shared libraries wait for a
        // daemon's socket instead of being mapped at start for nothing. An explicit URI loads now, so that a
        // missing library is an error at once.
        if requested == nil, !DeferredLibvirtConnection.anyExists(DeferredLibvirtConnection.systemSockets) {
            logger.debug("no libvirt daemon's socket yet: libvirt is loaded when one appears", metadata: ["uri": "\(uri)"])
            return DeferredLibvirtConnection(uri: uri)
        }
        let library: LibvirtLibrary
        do {
            library = try LibvirtLibrary()
        } catch {
            if requested != nil { throw AgentSetupError(message: "--libvirt-uri \(uri): \(error.reason)") }
            logger.notice("VM metering is off: \(error.reason); host metering continues")
            return nil
        }
        // The test driver reads a file: one that is not there is a wrong URI, not an outage to wait out.
        if uri.hasPrefix("test:///"), uri != "test:///default" {
            let path = String(uri.dropFirst("test://".count).prefix { $0 != "?" })
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw AgentSetupError(message: "--libvirt-uri \(uri): \(path) \(FileManager.default.fileExists(atPath: path) ? "cannot be read" : "does not exist"); the test driver needs test:///ABSOLUTE/PATH/node.xml of a domain XML file")
            }
        }
        let connection = LibvirtConnection(uri: uri, library: library)
        do {
            try await Blocking.run { try connection.connect() }
            logger.notice("VM metering through libvirt", metadata: ["uri": "\(uri)", "library": "\(library.path)"])
        } catch {
            // Not said here: the VM pollster's first cycle says what kind of outage it is, once.
            logger.debug("libvirt not reachable at start: \(error)", metadata: ["uri": "\(uri)"])
        }
        return connection
    }

    /// Runs until the cycles are done or SIGINT/SIGTERM arrives; then the scheduler finishes its cycle and the
    /// publishers flush, in that order.
    public func run() async throws {
        logStart()
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: serviceConfigurations(), gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        // A bounded run (--once, --cycles) says whether it delivered: a script must not take "exit 0" for
        // "stored" while the batches sit in the spool.
        guard cycles != nil else { return }
        var undelivered: [String] = []
        for case let publisher as SpoolingPublisher in publishers {
            let left = await publisher.spooledBatches
            guard left > 0 else { continue }
            let reason = await publisher.lastFailure.map { AgentDeliveryError.advice(for: $0) } ?? "not sent before the flush timeout"
            undelivered.append("\(left) batch\(left == 1 ? "" : "es") not delivered to \(publisher.target): \(reason); they stay in \(publisher.spoolDirectory) and go out on the next start")
        }
        if !undelivered.isEmpty { throw AgentDeliveryError(message: undelivered.joined(separator: "\n")) }
    }

    /// The one line that says what this agent is about to do.
    public func logStart() {
        logger.notice(
            "virtmon agent starting",
            metadata: [
                "host": "\(summary.host)", "sources": "\(summary.sources)", "publishers": "\(publishers.map(\.target))",
                "data_dir": "\(summary.dataDir)", "monitors": "\(monitors == nil ? "off" : "on")",
                "cycles": "\(cycles.map(String.init) ?? "until SIGINT/SIGTERM")",
            ])
    }

    /// The agent's services in start order. ServiceGroup stops them in reverse: the scheduler first, then the
    /// monitors, so their last samples and events reach the publishers before they flush.
    public func serviceConfigurations() -> [ServiceGroupConfiguration.ServiceConfiguration] {
        var services = publishers.map {
            ServiceGroupConfiguration.ServiceConfiguration(
                service: $0, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: $0.target)
        }
        if let monitors {
            services.append(.init(service: monitors, successTerminationBehavior: .gracefullyShutdownGroup,
                                  serviceName: "monitors"))
        }
        if let listen {
            // First to start, last to stop: health stays answerable while the rest shuts down.
            let endpoint = AgentEndpoint.application(
                host: listen.host, port: listen.port, health: AgentRuntime.health(scheduler: scheduler, publishers: publishers),
                readings: { [readings] in readings?.all() ?? [] }, timestamps: metricsTimestamps,
                libvirtUp: { [scheduler] in
                    // The libvirt pollster's last run, in any source that polls it.
                    let runs = await scheduler.pollsterStats().filter { $0.key.hasSuffix("/libvirt") && $0.value.runs > 0 }
                    return runs.isEmpty ? nil : runs.values.contains { $0.lastSucceeded }
                },
                logger: logger, onBound: onListening)
            services.insert(.init(service: endpoint, serviceName: "agent endpoint \(listen)"), at: 0)
        }
        services.append(
            .init(service: scheduler, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "scheduler"))
        return services
    }

    /// /healthz: each pollster's last run (a failing one with what it reported) and each spool's depth. 200 while
    /// any pollster succeeds ("ok", or "degraded" with the failing ones named); 503 when every one failed.
    static func health(scheduler: PollScheduler, publishers: [any Publisher]) -> AgentEndpoint.Health {
        { @Sendable in
            let stats = await scheduler.pollsterStats()
            var pollsters: [JSONValue] = []
            var failing = 0
            var ran = 0
            for (key, entry) in stats.sorted(by: { $0.key < $1.key }) where entry.runs > 0 {
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                ran += 1
                if !entry.lastSucceeded { failing += 1 }
                pollsters.append(.object([
                    "source": .string(parts.first ?? key), "pollster": .string(parts.count > 1 ? parts[1] : key),
                    "ok": .bool(entry.lastSucceeded), "runs": .number(Double(entry.runs)),
                    "failures": .number(Double(entry.failures)), "error": entry.lastError.map(JSONValue.string) ?? .null,
                    "last_duration_ms": .number(Double(entry.lastDuration.components.seconds * 1000
                        + entry.lastDuration.components.attoseconds / 1_000_000_000_000_000)),
                ]))
            }
            var spools: [JSONValue] = []
            for case let publisher as SpoolingPublisher in publishers {
                spools.append(.object([
                    "target": .string(publisher.target), "spooled_batches": .number(Double(await publisher.spooledBatches)),
                    "last_failure": (await publisher.lastFailure).map(JSONValue.string) ?? .null,
                ]))
            }
            let status = ran == 0 ? "starting" : failing == 0 ? "ok" : "degraded"
            return (ran > 0 && failing == ran ? 503 : 200,
                    .object(["status": .string(status), "pollsters": .array(pollsters), "spools": .array(spools)]))
        }
    }
}

/// Batches a bounded run could not deliver, with what the destination said and what to do.
public struct AgentDeliveryError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }

    /// The destination's answer, with the fix for the answers that have an obvious one.
    static func advice(for failure: String) -> String {
        if failure.hasPrefix("answered 401") && failure.contains("signed batches") {
            return "\(failure) — the collector requires signed batches: set publishing.secret to its secret (for `virtmon up`, the contents of DATA_DIR/agent-secret)"
        }
        if failure.hasPrefix("answered 404") {
            return "\(failure) — check the publisher URL's path: the collector ingests at /api/v1/batches"
        }
        if failure.contains("connection refused") {
            return "\(failure) — is the collector running there (`virtmon up` or `virtmon collector`), and is the publisher URL's port its --listen port?"
        }
        return failure
    }
}

/// A setting the agent cannot start with.
public struct AgentSetupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
