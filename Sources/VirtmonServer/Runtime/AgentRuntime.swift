import Logging
import ServiceLifecycle
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
        let router = SinkRouter(routes: routes, publishers: orderedPublishers, logger: logger)
        let scheduler = PollScheduler(
            sources: sources, sink: router, host: config.host, procRoot: config.procRoot, sysRoot: config.sysRoot,
            cycles: cycles, logger: logger)
        let monitors = config.monitors.enabled
            ? makeMonitors(config: config, router: router, logger: logger) : nil
        let summary = (host: config.host, dataDir: config.dataDir,
                       sources: sources.map { "\($0.name) every \($0.interval)" })
        return AgentRuntime(scheduler: scheduler, publishers: orderedPublishers, monitors: monitors, cycles: cycles,
                            logger: logger, summary: summary, dataDirLock: lock)
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
            context: { MonitorContext(host: host, procRoot: procRoot) }, logger: logger)
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
        let library: LibvirtLibrary
        do {
            library = try LibvirtLibrary()
        } catch {
            if requested != nil { throw AgentSetupError(message: "--libvirt-uri \(uri): \(error.reason)") }
            logger.notice("VM metering is off: \(error.reason); host metering continues")
            return nil
        }
        let connection = LibvirtConnection(uri: uri, library: library)
        do {
            try await Blocking.run { try connection.connect() }
            logger.notice("VM metering through libvirt", metadata: ["uri": "\(uri)", "library": "\(library.path)"])
        } catch {
            logger.warning("libvirt not reachable yet, VM meters wait for it: \(error)", metadata: ["uri": "\(uri)"])
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
        services.append(
            .init(service: scheduler, successTerminationBehavior: .gracefullyShutdownGroup, serviceName: "scheduler"))
        return services
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
        return failure
    }
}

/// A setting the agent cannot start with.
public struct AgentSetupError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
