import VirtmonModel

/// Where the scheduler hands each cycle's samples: the pipeline and publishers in the composition root, an
/// array in tests.
public protocol SampleSink: Sendable {
    /// Takes one cycle's samples of one source. Returns once they are queued or published, so that a graceful
    /// shutdown after the last cycle loses nothing.
    func accept(_ samples: [Sample], source: String) async
}
