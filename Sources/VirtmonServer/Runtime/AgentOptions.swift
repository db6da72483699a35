/// What the command line changes on top of the configuration file.
public struct AgentOptions: Sendable {
    /// Replace every sink's publishers with these URLs.
    public var publishers: [String] = []
    /// Replace every source's interval.
    public var interval: Duration?
    /// Run one cycle (two where rates need a previous value), publish, flush, exit.
    public var once = false
    /// Stop after this many cycles per source.
    public var cycles: Int?
    public var dataDir: String?
    /// libvirt URI for VM meters (`off` disables them); replaces `agent.libvirt_uri`.
    public var libvirtURI: String?
    /// HOST:PORT of the agent's /healthz and /metrics (`off` for none); replaces `agent.listen`.
    public var listen: String?

    public init(publishers: [String] = [], interval: Duration? = nil, once: Bool = false, cycles: Int? = nil,
                dataDir: String? = nil, libvirtURI: String? = nil, listen: String? = nil) {
        self.libvirtURI = libvirtURI
        self.listen = listen
        self.publishers = publishers
        self.interval = interval
        self.once = once
        self.cycles = cycles
        self.dataDir = dataDir
    }
}
