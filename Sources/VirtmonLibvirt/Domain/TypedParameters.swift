/// A typed parameter's value, as bulk stats report it.
enum TypedValue: Sendable, Equatable {
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case string(String)

    var unsigned: UInt64? {
        switch self {
        case .int(let value): value >= 0 ? UInt64(value) : nil
        case .double(let value): value >= 0 && value.isFinite ? UInt64(value) : nil
        case .bool(let value): value ? 1 : 0
        case .string: nil
        }
    }

    var text: String? {
        if case .string(let value) = self { return value }
        return nil
    }
}

/// Reads a virTypedParameter array: `char field[80]; int type; union value` (96 bytes each on LP64).
enum TypedParameters {
    static let size = 96
    static let valueOffset = 88

    static func read(_ base: UnsafeRawPointer, count: Int) -> [String: TypedValue] {
        var result: [String: TypedValue] = [:]
        result.reserveCapacity(count)
        for index in 0..<count {
            let parameter = base + index * size
            let field = String(cString: parameter.assumingMemoryBound(to: CChar.self))
            let type = parameter.load(fromByteOffset: 80, as: Int32.self)
            let value = parameter + valueOffset
            switch type {
            case 1: result[field] = .int(Int64(value.load(as: Int32.self)))
            case 2: result[field] = .int(Int64(value.load(as: UInt32.self)))
            case 3: result[field] = .int(value.load(as: Int64.self))
            case 4: result[field] = .int(Int64(bitPattern: value.load(as: UInt64.self)))
            case 5: result[field] = .double(value.load(as: Double.self))
            case 6: result[field] = .bool(value.load(as: Int8.self) != 0)
            case 7:
                if let pointer = value.load(as: UnsafePointer<CChar>?.self) { result[field] = .string(String(cString: pointer)) }
            default: continue
            }
        }
        return result
    }
}

/// Turns one domain's bulk stats into the parts of `DomainStats` they hold; nil for groups not reported.
enum BulkStats {
    static func cpuTime(_ values: [String: TypedValue]) -> UInt64? { values["cpu.time"]?.unsigned }

    static func balloon(_ values: [String: TypedValue]) -> DomainStats.Balloon? {
        guard values.keys.contains(where: { $0.hasPrefix("balloon.") }) else { return nil }
        return DomainStats.Balloon(
            currentKiB: values["balloon.current"]?.unsigned, maximumKiB: values["balloon.maximum"]?.unsigned,
            availableKiB: values["balloon.available"]?.unsigned, unusedKiB: values["balloon.unused"]?.unsigned,
            usableKiB: values["balloon.usable"]?.unsigned, rssKiB: values["balloon.rss"]?.unsigned,
            swapInKiB: values["balloon.swap_in"]?.unsigned, swapOutKiB: values["balloon.swap_out"]?.unsigned)
    }

    static func interfaces(_ values: [String: TypedValue]) -> [DomainStats.Interface]? {
        guard let count = values["net.count"]?.unsigned else { return nil }
        return (0..<Int(count)).compactMap { index in
            let prefix = "net.\(index)."
            guard let name = values[prefix + "name"]?.text else { return nil }
            func value(_ key: String) -> UInt64 { values[prefix + key]?.unsigned ?? 0 }
            return DomainStats.Interface(
                name: name, rxBytes: value("rx.bytes"), rxPackets: value("rx.pkts"), rxErrors: value("rx.errs"),
                rxDrops: value("rx.drop"), txBytes: value("tx.bytes"), txPackets: value("tx.pkts"), txErrors: value("tx.errs"),
                txDrops: value("tx.drop"))
        }
    }

    static func disks(_ values: [String: TypedValue]) -> [DomainStats.Disk]? {
        guard let count = values["block.count"]?.unsigned else { return nil }
        var seen: Set<String> = []
        return (0..<Int(count)).compactMap { index in
            let prefix = "block.\(index)."
            guard let name = values[prefix + "name"]?.text else { return nil }
            // With backing chains listed, a name repeats for each image under the top one: the first is the device.
            guard seen.insert(name).inserted else { return nil }
            func value(_ key: String) -> UInt64? { values[prefix + key]?.unsigned }
            return DomainStats.Disk(
                name: name, readBytes: value("rd.bytes") ?? 0, readRequests: value("rd.reqs") ?? 0, readTimeNs: value("rd.times"),
                writeBytes: value("wr.bytes") ?? 0, writeRequests: value("wr.reqs") ?? 0, writeTimeNs: value("wr.times"),
                capacity: value("capacity"), allocation: value("allocation"), physical: value("physical"))
        }
    }
}
