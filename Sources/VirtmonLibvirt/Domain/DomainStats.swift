/// Everything virtmon reads about one domain in one cycle. Counters are as libvirt reports them; nil means
/// libvirt did not report that value for this domain.
public struct DomainStats: Sendable, Equatable {
    public var uuid: String
    public var name: String
    public var state: DomainState
    public var vcpus: Int
    public var maxMemoryKiB: UInt64
    public var cpuTimeNs: UInt64?
    public var balloon: Balloon?
    public var interfaces: [Interface]
    public var disks: [Disk]
    /// OpenStack nova metadata from the domain XML, when nova created the domain.
    public var nova: NovaMetadata?
    /// What could not be read of this domain this cycle (a domain locked by a migration or a job, or one
    /// vanishing mid-read); empty when everything was.
    public var unread: [String] = []

    public init(uuid: String, name: String, state: DomainState, vcpus: Int, maxMemoryKiB: UInt64, cpuTimeNs: UInt64? = nil,
                balloon: Balloon? = nil, interfaces: [Interface] = [], disks: [Disk] = [], nova: NovaMetadata? = nil) {
        self.uuid = uuid
        self.name = name
        self.state = state
        self.vcpus = vcpus
        self.maxMemoryKiB = maxMemoryKiB
        self.cpuTimeNs = cpuTimeNs
        self.balloon = balloon
        self.interfaces = interfaces
        self.disks = disks
        self.nova = nova
    }

    /// The balloon driver's view (KiB), from `balloon.*` bulk stats or virDomainMemoryStats.
    public struct Balloon: Sendable, Equatable {
        public var currentKiB: UInt64?
        public var maximumKiB: UInt64?
        public var availableKiB: UInt64?
        public var unusedKiB: UInt64?
        public var usableKiB: UInt64?
        public var rssKiB: UInt64?
        public var swapInKiB: UInt64?
        public var swapOutKiB: UInt64?

        public init(currentKiB: UInt64? = nil, maximumKiB: UInt64? = nil, availableKiB: UInt64? = nil, unusedKiB: UInt64? = nil,
                    usableKiB: UInt64? = nil, rssKiB: UInt64? = nil, swapInKiB: UInt64? = nil, swapOutKiB: UInt64? = nil) {
            self.currentKiB = currentKiB
            self.maximumKiB = maximumKiB
            self.availableKiB = availableKiB
            self.unusedKiB = unusedKiB
            self.usableKiB = usableKiB
            self.rssKiB = rssKiB
            self.swapInKiB = swapInKiB
            self.swapOutKiB = swapOutKiB
        }

        /// Memory the guest uses, in KiB: available − unused (Ceilometer's formula), else available − usable.
        public var usedKiB: UInt64? {
            guard let availableKiB else { return nil }
            if let unusedKiB, unusedKiB <= availableKiB { return availableKiB - unusedKiB }
            if let usableKiB, usableKiB <= availableKiB { return availableKiB - usableKiB }
            return nil
        }
    }

    public struct Interface: Sendable, Equatable {
        public var name: String
        public var mac: String?
        public var rxBytes: UInt64, rxPackets: UInt64, rxErrors: UInt64, rxDrops: UInt64
        public var txBytes: UInt64, txPackets: UInt64, txErrors: UInt64, txDrops: UInt64

        public init(name: String, mac: String? = nil, rxBytes: UInt64 = 0, rxPackets: UInt64 = 0, rxErrors: UInt64 = 0, rxDrops: UInt64 = 0,
                    txBytes: UInt64 = 0, txPackets: UInt64 = 0, txErrors: UInt64 = 0, txDrops: UInt64 = 0) {
            self.name = name
            self.mac = mac
            self.rxBytes = rxBytes
            self.rxPackets = rxPackets
            self.rxErrors = rxErrors
            self.rxDrops = rxDrops
            self.txBytes = txBytes
            self.txPackets = txPackets
            self.txErrors = txErrors
            self.txDrops = txDrops
        }
    }

    public struct Disk: Sendable, Equatable {
        public var name: String
        public var readBytes: UInt64, readRequests: UInt64, readTimeNs: UInt64?
        public var writeBytes: UInt64, writeRequests: UInt64, writeTimeNs: UInt64?
        public var capacity: UInt64?, allocation: UInt64?, physical: UInt64?

        public init(name: String, readBytes: UInt64 = 0, readRequests: UInt64 = 0, readTimeNs: UInt64? = nil, writeBytes: UInt64 = 0,
                    writeRequests: UInt64 = 0, writeTimeNs: UInt64? = nil, capacity: UInt64? = nil, allocation: UInt64? = nil,
                    physical: UInt64? = nil) {
            self.name = name
            self.readBytes = readBytes
            self.readRequests = readRequests
            self.readTimeNs = readTimeNs
            self.writeBytes = writeBytes
            self.writeRequests = writeRequests
            self.writeTimeNs = writeTimeNs
            self.capacity = capacity
            self.allocation = allocation
            self.physical = physical
        }
    }
}

/// The nova section of a domain's `<metadata>`, which Ceilometer turns into sample ids and metadata.
public struct NovaMetadata: Sendable, Equatable {
    public var instanceName: String?
    public var flavorName: String?
    public var projectID: String?
    public var projectName: String?
    public var userID: String?
    public var userName: String?

    public init(instanceName: String? = nil, flavorName: String? = nil, projectID: String? = nil, projectName: String? = nil,
                userID: String? = nil, userName: String? = nil) {
        self.instanceName = instanceName
        self.flavorName = flavorName
        self.projectID = projectID
        self.projectName = projectName
        self.userID = userID
        self.userName = userName
    }
}

/// One cycle's reading of every domain, and what went wrong on the way (per domain, without failing the rest).
public struct DomainCycle: Sendable {
    public var domains: [DomainStats]
    public var problems: [String]

    public init(domains: [DomainStats], problems: [String] = []) {
        self.domains = domains
        self.problems = problems
    }
}

/// Where domain pollsters get their cycle from: libvirt, or a fake in tests.
public protocol DomainStatsSource: Sendable {
    /// A description for logs: the connection URI.
    var target: String { get }
    /// Reads every domain once. Throws only when nothing could be read (no connection).
    func collect() throws -> DomainCycle
}
