import VirtmonModel

/// Where the scheduler hands each cycle's samples: the pipeline and publishers in the composition root, an
/// array in tests.
public protocol SampleSink: Sendable {
    /// Takes one cycle's samples of one source. Returns once they are queued or published, so that a graceful
    /// shutdown after the last cycle loses nothing.
    func accept(_ samples: [Sample], source: String) async

    /// Takes the samples of one pollster that finished after its cycle went on without it. They are real reads
    /// (stamped when they were made), and dropping them would leave a hole that the next rate would paper over
    /// with a window it was not measured in. Unlike `accept`, they add to the source's latest readings rather
    /// than replace them.
    func acceptLate(_ samples: [Sample], source: String) async
}

extension SampleSink {
    public func acceptLate(_ samples: [Sample], source: String) async {
        await accept(samples, source: source)
    }
}
